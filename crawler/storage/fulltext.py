"""The full-text index: which documents contain a string of any length, and how well.

Chinese has no spaces between words, so the index is of characters, not words. Each
whitespace-separated run of a title or text is indexed as the pairs of characters that start at
each of its positions, the run's last character standing alone (科技局 -> 科技 技局 局). A
string of two or more characters is then the FTS5 phrase of its own pairs (工作总结 -> "工作
作总 总结"): matched exactly from the index, whatever its length, with no text read.

A single character would be the prefix phrase "科" * there (every token starting with it), which
FTS5 answers by merging hundreds of doclists: 0.3 s at 10,000 documents. So a second, small
table ``documents_chars`` (no positions, ``detail=none``) lists each document's distinct
characters once, and a one-character term is a single doclist read from it.

``documents_fts`` is a contentless FTS5 table (``content=''``) over text, title and
text_original, with positions (``detail=full``), so bm25 ranks matches and weighs title hits.
Its tokenizer splits on the ASCII space only: the tokens are made in Python by
:func:`pair_tokens` (the SQL function ``harvest_pairs``, which :func:`register` makes callable
by the triggers on every connection that writes the archive) and the tokenizer must not split
them again. With ``documents_chars`` it replaced an FTS5 trigram index over the same columns
and a separate index of one- and two-character strings: 14.4 KB a document against their
~26 KB, and about half the indexing time (benchmarks/scale.py, README "Measured").

In:  documents' title, text and text_original (triggers); terms as a person typed them.
Out: :func:`lookup` (which table finds a term, and the FTS5 query there),
     :func:`filter_clause` (the same as a WHERE clause on ``documents``), :func:`ensure` (the
     tables and their triggers, filled).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

TABLE = "documents_fts"
CHARS_TABLE = "documents_chars"
FUNCTION = "harvest_pairs"
CHARS_FUNCTION = "harvest_chars"
# The text first: FTS5 marks every doclist entry of a later column with its number, two bytes
# for each of a text's ~2,500 distinct pairs (5 KB a document when the title came first).
COLUMNS = ("text", "title", "text_original")

# Every character is a token character but the space, which separates the pairs; case is folded
# on both sides of a search (the query goes through the same tokenizer).
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* Z* C*' separators ' '"

_CREATE = f"""
CREATE VIRTUAL TABLE {TABLE} USING fts5(
    {", ".join(COLUMNS)}, content='', tokenize="{TOKENIZER}"
)
"""
_CREATE_CHARS = f"""
CREATE VIRTUAL TABLE {CHARS_TABLE} USING fts5(
    chars, content='', detail=none, columnsize=0, tokenize="{TOKENIZER}"
)
"""


def _values(prefix: str) -> str:
    return ", ".join(f"{FUNCTION}({prefix}.{column})" for column in COLUMNS)


def _chars(prefix: str) -> str:
    return f"{CHARS_FUNCTION}({', '.join(f'{prefix}.{column}' for column in COLUMNS)})"


def _index_triggers(table: str, columns: str, values: Callable[[str], str]) -> dict[str, str]:
    """The insert, delete and update triggers keeping ``table`` in step with ``documents``:
    ``columns`` of ``table`` get ``values("new")`` / ``values("old")``.

    A contentless table forgets a row by being told its tokens again: they are made again from
    the old values, which are still there when the trigger runs. Documents are updated on every
    crawl (last_seen, cluster columns); only a change of the indexed columns re-indexes."""
    insert = f"INSERT INTO {table} (rowid, {columns}) VALUES (new.id, {values('new')});"
    delete = (
        f"INSERT INTO {table} ({table}, rowid, {columns}) VALUES ('delete', old.id, "
        f"{values('old')});"
    )
    return {
        f"{table}_ai": f"CREATE TRIGGER {table}_ai AFTER INSERT ON documents BEGIN\n  {insert}\nEND",
        f"{table}_ad": f"CREATE TRIGGER {table}_ad AFTER DELETE ON documents BEGIN\n  {delete}\nEND",
        f"{table}_au": (
            f"CREATE TRIGGER {table}_au AFTER UPDATE OF {', '.join(COLUMNS)} ON documents BEGIN"
            f"\n  {delete}\n  {insert}\nEND"
        ),
    }


# (table, its columns, what fills them from a documents row)
_INDEXES: tuple[tuple[str, str, Callable[[str], str]], ...] = (
    (TABLE, ", ".join(COLUMNS), _values),
    (CHARS_TABLE, "chars", _chars),
)
_TRIGGERS = {name: sql for index in _INDEXES for name, sql in _index_triggers(*index).items()}

# What archives before version 13 had instead: sqlite-utils' FTS5 trigram index (its triggers
# documents_ai/_ad/_au) and the short-term index of characters and pairs.
_SUPERSEDED_TRIGGERS = (
    "documents_ai",
    "documents_ad",
    "documents_au",
    "documents_grams_ai",
    "documents_grams_ad",
    "documents_grams_au",
)
_SUPERSEDED_TABLES = ("documents_grams",)


def _tokens(runs: list[str]) -> list[str]:
    """Per run, the character pair at each position and the run's last character alone."""
    tokens: list[str] = []
    for run in runs:
        tokens.extend(map(str.__add__, run, run[1:]))
        tokens.append(run[-1])
    return tokens


