"""Publication dates: which date on a page is the day the document was published.

In:  the parsed page, the body, the title, the spider's list-page date and the URL.
Out: ``"YYYY-MM-DD"`` and the source it came from (``published_source``), or (None, None).
     A wrong date is worse than none: every date must be complete and plausible
     (:func:`pipelines.text.parse_date`).

Sources in order of trust: the guideline ``<meta name="PubDate">`` (unless the date a reader
sees contradicts it), a labelled info-bar date (发布时间: …), a date printed next to the
title, a byline date (date, then 来源/作者), the list page's date, the CMS date in the URL,
the signature (落款) at the end of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.extract.boilerplate import is_boilerplate
from pipelines.extract.page import Page, Probe
from pipelines.extract.titles import is_title_line, title_offset
from pipelines.extract.vocabulary import META_DATE_NAMES
from pipelines.text import make_date, parse_date, squash

# Info-bar labels whose value is the publication date of the page itself. 政府信息公开 tables
# put label and date in two cells ("发布日期 2020-07-06"): the specific labels also count when
# only whitespace separates them from the date (the bare 时间/日期 need their colon).
# Labels that name the publication (or, ranked lower, the update) of the page.
_PUBLICATION_LABELS = (
    "发布时间|发布日期|發佈時間|發布時間|發佈日期|发表时间|发表日期|发稿时间|发文日期|公开日期|成文日期"
    "|上传时间|上傳時間|更新时间|更新日期|最后更新|最後更新|录入时间|刊发时间|出版时间"
)
_DATE_LABEL = re.compile(
    r"(?:((?:" + _PUBLICATION_LABELS + r"|时间|日期|時間))\s*[:：]"
    r"|((?:" + _PUBLICATION_LABELS + r"))\s*(?=\d)"
    r"|(发布于|发表于|更新于|上传于|發佈於|發表於))\s*"
    r"((?:19|20)\d{2}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2})"
)
_YEAR_START = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*(?:[-/.]|年)")
_LABEL_LOOKBACK = 14  # characters: the longest label, its colon and some spaces
_DATE_SPAN = 20  # characters of "2019 年 06 月 28" after the year's start
# Which label names the publication best: a page may show both 成文日期 and 发布日期, or an
# 更新时间 above the 发布时间.
_LABEL_RANK = {
    "成文日期": 2,
    "时间": 1,
    "日期": 1,
    "時間": 1,
    "更新时间": 3,
    "更新日期": 3,
    "最后更新": 3,
    "最後更新": 3,
    "更新于": 3,
}
_URL_DATE = re.compile(
    r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"
)
# A date, an optional time, then who wrote or supplied the text.
_BYLINE = re.compile(
    r"^[\[(（【]?\s*(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?"
    r"\s*[\])）】]?\s*(?:来源|來源|作者|编辑|稿源|出处|摄影|记者|发布)"
)
_BYLINE_MAX = 80
_NEAR_LINE_MAX = 60  # a longer line near the title is a paragraph, not an info bar


def labelled_dates(text: str) -> Iterator[tuple[str, str, int]]:
    """(matched label and value, date, rank) for each info-bar date (发布时间: / 发布日期: /
    时间: …); rank 0 for publication labels, higher for 时间, 成文日期 and 更新时间."""
    # Scanning for the digits first and then looking back for a label is several times
    # faster than trying the label alternation at every position of a long page.
    for year in _YEAR_START.finditer(text):
        start = max(0, year.start() - _LABEL_LOOKBACK)
        m = _DATE_LABEL.search(text, start, year.start() + _DATE_SPAN)
        if m and m.start(4) == year.start():
            found = parse_date(m.group(4))
            if found:
                label = m.group(1) or m.group(2) or m.group(3)
                yield m.group(0), found, _LABEL_RANK.get(label, 0)


def url_date(url: str | None) -> str | None:
    """The date CMSs put in article URLs: TRS ``tYYYYMMDD_id``, Hanweb ``/art/YYYY/M/D/``."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    parts = m.groups()[:3] if m.group(1) else m.groups()[3:]
    return make_date(*parts)


