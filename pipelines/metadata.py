"""Document metadata from a page and its text: dates, agency, region, year, period, doc_type.

In:  strings already pulled out of the page (meta tags, info-bar text, title) and the clean
     body lines.
Out: plain values: ``"YYYY-MM-DD"`` dates, agency/region names as written, the covered year
     (int), period (上半年, 下半年, 全年, 第一季度, ...) and doc_type (工作总结, 工作计划,
     总结及计划, ...); ``None`` when the evidence is missing. A wrong date is worse than none,
     so every date must be complete (year, month and day) and plausible.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence

_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_YMD = re.compile(
    r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
)
# Info-bar labels whose value is the publication date of the page itself. 政府信息公开 tables
# put label and date in two cells ("发布日期 2020-07-06"): the specific labels also count when
# only whitespace separates them from the date (the bare 时间/日期 need their colon).
_DATE_LABEL = re.compile(
    r"(?:((?:发布时间|发布日期|發佈時間|發布時間|發佈日期|发表时间|发文日期|上传时间|上傳時間|更新时间|公开日期"
    r"|成文日期|时间|日期|時間))\s*[:：]"
    r"|((?:发布时间|发布日期|發佈時間|發布時間|發佈日期|发文日期|公开日期|成文日期))\s+(?=\d)"
    r"|(发布于|发表于|更新于|上传于|發佈於|發表於))\s*"
    r"((?:19|20)\d{2}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2})"
)
_YEAR_START = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*(?:[-/.]|年)")
_LABEL_LOOKBACK = 12  # characters: the longest label, its colon and some spaces
_DATE_SPAN = 20  # characters of "2019 年 06 月 28" after the year's start
# Which label names the publication best: a page may show both 成文日期 and 发布日期, or an
# 更新时间 above the 发布时间.
_LABEL_RANK = {
    "成文日期": 2,
    "时间": 1,
    "日期": 1,
    "時間": 1,
    "更新时间": 3,
    "更新于": 3,
}
# A signature date is a line of its own: "2019年6月27日" or "二〇一九年六月二十七日".
_SIGNATURE_DATE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_CN_SIGNATURE_DATE = re.compile(
    r"^\s*([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日\s*$"
)
_URL_DATE = re.compile(
    r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"
)

_AGENCY_END = (
    r"(?:人民政府|政府|办公室|办公厅|委员会|委|局|厅|办|院|中心|所|站|处|科|会|馆|部|署|队|室)"
)
# A signing body: a short line ending in an organisation suffix, no punctuation.
_AGENCY_LINE = re.compile(r"^[\u4e00-\u9fffA-Za-z()（）]{2,30}" + _AGENCY_END + r"$")
# The subject of a title: the organisation before the year or the report words.
_TITLE_AGENCY = re.compile(
    r"^([\u4e00-\u9fffA-Za-z]{1,24}?"
    + _AGENCY_END
    + r")(?=关于|\d{4}|[上下]半年|年度|全年|第|实施|[\u4e00-\u9fff]{0,12}(?:工作|总结|计划))"
)
_REGION = re.compile(
    r"^((?:[\u4e00-\u9fffXx]{2,8}?(?:省|自治区))?(?:[\u4e00-\u9fffXx]{1,8}?(?:自治州|市|州|盟|地区))?"
    r"(?:[\u4e00-\u9fffXx]{1,8}?(?:自治县|县|区|旗))?)"
)
_AGENCY_LABEL = re.compile(
    r"(发布机构|发文机关|发文单位|信息来源|文章来源|来源|來源)\s*[:：]\s*([\u4e00-\u9fff()（）]{2,30})"
)
_NEXT_LABEL = re.compile(
    r"(?:成文日期|发布日期|发布时间|索引号|主题分类|分类|文号|名称|日期|时间|浏览|阅读).*$"
)
_PERIODS = re.compile(
    r"上半年|下半年|前三季度|第[一二三四1-4]季度|[一二三四1-4]季度|全年|年度|年终|1-6月|1—6月|1至6月"
)
_PERIOD_NAMES = {
    "年度": "全年",
    "年终": "全年",
    "1-6月": "上半年",
    "1—6月": "上半年",
    "1至6月": "上半年",
}
_DOC_TYPES = (
    (
        re.compile(r"总结.{0,12}(?:计划|打算|思路|安排)|總結.{0,12}(?:計劃|打算|思路|安排)"),
        "总结及计划",
    ),
    (re.compile(r"工作总结|工作總結|总结|總結"), "工作总结"),
    (re.compile(r"工作计划|工作計劃|计划|計劃"), "工作计划"),
    (re.compile(r"工作要点|工作要點"), "工作要点"),
    (re.compile(r"述职报告|述職報告"), "述职报告"),
    (re.compile(r"工作报告|工作報告|报告|報告"), "工作报告"),
    (re.compile(r"实施方案|實施方案|方案"), "实施方案"),
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def make_date(
    year: int | str, month: int | str, day: int | str, today: dt.date | None = None
) -> str | None:
    """``YYYY-MM-DD`` when the parts form a real date between 1990 and next year, else None."""
    try:
        value = dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None
    latest = (today or dt.date.today()).year + 1
    if not 1990 <= value.year <= latest:
        return None
    return value.isoformat()


def parse_date(text: str | None) -> str | None:
    """The first complete date in ``text`` (2019-06-28, 2019/6/28, 2019年6月28日, 2019.06.28)."""
    if not text:
        return None
    m = _YMD.search(text)
    return make_date(*m.groups()) if m else None


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


def labelled_agency(text: str) -> str | None:
    """The organisation after 发布机构: / 发文机关: / 来源: on the page, when it is one
    (来源:网络整理 or 来源:本网 are not)."""
    best: tuple[int, str] | None = None
    for m in _AGENCY_LABEL.finditer(text):
        # Cells of a metadata table may run together: cut at the next label.
        name = _NEXT_LABEL.sub("", m.group(2)).strip()
        if is_agency_name(name):
            rank = 0 if m.group(1) in ("发布机构", "发文机关", "发文单位") else 1
            if best is None or rank < best[0]:
                best = (rank, name)
    return best[1] if best else None


def is_agency_name(text: str | None) -> bool:
    """True for a bare organisation name such as 阳江市科学技术局 (a signature or source line)."""
    return bool(text and _AGENCY_LINE.match(text.strip()))


def _cn_number(text: str) -> int | None:
    if all(ch in "〇○零一二三四五六七八九" for ch in text):
        return int(text.translate(_CN_DIGITS))
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + int(text[1:].translate(_CN_DIGITS))
    if "十" in text:
        tens, _, ones = text.partition("十")
        return int(tens.translate(_CN_DIGITS)) * 10 + (
            int(ones.translate(_CN_DIGITS)) if ones else 0
        )
    return None


def signature(lines: Sequence[str], tail: int = 4) -> tuple[str | None, str | None]:
    """(agency, date) from the 落款 at the end of the text: a date line, the body above it."""
    start = max(0, len(lines) - tail)
    for i in range(len(lines) - 1, start - 1, -1):
        line = lines[i].strip()
        date = None
        m = _SIGNATURE_DATE.match(line)
        if m:
            date = make_date(*m.groups())
        else:
            m = _CN_SIGNATURE_DATE.match(line)
            if m:
                parts = [_cn_number(x) for x in m.groups()]
                if None not in parts:
                    date = make_date(*parts)
        if date:
            agency = lines[i - 1].strip() if i > 0 and is_agency_name(lines[i - 1]) else None
            return agency, date
    return None, None


def url_date(url: str | None) -> str | None:
    """The date CMSs put in article URLs: TRS ``tYYYYMMDD_id``, Hanweb ``/art/YYYY/M/D/``."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    parts = m.groups()[:3] if m.group(1) else m.groups()[3:]
    return make_date(*parts)


