"""Normalise stage: page script -> Simplified Chinese, plus the hash that identifies a text.

In:  an item with ``title_original`` and ``text_original`` (clean text in the page's script,
     pinyin annotations already removed by the extract stage).
Out: the same item with ``title`` and ``text`` in Simplified Chinese (OpenCC t2s), ``script``
     (what the page was written in) and ``content_hash`` (sha1 of :func:`comparable`), the key
     under which exact copies become one document.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache

import opencc
from itemadapter import ItemAdapter

# Whitespace and punctuation differ between copies of one text (doc-share sites flatten
# paragraphs and swap ASCII for full-width marks), so neither may separate exact copies.
_NOT_CONTENT = re.compile(r"[\s\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Characters NFKC maps onto Han ideographs: Kangxi and CJK radicals, compatibility ideographs.
_COMPAT_HAN = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str | None) -> str | None:
    """Convert Traditional characters to Simplified; ``None`` stays ``None``."""
    if not text:
        return text
    return _t2s().convert(text)


def needs_compat_pass(text: str) -> bool:
    """True when NFKC would turn characters of ``text`` into Han characters (compatibility
    ideographs, Kangxi radicals) that a t2s pass made before NFKC has not seen."""
    return _COMPAT_HAN.search(text) is not None


def script_of(text: str | None, simplified: str | None = None) -> str:
    """``"traditional"`` when t2s would change at least 1% of the Han characters.

    ``simplified`` is ``to_simplified(text)`` when the caller has it already (one OpenCC pass
    per text)."""
    if not text:
        return "simplified"
    converted = to_simplified(text) if simplified is None else simplified
    if converted == text:
        return "simplified"
    changed = sum(map(str.__ne__, text, converted))
    han = len(_HAN.findall(text)) or 1
    return "traditional" if changed / han >= 0.01 else "simplified"


def comparable(text: str, simplified: str | None = None) -> str:
    """The form two texts must share to count as the same document: Simplified, NFKC,
    without whitespace or punctuation.

    ``simplified`` (``to_simplified(text)``) saves the OpenCC pass: NFKC only changes
    punctuation, widths and compatibility characters, so t2s then NFKC equals NFKC then t2s
    unless NFKC makes new Han characters, which get the pass again."""
    if simplified is None or needs_compat_pass(text):
        simplified = to_simplified(unicodedata.normalize("NFKC", text)) or ""
    else:
        simplified = unicodedata.normalize("NFKC", simplified)
    return _NOT_CONTENT.sub("", simplified)


def content_hash(text: str, simplified: str | None = None) -> str:
    return hashlib.sha1(comparable(text, simplified).encode("utf-8")).hexdigest()


def normalise(title_original: str | None, text_original: str) -> dict[str, str | None]:
    """The normalise stage as a plain function (used by the pipeline and ``harvest extract``):
    one OpenCC pass per title and per text."""
    text = to_simplified(text_original)
    return {
        "title": to_simplified(title_original),
        "text": text,
        "script": script_of(text_original, text),
        "content_hash": content_hash(text_original, text),
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
