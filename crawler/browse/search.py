"""Search as a researcher types it: one parser and one SQL builder for every search entry point.

In:  the query as typed: terms separated by spaces (all must match), phrases in quotes ("…",
     “…”, 「…」, 『…』), Traditional or Simplified characters.
Out: :class:`Query` (terms in Simplified plus the forms as typed) and SQL over ``documents`` and
     its FTS5 trigram index ``documents_fts(title, text, text_original)``:
     - :func:`search_sql`: a ranked result list with highlighted title and text snippet;
     - :func:`where_clauses`: filters for a table view (Datasette's documents table);
     - :func:`run`: executes :func:`search_sql` on a connection, every failure a
       :class:`QueryError` with a message a person can act on.

Terms of three or more characters go through the trigram index and are ranked with bm25 (a
title hit weighs more than a text hit). Trigram matches nothing under three characters
(科技, 工作), so one- and two-character terms are looked up in the short-term index
``documents_grams`` (:mod:`crawler.storage.grams`: every character and character pair of title
and text) when the archive has it (``grams_index=True``): no text is scanned to find them, and
a query of short terms only ranks the newest :data:`SHORT_SCAN_LIMIT` documents that contain
them. Without that index (an archive no harvest command has opened since), and for a short term
the index cannot hold (whitespace inside a quoted phrase), they are looked for with LIKE:
inside the rows the long terms found, or in the newest :data:`SHORT_SCAN_LIMIT` documents so
one query cannot read an unbounded archive.
"""

from __future__ import annotations

import html
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from crawler.storage import grams
from pipelines.text import to_simplified

SHORT_SCAN_LIMIT = 20_000
TRIGRAM = 3  # shortest term the trigram index can match
MAX_TERMS = 8
MAX_TERM_CHARS = 100
# Weights of the FTS columns title, text, text_original in bm25.
BM25_WEIGHTS = (10.0, 1.0, 0.5)
TITLE_HIT_WEIGHT = 10  # the same preference for short terms, counted by hand
SNIPPET_TOKENS = 40  # trigram tokens start at every character: about as many characters
SHORT_SNIPPET_BEFORE = 20  # characters of context before a short term's first hit
SHORT_SNIPPET_CHARS = 64
# Highlight markers: control characters never found in extracted text, turned into <mark>
# by :func:`render_highlight` after the text around them is escaped.
MARK_START = "\x02"
MARK_END = "\x03"
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
_TOKEN = re.compile(r'"[^"]*"?|“[^”]*”?|「[^」]*」?|『[^』]*』?|[^\s"“「『]+')
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.S)


class QueryError(ValueError):
    """A query the search cannot take; the message says why in words, never a traceback."""


@dataclass(frozen=True)
class Term:
    text: str  # Simplified, as searched in title and text
    typed: str  # as typed (also searched in text_original when it differs)
    phrase: bool  # was in quotes

    @property
    def short(self) -> bool:
        return len(self.text) < TRIGRAM

    def forms(self) -> tuple[str, ...]:
        return (self.text,) if self.typed == self.text else (self.text, self.typed)


@dataclass(frozen=True)
class Query:
    typed: str
    terms: tuple[Term, ...]

    @property
    def long_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.short)

    @property
    def short_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.short)

    @property
    def bounded(self) -> bool:
        """True when only the newest SHORT_SCAN_LIMIT documents are looked at."""
        return not self.long_terms

    def describe(self) -> list[str]:
        """One line per term, for the page that shows what was searched."""
        lines = []
        for term in self.terms:
            shown = f"“{term.text}”" + (f" (typed {term.typed})" if term.typed != term.text else "")
            where = (
                f"title or text, newest {SHORT_SCAN_LIMIT:,} documents"
                if term.short and self.bounded
                else "title or text"
            )
            lines.append(f"{shown} in {where}")
        return lines


def parse(typed: str | None) -> Query:
    """Terms of a query: quoted phrases kept whole, Traditional converted to Simplified.

    Raises :class:`QueryError` for an empty query, more than :data:`MAX_TERMS` terms or a term
    longer than :data:`MAX_TERM_CHARS` characters. An unclosed quote runs to the end.
    """
    text = unicodedata.normalize("NFKC", typed or "").strip()
    terms: list[Term] = []
    for token in _TOKEN.findall(text):
        phrase = token[0] in _QUOTES
        word = token[1:] if phrase else token
        if phrase and word.endswith(_QUOTES[token[0]]):
            word = word[:-1]
        word = word.strip()
        if not word:
            continue
        if len(word) > MAX_TERM_CHARS:
            raise QueryError(
                f"search term “{word[:12]}…” is {len(word)} characters long; "
                f"the longest the search takes is {MAX_TERM_CHARS}"
            )
        terms.append(Term(to_simplified(word) or word, word, phrase))
    if not terms:
        raise QueryError("nothing to search for: type a word, or a phrase in quotes")
    if len(terms) > MAX_TERMS:
        raise QueryError(
            f"{len(terms)} search terms; the search takes at most {MAX_TERMS} "
            "(put words that belong together in quotes)"
        )
    return Query(typed=typed or "", terms=tuple(terms))


