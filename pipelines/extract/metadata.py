"""Document metadata from a page and its text: dates, agency, region, year, period, doc_type.

In:  strings already pulled out of the page (meta tags, info-bar text, title) and the clean
     body lines.
Out: plain values: ``"YYYY-MM-DD"`` dates, agency/region names as written, the covered year
     (int), period (上半年, 下半年, 全年, 第一季度, ...) and doc_type (工作总结, 工作计划,
     总结及计划, ...); ``None`` when the evidence is missing. A wrong date is worse than none,
     so every date must be complete (year, month and day) and plausible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipelines.text import HAN_RANGES, make_date

_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
# A signature date is a line of its own: "2019年6月27日" or "二〇一九年六月二十七日".
_SIGNATURE_DATE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_CN_SIGNATURE_DATE = re.compile(
    r"^\s*([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日\s*$"
)
_AGENCY_END = (
    r"(?:人民政府|政府|办公室|办公厅|委员会|委|局|厅|办|院|中心|所|站|处|科|会|馆|部|署|队|室)"
)
# A signing body: a short line ending in an organisation suffix, no punctuation.
_AGENCY_LINE = re.compile(r"^[" + HAN_RANGES + r"A-Za-z()（）]{2,30}" + _AGENCY_END + r"$")
# The subject of a title: the organisation before the year or the report words.
_TITLE_AGENCY = re.compile(
    r"^(["
    + HAN_RANGES
    + r"A-Za-z]{1,24}?"
    + _AGENCY_END
    + r")(?=关于|\d{4}|[上下]半年|年度|全年|第|实施|["
    + HAN_RANGES
    + r"]{0,12}(?:工作|总结|计划))"
)
_REGION = re.compile(
    r"^((?:["
    + HAN_RANGES
    + r"Xx]{2,8}?(?:省|自治区))?(?:["
    + HAN_RANGES
    + r"Xx]{1,8}?(?:自治州|市|州|盟|地区))?"
    r"(?:[" + HAN_RANGES + r"Xx]{1,8}?(?:自治县|县|区|旗))?)"
)
_AGENCY_LABEL = re.compile(
    r"(发布机构|发文机关|发文单位|信息来源|文章来源|来源|來源)\s*[:：]\s*(["
    + HAN_RANGES
    + r"()（）]{2,30})"
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
