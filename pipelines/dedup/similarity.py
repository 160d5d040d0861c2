"""Near-duplicate text comparison: dedup normaliser, shingles, MinHash signatures, similarity.

In:  clean document text (any script, with or without doc-share headers and pinyin
     annotations) and the settings in :class:`NearDupSettings`.
Out: the dedup form of the text (:func:`dedup_normalise`), its character shingles
     (:func:`shingles`), a MinHash signature (:func:`signature`, rensa ``RMinHash``), its LSH
     band keys (:func:`band_keys`) and, for a pair of texts, a :class:`Similarity` that says
     whether they are near duplicates and whether one is a re-dated ("recycled") copy.

Everything here is pure: no database. The index and the clusters live in
:mod:`pipelines.dedup.index`.

Why these choices (figures from benchmarks/dedup.py): normalisation matters
more than the algorithm (Traditional -> Simplified, pinyin removed, NFKC, no spaces or
punctuation, numbers masked); character 5-grams because Chinese is unsegmented; rensa because
it signed the same shingles 8.5x faster than datasketch here (2,920 against 345 documents/s,
256 permutations); 64 bands of 4 rows so that pairs down to Jaccard ~0.35 become candidates,
which lets truncated previews (low Jaccard, high containment) reach the exact check.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import xxhash
from rensa import RMinHash

from crawler import settings as defaults
from pipelines.dedup.settings import NearDupSettings
from pipelines.text import needs_compat_pass, squash, strip_pinyin, to_simplified

# Fixed so that signatures written by one process compare with those of another, and so that
# `harvest dedup --rebuild` reproduces them; changing it invalidates every stored signature.
MINHASH_SEED = 20261125

# Anonymised-template placeholders (xx市, xxxx年, XX区, x家) stand where a copy has a name or
# a number; a run of x not touching other Latin letters is a placeholder, masked like a number.
_PLACEHOLDER = re.compile(r"(?<![a-z])x+(?![a-z])")
# Years written in Chinese numerals (二〇二〇年) vary between copies just as 2020年 does.
_HAN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
# A run of digits (after punctuation is gone, 3.5 and 1,200 are runs too) becomes one 0:
# years, counts and amounts are exactly what re-dated copies change, and a changed count
# (9 -> 12) should not change the length of the text either.
_NUMBER = re.compile(r"[0-9]+")


DEFAULTS = NearDupSettings()


def dedup_normalise(text: str, mask_numbers: bool = True, simplified: bool = False) -> str:
    """The form in which copies of one report agree: Simplified, pinyin annotations removed,
    NFKC, lower case, no whitespace or punctuation, and (``mask_numbers``) every number,
    placeholder run (xx, XXXX) and Chinese-numeral year reduced to a single ``0``.

    ``simplified``: the text is already OpenCC t2s output (the normalise stage's ``text``), so
    the t2s pass is skipped unless NFKC makes new Han characters."""
    text = unicodedata.normalize("NFKC", strip_pinyin(text or "")[0]).lower()
    if not simplified or needs_compat_pass(text):
        text = to_simplified(text) or ""
    text = squash(text)
    return mask(text) if mask_numbers else text


def mask(normalised: str) -> str:
    """Numbers, placeholder runs and Chinese-numeral years of a dedup form reduced to ``0``."""
    normalised = _HAN_YEAR.sub("0", normalised)
    normalised = _PLACEHOLDER.sub("0", normalised)
    return _NUMBER.sub("0", normalised)


def shingles(normalised: str, size: int = defaults.HARVEST_DEDUP_SHINGLE_SIZE) -> set[str]:
    """Character ``size``-grams of an already normalised text (the whole text if shorter)."""
    if len(normalised) <= size:
        return {normalised} if normalised else set()
    return {normalised[i : i + size] for i in range(len(normalised) - size + 1)}


def text_shingles(
    text: str, settings: NearDupSettings = DEFAULTS, simplified: bool = False
) -> set[str]:
    """Shingles of the dedup form of raw ``text`` (``simplified``: see :func:`dedup_normalise`)."""
    return shingles(dedup_normalise(text, simplified=simplified), settings.shingle_size)


class TextForms:
    """The dedup forms of one text, each computed once, on first use: the unmasked form, the
    masked shingles (what near-duplicate checks compare) and the unmasked ones (what the
    recycled check compares). A document compared many times is normalised once."""

    __slots__ = ("_masked", "_raw", "_raw_shingles", "settings", "simplified", "text")

    def __init__(
        self,
        text: str,
        settings: NearDupSettings = DEFAULTS,
        simplified: bool = False,
        masked_shingles: set[str] | None = None,
    ) -> None:
        self.text, self.settings, self.simplified = text or "", settings, simplified
        self._masked = masked_shingles
        self._raw: str | None = None
        self._raw_shingles: set[str] | None = None

    @property
    def raw(self) -> str:
        if self._raw is None:
            self._raw = dedup_normalise(self.text, mask_numbers=False, simplified=self.simplified)
        return self._raw

    @property
    def masked_shingles(self) -> set[str]:
        if self._masked is None:
            self._masked = shingles(mask(self.raw), self.settings.shingle_size)
        return self._masked

    @property
    def raw_shingles(self) -> set[str]:
        if self._raw_shingles is None:
            self._raw_shingles = shingles(self.raw, self.settings.shingle_size)
        return self._raw_shingles


def signature(shingle_set: set[str], settings: NearDupSettings = DEFAULTS) -> list[int]:
    """MinHash signature (``num_perm`` unsigned 32-bit values) of a shingle set."""
    minhash = RMinHash(num_perm=settings.num_perm, seed=MINHASH_SEED)
    if shingle_set:
        minhash.update(list(shingle_set))  # order does not matter to MinHash
    return minhash.digest()


# A signature is stored as the low 16 bits of each value (b-bit MinHash): it only serves the
# estimate that skips hopeless candidates, where two different values agreeing by chance
# (1 in 65,536) changes nothing, and at 512 bytes seven rows fill a 4 KB page where three
# 1,024-byte ones left a quarter of it empty (1.3 KB -> 0.6 KB a document). The LSH band keys
# are made from the full values before storing.
STORED_DTYPE = np.dtype("<u2")


def signature_bytes(values: list[int]) -> bytes:
    """A signature as stored in SQLite (:data:`STORED_DTYPE`: little-endian uint16)."""
    return np.asarray(values, dtype=np.uint32).astype(STORED_DTYPE).tobytes()


def signature_from_bytes(blob: bytes) -> list[int]:
    """The stored values of a signature (see :func:`signature_array`)."""
    return signature_array(blob).tolist()


def band_keys(values: list[int], settings: NearDupSettings = DEFAULTS) -> list[int]:
    """One signed 64-bit key per LSH band (band number and its rows hashed together), the
    form in which bands are stored and looked up in SQLite."""
    rows = settings.rows
    # one buffer of [band, row values...] records, hashed record by record (numpy because
    # this runs for every page and every lookup; the keys equal array("I")-built ones)
    table = np.empty((settings.bands, rows + 1), dtype=np.uint32)
    table[:, 0] = np.arange(settings.bands, dtype=np.uint32)
    table[:, 1:] = np.asarray(values, dtype=np.uint32).reshape(settings.bands, rows)
    buffer, width = table.tobytes(), (rows + 1) * 4
    return [
        xxhash.xxh64_intdigest(buffer[i : i + width]) - (1 << 63)
        for i in range(0, len(buffer), width)
    ]


def signature_array(blob: bytes, num_perm: int = DEFAULTS.num_perm) -> np.ndarray:
    """A stored signature as a numpy array of its low 16-bit values, for fast estimates;
    signatures older harvests stored whole (uint32) are cut down too."""
    if len(blob) == 4 * num_perm:
        return np.frombuffer(blob, dtype="<u4").astype(STORED_DTYPE)
    return np.frombuffer(blob, dtype=STORED_DTYPE)


def estimated_jaccard(a: list[int] | np.ndarray, b: list[int] | np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity from the low 16 bits of each value (standard
    error sqrt(J(1-J)/num_perm), 0.03 at J = 0.5 with 256 permutations, plus a bias of
    (1 - J) / 65,536); used only to skip hopeless candidates."""
    # astype keeps the low 16 bits of wider values and leaves stored ones as they are (no copy)
    a, b = (
        np.asarray(a).astype(STORED_DTYPE, copy=False),
        np.asarray(b).astype(STORED_DTYPE, copy=False),
    )
    if not len(a) or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass(frozen=True)
class Similarity:
    """How two texts compare: exact Jaccard and containment of their masked shingles."""

    jaccard: float
    containment: float
    near_duplicate: bool
    recycled: bool = False

    @property
    def score(self) -> float:
        """The one figure stored as "similarity": the larger of Jaccard and containment."""
        return max(self.jaccard, self.containment)


def _jaccard_containment(a: set[str], b: set[str]) -> tuple[float, float]:
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common), common / min(len(a), len(b))


