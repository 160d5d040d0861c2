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
# Organisation suffixes. 办 ends 市政府办 and 扶贫办, not 举办 or 承办; of the names ending in
# 会 only bodies count (委员会, 协会), not events (运动会, 座谈会).
_AGENCY_END = (
    r"(?:人民政府|政府|办公室|办公厅|委员会|联合会|协会|学会|商会|工会|基金会|委|局|厅"
    r"|(?<![举承主创开兴督协筹代包申合])办|院|中心|所|站|处|科|馆|部|署|队|室|公司|集团|银行|学校|大学)"
)
# Words of a headline, never of an organisation's name ("重庆文旅之窗成功首秀举办").
_HEADLINE_WORDS = re.compile(
    r"成功|举办|召开|开展|举行|启动|发布|推进|首秀|助力|打造|实现|成为|迎来|喜获|荣获|获得|亮相|网站$"
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
_NOT_A_PLACE_START = frozenset("全本我各该此每在对为从向")
_NOT_A_PLACE_NEXT = frozenset("场民长域间内外")
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
# 文种, decided by the head noun that ends the title ("关于召开…工作总结会议的通知" is a 通知),
# checked in this order; the names are the values of documents.doc_type (crawler/datasette/
# metadata.yml lists them).
_DOC_TYPES = (
    (re.compile(r"总结.{0,16}(?:计划|打算|思路|安排|要点)$"), "总结及计划"),
    (re.compile(r"述职报告$"), "述职报告"),
    (re.compile(r"工作报告$"), "工作报告"),
    (re.compile(r"总结$"), "工作总结"),
    (re.compile(r"(?:计划|打算|思路|安排)$"), "工作计划"),
    (re.compile(r"要点$"), "工作要点"),
    (re.compile(r"报告$"), "报告"),
    (re.compile(r"方案$"), "方案"),
    (re.compile(r"规划(?:纲要)?$"), "规划"),
    (re.compile(r"(?:通知|预通知)$"), "通知"),
    (re.compile(r"公告$"), "公告"),
    (re.compile(r"公示$"), "公示"),
    (re.compile(r"通报$"), "通报"),
    (re.compile(r"意见$"), "意见"),
    (re.compile(r"(?:办法|细则|规定|条例|规则|制度)$"), "办法"),
    (re.compile(r"(?:简报|快报|专报|信息)$"), "简报"),
    (re.compile(r"(?:决定|决议)$"), "决定"),
    (re.compile(r"批复$"), "批复"),
    (re.compile(r"(?:纪要|讲话|发言)$"), "讲话纪要"),
)
# Decoration after the head noun: "（全文）", "(图)", "范文", "2篇", ".doc", a closing mark.
_TITLE_TAIL = re.compile(
    r"(?:[（(【\[][^（(【\[]{0,12}[）)】\]]|范文|模板|精选|大全|全文|\d+篇|[Ww]ord版|\.docx?"
    r"|[\s\W_])+$"
)
# The Traditional characters of the head nouns, so that a Traditional title needs no full
# OpenCC conversion here.
_HEAD_NOUNS_T2S = str.maketrans(
    "總結計劃報點規見辦簡決復紀講話關於職範細則條議資訊動態聞",
    "总结计划报点规见办简决复纪讲话关于职范细则条议资讯动态闻",
)
# "关于…的通知": the head noun follows the last 的 of a 关于 title.
_ABOUT = re.compile(r"^.*?关于.*的(.{1,10})$")
# Columns of news in <title> or the breadcrumb: a title without a head noun there is news.
_NEWS_COLUMN = re.compile(r"新闻|动态|要闻|资讯|快讯|播报|头条")
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
    """True for a bare organisation name such as 阳江市科学技术局 (a signature or source line):
    it ends in an organisation suffix and holds no headline words."""
    name = (text or "").strip()
    return bool(name and _AGENCY_LINE.match(name) and not _HEADLINE_WORDS.search(name))


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
    return m.group(1) if m and is_agency_name(m.group(1)) else None


def region_of(*names: str | None) -> str | None:
    """The leading place name (province/city/county as written) of an agency or title.

    Not a place: 全市, 本县, 我区 (a word before the suffix that points rather than names),
    债券市场, 书记市长 (the suffix character starts another word)."""
    for name in names:
        if not name:
            continue
        name = name.strip()
        m = _REGION.match(name)
        region = m.group(1) if m else ""
        if len(region) < 2 or region[0] in _NOT_A_PLACE_START:
            continue
        if name[len(region) : len(region) + 1] in _NOT_A_PLACE_NEXT:
            continue
        return region
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


def doc_type_of(
    title: str | None, lines: Sequence[str] = (), column: str | None = None
) -> str | None:
    """文种 from the head noun of the title (or of the first line without one): 工作总结,
    工作计划, 总结及计划, 工作要点, 述职报告, 工作报告, 报告, 方案, 规划, 通知, 公告, 公示, 通报,
    意见, 办法, 简报, 决定, 批复, 讲话纪要; 新闻 for a title without one under a news column
    (``column``: the ``<title>`` or breadcrumb text); 其他 otherwise; None without a title."""
    text = title or (lines[0] if lines else "")
    if not text:
        return None
    head = _TITLE_TAIL.sub("", text.strip().translate(_HEAD_NOUNS_T2S))
    about = _ABOUT.match(head)
    if about:
        head = about.group(1)
    for pattern, name in _DOC_TYPES:
        if pattern.search(head):
            return name
    if column and _NEWS_COLUMN.search(column):
        return "新闻"
    return "其他"
