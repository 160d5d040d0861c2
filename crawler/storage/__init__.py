"""The SQLite archive: one place to open it and one way to write to it.

In:  a path (default ``archive/harvest.db``).
Out: a ``sqlite_utils.Database`` in WAL mode with a busy timeout and every table of
     :mod:`crawler.storage.schema` in place; :func:`transaction` for every write.

The modules below this package read as what the archive holds:

``schema``  every CREATE and the versioned migrations of existing archives
``pages``   documents, sources and versions as the store stage writes them
``runs``    run accounting and the health rules that turn a run into alerts
``warc``    the WARC files beside the database, their CDXJ indexes and payload index

One crawl opens one connection (:func:`crawler.storage.crawl.crawl_connection`), shared by the spider (reads), the
WARC middleware (payload index) and the store stage; readers such as Datasette use WAL to
read alongside it.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.storage.fulltext import register as register_fulltext

DEFAULT_DB = Path("archive/harvest.db")
MMAP_BYTES = 64 * 1024**2
CACHE_KIB = 64 * 1024


class StorageError(RuntimeError):
    """The archive cannot be opened or written; the message names the file and the cause."""


# (what SQLite or the OS says, what it means for the user); checked in order.
_CAUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("database or disk is full", "no space left"), "the disk is full"),
    (("readonly", "read-only"), "the archive is read-only"),
    (
        ("database is locked", "database table is locked", "busy"),
        "the database is locked by another process",
    ),
    (("not a database", "malformed", "corrupt"), "the database file is corrupt"),
    (("unable to open",), "the database file cannot be opened"),
    (("disk i/o error",), "disk I/O error (is the disk full or failing?)"),
)
_MAYBE_READ_ONLY = frozenset(
    {
        "the archive is read-only",
        "the database file cannot be opened",
        "disk I/O error (is the disk full or failing?)",
    }
)
_ERRNO_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the archive is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def storage_cause(exc: BaseException) -> str:
    """What a write or open failure means, in a few words (``the disk is full``)."""
    if isinstance(exc, OSError) and exc.errno in _ERRNO_CAUSES:
        return _ERRNO_CAUSES[exc.errno]
    text = str(exc).lower()
    for needles, cause in _CAUSES:
        if any(needle in text for needle in needles):
            return cause
    return str(exc) or type(exc).__name__


def _read_only(path: Path) -> bool:
    """SQLite says "unable to open" or "readonly" for a file it may not write; the file
    system says which (``access`` reports a read-only mount even to root)."""
    existing = path if path.exists() else path.parent
    return existing.exists() and not (
        os.access(existing, os.W_OK) and os.access(existing.parent, os.W_OK)
    )


def storage_error(path: str | Path, exc: BaseException, doing: str = "") -> StorageError:
    """A :class:`StorageError` naming ``path`` and the cause of ``exc`` in one line."""
    cause = storage_cause(exc)
    if cause in _MAYBE_READ_ONLY and _read_only(Path(path)):
        cause = "the archive is read-only (file system or permissions)"
    return StorageError(f"{path}: cannot {doing or 'use the archive'}: {cause}")


def configure(conn: sqlite3.Connection) -> None:
    """Connection settings every user of the archive applies."""
    conn.execute("PRAGMA journal_mode=WAL")  # readers (Datasette) work during writes
    conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    conn.execute("PRAGMA foreign_keys=ON")
    # The LSH bands index is probed at 64 random places per new document: served from mapped
    # pages rather than read() calls into SQLite's small default cache, a probe stays as cheap
    # with 100,000 documents as with 1,000. Mapped pages are the OS's, shared and evictable,
    # but they count in the process's RSS (a 2 GiB map showed 2 GB at 100,000 documents), so
    # the map covers the first 64 MiB and SQLite's page cache (and the OS's) serves the rest.
    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    register_fulltext(conn)  # the full-text index's triggers call it


def connect(path: str | Path = DEFAULT_DB) -> sqlite_utils.Database:
    """Open (creating if needed) the archive at ``path`` with its schema up to date."""
    from crawler.storage.schema import ensure_schema

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        configure(conn)
        db = sqlite_utils.Database(conn)
        ensure_schema(db)
    except (sqlite3.Error, OSError) as exc:
        raise storage_error(path, exc, "open the archive database") from None
    return db


@contextmanager
def transaction(db: sqlite_utils.Database | sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception: every write of the
    archive goes through here, so a killed or failing write never leaves half a batch.

    A rollback that fails because SQLite already rolled back (a full disk, an I/O error) does
    not mask the error that caused it."""
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


def insert(
    conn: sqlite3.Connection, table: str, values: dict[str, Any], upsert_on: str = ""
) -> sqlite3.Cursor:
    """``INSERT`` one row of ``values`` (column -> value); with ``upsert_on``, a row with the same
    value of that unique column is updated instead (all columns but it and ``first_seen``)."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    if upsert_on:
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in values if c not in (upsert_on, "first_seen")
        )
        sql += f" ON CONFLICT({upsert_on}) DO UPDATE SET {updates}"
    return conn.execute(sql, list(values.values()))
