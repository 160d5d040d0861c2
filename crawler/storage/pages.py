"""Documents, sources and versions as the store stage writes them.

In:  batches of rows (one per extracted page: the document's fields and the source's), or the
     URLs a site answered 304 for.
Out: ``documents`` (one row per distinct text), ``sources`` (one row per URL),
     ``document_versions`` (every text a URL has served), each batch in one transaction; the
     near-duplicate linker the caller passes runs inside that transaction for every page.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.storage import insert, transaction
from crawler.storage.attachments import write_attachments
from crawler.storage.schema import DOCUMENT_COLUMNS, SOURCE_COLUMNS
from crawler.storage.warc import WARC_FIELDS

# Called for every stored page inside the store transaction with (connection, document id,
# row); returns the near duplicates found (objects with a ``recycled`` flag).
Linker = Callable[[sqlite3.Connection, int, dict[str, Any]], Sequence[Any]]

# Extraction metadata copied from an item's ``extraction`` onto its document row.
METADATA_FIELDS = (
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
    "mojibake_spots",
    "partial",
)


def page_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """The row :func:`store_pages` takes, from a processed item (the crawl's, or the one
    re-extraction rebuilds from the WARC archive)."""
    extraction = item.get("extraction") or {}
    headers = item.get("headers") or {}
    row = {
        **{k: extraction.get(k) for k in METADATA_FIELDS},
        "title": item.get("title"),
        "title_original": item.get("title_original"),
        "text": item["text"],
        "text_original": item["text_original"],
        "published": item.get("published"),
        "content_hash": item["content_hash"],
        "script": item.get("script"),
        "url": item["url"],
        "final_url": item.get("final_url"),
        "site": item["site"],
        "family": item.get("family"),
        "primary_source": int(bool(item.get("primary_source"))),
        "status": item.get("status"),
        "fetched_at": item["fetched_at"],
        "encoding": item.get("encoding"),
        "source_title": item.get("title"),
        "list_url": item.get("list_url"),
        "list_date": item.get("list_date"),
        "etag": headers.get("etag"),
        "last_modified": headers.get("last-modified"),
        "article_text": item.get("article_text"),
        "text_source": item.get("text_source"),
        "dedup_shingles": item.get("dedup_shingles"),
        "dedup_signature": item.get("dedup_signature"),
        **{k: item.get(k) for k in WARC_FIELDS},
    }
    if isinstance(row.get("partial"), bool):
        row["partial"] = int(row["partial"])
    return row


def body_sha1(body: bytes) -> str:
    """SHA-1 of a response body, as ``sources.body_sha1`` records it."""
    return hashlib.sha1(body).hexdigest()


# What store_pages counts, per batch.
STORE_COUNTS = (
    "new",
    "updated",
    "sources",
    "new_urls",
    "changed",
    "unchanged",
    "shrunk",
    "near_duplicates",
    "recycled",
    "copies",
    "attachments",
)

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


def store_pages(
    db: sqlite_utils.Database,
    rows: Iterable[dict[str, Any]],
    refetch: Refetch = Refetch(),
    fetched: bool = True,
    link: Linker | None = None,
) -> dict[str, int]:
    """Write a batch of extracted pages in one transaction.

    Each row carries the document fields (title, text, content_hash, …) and the source fields
    (url, site, status, headers' etag/last_modified, …; prefixed ``source_`` where the names
    clash). A text already stored (same ``content_hash``) gains a source and a later
    ``last_seen``, never a second row. Text is never overwritten: when a known URL serves a new
    text, that text becomes (or joins) another document, the URL's ``document_versions`` gain
    a row, and the old document stays as it was.

    ``link`` (the near-duplicate index, :class:`pipelines.dedup.index.NearDuplicateIndex`) is
    called for every page once its source row is written.

    ``fetched=False`` (re-extraction from the archive) records the texts without touching what
    describes fetching: a URL's re-fetch interval, next due time, last check and change count.

    Returns counts: ``new`` documents, ``updated`` (an existing document seen again),
    ``sources`` written, per URL ``new_urls``, ``changed`` (of which ``shrunk``: the new
    text is less than half as long) and ``unchanged``, ``copies`` (a stored text reached
    through another URL), and the new documents that have ``near_duplicates`` (of which
    ``recycled``), and the ``attachments`` rows written (a row's ``attachments``: the files
    its page links, :func:`crawler.storage.attachments.write_attachments`; the documents of
    their texts come earlier in the same batch).
    """
    counts = dict.fromkeys(STORE_COUNTS, 0)
    with transaction(db) as conn:
        for row in rows:
            document_id, existed = _store_document(conn, row, clustered=link is not None)
            counts["updated" if existed else "new"] += 1
            previous = conn.execute(
                "SELECT document_id, refetch_interval, coalesce(changes, 0) FROM sources"
                " WHERE url = ?",
                [row["url"]],
            ).fetchone()
            changed = previous is not None and previous[0] != document_id
            # an exact copy: a stored text reached through a URL that did not serve it before
            counts["copies"] += existed and (previous is None or changed)
            counts["new_urls" if previous is None else "changed" if changed else "unchanged"] += 1
            if changed:
                (old_length,) = conn.execute(
                    "SELECT coalesce(length, 0) FROM documents WHERE id = ?", [previous[0]]
                ).fetchone()
                # A page whose text lost more than half: the template may have changed.
                counts["shrunk"] += len(row["text"] or "") < old_length / 2
            _store_source(conn, row, document_id, previous, changed, refetch, fetched)
            if row.get("attachments"):
                counts["attachments"] += write_attachments(
                    conn, row["url"], document_id, row["attachments"]
                )
            matches = link(conn, document_id, row) if link is not None else ()
            counts["near_duplicates"] += bool(matches)
            counts["recycled"] += any(m.recycled for m in matches)
            counts["sources"] += 1
    return counts


def _store_document(
    conn: sqlite3.Connection, row: dict[str, Any], clustered: bool = False
) -> tuple[int, bool]:
    """The id of the document with this row's text, inserted when new; and whether it existed
    (it is then only seen again: a later ``last_seen``). ``clustered``: a near-duplicate index
    will cluster it."""
    seen = row["fetched_at"]
    existing = conn.execute(
        "SELECT id FROM documents WHERE content_hash = ?", [row["content_hash"]]
    ).fetchone()
    if existing:
        conn.execute(
            "UPDATE documents SET last_seen = max(coalesce(last_seen, ''), ?) WHERE id = ?",
            [seen, existing[0]],
        )
        return existing[0], True
    document = {k: row.get(k) for k in DOCUMENT_COLUMNS if k != "id"}
    document.update(first_seen=seen, last_seen=seen, length=len(row["text"] or ""))
    if document["text_original"] == document["text"]:
        document["text_original"] = None  # most pages are Simplified already: one copy
    if clustered:
        # A new document starts as its own cluster's canonical member; writing that now
        # spares the near-duplicate index an UPDATE, which rewrites the whole row.
        (document["id"],) = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM documents"
        ).fetchone()
        document.update(cluster_id=document["id"], is_canonical=1)
    return insert(conn, "documents", document).lastrowid, False


def _store_source(
    conn: sqlite3.Connection,
    row: dict[str, Any],
    document_id: int,
    previous: tuple[int, float | None, int] | None,
    changed: bool,
    refetch: Refetch,
    fetched: bool,
) -> None:
    """Upsert the URL's ``sources`` row and its ``document_versions`` row."""
    seen = row["fetched_at"]
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
    insert(conn, "sources", source, upsert_on="url")
    conn.execute(
        "INSERT INTO document_versions (url, document_id, content_hash, first_seen,"
        " last_seen) VALUES (?, ?, ?, ?, ?) ON CONFLICT(url, content_hash)"
        " DO UPDATE SET last_seen = excluded.last_seen",
        [row["url"], document_id, row["content_hash"], seen, seen],
    )


def touch_unchanged(
    db: sqlite_utils.Database, checks: Iterable[tuple[str, str]], refetch: Refetch = Refetch()
) -> int:
    """Record ``(url, checked_at)`` pairs answered 304 Not Modified: the URL's document and
    version were seen again and its re-fetch interval grows. Returns the URLs touched."""
    touched = 0
    with transaction(db) as conn:
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
    return touched


def known_urls(db: sqlite_utils.Database, site: str) -> dict[str, dict[str, Any]]:
    """The document URLs of ``site`` already stored, with their validators and next due time."""
    return {
        row["url"]: row
        for row in db.query(
            "SELECT url, etag, last_modified, next_fetch_after FROM sources WHERE site = ?", [site]
        )
    }
