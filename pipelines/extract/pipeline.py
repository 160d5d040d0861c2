"""The Scrapy item pipeline of the extract stage; the only module of the package that
imports Scrapy, so that ``harvest extract`` and re-extraction load none of it.

In:  a fetched document page item (``body``, ``url``/``final_url``, ``headers`` and the
     spider's listing hints ``list_title``, ``list_date``, ``list_url``).
Out: the item with ``title_original``, ``text_original``, ``published``, ``encoding`` and
     ``extraction`` (every other field of :class:`pipelines.extract.core.Extraction`).
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.extract import core

# The fields an item carries itself; the rest of the extraction travels as its ``extraction``.
ITEM_FIELDS = ("title_original", "text_original", "published", "encoding")


class ExtractPipeline:
    """Runs :func:`pipelines.extract.core.extract` on every fetched document page; drops pages
    with no text and pages whose text is boilerplate only (``quality_flags``).

    Stats: ``harvest/extract/{pages,empty,boilerplate_only,partial,mojibake}``,
    ``harvest/extract/method/<container|region|trafilatura|page>``,
    ``harvest/extract/encoding_source/<bom|header|meta|sniffed>``,
    ``harvest/extract/rule/<family>`` (lines dropped by each boilerplate rule family).
    """

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"harvest/extract/{key}", count)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        hints = {k: adapter.get(k) for k in ("list_title", "list_date", "list_url")}
        url = adapter.get("final_url") or adapter.get("url")
        result = core.extract(adapter["body"], url, adapter.get("headers"), hints)
        if not result.text_original.strip():
            self._inc("empty")
            raise DropItem(f"no text extracted from {url}")
        if "boilerplate-only" in result.quality_flags:
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