def pair_tokens(text: str | None) -> str | None:
    """``text`` as the index holds it: the tokens of its whitespace-separated runs,
    space-separated (科技 局长 -> 科技 技 局长 长)."""
    return " ".join(_tokens(text.split())) if text else text


def chars_of(*texts: str | None) -> str:
    """The distinct characters of ``texts`` but whitespace, space-separated."""
    chars = set().union(*(text for text in texts if text))
    return " ".join(ch for ch in chars if not ch.isspace())


def lookup(term: str) -> tuple[str, str]:
    """(table, FTS5 query) finding the documents whose title or text contains ``term``: one
    character in :data:`CHARS_TABLE`, more in :data:`TABLE` (any length; whitespace inside
    it matches any whitespace). ValueError for a term of whitespace only."""
    term = term.strip()
    if len(term) == 1:
        return CHARS_TABLE, _phrase([term])
    return TABLE, pairs_expression(term)


def pairs_expression(term: str) -> str:
    """The FTS5 query of ``term`` in :data:`TABLE`; ValueError for whitespace only."""
    runs = term.split()
    if not runs:
        raise ValueError("pairs_expression: nothing to search for")
    tokens = _tokens(runs[:-1])  # these runs end where the text's runs end: exact
    last = runs[-1]
    if len(last) == 1:  # any token that starts with it: the character, wherever it stands
        tokens.append(last)
        return _phrase(tokens) + " *"
    tokens.extend(map(str.__add__, last, last[1:]))
    return _phrase(tokens)


def _phrase(tokens: list[str]) -> str:
    # Quoted, the user's stars, ORs, colons and parentheses are text, not FTS5 syntax.
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def match_subquery(param: str, table: str = TABLE) -> str:
    """The ids (``rowid``) of the documents matching the FTS5 query bound to ``:param`` in
    ``table``, as a subquery."""
    return f"SELECT rowid FROM {table} WHERE {table} MATCH :{param}"


def filter_clause(param: str, table: str = TABLE) -> str:
    """A WHERE clause on ``documents`` for the documents matching the FTS5 query bound to
    ``:param`` in ``table``, e.g. a Datasette filter.

    The unary ``+`` keeps SQLite from fetching every matching row by id (a common character
    matches nearly every document); it scans an index instead and checks each id against the
    match, so counts, facets and the newest-first page read no rows they do not show."""
    return f"+id IN ({match_subquery(param, table)})"


def register(conn: sqlite3.Connection) -> None:
    """Make ``harvest_pairs(text)`` and ``harvest_chars(text, title, text_original)`` callable
    by this connection's triggers."""
    conn.create_function(FUNCTION, 1, pair_tokens, deterministic=True)
    conn.create_function(CHARS_FUNCTION, len(COLUMNS), chars_of, deterministic=True)


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether the archive has these two tables (not an older index under the same name)."""
    found = dict(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
            [TABLE, CHARS_TABLE],
        ).fetchall()
    )
    wanted = {TABLE: _CREATE.strip(), CHARS_TABLE: _CREATE_CHARS.strip()}
    return all(found.get(name, "").strip() == sql for name, sql in wanted.items())


def ensure(conn: sqlite3.Connection) -> None:
    """The two tables and their triggers, built from the stored documents when new; an older
    archive's trigram and short-term indexes are dropped for them."""
    if is_current(conn):
        for name, sql in _TRIGGERS.items():
            conn.execute(sql.replace(f"TRIGGER {name}", f"TRIGGER IF NOT EXISTS {name}"))
        return
    for trigger in (*_SUPERSEDED_TRIGGERS, *_TRIGGERS):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in (*_SUPERSEDED_TABLES, TABLE, CHARS_TABLE):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(_CREATE)
    conn.execute(_CREATE_CHARS)
    for table, columns, values in _INDEXES:
        conn.execute(
            f"INSERT INTO {table} (rowid, {columns}) SELECT id, {values('documents')} FROM documents"
        )
    for sql in _TRIGGERS.values():
        conn.execute(sql)
