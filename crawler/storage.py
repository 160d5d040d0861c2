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
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.clusters import ensure_cluster_schema, link_document

DEFAULT_DB = Path("archive/harvest.db")
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


def connect(path: str | Path = DEFAULT_DB) -> sqlite_utils.Database:
    """Open (creating if needed) the archive at ``path`` with its schema in place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
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
    if not db["documents_fts"].exists():
        db["documents"].enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)
    ensure_cluster_schema(db)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def store_pages(db: sqlite_utils.Database, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Write a batch of extracted pages in one transaction.

    Each row carries the document fields (title, text, content_hash, …) and the source fields
    (url, site, status, …; prefixed ``source_`` where the names clash). A text already stored
    (same ``content_hash``) gains a source and a later ``last_seen``, never a second row.
    Returns counts: new, updated (existing document seen again), sources.
    """
    counts = {"new": 0, "updated": 0, "sources": 0}
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
                columns = ", ".join(document)
                marks = ", ".join("?" for _ in document)
                cursor = conn.execute(
                    f"INSERT INTO documents ({columns}) VALUES ({marks})", list(document.values())
                )
                document_id = cursor.lastrowid
                counts["new"] += 1
            source = {k: row.get(f"source_{k}", row.get(k)) for k in SOURCE_COLUMNS if k != "id"}
            source.update(document_id=document_id, first_seen=seen)
            columns = ", ".join(source)
            marks = ", ".join("?" for _ in source)
            updates = ", ".join(
                f"{c} = excluded.{c}" for c in source if c not in ("url", "first_seen")
            )
            conn.execute(
                f"INSERT INTO sources ({columns}) VALUES ({marks}) "
                f"ON CONFLICT(url) DO UPDATE SET {updates}",
                list(source.values()),
            )
            link_document(conn, document_id, row)
            counts["sources"] += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return counts


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
