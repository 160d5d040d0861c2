"""The near-duplicate settings: shingle size, MinHash shape and thresholds.

Kept apart from :mod:`pipelines.dedup.similarity` (numpy, rensa, OpenCC) so that loading a
config file, which validates its ``dedup:`` section against these fields, stays cheap for every
``harvest`` command. Built-in values: ``HARVEST_DEDUP_*`` in ``crawler/settings.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from crawler import settings as defaults


@dataclass(frozen=True)
class NearDupSettings:
    """Thresholds and shingle size, read from Scrapy settings ``HARVEST_DEDUP_*``.

    shingle_size      characters per shingle (HARVEST_DEDUP_SHINGLE_SIZE, 5)
    num_perm          MinHash permutations (HARVEST_DEDUP_NUM_PERM, 256)
    bands             LSH bands; rows per band = num_perm / bands (HARVEST_DEDUP_BANDS, 64)
    jaccard           exact Jaccard at or above which two texts are near duplicates
                      (HARVEST_DEDUP_JACCARD, 0.6)
    containment       share of the smaller text's shingles found in the larger one at or above
                      which they are near duplicates: truncated previews
                      (HARVEST_DEDUP_CONTAINMENT, 0.8)
    min_shingles      containment is only trusted when the smaller text has this many shingles;
                      a two-line stub is "contained" in everything (HARVEST_DEDUP_MIN_SHINGLES,
                      100)
    recycled_drop     a link is "recycled" when restoring the numbers lowers the similarity by
                      at least this fraction (HARVEST_DEDUP_RECYCLED_DROP, 0.01)
    max_candidates    LSH candidates checked per document, most band hits first
                      (HARVEST_DEDUP_MAX_CANDIDATES, 100)
    """

    shingle_size: int = defaults.HARVEST_DEDUP_SHINGLE_SIZE
    num_perm: int = defaults.HARVEST_DEDUP_NUM_PERM
    bands: int = defaults.HARVEST_DEDUP_BANDS
    jaccard: float = defaults.HARVEST_DEDUP_JACCARD
    containment: float = defaults.HARVEST_DEDUP_CONTAINMENT
    min_shingles: int = defaults.HARVEST_DEDUP_MIN_SHINGLES
    recycled_drop: float = defaults.HARVEST_DEDUP_RECYCLED_DROP
    max_candidates: int = defaults.HARVEST_DEDUP_MAX_CANDIDATES

    def __post_init__(self) -> None:
        if self.shingle_size < 1 or self.bands < 1 or self.num_perm % self.bands:
            raise ValueError(
                f"dedup settings: shingle_size >= 1 and num_perm ({self.num_perm}) divisible "
                f"by bands ({self.bands}) required"
            )

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    @classmethod
    def from_settings(cls, settings: Any) -> NearDupSettings:
        """From Scrapy ``Settings`` (or a plain dict): ``HARVEST_DEDUP_<FIELD NAME>``."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            value = settings.get(f"HARVEST_DEDUP_{field.name.upper()}")
            if value is not None:
                values[field.name] = (int if field.type == "int" else float)(value)
        return cls(**values)
