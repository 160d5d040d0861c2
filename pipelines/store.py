"""Store stage: write documents and sources to SQLite, raw pages to the archive folder, and
one ``runs`` row per crawl.

In:  a fully processed item (extracted, normalised, deduplicated).
Out: rows in ``documents`` / ``sources`` (crawler.storage), the page body gzipped under
     ``<archive>/raw/<site>/<sha1>.html.gz`` (named by content, so a page fetched twice is kept
     once), and at spider close a ``runs`` row with the counts that tell whether the run worked.

Items are buffered and written in batches of ``HARVEST_BATCH_SIZE``, each batch one
transaction, so a killed crawl loses at most one unwritten batch and never leaves half a batch.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.storage import METADATA_FIELDS, connect, store_pages

logger = logging.getLogger(__name__)

# Set on the item by the spider from the WARC writer's record of the response.
WARC_FIELDS = ("warc_file", "warc_offset", "warc_length", "payload_digest")


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


class StorePipeline:
    """Batches items into SQLite and records the run; counts under ``harvest/store/``."""

    def __init__(self, db_path: str, raw_dir: str, batch_size: int, crawler=None) -> None:
        self.db_path = db_path
        self.raw_dir = Path(raw_dir)
        self.batch_size = batch_size
        self.crawler = crawler
        self.buffer: list[dict[str, Any]] = []
        self.counts = {"new": 0, "updated": 0, "sources": 0}
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
        return pipeline

    @property
    def stats(self):
        return self.crawler.stats if self.crawler is not None else None

    def open_spider(self) -> None:
        self.db = connect(self.db_path)
        self.started = _now()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        raw_path, body_sha1 = save_raw(self.raw_dir, adapter["site"], adapter["body"])
        extraction = adapter.get("extraction") or {}
        row = {
            **{k: extraction.get(k) for k in METADATA_FIELDS},
            "title": adapter.get("title"),
            "title_original": adapter.get("title_original"),
            "text": adapter["text"],
            "text_original": adapter["text_original"],
            "published": adapter.get("published"),
            "content_hash": adapter["content_hash"],
            "script": adapter.get("script"),
            "url": adapter["url"],
            "final_url": adapter.get("final_url"),
            "site": adapter["site"],
            "family": adapter.get("family"),
            "status": adapter.get("status"),
            "fetched_at": adapter["fetched_at"],
            "encoding": adapter.get("encoding"),
            "source_title": adapter.get("title"),
            "list_url": adapter.get("list_url"),
            "list_date": adapter.get("list_date"),
            "raw_path": raw_path,
            "body_sha1": body_sha1,
            **{k: adapter.get(k) for k in WARC_FIELDS},
        }
        # The dedup stage's findings, stored beside the document in the same transaction.
        for key in ("near_duplicates", "signature"):
            if adapter.get(key) is not None:
                row[key] = adapter[key]
        if isinstance(row.get("partial"), bool):
            row["partial"] = int(row["partial"])
        self.buffer.append(row)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer:
            return
        counts = store_pages(self.db, self.buffer)
        self.buffer.clear()
        for key, value in counts.items():
            self.counts[key] += value
            if self.stats is not None:
                self.stats.inc_value(f"harvest/store/documents_{key}", value)

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider, reason: str) -> None:
        try:
            self.record_run(spider.site.name, reason)
        finally:
            self.db.close()

    def record_run(self, site: str, reason: str) -> None:
        stats = self.stats.get_stats() if self.stats is not None else {}
        pages = stats.get("response_received_count", 0)
        errors = (
            stats.get("log_count/ERROR", 0)
            + stats.get("spider_exceptions/count", 0)
            + sum(v for k, v in stats.items() if k.startswith("harvest/spider/http_error/"))
        )
        failed = pages == 0 or stats.get("spider_exceptions/count", 0) > 0 or reason == "shutdown"
        run = {
            "site": site,
            "started": self.started,
            "finished": _now(),
            "status": "failed" if failed else "ok",
            "finish_reason": reason,
            "pages_fetched": pages,
            "documents_seen": self.counts["sources"],
            "documents_new": self.counts["new"],
            "documents_updated": self.counts["updated"],
            "duplicates": stats.get("harvest/dedup/exact_duplicates", 0),
            "errors": errors,
            "stats": json.dumps(stats, default=str, ensure_ascii=False, sort_keys=True),
        }
        self.db["runs"].insert(run)
        if failed:
            logger.error(
                "site %s: run failed: %d pages fetched, %d errors", run["site"], pages, errors
            )
