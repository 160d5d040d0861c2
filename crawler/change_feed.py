"""The change feed: every change a downstream consumer must see gets a change number.

In:  writes to ``documents``, ``sources`` and ``document_versions`` by anyone (the crawl, a
     re-extraction, ``harvest dedup --rebuild``): the triggers below see them all.
Out: table ``changes(change_no, document_id, kind, changed_at)``; ``change_no`` comes from
     ``AUTOINCREMENT``, so it only grows and is never reused, and as SQLite has one writer at a
     time, numbers become visible in the order they were given. Kinds:

``document``  a new document (a text never seen before).
``source``    the document gained a source (a copy found later) or lost one (the URL moved on).
``version``   a URL the archive knew now serves this document: a new version of that page.
``cluster``   the document's cluster or its cluster's canonical member changed.
``metadata``  a correction of its metadata (re-extraction): title, date, agency, region, …

:func:`changed_documents` reads the documents changed after a cursor, each once, with the
kinds of change, in the order of their last change. Re-fetches that found the same text and
``last_seen`` updates are not changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

KINDS = ("document", "source", "version", "cluster", "metadata")
# Document columns whose correction a consumer must receive (text never changes in place:
# a new text is a new document).
METADATA_COLUMNS = (
    "title",
    "title_original",
    "published",
    "script",
    "agency",
    "agency_original",
    "region",
    "region_code",
    "province",
    "city",
    "county",
    "year",
    "period",
    "doc_type",
    "quality",
    "partial",
    "mojibake_spots",
)

_NOW = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"


def statements() -> list[str]:
    """CREATE statements of the table, its index and the triggers that fill it."""
    changed = " OR ".join(f"new.{c} IS NOT old.{c}" for c in METADATA_COLUMNS)
    return [
        "CREATE TABLE IF NOT EXISTS changes (\n"
        "    change_no INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "    document_id INTEGER NOT NULL,\n"
        "    kind TEXT NOT NULL,\n"
        f"    changed_at TEXT NOT NULL DEFAULT ({_NOW})\n"
        ")",
        "CREATE INDEX IF NOT EXISTS idx_changes_document ON changes(document_id, change_no)",
        "CREATE TRIGGER IF NOT EXISTS changes_document AFTER INSERT ON documents BEGIN\n"
        "  INSERT INTO changes (document_id, kind) VALUES (new.id, 'document');\n"
        "END",
        "CREATE TRIGGER IF NOT EXISTS changes_source AFTER INSERT ON sources\n"
        "WHEN new.document_id IS NOT NULL BEGIN\n"
        "  INSERT INTO changes (document_id, kind) VALUES (new.document_id, 'source');\n"
        "END",
        # The URL now serves another text: a new version for the new document, one source
        # fewer for the old one.
        "CREATE TRIGGER IF NOT EXISTS changes_source_moved AFTER UPDATE OF document_id ON sources\n"
        "WHEN new.document_id IS NOT old.document_id BEGIN\n"
        "  INSERT INTO changes (document_id, kind)\n"
        "    SELECT old.document_id, 'source' WHERE old.document_id IS NOT NULL;\n"
        "  INSERT INTO changes (document_id, kind)\n"
        "    SELECT new.document_id, 'version' WHERE new.document_id IS NOT NULL;\n"
        "END",
        # Every member's canonical_id changes with its cluster's canonical member.
        "CREATE TRIGGER IF NOT EXISTS changes_cluster\n"
        "AFTER UPDATE OF cluster_id, is_canonical ON documents\n"
        "WHEN new.cluster_id IS NOT old.cluster_id OR new.is_canonical IS NOT old.is_canonical\n"
        "BEGIN\n"
        "  INSERT INTO changes (document_id, kind) VALUES (new.id, 'cluster');\n"
        "  INSERT INTO changes (document_id, kind)\n"
        "    SELECT id, 'cluster' FROM documents\n"
        "    WHERE new.is_canonical IS NOT old.is_canonical AND cluster_id = new.cluster_id\n"
        "      AND id != new.id;\n"
        "END",
        "CREATE TRIGGER IF NOT EXISTS changes_metadata\n"
        f"AFTER UPDATE OF {', '.join(METADATA_COLUMNS)} ON documents\n"
        f"WHEN {changed} BEGIN\n"
        "  INSERT INTO changes (document_id, kind) VALUES (new.id, 'metadata');\n"
        "END",
    ]


def backfill(conn: sqlite3.Connection) -> None:
    """An archive from before the feed: one ``document`` change per document, in id order,
    so ``--after-change 0`` sends everything once."""
    conn.execute(
        "INSERT INTO changes (document_id, kind) SELECT id, 'document' FROM documents "
        "WHERE NOT EXISTS (SELECT 1 FROM changes) ORDER BY id"
    )


def last_change(conn: sqlite3.Connection) -> int:
    """The highest change number so far (0 for none)."""
    return conn.execute("SELECT coalesce(max(change_no), 0) FROM changes").fetchone()[0]


def changed_documents(
    conn: sqlite3.Connection, after: int, upto: int, page_size: int = 500
) -> Iterator[list[tuple[int, int, str]]]:
    """Pages of (document_id, last change_no, kinds) for changes in (``after``, ``upto``].

    Each document comes once, at its last change in the range, so a consumer that stores
    records by document_id ends with the current state. Run inside one read transaction with
    ``upto = last_change(conn)`` so the next cursor, ``upto``, misses nothing.
    """
    cursor = conn.execute(
        "SELECT document_id, max(change_no) AS last_no, group_concat(DISTINCT kind) AS kinds "
        "FROM changes WHERE change_no > ? AND change_no <= ? "
        "GROUP BY document_id ORDER BY last_no",
        [after, upto],
    )
    while True:
        page = cursor.fetchmany(page_size)
        if not page:
            return
        yield [(row[0], row[1], _ordered_kinds(row[2])) for row in page]


def _ordered_kinds(kinds: str) -> str:
    present = set(kinds.split(","))
    return ",".join(k for k in KINDS if k in present)
