"""Downloader middlewares of harvest: the WARC archiver and retries with back-off.

In:  requests and the responses or errors they met.
Out: :class:`WarcArchiveMiddleware` writes every HTTP exchange of a crawl to the WARC archive
     (below); :class:`BackoffRetryMiddleware` retries what Scrapy's RetryMiddleware retries (5xx, 429,
     timeouts, connection errors; ``RETRY_TIMES``, ``RETRY_HTTP_CODES``) but waits before each
     retry, ``HARVEST_RETRY_BACKOFF * 2**(n-1)`` seconds for the n-th (at most
     ``HARVEST_RETRY_BACKOFF_MAX``): a government server that answers 503 is overloaded, and
     asking again at once is the least polite thing to do.

WARC archiving, in detail: each response as it leaves the downloader (robots.txt, list pages,
documents, redirects and error statuses alike; body still content-encoded, as the site sent
it) is written with its request through :class:`crawler.storage.warc.WarcWriter`, one writer
per spider (site), and the record's location goes into ``request.meta`` (seen by the spider as
``response.meta``): the ``WARC_FIELDS``. After a redirect these describe the final response.
Stats under ``harvest/warc/``. The middleware sits at priority 950, above every built-in
downloader middleware, so that it sees the response before HttpCompressionMiddleware decodes
it, RedirectMiddleware swallows a 3xx or RetryMiddleware retries a 5xx (each attempt is
archived). Settings: ``HARVEST_WARC_ENABLED``, ``HARVEST_WARC_MAX_BYTES`` (rotation size),
``HARVEST_WARC_GZIP_LEVEL``, ``HARVEST_WARC_REVISITS`` (a payload archived before becomes a
revisit record; off archives every copy in full). Files go to ``warc/`` in the folder of
``HARVEST_DB``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.storage import storage_error
from crawler.storage.crawl import crawl_connection, stop_crawl
from crawler.storage.warc import (
    DEFAULT_GZIP_LEVEL,
    DEFAULT_MAX_BYTES,
    LISTING_FIELDS,
    PayloadIndex,
    WarcWriter,
    archive_root_of,
)

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("HARVEST_RETRY_BACKOFF", 2.0)
        self.backoff_max = settings.getfloat("HARVEST_RETRY_BACKOFF_MAX", 60.0)

    def delay(self, retry: Request) -> float:
        attempt = retry.meta.get("retry_times", 1)
        return min(self.backoff * 2 ** (attempt - 1), self.backoff_max)

    async def _later(self, result: Request | Response | None) -> Request | Response | None:
        if isinstance(result, Request) and self.backoff > 0:
            self.crawler.stats.inc_value("harvest/retry/backoff_seconds", self.delay(result))
            await asyncio.sleep(self.delay(result))
        return result

    async def process_response(self, request: Request, response: Response, spider=None):
        return await self._later(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        return await self._later(super().process_exception(request, exception))


WARC_STATS = "harvest/warc"


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class WarcArchiveMiddleware:
    """Archives each downloaded response with its request; see the module docstring."""

    def __init__(self, crawler: Crawler, archive_root: Path) -> None:
        self.crawler = crawler
        self.archive_root = archive_root
        settings = crawler.settings
        self.max_bytes = settings.getint("HARVEST_WARC_MAX_BYTES", DEFAULT_MAX_BYTES)
        self.gzip_level = settings.getint("HARVEST_WARC_GZIP_LEVEL", DEFAULT_GZIP_LEVEL)
        self.revisits = settings.getbool("HARVEST_WARC_REVISITS", True)
        self.writer: WarcWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("HARVEST_WARC_ENABLED", True):
            raise NotConfigured("HARVEST_WARC_ENABLED is off")
        db_path = settings.get("HARVEST_DB")
        if not db_path:
            raise NotConfigured("HARVEST_DB is not set")
        # One archive folder for the database, its raw pages and its WARC files: locations
        # are stored relative to it, and re-extraction finds the files from the database.
        middleware = cls(crawler, archive_root_of(db_path))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider) -> None:
        site = getattr(spider, "site", None)
        name = getattr(site, "name", None) or spider.name
        payloads = PayloadIndex(crawl_connection(self.crawler).conn) if self.revisits else None
        self.writer = WarcWriter(
            self.archive_root, name, self.max_bytes, payloads, gzip_level=self.gzip_level
        )
        for path in self.writer.repaired:
            self._inc("files_repaired")
            logger.warning("site %s: repaired WARC file left by a killed crawl: %s", name, path)

    def spider_closed(self, spider) -> None:
        if self.writer is None:
            return
        try:
            self.writer.close()
        except (OSError, sqlite3.Error) as exc:
            where = self.writer.path or self.writer.directory
            error = storage_error(where, exc, "close the WARC file")
            # after a storage failure that stopped the crawl, this is the same cause again
            repeat = getattr(self.crawler, "harvest_failure", None)
            logger.log(logging.INFO if repeat else logging.ERROR, "%s", error, exc_info=True)
        finally:
            if self.writer.payloads is not None:
                self.writer.payloads.close()
            self.writer = None

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{WARC_STATS}/{key}", count)

    def process_response(self, request: Request, response: Response) -> Response:
        # A response replayed from Scrapy's HTTP cache was archived when it was fetched.
        if self.writer is None or "cached" in response.flags:
            return response
        try:
            location = self.writer.write_exchange(
                url=response.url,
                status=response.status,
                response_headers=_pairs(response.headers),
                body=response.body,
                method=request.method,
                request_headers=_pairs(request.headers),
                request_body=request.body,
                protocol=response.protocol or "HTTP/1.1",
                ip_address=str(response.ip_address) if response.ip_address else None,
                request_fields={
                    name: request.cb_kwargs.get(key) for key, name in LISTING_FIELDS.items()
                },
            )
        except (OSError, sqlite3.Error) as exc:
            # The archive's disk cannot take the record (full, read-only): every later write
            # would fail the same way, so the crawl stops with one message naming the cause.
            self._inc("errors")
            if not getattr(self.crawler, "harvest_failure", None):  # said once per crawl
                where = self.writer.path or self.writer.directory
                error = storage_error(where, exc, "write WARC records")
                logger.error("%s; stopping the crawl", error, exc_info=True)
                self.crawler.harvest_failure = str(error)
                stop_crawl(self.crawler, "storage_error")
            return response
        request.meta.update(location.meta())
        self._inc("revisits" if location.revisit else "responses")
        self._inc("bytes", location.warc_length)
        return response
