"""Scrapy glue of a distributed crawl child: the store stage's stream branch and the filter
that skips what a killed predecessor of the same job already delivered.

Both are active only when ``HARVEST_DIST_CRAWL`` is on, which the worker sets for the
``harvest crawl`` children it starts (:mod:`crawler.distributed.jobs`); single-machine crawls
never see them.

:class:`StreamStorePipeline` (chosen by :class:`pipelines.store.StorePipeline.from_crawler`)
puts each processed page on the stream with its WARC exchange (:mod:`.stream`) instead of
writing SQLite; at the end it sends the run's row, and records it in the child's scratch
archive too, so the child's exit status says whether the crawl failed, as on one machine.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import redis
from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.distributed.keys import delivered
from crawler.distributed.stream import WALKED_LINKS, DeliveryFailed, StreamWriter
from crawler.signals import page_not_modified
from crawler.storage.crawl import crawl_connection
from crawler.storage.pages import page_row
from crawler.storage.runs import record_run, run_row
from crawler.storage.warc import WARC_DIR, archive_root_of, exchange_bytes, iter_records
from pipelines.text import utc_now

logger = logging.getLogger(__name__)

EXIT_DELIVERY_FAILED = 75  # EX_TEMPFAIL: the worker fails the job and Dramatiq retries it
STATS = "harvest/distributed"


def _client(crawler: Crawler) -> redis.Redis:
    return redis.Redis.from_url(crawler.settings.get("HARVEST_DIST_REDIS_URL"), socket_timeout=30)


class DeliveredFilterMiddleware:
    """Drops requests for document URLs this job already put on the stream."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.skip: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeliveredFilterMiddleware:
        if not crawler.settings.getbool("HARVEST_DIST_CRAWL"):
            # no message: Scrapy would print it as a warning on every single-machine crawl
            raise NotConfigured
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        # read once: during the crawl only this job adds to the set, and it skips nothing of its own
        members = _client(self.crawler).smembers(delivered(spider.site.name))
        self.skip = {m.decode() for m in members}
        self.crawler.stats.set_value(f"{STATS}/delivered_before", len(self.skip))

    def process_request(self, request: Request, spider=None) -> None:
        if request.url in self.skip:
            self.crawler.stats.inc_value(f"{STATS}/skipped_delivered")
            raise IgnoreRequest(f"delivered by an earlier attempt of this job: {request.url}")


class StreamStorePipeline:
    """The store stage of a distributed crawl; counts under ``harvest/distributed/``."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.archive_root = archive_root_of(settings.get("HARVEST_DB"))
        self.writer = StreamWriter(
            _client(crawler),
            settings.get("HARVEST_DIST_STREAM"),
            settings.get("HARVEST_DIST_JOB", ""),
            settings.getint("HARVEST_DIST_INLINE_CAP"),
            Path(settings.get("HARVEST_DIST_SPILL_DIR")),
            settings.getfloat("HARVEST_DIST_FETCHED_TTL"),
        )
        self.delivered = 0
        self.shipped: set[tuple[str, int]] = set()  # (WARC file, offset) sent with their page
        self.text_lengths: list[int] = []
        self.started = utc_now()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StreamStorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.page_not_modified, signal=page_not_modified)
        return pipeline

    def open_spider(self) -> None:
        self.started = utc_now()

    def _deliver(self, send, *args) -> None:
        try:
            send(*args)
        except DeliveryFailed as exc:
            # Nothing of this page is marked delivered, so the retried job fetches it again.
            logger.error("%s; stopping so that the job is retried", exc)
            os._exit(EXIT_DELIVERY_FAILED)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        row = page_row(adapter)
        warc = b""
        if row.get("warc_file"):
            warc = exchange_bytes(
                self.archive_root, row["warc_file"], row["warc_offset"], row["warc_length"]
            )
        self._deliver(self.writer.page, row, warc, adapter["body"])
        if warc:
            self.shipped.add((row["warc_file"], row["warc_offset"]))
        self.delivered += 1
        self.text_lengths.append(len(row["text"] or ""))
        self.crawler.stats.inc_value(f"{STATS}/delivered")
        return item

    def page_not_modified(self, url: str, checked_at: str) -> None:
        self._deliver(self.writer.not_modified, self.crawler.spider.site.name, url, checked_at)

    def ship_other_exchanges(self, site: str) -> int:
        """Send the WARC exchanges of this crawl that went with no page (list pages,
        robots.txt, errors); return how many."""
        sent = 0
        folder = self.archive_root / WARC_DIR
        for path in sorted(folder.glob(f"{site}-*.warc.gz*")):
            name = path.relative_to(self.archive_root).as_posix().removesuffix(".open")
            records = list(iter_records(path))
            pairs = zip(records, [*records[1:], None], strict=True)
            for (kind, _, offset, length), following in pairs:
                if kind not in ("response", "revisit") or (name, offset) in self.shipped:
                    continue
                if following is None or following[0] != "request":
                    continue  # cut off by a kill: not a whole exchange
                data = exchange_bytes(self.archive_root, name, offset, length)
                self._deliver(self.writer.exchange, site, data, length)
                sent += 1
        return sent

    def spider_closed(self, spider, reason: str) -> None:
        sent = self.ship_other_exchanges(spider.site.name)
        self.crawler.stats.set_value(f"{STATS}/other_exchanges", sent)
        self.crawler.stats.set_value(f"{STATS}/spilled", self.writer.spilled)
        stats = self.crawler.stats.get_stats()
        # pages an earlier, killed attempt of this job delivered belong to this run too
        skipped = stats.get(f"{STATS}/skipped_delivered", 0)
        counts = {"sources": self.delivered + skipped}
        completed = spider.walk_completed(reason)
        run = run_row(spider.site.name, reason, stats, counts, self.text_lengths, completed)
        run.update(site=spider.site.name, started=self.started)
        # the ingester records the walk in the archive, as the store stage does on one machine
        walk = spider.walk.resolved_links() if completed else []
        self._deliver(self.writer.run, spider.site.name, {**run, WALKED_LINKS: walk})
        record_run(crawl_connection(self.crawler), run)
