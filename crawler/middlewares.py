"""Downloader middlewares of harvest (the WARC archiver is in crawler/archiving.py).

In:  requests and the responses or errors they met.
Out: :class:`BackoffRetryMiddleware` retries what Scrapy's RetryMiddleware retries (5xx, 429,
     timeouts, connection errors; ``RETRY_TIMES``, ``RETRY_HTTP_CODES``) but waits before each
     retry, ``HARVEST_RETRY_BACKOFF * 2**(n-1)`` seconds for the n-th (at most
     ``HARVEST_RETRY_BACKOFF_MAX``): a government server that answers 503 is overloaded, and
     asking again at once is the least polite thing to do.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings


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