def _fts_phrase(text: str) -> str:
    # Quoted, the user's stars, ORs, colons and parentheses are text, not FTS5 syntax.
    return '"' + text.replace('"', '""') + '"'


def fts_expression(query: Query) -> str | None:
    """The FTS5 MATCH expression of the long terms (every term, any of its forms)."""
    parts = []
    for term in query.long_terms:
        forms = [_fts_phrase(f) for f in term.forms() if len(f) >= TRIGRAM]
        parts.append(forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")")
    return " AND ".join(parts) or None


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def has_grams_index(conn: sqlite3.Connection) -> bool:
    """Whether the archive behind ``conn`` has the short-term index."""
    found = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [grams.TABLE]
    ).fetchone()
    return found is not None


def grams_expression(query: Query) -> str | None:
    """The ``documents_grams`` MATCH expression of the short terms (every term, any of its
    forms), or None when a form is one the index cannot hold (then LIKE looks for them)."""
    parts = []
    for term in query.short_terms:
        try:
            forms = [grams.match_phrase(form) for form in term.forms()]
        except ValueError:
            return None
        parts.append(forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")")
    return " AND ".join(parts) or None


def _grams_filter(query: Query, grams_index: bool, params: dict[str, Any]) -> bool:
    """Bind the short terms' index lookup as ``:q_grams``; False when LIKE must do it."""
    expression = grams_expression(query) if grams_index else None
    if expression is None:
        return False
    params["q_grams"] = expression
    return True


def _short_clauses(query: Query, alias: str, params: dict[str, Any]) -> list[str]:
    """One LIKE clause per short term: any of its forms in title, text or text_original."""
    clauses = []
    for i, term in enumerate(query.short_terms):
        ors = []
        for j, form in enumerate(term.forms()):
            name = f"q_like{i}_{j}"
            params[name] = like_pattern(form)
            ors += [
                f"{alias}.{column} like :{name} escape '\\'"
                for column in ("title", "text", "text_original")
            ]
        clauses.append("(" + " or ".join(ors) + ")")
    return clauses


def where_clauses(query: Query, grams_index: bool = False) -> tuple[list[str], dict[str, Any]]:
    """Filters on ``documents`` (no ranking) for a table view: (where clauses, params).
    ``grams_index``: the archive has ``documents_grams`` (:func:`has_grams_index`)."""
    params: dict[str, Any] = {}
    clauses: list[str] = []
    expression = fts_expression(query)
    if expression:
        params["q_fts"] = expression
        clauses.append("id in (select rowid from documents_fts where documents_fts match :q_fts)")
    if _grams_filter(query, grams_index, params):
        return [*clauses, grams.filter_clause("q_grams")], params
    shorts = _short_clauses(query, "d", params)
    if shorts:
        scope = "documents" if expression else (
            f"(select id, title, text, text_original from documents "
            f"order by id desc limit {SHORT_SCAN_LIMIT})"
        )  # fmt: skip
        clauses.append(f"id in (select d.id from {scope} d where {' and '.join(shorts)})")
    return clauses, params


def _mark_short(expression: str, query: Query, params: dict[str, Any]) -> str:
    """``expression`` with each short term wrapped in the highlight markers."""
    for i, term in enumerate(query.short_terms):
        params[f"q_short{i}"] = term.text
        expression = f"replace({expression}, :q_short{i}, :q_m0 || :q_short{i} || :q_m1)"
    return expression


def _short_score(query: Query) -> str:
    """Lower is better, like bm25: title hits weigh TITLE_HIT_WEIGHT times a text hit."""
    hits = []
    for i, _term in enumerate(query.short_terms):
        t = f":q_short{i}"
        for column, weight in (("title", TITLE_HIT_WEIGHT), ("text", 1)):
            hits.append(
                f"{weight} * (length(d.{column}) - length(replace(d.{column}, {t}, '')))"
                f" / length({t})"
            )
    return "-(" + " + ".join(hits) + ")"


COLUMNS = "d.id, d.title, d.published, d.agency, d.year"