def compare(
    a: set[str], b: set[str], settings: NearDupSettings = DEFAULTS
) -> tuple[float, float, bool]:
    """Exact Jaccard, containment, and the near-duplicate decision for two shingle sets."""
    jaccard, containment = _jaccard_containment(a, b)
    contained = containment >= settings.containment and min(len(a), len(b)) >= (
        settings.min_shingles
    )
    return jaccard, containment, jaccard >= settings.jaccard or contained


def is_recycled(text_a: str, text_b: str, settings: NearDupSettings = DEFAULTS) -> bool:
    """True when two near-duplicate texts differ in their numbers (years, counts): the
    similarity of their unmasked shingles is at least ``recycled_drop`` below the masked one.

    A doc-share copy keeps the report's numbers, so its unmasked similarity barely moves; a
    re-dated copy (2020 -> 2021 throughout) loses every shingle touching a changed year.
    """
    return recycled(TextForms(text_a, settings), TextForms(text_b, settings), settings)


def recycled(
    a: TextForms, b: TextForms, settings: NearDupSettings = DEFAULTS, masked: float | None = None
) -> bool:
    """:func:`is_recycled` on forms already computed; ``masked`` is the pair's masked
    similarity (max of Jaccard and containment) when the caller has it."""
    if _NUMBER.findall(a.raw) == _NUMBER.findall(b.raw):
        return False
    if masked is None:
        masked = max(_jaccard_containment(a.masked_shingles, b.masked_shingles))
    if masked == 0:
        return False
    unmasked = max(_jaccard_containment(a.raw_shingles, b.raw_shingles))
    return (masked - unmasked) / masked >= settings.recycled_drop


def similarity(text_a: str, text_b: str, settings: NearDupSettings = DEFAULTS) -> Similarity:
    """Compare two raw texts end to end (normalise, shingle, exact measures, recycled flag)."""
    jaccard, containment, near = compare(
        text_shingles(text_a, settings), text_shingles(text_b, settings), settings
    )
    recycled = near and is_recycled(text_a, text_b, settings)
    return Similarity(jaccard, containment, near, recycled)
