"""Dedup stage: the near-duplicate key of each page's text, computed before the store stage.

In:  a normalised item (``text`` in Simplified Chinese, ``content_hash`` of its dedup form).
Out: the item with ``dedup_shingles`` (character shingles of the masked dedup form) and
     ``dedup_signature`` (their MinHash signature), see :mod:`pipelines.dedup.similarity`.

Exact copies become one ``documents`` row with several ``sources`` rows: the store stage
enforces that with a unique content hash and counts them (``harvest/store/copies``). Near
duplicates (edited, re-dated, Traditional or truncated copies) are searched, linked and
clustered by the store stage inside its transaction (:class:`pipelines.dedup.index.
NearDuplicateIndex`), because only there do pages of the same batch see each other and have
document ids. This stage does the CPU work ahead of that, outside the transaction.

Settings: ``HARVEST_DEDUP_*`` (``crawler/settings.py``, config.yaml ``dedup:``).
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from pipelines.dedup.settings import NearDupSettings
from pipelines.dedup.similarity import signature, text_shingles


class DedupPipeline:
    """Adds the shingles and MinHash signature of each text; counts under ``harvest/dedup/``."""

    def __init__(self, settings: NearDupSettings, stats=None) -> None:
        self.settings = settings
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(NearDupSettings.from_settings(crawler.settings), crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        # ``text`` is the normalise stage's t2s output: no second OpenCC pass
        shingle_set = text_shingles(adapter.get("text") or "", self.settings, simplified=True)
        adapter["dedup_shingles"] = shingle_set
        adapter["dedup_signature"] = signature(shingle_set, self.settings)
        if self.stats is not None:
            self.stats.inc_value("harvest/dedup/signed")
        return item
