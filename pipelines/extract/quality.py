"""Quality of an extraction: damage, lost digits, previews, and the score they add up to.

In:  the body text (page script), the title, the page text in Simplified.
Out: mojibake spots, the digit-loss kinds, whether the page is a partial preview, and a
     quality in [0, 1] (1.0 is a clean complete text; 0.0 no text at all).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipelines.text import HAN_CLASS, han_count

_PARTIAL = re.compile(
    r"剩余内容已隐藏|剩餘內容已隱藏|剩余\s*\d+\s*(?:字|页)|还剩\s*\d+\s*页|展开全文|展開全文|阅读全文"
    r"|閱讀全文|试读结束|試讀結束|查看全文|加载全文|下载后查看完整"
)
# Mojibake tell-tales: "?" glued to Han text (a byte the decoder could not map), bopomofo
# letters (GBK bytes read one off), replacement and private-use characters.
_MOJIBAKE = re.compile(
    r"(?<="
    + HAN_CLASS
    + r")\?+|\?+(?="
    + HAN_CLASS
    + r")|[\u3105-\u3129]+|\ufffd+|[\ue000-\uf8ff]+"
)
_SPOT_GAP = 6
_DIGITS_LOST = (
    ("title_starts_with_year_suffix", re.compile(r"^年")),
    ("list_marker_without_number", re.compile(r"^、")),
    ("split_document_number", re.compile(r"[\[〔]\d{1,3}[\]〕]\d+号")),
)
# Cheap pre-check: most pages have none of the characters a mojibake spot needs.
_MOJIBAKE_CHARS = re.compile(r"[?\u3105-\u3129\ufffd\ue000-\uf8ff]")
_CHARS_PER_SPOT = 40  # one mojibake spot per ~40 Han characters is unreadable
_MOJIBAKE_PENALTY_MAX = 0.6
_DIGITS_LOST_PENALTY = 0.05  # per kind of lost digit
_PARTIAL_PENALTY = 0.3
_BOILERPLATE_ONLY_HAN = 20  # Han characters: less is no document, only what rules missed
_SHORT_BODY_HAN = 50  # Han characters: the shortest notice says more
_QUALITY_CAP = {"short": 0.3, "no-body-found": 0.5}


def mojibake_spots(text: str) -> int:
    """Damaged places in ``text``; marks within a few characters of each other are one spot
    (one misread byte run leaves "?" and odd characters around a couple of Han characters)."""
    if not _MOJIBAKE_CHARS.search(text):
        return 0
    spots, last_end = 0, -10
    for m in _MOJIBAKE.finditer(text):
        if m.start() - last_end > _SPOT_GAP:
            spots += 1
        last_end = m.end()
    return spots


def digits_lost(title: str | None, lines: Sequence[str]) -> list[str]:
    """Kinds of lost digits in the title and the lines (a title starting with 年 …)."""
    return sorted(
        {name for name, pattern in _DIGITS_LOST for x in [title or "", *lines] if pattern.search(x)}
    )


def is_partial(page_text: str) -> bool:
    """True when the page says it shows only part of the document (剩余内容已隐藏 …)."""
    return bool(_PARTIAL.search(page_text))


def flags(body_text: str, method: str | None, lines_dropped: int) -> list[str]:
    """Reasons to distrust a body, for ``quality_flags``: ``empty``; ``boilerplate-only`` (the
    line rules dropped lines and next to nothing is left: an image-only article whose footer
    came through, a page whose last line was 【免责声明】; such a body is no document);
    ``short`` (fewer Han characters than the shortest notice); ``no-body-found`` (no region
    held the text: the body is the whole page, cleaned)."""
    han = han_count(body_text)
    found = []
    if not han:
        found.append("empty")
    elif han < _BOILERPLATE_ONLY_HAN and lines_dropped:
        found.append("boilerplate-only")
    elif han < _SHORT_BODY_HAN:
        found.append("short")
    if method == "page":
        found.append("no-body-found")
    return found


def score(
    body_text: str,
    spots: int,
    lost: Sequence[str],
    partial: bool,
    reasons: Sequence[str] = (),
) -> float:
    """The quality of a body: 1.0 minus penalties for damage, lost digits and truncation,
    capped for the reasons :func:`flags` found."""
    han = han_count(body_text)
    if not han or "boilerplate-only" in reasons:
        return 0.0
    quality = 1.0 - min(_MOJIBAKE_PENALTY_MAX, spots * _CHARS_PER_SPOT / han)
    quality -= _DIGITS_LOST_PENALTY * len(lost) + (_PARTIAL_PENALTY if partial else 0.0)
    for reason in reasons:
        quality = min(quality, _QUALITY_CAP.get(reason, 1.0))
    return round(max(0.0, quality), 3)
