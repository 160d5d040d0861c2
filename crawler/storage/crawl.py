"""The one archive connection of a Scrapy crawl.

Everything in one crawl runs in the reactor thread, so the spider (reads of known URLs), the
WARC middleware (payload index) and the store stage share one connection: one writer per
crawl, as SQLite wants it.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils
from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.storage import DEFAULT_DB, connect


def crawl_connection(crawler: Any) -> sqlite_utils.Database:
    """Opened on first use from ``HARVEST_DB``; closed when the engine stops."""
    db = getattr(crawler, "harvest_db", None)
    if db is None:
        db = connect(crawler.settings.get("HARVEST_DB") or DEFAULT_DB)
        crawler.harvest_db = db
        crawler.signals.connect(db.close, signal=signals.engine_stopped, weak=False)
    return db


def stop_crawl(crawler: Any, reason: str) -> None:
    """Close the crawl's spider with ``reason`` (a write to the archive failed: going on would
    only fail again, and a full disk fills the log with the same error)."""
    engine = getattr(crawler, "engine", None)
    if engine is None or engine.spider is None:
        return
    crawler.harvest_stopping = deferred_from_coro(engine.close_spider_async(reason=reason))
