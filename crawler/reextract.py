"""``harvest reextract``: run extraction again over the archived pages, without the network.

In:  the archive database (``sources`` rows that point at a WARC record) and the WARC files
     beside it; optionally one site and a fetch-date lower bound.
Out: for every page whose re-extracted text differs from its current document, the same
     writes a crawl would make (a new document, or a link to an existing one with that text, a
     ``document_versions`` row, near-duplicate clustering), through the crawl's own stages:
     ``pipelines.extract.pipeline.ExtractPipeline`` -> ``pipelines.normalise.NormalisePipeline``
     -> ``pipelines.dedup.pipeline.DedupPipeline`` -> ``crawler.storage.pages.store_pages`` with
     the near-duplicate index. Pages whose text is
     unchanged are not written at all. Then the document pages the crawl archived but stored
     nothing for (no text came out then) are tried again, found through the CDXJ indexes.
     Returns (and prints) a :class:`Summary`.

Each page is rebuilt as the crawl saw it: the body from its response record (a revisit's from
the original record), the status and headers of that response, and the list page URL, link
title and date from the named fields of its request record (``LISTING_FIELDS``).

Restartable: sources are processed in id order in batches, each stored in one transaction,
and a checkpoint (table ``reextract_checkpoints``, one row per site/since selection) records
the last source done; a killed run resumes after it. Redoing a batch is harmless: its pages
are unchanged the second time.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from tqdm import tqdm

from crawler.items import PageItem
from crawler.settings import DOWNLOAD_MAXSIZE
from crawler.spiders import FAMILIES
from crawler.storage import connect
from crawler.storage.pages import body_sha1, page_row, store_pages
from crawler.storage.warc import (
    LISTING_FIELDS,
    WARC_DIR,
    PayloadIndex,
    WarcReader,
    archive_root_of,
    iter_index,
    site_of,
)
from pipelines.attach import AttachmentReader
from pipelines.attachments import Limits
from pipelines.dedup.index import NearDuplicateIndex, stored_settings
from pipelines.dedup.pipeline import DedupPipeline
from pipelines.extract.pipeline import ExtractPipeline
from pipelines.normalise import NormalisePipeline
from pipelines.store import with_attachments
from pipelines.text import utc_now

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    pages: int = 0  # sources looked at
    changed: int = 0  # re-extracted text differs: stored as a new version
    unchanged: int = 0
    empty: int = 0  # no text any more (kept as it was)
    unreadable: int = 0  # WARC record missing or unreadable
    recovered: int = 0  # archived document pages the crawl stored no text for, stored now
    resumed_after: int | None = None  # source id of the checkpoint resumed from
    stored: dict[str, int] = field(default_factory=dict)  # store_pages counts


def _selection(site: str | None, since: str | None) -> str:
    return f"site={site or '*'} since={since or '*'}"


def _where(site: str | None, since: str | None) -> tuple[str, list[Any]]:
    clauses, params = ["s.warc_file IS NOT NULL", "s.document_id IS NOT NULL"], []
    if site:
        clauses.append("s.site = ?")
        params.append(site)
    if since:
        clauses.append("s.fetched_at >= ?")
        params.append(since)
    return " AND ".join(clauses), params


class Reextractor:
    """Holds the stages, the reader and the database for one re-extraction run."""

    def __init__(self, db_path: str | Path, batch_size: int = 50) -> None:
        self.db_path = str(db_path)
        self.db = connect(self.db_path)
        self.conn: sqlite3.Connection = self.db.conn
        self.batch_size = batch_size
        self.payloads = PayloadIndex(self.conn)
        self.root = archive_root_of(self.db_path)
        # the crawl's own bound on a body (crawler/settings.py), also after decompression
        self.reader = WarcReader(self.root, self.payloads, max_bytes=DOWNLOAD_MAXSIZE)
        self.extract = ExtractPipeline()
        self.normalise = NormalisePipeline()
        # the index's own settings: re-extraction must not change the shape of the index
        settings = stored_settings(self.conn)
        self.dedup = DedupPipeline(settings)
        self.attach = AttachmentReader(Limits(), settings)
        self.index = NearDuplicateIndex(settings)
        self.families = dict(
            self.conn.execute("SELECT site, family FROM sources WHERE family IS NOT NULL")
        )

    def close(self) -> None:
        self.reader.close()
        self.payloads.close()
        self.db.close()

    def item_of(self, source: dict[str, Any]) -> PageItem:
        """The item the spider made when it fetched this page, rebuilt from the archive."""
        location = (source["warc_file"], source["warc_offset"], source["warc_length"])
        response = self.reader.response(*location)
        listing = self.reader.request_fields(*location)
        family = source.get("family") or self.families.get(source["site"])
        return PageItem(
            site=source["site"],
            family=family,
            primary_source=family in FAMILIES and FAMILIES[family].primary_source,
            url=source["url"],
            final_url=source["final_url"] or response.url,
            status=response.status,
            headers=response.headers,
            body=response.body,
            fetched_at=source["fetched_at"],
            list_url=listing.get(LISTING_FIELDS["list_url"], source.get("list_url")),
            list_title=listing.get(LISTING_FIELDS["list_title"]),
            list_date=listing.get(LISTING_FIELDS["list_date"], source.get("list_date")),
            warc_file=source["warc_file"],
            warc_offset=source["warc_offset"],
            warc_length=source["warc_length"],
            payload_digest=source["payload_digest"],
            attachments=self.attachments_of(source["url"]),
        )

    def attachments_of(self, page_url: str) -> list[dict[str, Any]]:
        """The files the page linked, rebuilt from their WARC records as the spider fetched
        them; a file that was never fetched keeps the reason it was not."""
        records = []
        rows = self.conn.execute(
            "SELECT url, final_url, link_text, filename_linked, error, status, fetched_at,"
            " warc_file, warc_offset, warc_length, payload_digest FROM attachments"
            " WHERE source_url = ? AND NOT is_page ORDER BY id",
            [page_url],
        )
        for row in rows:
            record = dict(zip([c[0] for c in rows.description], row, strict=True))
            if record["warc_file"] is not None and record["status"] == 200:
                location = (record["warc_file"], record["warc_offset"], record["warc_length"])
                response = self.reader.response(*location)
                record.update(headers=response.headers, body=response.body, error=None)
            records.append(record)
        return records

    def process(self, source: dict[str, Any], summary: Summary) -> list[dict[str, Any]]:
        """The store rows of a page whose text changed or that has files (the files' documents
        first), else none (and the summary counts why)."""
        summary.pages += 1
        if self.conn.execute(
            "SELECT 1 FROM attachments WHERE url = ? AND NOT is_page", [source["url"]]
        ).fetchone():
            summary.unchanged += 1  # a file's text: read again through the page that links it
            return []
        try:
            item = self.item_of(source)
        except (OSError, LookupError, ValueError, StopIteration) as exc:
            logger.warning("source %s: cannot read its WARC record: %s", source["url"], exc)
            summary.unreadable += 1
            return []
        try:
            item = self.extract.process_item(item)
            self.attach.process(ItemAdapter(item))
        except DropItem:
            summary.empty += 1
            return []
        item = self.normalise.process_item(item)
        linked = [a for a in item["attachments"] if not a.get("is_page")]
        # A page's files are read again whatever its own text did: their reader may have
        # changed (a new library version, a format newly supported).
        unchanged = item["content_hash"] == source["content_hash"]
        if unchanged and not linked:
            summary.unchanged += 1
            return []
        item = self.dedup.process_item(item)
        row = page_row(item)
        if source["raw_path"]:
            row["raw_path"], row["body_sha1"] = source["raw_path"], source["body_sha1"]
        else:  # a page stored for the first time: its raw page is the WARC record read
            row["raw_path"], row["body_sha1"] = row.get("warc_file"), body_sha1(item["body"])
        if source["id"] is None:
            summary.recovered += 1
        elif unchanged:
            summary.unchanged += 1
        else:
            summary.changed += 1
        return with_attachments(row, item["attachments"])

    def dropped(self, site: str | None, since: str | None) -> list[dict[str, Any]]:
        """Document pages the crawl fetched (status 200) but stored no text for, e.g. the
        extractor found none then: their latest WARC record, shaped like a sources row.

        Found from the CDXJ indexes: a response whose URL no source has and whose request
        record names the list page that linked it (list pages and robots.txt name none)."""
        redirected = {
            row[0]
            for row in self.conn.execute("SELECT final_url FROM sources WHERE final_url != url")
        }
        latest: dict[str, dict[str, Any]] = {}
        for entry in iter_index(self.root, site):
            url = entry["url"]
            if entry.get("status") != "200" or url in redirected:
                continue
            ts = entry["timestamp"]
            fetched = f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}+00:00"
            if since and fetched < since:
                continue
            if url in latest:
                if fetched > latest[url]["fetched_at"]:
                    latest[url].update(fetched_at=fetched, entry=entry)
                continue
            if self.conn.execute("SELECT 1 FROM sources WHERE url = ?", [url]).fetchone():
                continue
            latest[url] = {"fetched_at": fetched, "entry": entry}
        found = []
        for url, seen in sorted(latest.items()):
            entry = seen["entry"]
            location = (
                f"{WARC_DIR}/{entry['filename']}",
                int(entry["offset"]),
                int(entry["length"]),
            )
            if not self.reader.request_fields(*location).get(LISTING_FIELDS["list_url"]):
                continue
            found.append(
                {
                    "id": None,
                    "site": site_of(entry["filename"]),
                    "url": url,
                    "final_url": url,
                    "fetched_at": seen["fetched_at"],
                    "warc_file": location[0],
                    "warc_offset": location[1],
                    "warc_length": location[2],
                    "payload_digest": entry.get("digest"),
                    "list_url": None,
                    "list_date": None,
                    "content_hash": None,
                    "raw_path": None,
                    "body_sha1": None,
                }
            )
        return found

    def store(self, rows: list[dict[str, Any]], summary: Summary) -> None:
        if not rows:
            return
        for key, value in store_pages(self.db, rows, fetched=False, link=self.index).items():
            summary.stored[key] = summary.stored.get(key, 0) + value

    def run(
        self,
        site: str | None = None,
        since: str | None = None,
        restart: bool = False,
        progress: bool = True,
    ) -> Summary:
        summary = Summary()
        selection = _selection(site, since)
        if restart:
            self.conn.execute("DELETE FROM reextract_checkpoints WHERE selection = ?", [selection])
        checkpoint = self.conn.execute(
            "SELECT last_source_id FROM reextract_checkpoints WHERE selection = ?", [selection]
        ).fetchone()
        after = checkpoint[0] if checkpoint else 0
        summary.resumed_after = checkpoint[0] if checkpoint else None
        if not checkpoint:
            self.conn.execute(
                "INSERT INTO reextract_checkpoints VALUES (?, 0, ?, ?)",
                [selection, utc_now(), utc_now()],
            )
        where, params = _where(site, since)
        total = self.conn.execute(
            f"SELECT count(*) FROM sources s WHERE {where} AND s.id > ?", [*params, after]
        ).fetchone()[0]
        rows_of = self.conn.cursor()
        rows_of.row_factory = sqlite3.Row  # on this cursor only: store_pages shares the conn
        with tqdm(total=total, unit="page", disable=not progress, desc="reextract") as bar:
            while True:
                # Keyset pages: memory stays flat, and rows stored meanwhile cannot shift them.
                batch = [
                    dict(r)
                    for r in rows_of.execute(
                        "SELECT s.*, d.content_hash FROM sources s"
                        " JOIN documents d ON d.id = s.document_id"
                        f" WHERE {where} AND s.id > ? ORDER BY s.id LIMIT ?",
                        [*params, after, self.batch_size],
                    )
                ]
                if not batch:
                    break
                rows = [row for source in batch for row in self.process(source, summary)]
                self.store(rows, summary)
                after = batch[-1]["id"]
                self.conn.execute(
                    "UPDATE reextract_checkpoints SET last_source_id = ?, updated = ?"
                    " WHERE selection = ?",
                    [after, utc_now(), selection],
                )
                bar.update(len(batch))
                bar.set_postfix(changed=summary.changed, refresh=False)
        # Pages never stored are few and found afresh each time (stored ones drop out).
        dropped = self.dropped(site, since)
        with tqdm(
            total=len(dropped),
            unit="page",
            disable=not progress or not dropped,
            desc="unstored pages",
        ) as bar:
            for start in range(0, len(dropped), self.batch_size):
                batch = dropped[start : start + self.batch_size]
                self.store([row for s in batch for row in self.process(s, summary)], summary)
                bar.update(len(batch))
        # Finished: the next run of this selection starts from the beginning again.
        self.conn.execute("DELETE FROM reextract_checkpoints WHERE selection = ?", [selection])
        return summary


def reextract(
    db_path: str | Path,
    site: str | None = None,
    since: str | None = None,
    restart: bool = False,
    progress: bool = True,
    batch_size: int = 50,
) -> Summary:
    """Re-extract the archived pages of ``db_path`` (see the module docstring)."""
    runner = Reextractor(db_path, batch_size)
    try:
        return runner.run(site, since, restart, progress)
    finally:
        runner.close()
