"""Normalise stage: page script -> Simplified Chinese, plus the hash that identifies a text.

In:  an item with ``title_original`` and ``text_original`` (clean text in the page's script,
     pinyin annotations already removed by the extract stage).
Out: the same item with ``title`` and ``text`` in Simplified Chinese (OpenCC t2s), ``script``
     (what the page was written in) and ``content_hash`` (sha1 of :func:`comparable`), the key
     under which exact copies become one document; in ``extraction``, the agency under its
     canonical name (``agency``, as written in ``agency_original``) and the document's
     行政区划代码 with its province/city/county (:mod:`pipelines.regions`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter

from pipelines.regions import UnknownRegion, canonical_agency, region_of
from pipelines.text import han_count, needs_compat_pass, squash, to_simplified

PLACE_FIELDS = ("region_code", "province", "city", "county")


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
    han = han_count(text) or 1
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
    return squash(simplified)


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


def place_and_agency(
    agency: str | None,
    region_written: str | None = None,
    site_region: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """The document's 行政区划 and canonical agency from the site's configured region, the
    agency as written (the 落款 when there is one), the place extraction read and the domain."""
    host = urlsplit(url).hostname if url else None
    return dict(_place_and_agency(agency, region_written, site_region, host))


# The pages of one site name the same few agencies: each combination is worked out once.
@lru_cache(maxsize=4096)
def _place_and_agency(
    agency: str | None, region_written: str | None, site_region: str | None, host: str | None
) -> tuple[tuple[str, Any], ...]:
    try:
        region = region_of(
            configured=site_region, agency=agency, signature=region_written, domain=host
        )
    except UnknownRegion:  # config.py checks it at load; an old value must not stop a crawl
        region = region_of(agency=agency, signature=region_written)
    place = region.as_row() if region else dict.fromkeys(PLACE_FIELDS)
    found = {
        **place,
        "agency_original": agency,
        "agency": canonical_agency(agency, region) if agency else None,
    }
    return tuple(found.items())


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
        extraction = adapter.get("extraction")
        if extraction is not None:
            extraction.update(
                place_and_agency(
                    extraction.get("agency"),
                    extraction.get("region"),
                    adapter.get("site_region"),
                    adapter.get("final_url") or adapter.get("url"),
                )
            )
        if self.stats is not None:
            self.stats.inc_value(f"harvest/normalise/script/{adapter['script']}")
        return item
