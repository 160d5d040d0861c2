"""The full-text index: which documents contain a string of any length, and how well.

Chinese has no spaces between words, so the index is of characters, not words. Each
whitespace-separated run of a title or text is indexed as the pairs of characters that start at
each of its positions, the run's last character standing alone (科技局 -> 科技 技局 局). A
string of two or more characters is then the FTS5 phrase of its own pairs (工作总结 -> "工作
作总 总结"): matched exactly from the index, whatever its length, with no text read. One
character is the prefix phrase "科" *, which matches the one token starting at each place the
character occurs.

``documents_fts`` is a contentless FTS5 table (``content=''``) over title, text and
text_original, with positions (``detail=full``), so bm25 ranks matches and weighs title hits.
Its tokenizer splits on the ASCII space only: the tokens are made in Python by
:func:`pair_tokens` (the SQL function ``harvest_pairs``, which :func:`register` makes callable
by the triggers on every connection that writes the archive) and the tokenizer must not split
them again. Replacing an FTS5 trigram index over the same columns and a separate index of one-
and two-character strings, it is a third of their size and indexes a document three times as
fast (benchmarks/scale.py).

In:  documents' title, text and text_original (triggers); terms as a person typed them.
Out: :func:`match_expression` (the FTS5 query of a term), :func:`filter_clause` (the same as
     a WHERE clause on ``documents``), :func:`ensure` (the table, its triggers, filled).
"""

from __future__ import annotations

import sqlite3

TABLE = "documents_fts"
FUNCTION = "harvest_pairs"
COLUMNS = ("title", "text", "text_original")

# Every character is a token character but the space, which separates the pairs; case is folded
# on both sides of a search (the query goes through the same tokenizer).
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* Z* C*' separators ' '"

_CREATE = f"""
CREATE VIRTUAL TABLE {TABLE} USING fts5(
    {", ".join(COLUMNS)}, content='', tokenize="{TOKENIZER}"
)
"""


def _values(prefix: str) -> str:
    return ", ".join(f"{FUNCTION}({prefix}.{column})" for column in COLUMNS)


# A contentless table forgets a row by being told its tokens again: they are made again from
# the old values, which are still there when the trigger runs.
_TRIGGERS = {
    "documents_fts_ai": f"""
CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN
  INSERT INTO {TABLE} (rowid, {", ".join(COLUMNS)}) VALUES (new.id, {_values("new")});
END""",
    "documents_fts_ad": f"""
CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN
  INSERT INTO {TABLE} ({TABLE}, rowid, {", ".join(COLUMNS)})
    VALUES ('delete', old.id, {_values("old")});
END""",
    # documents are updated on every crawl (last_seen, cluster columns); only these re-index
    "documents_fts_au": f"""
CREATE TRIGGER documents_fts_au AFTER UPDATE OF {", ".join(COLUMNS)} ON documents BEGIN
  INSERT INTO {TABLE} ({TABLE}, rowid, {", ".join(COLUMNS)})
    VALUES ('delete', old.id, {_values("old")});
  INSERT INTO {TABLE} (rowid, {", ".join(COLUMNS)}) VALUES (new.id, {_values("new")});
END""",
}

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


def pair_tokens(text: str | None) -> str | None:
    """``text`` as the index holds it: per whitespace-separated run, the character pair at each
    position and the run's last character alone, space-separated (科技 局长 -> 科技 技 局长 长)."""
    if not text:
        return text
    tokens: list[str] = []
    for run in text.split():
        tokens.extend(map(str.__add__, run, run[1:]))
        tokens.append(run[-1])
    return " ".join(tokens)


def match_expression(term: str) -> str:
    """The FTS5 query matching the documents whose title or text contains ``term`` (any length;
    whitespace inside it matches any whitespace). ValueError for a term of whitespace only."""
    runs = term.split()
    if not runs:
        raise ValueError("match_expression: nothing to search for")
    tokens: list[str] = []
    for run in runs[:-1]:
        tokens.extend(map(str.__add__, run, run[1:]))
        tokens.append(run[-1])  # the run ends where the text's run ends: exact
    last = runs[-1]
    if len(last) == 1:  # any token that starts with it: the character, wherever it stands
        tokens.append(last)
        return _phrase(tokens) + " *"
    tokens.extend(map(str.__add__, last, last[1:]))
    return _phrase(tokens)


def _phrase(tokens: list[str]) -> str:
    # Quoted, the user's stars, ORs, colons and parentheses are text, not FTS5 syntax.
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def filter_clause(param: str) -> str:
    """A WHERE clause on ``documents`` for the documents matching the FTS5 query bound to
    ``:param``, e.g. a Datasette filter.

    The unary ``+`` keeps SQLite from fetching every matching row by id (a common character
    matches nearly every document); it scans an index instead and checks each id against the
    match, so counts, facets and the newest-first page read no rows they do not show."""
    return f"+id IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :{param})"


def register(conn: sqlite3.Connection) -> None:
    """Make ``harvest_pairs(text)`` callable by this connection's triggers."""
    conn.create_function(FUNCTION, 1, pair_tokens, deterministic=True)


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether the archive has this index (not an older one under the same name)."""
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE]
    ).fetchone()
    return row is not None and "content=''" in row[0] and "separators" in row[0]


def ensure(conn: sqlite3.Connection) -> None:
    """The index and its triggers, built from the stored documents when new; an older
    archive's trigram and short-term indexes are dropped for it."""
    if is_current(conn):
        for name, sql in _TRIGGERS.items():
            conn.execute(sql.replace(f"TRIGGER {name}", f"TRIGGER IF NOT EXISTS {name}"))
        return
    for trigger in (*_SUPERSEDED_TRIGGERS, *_TRIGGERS):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in (*_SUPERSEDED_TABLES, TABLE):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(_CREATE)
    columns = ", ".join(COLUMNS)
    conn.execute(
        f"INSERT INTO {TABLE} (rowid, {columns}) SELECT id, {_values('documents')} FROM documents"
    )
    for sql in _TRIGGERS.values():
        conn.execute(sql)