def labelled_page_date(page_text: str, body_text: str, title: str | None = None) -> str | None:
    """The best-labelled info-bar date (发布时间: …) on the page; matches inside the body text
    do not count. Among equally good labels, first in page order, unless they disagree: then a
    list elsewhere on the page labels its items too ("热点排行" with 发布时间: on every item),
    and the page's own info bar is the one that follows the title most closely."""
    found_dates: list[tuple[int, int, str]] = []  # (rank, position, date)
    cursor = 0
    for matched, found, rank in labelled_dates(page_text):
        at = page_text.find(matched, cursor)
        cursor = max(cursor, at + 1)
        if matched not in body_text:
            found_dates.append((rank, at, found))
    if not found_dates:
        return None
    best_rank = min(rank for rank, _, _ in found_dates)
    candidates = [(at, found) for rank, at, found in found_dates if rank == best_rank]
    if len({found for _, found in candidates}) > 1:
        start = title_offset(page_text, title)
        if start is not None:
            # After the title first (nearest wins), then before it (nearest wins).
            return min(candidates, key=lambda c: (c[0] < start, abs(c[0] - start)))[1]
    return candidates[0][1]


def near_title_date(
    page_lines: list[str], title: str | None, after: int = 3, before: int = 2
) -> str | None:
    """A date printed just under the title ("[2019-06-28]", "2022-03-15 本文由用户上传"), else
    an info bar just above it ("2020-07-06 | 工作总结 | 阅读 1,203"). Above the title only an
    info-bar-shaped line counts: a header clock ("今天是：2026年11月25日 星期三") is none."""
    if not title:
        return None
    target = squash(title)
    for i, line in enumerate(page_lines):
        # Doc-share headings carry the file name: "…工作总结.doc".
        if is_title_line(line, target):
            for below in page_lines[i + 1 : i + 1 + after]:
                if len(below) <= _NEAR_LINE_MAX:
                    found = parse_date(below)
                    if found:
                        return found
            for above in reversed(page_lines[max(0, i - before) : i]):
                if len(above) <= _NEAR_LINE_MAX and is_boilerplate(above):
                    found = parse_date(above)
                    if found:
                        return found
            return None
    return None


def byline_date(page_lines: list[str], body_text: str) -> str | None:
    """The date leading a short byline outside the body ("2004-12-10 11:55:08 来源: 网易商业报道",
    "2019-06-28 09:30 作者:张三"): no label, but a source or author right after it."""
    for line in page_lines:
        if len(line) <= _BYLINE_MAX and _BYLINE.match(line) and line not in body_text:
            return parse_date(line)
    return None


def published(
    page: Page,
    probe: Probe,
    title: str | None,
    list_date: str | None,
    url: str | None,
    signature_date: str | None,
) -> tuple[str | None, str | None]:
    """The publication date and its source (see the module docstring for the order).

    Re-stamped pages carry a ``PubDate`` meta of the day they were migrated (2022) above a
    page that shows 发布时间：2009-09-30: when the date a reader sees near the title
    contradicts the meta tag, the visible date wins."""
    meta = parse_date(page.meta(META_DATE_NAMES))
    visible = _visible_date(page, probe, title)
    if meta and not (visible and visible[0] != meta):
        return meta, "meta"
    if visible:
        return visible
    for source, find in (
        ("list", lambda: parse_date(list_date)),
        ("url", lambda: url_date(url)),
        ("signature", lambda: signature_date),
    ):
        value = find()
        if value:
            return value, source
    return None, None


def _visible_date(page: Page, probe: Probe, title: str | None) -> tuple[str, str] | None:
    for source, find in (
        ("info-bar", lambda: labelled_page_date(probe.page_text, probe.body_text, probe.title)),
        ("near-title", lambda: near_title_date(page.lines, title)),
        ("byline", lambda: byline_date(page.lines, probe.body_text)),
    ):
        value = find()
        if value:
            return value, source
    return None