def search_sql(
    query: Query, limit: int = 20, offset: int = 0, grams_index: bool = False
) -> tuple[str, dict[str, Any]]:
    """Ranked results: (sql, params). Columns: id, title, published, agency, year,
    ``title_highlighted``, ``text_snippet`` (markers :data:`MARK_START`/:data:`MARK_END`)
    and ``score`` (lower is better). ``grams_index``: as for :func:`where_clauses`."""
    params: dict[str, Any] = {
        "q_m0": MARK_START,
        "q_m1": MARK_END,
        "q_limit": int(limit),
        "q_offset": int(offset),
    }
    expression = fts_expression(query)
    indexed = _grams_filter(query, grams_index, params)
    shorts = [grams.filter_clause("q_grams")] if indexed else _short_clauses(query, "d", params)
    if expression:
        params["q_fts"] = expression
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        title = _mark_short("highlight(documents_fts, 0, :q_m0, :q_m1)", query, params)
        snippet = _mark_short(
            f"snippet(documents_fts, 1, :q_m0, :q_m1, '…', {SNIPPET_TOKENS})", query, params
        )
        where = " and ".join(["documents_fts match :q_fts", *shorts])
        sql = (
            f"select {COLUMNS}, {title} as title_highlighted, {snippet} as text_snippet, "
            f"bm25(documents_fts, {weights}) as score "
            "from documents_fts join documents d on d.id = documents_fts.rowid "
            f"where {where} order by score, d.id desc limit :q_limit offset :q_offset"
        )
        return sql, params
    title = _mark_short("d.title", query, params)
    around = (
        f"substr(d.text, max(1, instr(d.text, :q_short0) - {SHORT_SNIPPET_BEFORE}), "
        f"{SHORT_SNIPPET_CHARS})"
    )
    snippet = _mark_short(around, query, params)
    if indexed:  # the newest documents holding every short term, found in the index
        scope = (
            "(select * from documents where id in (select rowid from documents_grams"
            " where documents_grams match :q_grams order by rowid desc"
            f" limit {SHORT_SCAN_LIMIT})) d"
        )
        where = ""
    else:
        scope = f"(select * from documents order by id desc limit {SHORT_SCAN_LIMIT}) d"
        where = f"where {' and '.join(shorts)} "
    sql = (
        f"select {COLUMNS}, {title} as title_highlighted, {snippet} as text_snippet, "
        f"{_short_score(query)} as score from {scope} "
        f"{where}order by score, d.id desc limit :q_limit offset :q_offset"
    )
    return sql, params


def count_sql(query: Query, grams_index: bool = False) -> tuple[str, dict[str, Any]]:
    """How many documents match: (sql, params)."""
    clauses, params = where_clauses(query, grams_index)
    return f"select count(*) from documents where {' and '.join(clauses)}", params


def run(
    conn: sqlite3.Connection, typed: str, limit: int = 20, offset: int = 0
) -> tuple[Query, list[dict[str, Any]]]:
    """Parse, search and return (query, rows as dicts); any failure is a :class:`QueryError`."""
    query = parse(typed)
    try:
        sql, params = search_sql(query, limit, offset, has_grams_index(conn))
        cursor = conn.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return query, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except sqlite3.OperationalError as error:
        raise QueryError(explain(error)) from error


def explain(error: Exception) -> str:
    """A database error met while searching, in words (Datasette's time limit included)."""
    message = str(error)
    if "no such table: documents_fts" in message or "no such column" in message:
        return "the archive has no search index yet: the first `harvest crawl` builds it"
    if "interrupted" in message or type(error).__name__ == "QueryInterrupted":
        return "the search took too long and was stopped; add a longer or quoted term"
    return f"the search could not run ({message}); try fewer or longer terms"


def render_highlight(value: str | None) -> str:
    """HTML of a highlighted title or snippet: text escaped, hits in ``<mark>``."""
    if not value:
        return ""
    return _MARKED.sub(lambda m: "<mark>" + m.group(1) + "</mark>", html.escape(value, quote=False))


def plain_highlight(value: str | None, start: str = "【", end: str = "】") -> str:
    """A highlighted title or snippet for JSON or a terminal: hits between ``start``/``end``."""
    return (value or "").replace(MARK_START, start).replace(MARK_END, end)


def search(db: sqlite_utils.Database, typed: str, limit: int = 20) -> list[dict[str, Any]]:
    """Ranked documents for ``typed`` (see :func:`run`); an empty query finds nothing."""
    if not typed.strip():
        return []
    return run(db.conn, typed, limit)[1]
