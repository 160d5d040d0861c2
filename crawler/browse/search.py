"""Search as a researcher types it: one parser and one SQL builder for every search entry point.

In:  the query as typed: terms separated by spaces (all must match), phrases in quotes ("…",
     “…”, 「…」, 『…』), Traditional or Simplified characters.
Out: :class:`Query` (terms in Simplified plus the forms as typed) and SQL over ``documents`` and
     its full-text index ``documents_fts`` (:mod:`crawler.storage.fulltext`):
     - :func:`search_sql`: a ranked result list with highlighted title and text snippet;
     - :func:`count_sql`: how many documents match;
     - :func:`where_clauses`: filters for a table view (Datasette's documents table);
     - :func:`run`: executes :func:`search_sql` on a connection, every failure a
       :class:`QueryError` with a message a person can act on.

Every term, one character or twenty, is found in the index (no text is scanned) and the
matches are ranked with bm25, a title hit weighing more than a text hit; a query of single
characters only lists the newest documents holding them. A Traditional term is also looked for
as typed, which finds it in ``text_original``. The title is highlighted and the snippet cut
around the first term in the rows shown only.
"""

from __future__ import annotations

import html
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from crawler.storage import fulltext
from pipelines.text import to_simplified

MAX_TERMS = 8
MAX_TERM_CHARS = 100
# Weights of the index columns (crawler.storage.fulltext.COLUMNS) in bm25.
BM25_WEIGHTS = {"text": 1.0, "title": 10.0, "text_original": 0.5}
SNIPPET_BEFORE = 20  # characters of context before the first term's first hit
SNIPPET_CHARS = 64
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

    def forms(self) -> tuple[str, ...]:
        return (self.text,) if self.typed == self.text else (self.text, self.typed)


@dataclass(frozen=True)
class Query:
    typed: str
    terms: tuple[Term, ...]

    def describe(self) -> list[str]:
        """One line per term, for the page that shows what was searched."""
        return [
            f"“{term.text}”"
            + (f" (typed {term.typed})" if term.typed != term.text else "")
            + " in title or text"
            for term in self.terms
        ]


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


# The parameter each index table's FTS5 query is bound to.
_PARAMS = {fulltext.TABLE: "q_pairs", fulltext.CHARS_TABLE: "q_chars"}
_TABLES = {param: table for table, param in _PARAMS.items()}
_CHARS_SUBQUERY = fulltext.match_subquery("q_chars", fulltext.CHARS_TABLE)


def match_expressions(query: Query) -> dict[str, str]:
    """The FTS5 query of each index table a term needs (:func:`crawler.storage.fulltext.lookup`:
    one character in ``documents_chars``, more in ``documents_fts``), bound as ``:q_chars``
    and ``:q_pairs``: every term, any of its forms."""
    parts: dict[str, list[str]] = {}
    for term in query.terms:
        found = [fulltext.lookup(form) for form in term.forms()]
        if len({table for table, _ in found}) > 1:  # 乾 typed, 干 searched: both as pairs
            found = [(fulltext.TABLE, fulltext.pairs_expression(f)) for f in term.forms()]
        forms = [expression for _, expression in found]
        either = forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"
        parts.setdefault(_PARAMS[found[0][0]], []).append(either)
    return {param: " AND ".join(expressions) for param, expressions in parts.items()}


def where_clauses(query: Query) -> tuple[list[str], dict[str, Any]]:
    """Filters on ``documents`` (no ranking) for a table view: (where clauses, params)."""
    params = match_expressions(query)
    return [fulltext.filter_clause(param, _TABLES[param]) for param in params], params


def _marked(expression: str, query: Query) -> str:
    """``expression`` with each term (bound as ``:q_term<i>``) wrapped in the markers."""
    for i in range(len(query.terms)):
        expression = f"replace({expression}, :q_term{i}, :q_m0 || :q_term{i} || :q_m1)"
    return expression


COLUMNS = "d.id, d.title, d.published, d.agency, d.year"


def search_sql(query: Query, limit: int = 20, offset: int = 0) -> tuple[str, dict[str, Any]]:
    """Ranked results: (sql, params). Columns: id, title, published, agency, year,
    ``title_highlighted``, ``text_snippet`` (markers :data:`MARK_START`/:data:`MARK_END`)
    and ``score`` (bm25: lower is better).

    A query of single characters only (局, 科 局) lists the newest documents holding them:
    such characters are in most documents, and ranking them all would read every doclist's
    positions for a meaningless order."""
    params: dict[str, Any] = {
        **match_expressions(query),
        "q_m0": MARK_START,
        "q_m1": MARK_END,
        "q_limit": int(limit),
        "q_offset": int(offset),
        **{f"q_term{i}": term.text for i, term in enumerate(query.terms)},
    }
    around = f"substr(d.text, max(1, instr(d.text, :q_term0) - {SNIPPET_BEFORE}), {SNIPPET_CHARS})"
    shown = (
        f"select {COLUMNS}, {_marked('d.title', query)} as title_highlighted,"
        f" {_marked(around, query)} as text_snippet"
    )
    page = "limit :q_limit offset :q_offset"
    if "q_pairs" not in params:
        newest = f"{_CHARS_SUBQUERY} order by rowid desc {page}"
        sql = f"{shown}, 0.0 as score from documents d where d.id in ({newest})"
        return sql + " order by d.id desc", params
    chars = f" and d.id in ({_CHARS_SUBQUERY})" if "q_chars" in params else ""
    weights = ", ".join(str(BM25_WEIGHTS[column]) for column in fulltext.COLUMNS)
    sql = (
        f"{shown}, bm25({fulltext.TABLE}, {weights}) as score"
        f" from {fulltext.TABLE} join documents d on d.id = {fulltext.TABLE}.rowid"
        f" where {fulltext.TABLE} match :q_pairs{chars} order by score, d.id desc {page}"
    )
    return sql, params


def count_sql(query: Query) -> tuple[str, dict[str, Any]]:
    """How many documents match: (sql, params); the index alone answers it."""
    params = match_expressions(query)
    # the pairs when there are any, the characters narrowing them; else the characters alone
    match = "q_pairs" if "q_pairs" in params else "q_chars"
    chars = f" and rowid in ({_CHARS_SUBQUERY})" if len(params) > 1 else ""
    return f"select count(*) from ({fulltext.match_subquery(match, _TABLES[match])}{chars})", params


def run(
    conn: sqlite3.Connection, typed: str, limit: int = 20, offset: int = 0
) -> tuple[Query, list[dict[str, Any]]]:
    """Parse, search and return (query, rows as dicts); any failure is a :class:`QueryError`."""
    query = parse(typed)
    try:
        sql, params = search_sql(query, limit, offset)
        cursor = conn.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return query, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except sqlite3.OperationalError as error:
        raise QueryError(explain(error)) from error


def explain(error: Exception) -> str:
    """A database error met while searching, in words (Datasette's time limit included)."""
    message = str(error)
    if "no such table: documents_" in message or "no such column" in message:
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
