"""Store stage: write documents and sources to SQLite, link near copies, record the run.

In:  a fully processed item (extracted, normalised, with its dedup key).
Out: rows in ``documents`` / ``sources`` / ``document_versions``
     (:func:`crawler.storage.pages.store_pages`), near-duplicate links and clusters
     (:class:`pipelines.dedup.index.NearDuplicateIndex`, in the same transaction), and at
     spider close a ``runs``
     row checked against the site's recent runs (:mod:`crawler.storage.runs`). Known pages
     that answered 304 arrive as the ``page_not_modified`` signal, not as items.

Items are buffered and written in batches of ``HARVEST_BATCH_SIZE``, each batch one
transaction, so a killed crawl loses at most one unwritten batch and never leaves half a batch.
Writes go through the crawl's one archive connection (:mod:`crawler.storage.crawl`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.signals import page_not_modified
from crawler.storage.crawl import crawl_connection
from crawler.storage.pages import Refetch, body_sha1, page_row, store_pages, touch_unchanged
from crawler.storage.runs import record_run, run_row
from pipelines.dedup.index import NearDuplicateIndex
from pipelines.dedup.similarity import NearDupSettings
from pipelines.text import utc_now


class StorePipeline:
    """Batches items into SQLite and records the run; counts under ``harvest/store/``."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.batch_size = settings.getint("HARVEST_BATCH_SIZE")
        self.index = NearDuplicateIndex(NearDupSettings.from_settings(settings))
        self.buffer: list[dict[str, Any]] = []
        self.not_modified: list[tuple[str, str]] = []
        self.counts: Counter[str] = Counter()
        self.text_lengths: list[int] = []
        self.refetch = Refetch()
        self.started = utc_now()
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        # The finish reason is only known once the spider has closed, after the pipelines.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.page_not_modified, signal=page_not_modified)
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

    def process_item(self, item):
        adapter = ItemAdapter(item)
        row = page_row(adapter)
        # The raw page is the WARC record the middleware wrote (sources.warc_*): no second copy.
        row["raw_path"], row["body_sha1"] = row.get("warc_file"), body_sha1(adapter["body"])
        self.text_lengths.append(len(row["text"] or ""))
        self.buffer.append(row)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def page_not_modified(self, url: str, checked_at: str) -> None:
        self.not_modified.append((url, checked_at))
        if len(self.not_modified) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.not_modified:
            touch_unchanged(self.db, self.not_modified, self.refetch)
            self.not_modified.clear()
        if not self.buffer:
            return
        counts = store_pages(self.db, self.buffer, self.refetch, link=self.index)
        self.buffer.clear()
        self.counts.update(counts)
        for key, value in counts.items():
            self.crawler.stats.inc_value(f"harvest/store/{key}", value)

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider, reason: str) -> None:
        self.flush()  # 304s signalled after the pipelines closed
        stats = self.crawler.stats.get_stats()
        run = run_row(spider.site.name, self.started, reason, stats, self.counts, self.text_lengths)
        record_run(self.db, run)
