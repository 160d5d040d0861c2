"""Normalise stage: page script -> Simplified Chinese, plus the hash that identifies a text.

In:  an item with ``title_original`` and ``text_original`` (clean text in the page's script,
     pinyin annotations already removed by the extract stage).
Out: the same item with ``title`` and ``text`` in Simplified Chinese (OpenCC t2s), ``script``
     (what the page was written in) and ``content_hash`` (sha1 of :func:`comparable`), the key
     under which exact copies become one document.
"""

from __future__ import annotations

import hashlib
import unicodedata

from itemadapter import ItemAdapter

from pipelines.text import han_count, squash, to_simplified


def script_of(text: str | None) -> str:
    """``"traditional"`` when t2s would change at least 1% of the Han characters."""
    if not text:
        return "simplified"
    converted = to_simplified(text)
    changed = sum(1 for a, b in zip(text, converted, strict=False) if a != b)
    han = han_count(text) or 1
    return "traditional" if changed / han >= 0.01 else "simplified"


def comparable(text: str) -> str:
    """The form two texts must share to count as the same document: Simplified, NFKC,
    without whitespace or punctuation."""
    simplified = to_simplified(unicodedata.normalize("NFKC", text)) or ""
    # Whitespace and punctuation differ between copies of one text (doc-share sites flatten
    # paragraphs and swap ASCII for full-width marks), so neither may separate exact copies.
    return squash(simplified)


def content_hash(text: str) -> str:
    return hashlib.sha1(comparable(text).encode("utf-8")).hexdigest()


def normalise(title_original: str | None, text_original: str) -> dict[str, str | None]:
    """The normalise stage as a plain function (used by the pipeline and ``harvest extract``)."""
    return {
        "title": to_simplified(title_original),
        "text": to_simplified(text_original),
        "script": script_of(text_original),
        "content_hash": content_hash(text_original),
    }


class NormalisePipeline:
    """Adds ``title``, ``text``, ``script`` and ``content_hash`` to each extracted item."""

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        adapter.update(normalise(adapter.get("title_original"), adapter.get("text_original") or ""))
        if self.stats is not None:
            self.stats.inc_value(f"harvest/normalise/script/{adapter['script']}")
        return item
