"""The Scrapy item pipeline of the extract stage; the only module of the package that
imports Scrapy, so that ``harvest extract`` and re-extraction load none of it.

In:  a fetched document page item (``body``, ``url``/``final_url``, ``headers`` and the
     spider's listing hints ``list_title``, ``list_date``, ``list_url``).
Out: the item with ``title_original``, ``text_original``, ``published``, ``encoding`` and
     ``extraction`` (every other field of :class:`pipelines.extract.core.Extraction`).
"""

from __future__ import annotations

import os
from collections.abc import Coroutine
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import is_asyncio_available

from pipelines.extract import core
from pipelines.extract.worker import ExtractWorker
from pipelines.sniff import sniff

# The fields an item carries itself; the rest of the extraction travels as its ``extraction``.
ITEM_FIELDS = ("title_original", "text_original", "published", "encoding")


class ExtractPipeline:
    """Runs :func:`pipelines.extract.core.extract` on every fetched document page; drops pages
    with no text and pages whose text is boilerplate only (``quality_flags``).

    A body that is not text (a PDF or DOC served where a page was linked, see
    :mod:`pipelines.sniff`) is passed on untouched for the attachment stage.

    Stats: ``harvest/extract/{pages,empty,boilerplate_only,not_text,partial,mojibake}``,
    ``harvest/extract/method/<container|region|trafilatura|page>``,
    ``harvest/extract/encoding_source/<bom|header|meta|sniffed>``,
    ``harvest/extract/rule/<family>`` (lines dropped by each boilerplate rule family).

    With ``HARVEST_EXTRACT_WORKER`` (on by default where there is a second CPU core and the
    crawl runs on asyncio), pages are extracted in a worker process
    (:mod:`pipelines.extract.worker`) and ``process_item`` returns a coroutine Scrapy awaits.
    """

    def __init__(self, stats=None, worker: ExtractWorker | None = None) -> None:
        self.stats = stats
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler):
        wanted = crawler.settings.getbool("HARVEST_EXTRACT_WORKER")
        usable = (os.cpu_count() or 1) > 1  # on one core a worker only adds the hand-over
        return cls(crawler.stats, ExtractWorker() if wanted and usable else None)

    def open_spider(self) -> None:
        # the worker's results are awaited as asyncio futures
        if self.worker is not None and is_asyncio_available():
            self.worker.start()

    def close_spider(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"harvest/extract/{key}", count)

    def process_item(self, item) -> Any | Coroutine[Any, Any, Any]:
        adapter = ItemAdapter(item)
        hints = {k: adapter.get(k) for k in ("list_title", "list_date", "list_url")}
        url = adapter.get("final_url") or adapter.get("url")
        headers = adapter.get("headers") or {}
        if not sniff(adapter["body"], headers.get("content-type")).is_text:
            # A file where a page was expected: the attachment stage reads it as one.
            self._inc("not_text")
            adapter.update(
                title_original=adapter.get("list_title"),
                text_original="",
                published=adapter.get("list_date"),
                encoding=None,
                extraction={},
            )
            return item
        args = (adapter["body"], url, headers, hints)
        if self.worker is not None and self.worker.running:
            return self._finish_in_worker(self.worker, item, args)
        return self._finish(item, core.extract(*args))

    async def _finish_in_worker(self, worker: ExtractWorker, item, args: tuple[Any, ...]):
        return self._finish(item, await worker.extract(*args))

    def _finish(self, item, result: core.Extraction):
        """The item with ``result`` in it, or DropItem for a page without text of its own."""
        adapter = ItemAdapter(item)
        url = adapter.get("final_url") or adapter.get("url")
        # A page with attachments may say nothing itself: the attachment stage decides.
        has_files = bool(adapter.get("attachments"))
        if not result.text_original.strip() and not has_files:
            self._inc("empty")
            raise DropItem(f"no text extracted from {url}")
        if "boilerplate-only" in result.quality_flags and not has_files:
            # Only lines the rules missed are left (a footer, a 【免责声明】): no document.
            self._inc("boilerplate_only")
            raise DropItem(f"only boilerplate extracted from {url}")
        self._inc("pages")
        self._inc(f"method/{result.method}")
        self._inc(f"encoding_source/{result.encoding_source}")
        if result.partial:
            self._inc("partial")
        if result.mojibake_spots:
            self._inc("mojibake")
        # Lines dropped per rule family: a family that stops firing on a site that used to
        # need it, or starts eating a site, shows in the run's stats.
        for rule, count in result.dropped_by_rule.items():
            self._inc(f"rule/{rule}", count)
        extraction = result.as_dict()
        for key in ITEM_FIELDS:
            adapter[key] = extraction.pop(key)
        adapter["extraction"] = extraction
        return item