def title_agency(title: str | None) -> str | None:
    """The organisation a title is about: 阳江市科学技术局 in 阳江市科学技术局2019年上半年工作总结."""
    if not title:
        return None
    m = _TITLE_AGENCY.match(title.strip())
    return m.group(1) if m else None


def region_of(*names: str | None) -> str | None:
    """The leading place name (province/city/county as written) of an agency or title."""
    for name in names:
        if not name:
            continue
        m = _REGION.match(name.strip())
        if m and m.group(1) and len(m.group(1)) >= 2:
            return m.group(1)
    return None


def year_of(title: str | None, lines: Sequence[str]) -> int | None:
    """The year the report covers: from the title, else from its first lines."""
    for text in [title or "", *lines[:3]]:
        m = _YEAR.search(text)
        if m:
            return int(m.group(1))
    return None


def period_of(title: str | None, lines: Sequence[str]) -> str | None:
    """上半年 / 下半年 / 全年 / 第一季度 …: the first period named in the title or first lines."""
    for text in [title or "", *lines[:2]]:
        m = _PERIODS.search(text[:200])
        if m:
            return _PERIOD_NAMES.get(m.group(0), m.group(0))
    return None


def doc_type_of(title: str | None, lines: Sequence[str] = ()) -> str | None:
    """工作总结 / 工作计划 / 总结及计划 / … from the title (or the first line without one)."""
    for text in [title or "", *lines[:1]]:
        for pattern, name in _DOC_TYPES:
            if pattern.search(text[:80]):
                return name
    return None
