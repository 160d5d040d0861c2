"""Store stage: write documents and sources to SQLite, link near copies, record the run.

In:  a fully processed item (extracted, normalised, with its dedup key).
Out: rows in ``documents`` / ``sources`` / ``document_versions``
     (:func:`crawler.storage.pages.store_pages`), near-duplicate links and clusters
     (:class:`pipelines.dedup.index.NearDuplicateIndex`, in the same transaction), a ``runs``
     row written when the
     spider opens and completed and checked against the site's recent runs when it closes
     (:mod:`crawler.storage.runs`), the links of a completed walk and the dead links
     (:mod:`crawler.storage.walks`). Known pages
     that answered 304 arrive as the ``page_not_modified`` signal, not as items.

Items are buffered and written in batches of ``HARVEST_BATCH_SIZE``, each batch one
transaction, so a killed crawl loses at most one unwritten batch and never leaves half a batch.
Writes go through the crawl's one archive connection (:mod:`crawler.storage.crawl`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections import Counter
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.signals import link_dead, page_not_modified
from crawler.storage import storage_error
from crawler.storage.attachments import attachment_row, quality
from crawler.storage.crawl import crawl_connection, stop_crawl
from crawler.storage.pages import Refetch, body_sha1, page_row, store_pages, touch_unchanged
from crawler.storage.runs import finish_run, run_row, start_run
from crawler.storage.walks import forget_dead_links, record_dead_links, record_walk
from crawler.storage.warc import WARC_FIELDS
from pipelines.dedup.index import NearDuplicateIndex
from pipelines.dedup.settings import NearDupSettings
from pipelines.text import utc_now

logger = logging.getLogger(__name__)

# What a full disk, a read-only or locked or corrupt archive raises on a write.
STORAGE_FAILURES = (sqlite3.Error, OSError)


def files_text(record: dict[str, Any]) -> bool:
    """An attachment that has a text of its own to file (not the page itself served as a file,
    whose text is the page's row already)."""
    return bool(record.get("content_hash")) and not record.get("is_page")


def attachment_document_row(page: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The store row of an attachment's text: a document with the file's URL as its source,
    dated and attributed like the page that links it (agency, region, published), titled by
    the file's name when that reads as a title."""
    row = {k: v for k, v in page.items() if k != "attachments"}
    row.update(
        {k: record.get(k) for k in ("title", "title_original", "text", "text_original", "script")},
        content_hash=record["content_hash"],
        dedup_shingles=record.get("dedup_shingles"),
        dedup_signature=record.get("dedup_signature"),
        url=record["url"],
        final_url=record.get("final_url"),
        status=record.get("status"),
        fetched_at=record.get("fetched_at") or page["fetched_at"],
        encoding=None,
        source_title=record.get("title") or page.get("title"),
        list_url=page["url"],
        etag=(record.get("headers") or {}).get("etag"),
        last_modified=(record.get("headers") or {}).get("last-modified"),
        quality=quality(record.get("text_original")),
        mojibake_spots=0,
        partial=0,
        raw_path=None,
        body_sha1=None,
        article_text=None,
        text_source=None,
        **{k: record.get(k) for k in WARC_FIELDS},
    )
    row["title"] = row["title"] or page.get("title")
    row["title_original"] = row["title_original"] or page.get("title_original")
    return row


def with_attachments(row: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The store rows of a page and its files: the files' own documents first (the page's
    ``attachments`` rows point at them), then the page carrying its attachment rows."""
    rows = [attachment_document_row(row, r) for r in records if files_text(r)]
    row["attachments"] = [attachment_row(r) for r in records]
    return [*rows, row]


class StorePipeline:
    """Batches items into SQLite and records the run; counts under ``harvest/store/``.

    The run's row is written when the spider opens (status ``running``) and completed when it
    closes, together with the walk it made (:mod:`crawler.storage.walks`) when that walk
    completed. A write that fails (full disk, read-only, locked or corrupt archive) stops the
    crawl at once with one message naming the file and the cause (finish reason
    ``storage_error``); what was committed before stays.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db_path = settings.get("HARVEST_DB")
        self.batch_size = settings.getint("HARVEST_BATCH_SIZE")
        self.index = NearDuplicateIndex(NearDupSettings.from_settings(settings))
        self.buffer: list[dict[str, Any]] = []
        self.not_modified: list[tuple[str, str]] = []
        self.dead: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.text_lengths: list[int] = []
        self.refetch = Refetch()
        self.started = utc_now()
        self.db = None
        self.run_id: int | None = None
        self.failed: str | None = None  # the storage failure that stopped the crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        if crawler.settings.getbool("HARVEST_DIST_CRAWL"):
            # a distributed crawl child: pages go to the Redis stream, the ingester stores them
            from crawler.distributed.crawling import StreamStorePipeline

            return StreamStorePipeline.from_crawler(crawler)
        pipeline = cls(crawler)
        # The finish reason is only known once the spider has closed, after the pipelines.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.page_not_modified, signal=page_not_modified)
        crawler.signals.connect(pipeline.link_dead, signal=link_dead)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self) -> None:
        self.db = crawl_connection(self.crawler)
        # Refuses (DedupSettingsMismatch) when the stored index was built with another shape.
        self.index.open(self.db.conn)
        self.started = utc_now()
        site = self.crawler.spider.site
        self.refetch = Refetch(
            minimum=site.incremental.min_refetch_hours * 3600,
            maximum=site.incremental.max_refetch_days * 86400,
        )
        self.guarded(lambda: setattr(self, "run_id", self._start_run(site.name)))

    def _start_run(self, site: str) -> int:
        return start_run(self.db, site, self.started, os.getpid())

    def process_item(self, item):
        if self.failed:  # the crawl is stopping; the run is recorded as failed
            return item
        adapter = ItemAdapter(item)
        row = page_row(adapter)
        self.guarded(lambda: self._buffer(row, adapter))
        return item

    def _buffer(self, row: dict[str, Any], adapter: ItemAdapter) -> None:
        # The raw page is the WARC record the middleware wrote (sources.warc_*): no second copy.
        row["raw_path"], row["body_sha1"] = row.get("warc_file"), body_sha1(adapter["body"])
        self.text_lengths.append(len(row["text"] or ""))
        self.buffer.extend(with_attachments(row, adapter.get("attachments") or []))
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def page_not_modified(self, url: str, checked_at: str) -> None:
        self.not_modified.append((url, checked_at))
        if len(self.not_modified) >= self.batch_size:
            self.guarded(self.flush)

    def link_dead(self, link: dict[str, Any]) -> None:
        self.dead.append(link)
        if len(self.dead) >= self.batch_size:
            self.guarded(self.flush)

    def item_dropped(self, item, response, exception, spider=None) -> None:
        """A page the pipelines dropped (no text in it) is remembered as a dead link."""
        if self.failed or not isinstance(exception, DropItem):
            return
        adapter = ItemAdapter(item)
        reason = str(exception).split(" from ", 1)[0][:200]
        self.link_dead(
            {
                "url": adapter.get("url"),
                "status": adapter.get("status"),
                "reason": reason,
                "permanent": True,
                "checked": adapter.get("fetched_at") or utc_now(),
                "list_url": adapter.get("list_url"),
            }
        )

    def flush(self) -> None:
        if self.not_modified:
            touch_unchanged(self.db, self.not_modified, self.refetch)
            self.not_modified.clear()
        if self.dead:
            record_dead_links(self.db, self.crawler.spider.site.name, self.dead)
            self.dead.clear()
        if not self.buffer:
            return
        counts = store_pages(self.db, self.buffer, self.refetch, link=self.index)
        stored = [row["url"] for row in self.buffer]
        self.buffer.clear()
        self.counts.update(counts)
        for key, value in counts.items():
            self.crawler.stats.inc_value(f"harvest/store/{key}", value)
        forget_dead_links(self.db, stored)

    def guarded(self, write) -> bool:
        """Run ``write``; on a storage failure, say so once and stop the crawl."""
        if self.failed:
            return False
        try:
            write()
        except STORAGE_FAILURES as exc:
            error = storage_error(self.db_path, exc, "write to the archive")
            self.failed = str(error)
            self.buffer.clear()
            self.crawler.stats.inc_value("harvest/store/storage_errors")
            if getattr(self.crawler, "harvest_failure", None):
                return False  # the crawl is already stopping for this cause: said once
            self.crawler.harvest_failure = self.failed
            logger.error("%s; stopping the crawl", error, exc_info=True)
            stop_crawl(self.crawler, "storage_error")
            return False
        return True

    def close_spider(self) -> None:
        self.guarded(self.flush)

    def spider_closed(self, spider, reason: str) -> None:
        self.guarded(self.flush)  # 304s signalled after the pipelines closed
        if self.failed:
            reason = "storage_error"
        self.guarded(lambda: self._record(spider, reason))

    def _record(self, spider, reason: str) -> None:
        completed = spider.walk_completed(reason)
        stats = self.crawler.stats.get_stats()
        run = run_row(spider.site.name, reason, stats, self.counts, self.text_lengths, completed)
        if completed:
            record_walk(self.db, spider.site.name, spider.walk.resolved_links(), utc_now())
        if self.run_id is not None:
            finish_run(self.db, self.run_id, run)
