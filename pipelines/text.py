"""Text helpers every stage shares; a leaf module: it imports nothing of harvest's.

Han character ranges, the squash that makes lines comparable, Traditional -> Simplified
conversion, pinyin-annotation stripping, the date parser, sentence-end punctuation and the
UTC timestamp every record carries.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import opencc

# --- Han characters ---------------------------------------------------------------------------
# The unified blocks with extension A, the compatibility ideographs and the supplementary
# planes (rare characters in personal and place names).
HAN_RANGES = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CLASS = "[" + HAN_RANGES + "]"
_NOT_HAN = re.compile("[^" + HAN_RANGES + "]+")


def han_count(text: str) -> int:
    """Number of Han characters in ``text`` (deleting the rest is faster than counting)."""
    return len(_NOT_HAN.sub("", text))


# --- comparable form ------------------------------------------------------------------------------
# Whitespace and punctuation differ between copies of one line (ASCII vs full-width marks,
# flattened paragraphs), so comparisons ignore both.
NOT_CONTENT = re.compile(r"[\s\W_]+")


def squash(text: str) -> str:
    """Comparable form of a line: no whitespace or punctuation."""
    return NOT_CONTENT.sub("", text)


# A line that ends a sentence (full-width or ASCII marks); titles, labels and list items do not.
SENTENCE_END = re.compile(r"[。；;！!？?]\s*$")


# --- script ------------------------------------------------------------------------------------
@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str | None) -> str | None:
    """Convert Traditional characters to Simplified; ``None`` stays ``None``."""
    if not text:
        return text
    return _t2s().convert(text)


# Characters NFKC maps onto Han ideographs: Kangxi and CJK radicals, compatibility ideographs.
_COMPAT_HAN = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def needs_compat_pass(text: str) -> bool:
    """True when NFKC would turn characters of ``text`` into Han characters (compatibility
    ideographs, Kangxi radicals) that a t2s pass made before NFKC has not seen: text already
    converted may skip a second OpenCC pass only when this is False."""
    return _COMPAT_HAN.search(text) is not None


# --- pinyin annotations ---------------------------------------------------------------------------
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# "區(qū)": a Han character, then a parenthesised syllable carrying a tone mark. ASCII or
# full-width parentheses both occur on mirror sites.
_PINYIN_TONED = re.compile(r"(?<=" + HAN_CLASS + r")[(（]([a-zü]*[" + _TONED + r"][a-zü]*)[)）]")
# Plain toneless syllables ("區(qu)") are only removed when the page is clearly annotated and the
# syllable is valid pinyin, so that "(GDP)", "(一)", "(2020)" and "(a)" stay.
_PINYIN_PLAIN = re.compile(r"(?<=" + HAN_CLASS + r")[(（]([a-zü]{1,6})[)）]")
_SYLLABLE = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo"
    r"|ui|un|ve|ue|a|o|e|i|u|ü|v)"
)
_TONED_CHAR = re.compile("[" + _TONED + "]")
_UNTONE = str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuüüüü")
_PLAIN_MIN = 3  # toned annotations needed before plain syllables are trusted as pinyin
_WRAPPED_MAX = 7  # letters of one syllable split by a line break
# Readers that lay a document out in visual lines (one element per rendered line) break
# annotations too: "區(q" / "ū)", "部門" / "(mén)". The annotation goes with the line break
# inside or before it, which was a wrap inside the paragraph, not a paragraph end.
_PINYIN_WRAPPED = re.compile(
    r"(?<="
    + HAN_CLASS
    + r")\n?[(（](?=[a-zü"
    + _TONED
    + r"\n]{1,9}[)）])([a-zü"
    + _TONED
    + r"\n]+)[)）]"
)


def _unwrap_annotations(text: str) -> tuple[str, int]:
    wrapped = 0

    def unwrap(match: re.Match[str]) -> str:
        nonlocal wrapped
        syllable = match.group(1).replace("\n", "")
        if (
            "\n" in match.group(0)
            and 1 <= len(syllable) <= _WRAPPED_MAX
            and _TONED_CHAR.search(syllable)
        ):
            wrapped += 1
            return ""
        return match.group(0)

    return _PINYIN_WRAPPED.sub(unwrap, text), wrapped


def _drop_plain_syllables(text: str) -> tuple[str, int]:
    plain = 0

    def drop(match: re.Match[str]) -> str:
        nonlocal plain
        if _SYLLABLE.fullmatch(match.group(1).translate(_UNTONE)):
            plain += 1
            return ""
        return match.group(0)

    return _PINYIN_PLAIN.sub(drop, text), plain


def strip_pinyin(text: str) -> tuple[str, int]:
    """Remove pinyin annotations after Han characters; return the text and how many went."""
    text, toned = _PINYIN_TONED.subn("", text)
    # Wrapped annotations only occur on annotated pages, which always keep some whole ones:
    # pages without any skip this pass.
    if toned and "\n" in text:
        text, wrapped = _unwrap_annotations(text)
        toned += wrapped
    plain = 0
    if toned >= _PLAIN_MIN:
        text, plain = _drop_plain_syllables(text)
    return text, toned + plain


# --- dates -------------------------------------------------------------------------------------
_YMD = re.compile(
    r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
)
_EARLIEST_YEAR = 1990  # no page harvest reads was published before the web reached China


def make_date(
    year: int | str, month: int | str, day: int | str, today: dt.date | None = None
) -> str | None:
    """``YYYY-MM-DD`` when the parts form a real date between 1990 and next year, else None."""
    try:
        value = dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None
    latest = (today or dt.date.today()).year + 1
    if not _EARLIEST_YEAR <= value.year <= latest:
        return None
    return value.isoformat()


def parse_date(text: str | None) -> str | None:
    """The first complete date in ``text`` (2019-06-28, 2019/6/28, 2019年6月28日, 2019.06.28)."""
    if not text:
        return None
    m = _YMD.search(text)
    return make_date(*m.groups()) if m else None


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp to the second (2026-11-25T03:17:00+00:00)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
