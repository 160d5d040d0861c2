"""Downloader middleware that writes every HTTP exchange of a crawl to the WARC archive.

In:  each response as it leaves the downloader (robots.txt, list pages, documents, redirects
     and error statuses alike; body still content-encoded, as the site sent it) with its
     request.
Out: records via :class:`crawler.warc.WarcWriter`, one writer per spider (site), and the
     record's location in ``request.meta`` (seen by the spider as ``response.meta``):
     ``warc_file``, ``warc_offset``, ``warc_length``, ``payload_digest``. After a redirect
     these describe the final response. Stats under ``harvest/warc/``.

It sits at priority 950, above every built-in downloader middleware, so that it sees the
response before HttpCompressionMiddleware decodes it, RedirectMiddleware swallows a 3xx or
RetryMiddleware retries a 5xx (each attempt is archived).

Settings: ``HARVEST_WARC_ENABLED`` (default True), ``HARVEST_WARC_MAX_BYTES`` (rotation size,
default 1 GB), ``HARVEST_WARC_GZIP_LEVEL`` (6), ``HARVEST_WARC_REVISITS`` (True: a payload
archived before becomes a revisit record; False archives every copy in full and records no
payloads, e.g. to measure what revisits save). Files go to ``warc/`` in the folder of
``HARVEST_DB``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawler.warc import DEFAULT_MAX_BYTES, PayloadIndex, WarcWriter, archive_root_of

logger = logging.getLogger(__name__)

STATS = "harvest/warc"
# What the spider knew about a document link (cb_kwargs of its request), kept as named fields
# of the WARC request record: extraction uses it, and re-extraction must see it again.
LISTING_FIELDS = {
    "list_url": "Harvest-List-URL",
    "list_title": "Harvest-List-Title",
    "list_date": "Harvest-List-Date",
}


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class WarcArchiveMiddleware:
    """Archives each downloaded response with its request; see the module docstring."""

    def __init__(self, crawler, archive_root: Path, db_path: str) -> None:
        self.crawler = crawler
        self.archive_root = archive_root
        self.db_path = db_path
        settings = crawler.settings
        self.max_bytes = settings.getint("HARVEST_WARC_MAX_BYTES", DEFAULT_MAX_BYTES)
        self.gzip_level = settings.getint("HARVEST_WARC_GZIP_LEVEL", 6)
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
        middleware = cls(crawler, archive_root_of(db_path), db_path)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider) -> None:
        site = getattr(spider, "site", None)
        name = getattr(site, "name", None) or spider.name
        payloads = PayloadIndex(self.db_path) if self.revisits else None
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
        finally:
            if self.writer.payloads is not None:
                self.writer.payloads.close()
            self.writer = None

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)

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
                    field: request.cb_kwargs.get(key) for key, field in LISTING_FIELDS.items()
                },
            )
        except OSError:
            # The page is still crawled; the error is logged, so the run counts it.
            logger.exception("cannot archive %s", response.url)
            self._inc("errors")
            return response
        request.meta.update(location.meta())
        self._inc("revisits" if location.revisit else "responses")
        self._inc("bytes", location.warc_length)
        return response
