"""Extract stage: raw page bytes -> the document's title, clean text and metadata.

In:  an item with ``body`` (bytes), ``url``/``final_url``, ``headers`` and the spider's listing
     hints (``list_title``, ``list_date``).
Out: the item with ``title_original``, ``text_original`` (page script, one paragraph per line),
     ``published``, ``encoding`` and ``extraction`` (every other field extraction found).

PLACEHOLDER: bare trafilatura until the Chinese rules land (issue 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import trafilatura
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem


def extract(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    hints: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Extract one page. Keys: title_original, text_original, published, encoding, and more."""
    html = body.decode("utf-8", errors="replace")
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_tables=True)
    text = doc.text if doc else ""
    return {
        "title_original": doc.title if doc else None,
        "text_original": text or "",
        "published": (hints or {}).get("list_date"),
        "encoding": "utf-8",
    }


class ExtractPipeline:
    """Runs :func:`extract` on every fetched document page; drops pages with no text."""

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        hints = {k: adapter.get(k) for k in ("list_title", "list_date", "list_url")}
        result = extract(adapter["body"], adapter.get("final_url"), adapter.get("headers"), hints)
        if not result["text_original"].strip():
            if self.stats is not None:
                self.stats.inc_value("harvest/extract/empty")
            raise DropItem(f"no text extracted from {adapter.get('final_url')}")
        for key in ("title_original", "text_original", "published", "encoding"):
            adapter[key] = result.pop(key)
        adapter["extraction"] = result
        return item
