"""Store stage: write documents and sources to SQLite, raw pages to the archive folder, and
one ``runs`` row per crawl.

In:  a fully processed item (extracted, normalised, deduplicated).
Out: rows in ``documents`` / ``sources`` / ``document_versions`` (crawler.storage), the page
     body gzipped under ``<archive>/raw/<site>/<sha1>.html.gz`` (named by content, so a page
     fetched twice is kept once), and at spider close a ``runs`` row with the counts that tell
     whether the run worked, checked against the site's recent runs (crawler.health).
     Known pages that answered 304 arrive as the ``page_not_modified`` signal, not as items.

Items are buffered and written in batches of ``HARVEST_BATCH_SIZE``, each batch one
transaction, so a killed crawl loses at most one unwritten batch and never leaves half a batch.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.health import check_run
from crawler.signals import page_not_modified
from crawler.storage import METADATA_FIELDS, Refetch, connect, store_pages, touch_unchanged

logger = logging.getLogger(__name__)

# Set on the item by the spider from the WARC writer's record of the response.
WARC_FIELDS = ("warc_file", "warc_offset", "warc_length", "payload_digest")
MIN_PAGES_FOR_MEAN = 3


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def save_raw(raw_dir: Path, site: str, body: bytes) -> tuple[str, str]:
    """Write ``body`` once under ``raw_dir/site``; return (path relative to raw_dir's parent,
    sha1 of the body)."""
    digest = hashlib.sha1(body).hexdigest()
    path = raw_dir / site / f"{digest}.html.gz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_bytes(gzip.compress(body, mtime=0))
        partial.replace(path)  # atomic: a killed process leaves no half-written page
    return str(path.relative_to(raw_dir.parent)), digest


def store_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """The row :func:`crawler.storage.store_pages` takes, from a processed item (or any
    mapping with the same keys, as re-extraction builds them)."""
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
        "status": item.get("status"),
        "fetched_at": item["fetched_at"],
        "encoding": item.get("encoding"),
        "source_title": item.get("title"),
        "list_url": item.get("list_url"),
        "list_date": item.get("list_date"),
        "etag": headers.get("etag"),
        "last_modified": headers.get("last-modified"),
        **{k: item.get(k) for k in WARC_FIELDS},
    }
    if isinstance(row.get("partial"), bool):
        row["partial"] = int(row["partial"])
    return row


class StorePipeline:
    """Batches items into SQLite and records the run; counts under ``harvest/store/``."""

    def __init__(self, db_path: str, raw_dir: str, batch_size: int, crawler=None) -> None:
        self.db_path = db_path
        self.raw_dir = Path(raw_dir)
        self.batch_size = batch_size
        self.crawler = crawler
        self.buffer: list[dict[str, Any]] = []
        self.not_modified: list[tuple[str, str]] = []
        self.counts: Counter[str] = Counter()
        self.text_lengths: list[int] = []
        self.refetch = Refetch()
        self.started = _now()
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        pipeline = cls(
            settings.get("HARVEST_DB"),
            settings.get("HARVEST_RAW_DIR"),
            settings.getint("HARVEST_BATCH_SIZE", 20),
            crawler,
        )
        # The finish reason is only known once the spider has closed, after the pipelines.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.page_not_modified, signal=page_not_modified)
        return pipeline

    @property
    def stats(self):
        return self.crawler.stats if self.crawler is not None else None

    def open_spider(self) -> None:
        self.db = connect(self.db_path)
        self.started = _now()
        site = getattr(getattr(self.crawler, "spider", None), "site", None)
        if site is not None:
            self.refetch = Refetch(
                minimum=site.incremental.min_refetch_hours * 3600,
                maximum=site.incremental.max_refetch_days * 86400,
            )

    def process_item(self, item):
        adapter = ItemAdapter(item)
        row = store_row(adapter)
        row["raw_path"], row["body_sha1"] = save_raw(self.raw_dir, adapter["site"], adapter["body"])
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
        counts = store_pages(self.db, self.buffer, self.refetch)
        self.buffer.clear()
        self.counts.update(counts)
        for key, value in counts.items():
            if self.stats is not None:
                self.stats.inc_value(f"harvest/store/{key}", value)

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider, reason: str) -> None:
        try:
            self.flush()  # 304s signalled after the pipelines closed
            run_id = self.record_run(spider.site.name, reason)
            check_run(self.db, run_id)
        finally:
            self.db.close()

    def record_run(self, site: str, reason: str) -> int:
        stats = self.stats.get_stats() if self.stats is not None else {}
        spider_stat = {
            k.removeprefix("harvest/spider/"): v
            for k, v in stats.items()
            if k.startswith("harvest/spider/")
        }
        pages = stats.get("response_received_count", 0)
        errors = (
            stats.get("log_count/ERROR", 0)
            + stats.get("spider_exceptions/count", 0)
            + stats.get("downloader/exception_count", 0)
            + sum(v for k, v in spider_stat.items() if k.startswith("http_error/"))
        )
        failed = pages == 0 or stats.get("spider_exceptions/count", 0) > 0
        started = stats.get("start_time")
        responses = {
            k.rsplit("/", 1)[1]: v
            for k, v in stats.items()
            if k.startswith("downloader/response_status_count/")
        }
        run = {
            "site": site,
            "started": self.started,
            "finished": _now(),
            # "shutdown": stopped by SIGINT/SIGTERM after finishing the requests in flight
            "status": "failed" if failed else "interrupted" if reason == "shutdown" else "ok",
            "finish_reason": reason,
            "pages_fetched": pages,
            "documents_seen": self.counts["sources"],
            "documents_new": self.counts["new"],
            "documents_updated": self.counts["updated"],
            "documents_changed": self.counts["changed"],
            "documents_unchanged": self.counts["unchanged"],
            "not_modified": spider_stat.get("not_modified", 0),
            "not_due": spider_stat.get("not_due", 0),
            "list_pages": spider_stat.get("list_pages", 0),
            "documents_linked": spider_stat.get("documents_linked", 0),
            "duplicates": stats.get("harvest/dedup/exact_duplicates", 0),
            "errors": errors,
            "requests": stats.get("downloader/request_count", 0),
            "responses": json.dumps(responses, sort_keys=True),
            # a mean over one or two pages says more about those pages than about the site
            "text_length_mean": (
                sum(self.text_lengths) / len(self.text_lengths)
                if len(self.text_lengths) >= MIN_PAGES_FOR_MEAN
                else None
            ),
            "documents_shrunk": self.counts["shrunk"],
            "duration_seconds": (
                (datetime.now(UTC) - started).total_seconds()
                if isinstance(started, datetime)
                else None
            ),
            "stats": json.dumps(stats, default=str, ensure_ascii=False, sort_keys=True),
        }
        run_id = self.db["runs"].insert(run).last_pk
        if failed:
            logger.error("site %s: run failed: %d pages fetched, %d errors", site, pages, errors)
        return run_id
