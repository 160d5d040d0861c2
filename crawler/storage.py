"""The SQLite archive: schema, connection settings and the few writes everything shares.

In:  a path (default ``archive/harvest.db``).
Out: a ``sqlite_utils.Database`` in WAL mode with a busy timeout and these tables:

``documents``  one row per distinct clean text (exact copies share a row): title, text
               (Simplified), text_original, published and the metadata extraction found.
``sources``    one row per fetched document URL, pointing at its document.
``runs``       one row per crawl of one site, with the counts that tell whether it worked.
``documents_fts``  FTS5 (trigram tokenizer) over documents' title and text, kept in sync by
               triggers; queries under three characters fall back to LIKE (:func:`search`).

Only one process writes at a time (the crawl); readers such as Datasette use WAL to read
alongside it. DDL and writes go through ``db.execute``; every batch is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.clusters import ensure_cluster_schema, link_document

DEFAULT_DB = Path("archive/harvest.db")
MMAP_BYTES = 2 * 1024**3
CACHE_KIB = 64 * 1024
SCHEMA_VERSION = 1

DOCUMENT_COLUMNS: dict[str, type] = {
    "id": int,
    "title": str,
    "title_original": str,
    "text": str,
    "text_original": str,
    "published": str,
    "content_hash": str,
    "script": str,
    "agency": str,
    "region": str,
    "year": int,
    "period": str,
    "doc_type": str,
    "quality": float,
    "mojibake_spots": int,
    "partial": int,
    "length": int,
    "first_seen": str,
    "last_seen": str,
}

SOURCE_COLUMNS: dict[str, type] = {
    "id": int,
    "url": str,
    "final_url": str,
    "site": str,
    "document_id": int,
    "status": int,
    "fetched_at": str,
    "first_seen": str,
    "encoding": str,
    "title": str,
    "list_url": str,
    "list_date": str,
    "raw_path": str,
    "body_sha1": str,
    # incremental fetching: validators the site sent, and when to fetch the URL again
    "etag": str,
    "last_modified": str,
    "last_checked": str,
    "refetch_interval": float,  # seconds
    "next_fetch_after": str,
    "changes": int,  # how often the text at this URL changed
    # where the response is kept in the WARC archive (crawler/warc.py)
    "warc_file": str,
    "warc_offset": int,
    "warc_length": int,
    "payload_digest": str,
}

RUN_COLUMNS: dict[str, type] = {
    "id": int,
    "site": str,
    "started": str,
    "finished": str,
    "status": str,
    "finish_reason": str,
    "pages_fetched": int,
    "documents_seen": int,
    "documents_new": int,
    "documents_updated": int,
    "duplicates": int,
    "errors": int,
    "requests": int,
    "responses": str,  # JSON: count per HTTP status
    "list_pages": int,
    "documents_linked": int,  # document links found on list pages
    "documents_changed": int,  # known URLs whose text changed
    "documents_unchanged": int,  # known URLs fetched again with the same text
    "not_modified": int,  # known URLs answered 304
    "not_due": int,  # known URLs not fetched: their re-fetch interval has not passed
    "text_length_mean": float,  # mean clean-text length of the documents fetched (3 or more)
    "documents_shrunk": int,  # changed documents whose text lost more than half
    "duration_seconds": float,
    "alerts": int,
    "stats": str,
}

# Extraction metadata copied from an item's ``extraction`` dict onto its document row.
METADATA_FIELDS = (
    "agency",
    "region",
    "year",
    "period",
    "doc_type",
    "quality",
    "mojibake_spots",
    "partial",
)


class StorageError(RuntimeError):
    """The archive cannot be opened or written; the message names the file."""


def configure(conn: sqlite3.Connection) -> None:
    """Connection settings every writer of the archive uses."""
    conn.execute("PRAGMA journal_mode=WAL")  # readers (Datasette) work during writes
    conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    conn.execute("PRAGMA foreign_keys=ON")
    # The LSH bands index is probed at 64 random places per new document: served from mapped
    # pages rather than read() calls into SQLite's small default cache, a probe stays as cheap
    # with 100,000 documents as with 1,000. Mapped pages are the OS's, shared and evictable.
    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")


def connect(path: str | Path = DEFAULT_DB) -> sqlite_utils.Database:
    """Open (creating if needed) the archive at ``path`` with its schema in place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        configure(conn)
        db = sqlite_utils.Database(conn)
        ensure_schema(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path}: cannot open the archive database: {exc}") from None
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns, indexes and the FTS index; never drops anything."""
    if not db["documents"].exists():
        db["documents"].create(DOCUMENT_COLUMNS, pk="id", not_null={"text", "content_hash"})
    if not db["sources"].exists():
        db["sources"].create(
            SOURCE_COLUMNS,
            pk="id",
            not_null={"url", "site"},
            foreign_keys=[("document_id", "documents", "id")],
        )
    if not db["runs"].exists():
        db["runs"].create(RUN_COLUMNS, pk="id", not_null={"site", "started"})
    for table, columns in (
        ("documents", DOCUMENT_COLUMNS),
        ("sources", SOURCE_COLUMNS),
        ("runs", RUN_COLUMNS),
    ):
        missing = {c: t for c, t in columns.items() if c not in db[table].columns_dict}
        for column, col_type in missing.items():
            db[table].add_column(column, col_type)
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_documents_hash ON documents(content_hash)")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_sources_url ON sources(url)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_sources_document ON sources(document_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_runs_site ON runs(site, started)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS document_versions ("
        " id INTEGER PRIMARY KEY, url TEXT NOT NULL, document_id INTEGER NOT NULL"
        " REFERENCES documents(id), content_hash TEXT NOT NULL, first_seen TEXT NOT NULL,"
        " last_seen TEXT NOT NULL, UNIQUE (url, content_hash))"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS alerts ("
        " id INTEGER PRIMARY KEY, site TEXT NOT NULL, run_id INTEGER REFERENCES runs(id),"
        " created TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL)"
    )
    if not db["documents_fts"].exists():
        db["documents"].enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)
    _narrow_fts_update_trigger(db)
    ensure_cluster_schema(db)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


# Source columns that describe fetching rather than the text (see store_pages(fetched=False)).
FETCH_STATE = ("last_checked", "refetch_interval", "next_fetch_after", "changes")


@dataclass(frozen=True)
class Refetch:
    """Bounds of the adaptive re-fetch interval of a known document URL, in seconds."""

    minimum: float = 24 * 3600
    maximum: float = 90 * 24 * 3600

    def next(self, previous: float | None, changed: bool) -> float:
        """Halve the interval after a change, double it while the text stays the same."""
        if previous is None:
            return self.minimum
        interval = previous / 2 if changed else previous * 2
        return min(max(interval, self.minimum), self.maximum)


def _after(moment: str, seconds: float) -> str:
    return (datetime.fromisoformat(moment) + timedelta(seconds=seconds)).isoformat(
        timespec="seconds"
    )


def _insert(
    conn: sqlite3.Connection, table: str, values: dict[str, Any], upsert_on: str = ""
) -> sqlite3.Cursor:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    if upsert_on:
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in values if c not in (upsert_on, "first_seen")
        )
        sql += f" ON CONFLICT({upsert_on}) DO UPDATE SET {updates}"
    return conn.execute(sql, list(values.values()))


def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """sqlite-utils' update trigger re-indexes the text on any update; documents are updated on
    every crawl (last_seen, cluster columns) while their text never changes."""
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'documents_au'"
    ).fetchone()
    if row and "UPDATE OF title, text" in row[0]:
        return
    db.execute("DROP TRIGGER IF EXISTS documents_au")
    db.execute(
        "CREATE TRIGGER documents_au AFTER UPDATE OF title, text ON documents BEGIN\n"
        "  INSERT INTO documents_fts (documents_fts, rowid, title, text)"
        " VALUES('delete', old.rowid, old.title, old.text);\n"
        "  INSERT INTO documents_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);\n"
        "END"
    )


def store_pages(
    db: sqlite_utils.Database,
    rows: Iterable[dict[str, Any]],
    refetch: Refetch = Refetch(),
    fetched: bool = True,
) -> dict[str, int]:
    """Write a batch of extracted pages in one transaction.

    Each row carries the document fields (title, text, content_hash, …) and the source fields
    (url, site, status, headers' etag/last_modified, …; prefixed ``source_`` where the names
    clash). A text already stored (same ``content_hash``) gains a source and a later
    ``last_seen``, never a second row. Text is never overwritten: when a known URL serves a new
    text, that text becomes (or joins) another document, the URL's ``document_versions`` gain
    a row, and the old document stays as it was.

    ``fetched=False`` (re-extraction from the archive) records the texts without touching what
    describes fetching: a URL's re-fetch interval, next due time, last check and change count.

    Returns counts: ``new`` documents, ``updated`` (an existing document seen again),
    ``sources`` written, per URL ``new_urls``, ``changed`` (of which ``shrunk``: the new
    text is less than half as long) and ``unchanged``, and the new documents that have
    ``near_duplicates`` (of which ``recycled``).
    """
    counts = dict.fromkeys(
        (
            "new",
            "updated",
            "sources",
            "new_urls",
            "changed",
            "unchanged",
            "shrunk",
            "near_duplicates",
            "recycled",
        ),
        0,
    )
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            seen = row["fetched_at"]
            existing = conn.execute(
                "SELECT id FROM documents WHERE content_hash = ?", [row["content_hash"]]
            ).fetchone()
            if existing:
                document_id = existing[0]
                conn.execute(
                    "UPDATE documents SET last_seen = max(coalesce(last_seen, ''), ?) WHERE id = ?",
                    [seen, document_id],
                )
                counts["updated"] += 1
            else:
                document = {k: row.get(k) for k in DOCUMENT_COLUMNS if k != "id"}
                document.update(first_seen=seen, last_seen=seen, length=len(row["text"] or ""))
                document_id = _insert(conn, "documents", document).lastrowid
                counts["new"] += 1
            previous = conn.execute(
                "SELECT document_id, refetch_interval, coalesce(changes, 0) FROM sources"
                " WHERE url = ?",
                [row["url"]],
            ).fetchone()
            changed = previous is not None and previous[0] != document_id
            counts["new_urls" if previous is None else "changed" if changed else "unchanged"] += 1
            if changed:
                (old_length,) = conn.execute(
                    "SELECT coalesce(length, 0) FROM documents WHERE id = ?", [previous[0]]
                ).fetchone()
                # A page whose text lost more than half: the template may have changed.
                counts["shrunk"] += len(row["text"] or "") < old_length / 2
            interval = refetch.next(previous[1] if previous else None, changed)
            source = {k: row.get(f"source_{k}", row.get(k)) for k in SOURCE_COLUMNS if k != "id"}
            source.update(document_id=document_id, first_seen=seen)
            if fetched or previous is None:
                source.update(
                    last_checked=seen,
                    refetch_interval=interval,
                    next_fetch_after=_after(seen, interval),
                    changes=(previous[2] + changed) if previous else 0,
                )
            else:
                for column in FETCH_STATE:
                    source.pop(column)
            _insert(conn, "sources", source, upsert_on="url")
            conn.execute(
                "INSERT INTO document_versions (url, document_id, content_hash, first_seen,"
                " last_seen) VALUES (?, ?, ?, ?, ?) ON CONFLICT(url, content_hash)"
                " DO UPDATE SET last_seen = excluded.last_seen",
                [row["url"], document_id, row["content_hash"], seen, seen],
            )
            matches = link_document(conn, document_id, row)
            counts["near_duplicates"] += bool(matches)
            counts["recycled"] += any(m.recycled for m in matches)
            counts["sources"] += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return counts


def touch_unchanged(
    db: sqlite_utils.Database, checks: Iterable[tuple[str, str]], refetch: Refetch = Refetch()
) -> int:
    """Record ``(url, checked_at)`` pairs answered 304 Not Modified: the URL's document and
    version were seen again and its re-fetch interval grows. Returns the URLs touched."""
    touched = 0
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        for url, checked in checks:
            known = conn.execute(
                "SELECT document_id, refetch_interval FROM sources WHERE url = ?", [url]
            ).fetchone()
            if known is None:
                continue
            interval = refetch.next(known[1], changed=False)
            conn.execute(
                "UPDATE sources SET last_checked = ?, refetch_interval = ?, next_fetch_after = ?"
                " WHERE url = ?",
                [checked, interval, _after(checked, interval), url],
            )
            conn.execute(
                "UPDATE documents SET last_seen = max(coalesce(last_seen, ''), ?) WHERE id = ?",
                [checked, known[0]],
            )
            conn.execute(
                "UPDATE document_versions SET last_seen = ? WHERE url = ? AND document_id = ?",
                [checked, url, known[0]],
            )
            touched += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return touched


def known_urls(db: sqlite_utils.Database, site: str) -> dict[str, dict[str, Any]]:
    """The document URLs of ``site`` already stored, with their validators and next due time."""
    return {
        row["url"]: row
        for row in db.query(
            "SELECT url, etag, last_modified, next_fetch_after FROM sources WHERE site = ?", [site]
        )
    }


def search(db: sqlite_utils.Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Documents whose title or text contains ``query``, best first.

    FTS5 trigram for three or more characters; one- and two-character queries (科技, 工作),
    which trigram cannot match, scan the documents table with LIKE instead.
    """
    query = query.strip()
    if not query:
        return []
    if len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        sql = (
            "SELECT documents.id, documents.title, documents.published FROM documents_fts "
            "JOIN documents ON documents.id = documents_fts.rowid "
            "WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?"
        )
        return list(db.query(sql, [phrase, limit]))
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = (
        "SELECT id, title, published FROM documents "
        "WHERE title LIKE :p ESCAPE '\\' OR text LIKE :p ESCAPE '\\' "
        "ORDER BY published DESC LIMIT :limit"
    )
    return list(db.query(sql, {"p": pattern, "limit": limit}))
