"""Line-level boilerplate: which lines of a page's text are site furniture, not document.

In:  the text of a page's main region as lines (one paragraph per line).
Out: the lines that belong to the document, in order, and how many each rule dropped.

The rules are a table (:data:`RULES`), tried in order; the first whose shape matches names
the line's family (the names appear in the crawl stats as ``harvest/extract/rule/<name>``).
A rule drops a line only when the whole line has a boilerplate *shape* (an ICP number, a
公网安备 number, a 10-digit 网站标识码, "本文标题:…", a nav row of short items joined by
pipes, ...) or when the line is short and starts with a boilerplate label. Words such as 版权,
网站建设 or ICP备案 inside a body sentence never drop it: body sentences are long, end in
punctuation, and do not consist of a label and a value. Every length limit is named below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipelines.extract.vocabulary import (
    APP_BANNER,
    HOME_WORDS,
    LABEL_LINE,
    LIST_HEADS,
    MENU_WORDS,
    NOTICE_HEADING,
    PROVINCES,
    SITE_PHRASES,
    STRONG_LABEL,
    TABLE_LABEL_ROW,
    UI_WORDS,
)
from pipelines.text import HAN_RANGES, SENTENCE_END, squash

# --- lengths: the longest line each kind of rule may drop -------------------------------------
FOOTER_MAX = 300  # a footer row, possibly several merged; body paragraphs end in 。
STRONG_MAX = 250  # a disclaimer or a long breadcrumb behind a label no sentence starts with
LABELLED_URL_MAX = 200
ATTACHMENT_MAX = 120
LABEL_MAX = 100  # "label: value" rows of info bars, bylines, footers
NAV_MAX = 80
SHORT_MAX = 60  # a line holding a site phrase or menu words
TOOLBAR_MAX = 40  # buttons, counters, pagers
LABEL_ALWAYS_MAX = 40  # a labelled line this short goes even when it ends like a sentence
SITE_NAME_MAX = 30
MENU_REST = 6  # characters a menu line may have besides menu words
LIST_ITEM_MAX = 40  # an item of a link list below a 相关阅读-style heading
BODY_BEFORE_LIST = 200  # characters of body above a link-list heading for it to count as one

# --- shapes -----------------------------------------------------------------------------------
# The number formats are specific enough to drop any short line they appear in, never a body
# paragraph that mentions 备案.
_FOOTER_SHAPES = re.compile(
    r"[" + PROVINCES + r"]ICP[备證证]\s*\d{6,10}号"  # 粤ICP备16010311号-3
    r"|[" + PROVINCES + r"]公网安备\s*\d{14}号?"  # 粤公网安备 44170202000121号
    r"|網站標識碼|网站标识码\s*[:：]?\s*(?:\d{10}|bm\d{8})"
    r"|(?:Copyright|copyright|COPYRIGHT)\s*(?:©|\(c\)|&copy;)?"
    r"|版权所有|版權所有"
)
# "发布于2021-10-22 …": a label without a colon, but always followed by the date.
_DATED_LABEL = re.compile(
    r"^(?:发布于|发表于|更新于|上传于|發佈於|發表於)\s*[:：]?\s*(?:19|20)\d{2}"
)

_URL_LINE = re.compile(
    r"^\s*(?:https?://|www\.)\S+(?:\s+\S*\.(?:html?|shtml|aspx?|php)\S*)?\s*$", re.I
)
# Nav rows: three or more short items separated by pipes or bullets.
_NAV_ROW = re.compile(r"^(?:[^|｜·•]{1,12}[|｜·•]){2,}[^|｜·•]{0,12}$")
# Nav rows separated by spaces only ("首页 政务公开", "道客巴巴 首页 文档分类 上传"): short
# unpunctuated words, one of them the home link. Prose has no spaces between words.
_SPACED_NAV_ITEM = re.compile(r"^[^\W_]{1,8}$")
_PAIR_SEPARATOR = re.compile(r"\s*[|｜·•>»]\s*")
# A page date on its own line ("2022-03-15", "[2019-06-28 09:30]"); signature dates are written
# 2019年6月27日 and are never matched by this.
_ISO_DATE_LINE = re.compile(
    r"^[\[(（【]?\s*(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*[\])）】]?$"
)
# Pager lines of paginated previews: "第 1 页 共 3 页", "第2页/共5页", "1/3".
_PAGER_LINE = re.compile(r"^(?:第\s*\d+\s*页)?\s*[/,，]?\s*(?:共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$")
# Lines made only of interface words (buttons, counters): each token alone is harmless in a
# sentence, a line of nothing else is a toolbar.
_COMMENT_COUNT = re.compile(r"^\d+\s*(?:条|个)?(?:评论|回复|留言)$")
_COUNTER = re.compile(
    r"^(?:\d+|\d+\s*(?:条|个)?(?:评论|回复|留言)|(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}:\d{2}(?::\d{2})?)$"
)
_TOKENS = re.compile(r"[\s【】\[\]()（）|｜:：,，/·•]+")
# Breadcrumbs without a 当前位置 label: "首页 >> 工作动态", "网站首页 > 政务公开".
_BREADCRUMB = re.compile(r"(?:^|\s)(?:首页|网站首页|主页|首頁|返回首页)\s*(?:>>?|»|→|/|＞|›|-)")
# A breadcrumb that starts at the site or column name ("XX区科学技术局 > 工作总结"): the whole line
# is short unpunctuated names joined by arrows, which no sentence is.
# A bare ">" counts only with spaces around it, as breadcrumbs render it: "收入>支出" is no crumb.
_CRUMB_TRAIL = re.compile(
    r"^(?:[^\s>＞»›。，,；;：:！!？?]{1,20}(?:\s+>>?\s+|\s*(?:>>|»|＞|›)\s*))+"
    r"[^\s>＞»›。，,；;：:！!？?]{1,30}$"
)
# An attachment list item: a file name, optionally numbered and labelled, optionally sized
# ("1.2020年科技项目汇总表.doc", "附件2：专项资金明细.xls（23KB）"). A sentence does not end in ".doc".
_ATTACHMENT = re.compile(
    r"^(?:附件\s*\d{0,2}\s*[:：]?)?\s*(?:\d{1,2}\s*[.、．]\s*)?\S.{0,80}?"
    r"\.(?:docx?|xlsx?|pdf|wps|et|pptx?|zip|rar|7z|ofd|txt)\s*"
    r"(?:[(（\[]?\s*\d+(?:\.\d+)?\s*[KMG]?B\s*[)）\]]?)?\s*(?:下载|预览|查看)?$",
    re.I,
)
# Prev/next links and "back to list" anywhere in a short line.
_PREV_NEXT = re.compile(
    r"上一篇[:：]|下一篇[:：]|上一条[:：]|下一条[:：]|返回列表|上一篇文章|下一篇文章"
)
# "本文来源: https://…": a label and a URL, nothing else.
_LABELLED_URL = re.compile(r"^\S{1,10}[:：]\s*(?:https?://|www\.)\S+$", re.I)
# An info line led by the page date: "2020-07-06 16:40 文章来源:本站原创".
_DATED_INFO = re.compile(
    r"^[\[(（【]?\s*(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?.{0,40}?"
    r"(?:来源|作者|编辑|浏览|阅读|点击|字号|字体|發佈|來源)"
)
# The site's own name as a line: a place, then 门户网站 / 政府网 / 官网.
_SITE_NAME = re.compile(
    r"^[" + HAN_RANGES + r"Xx]{1,10}?(?:省|市|县|区|州|盟|旗)[" + HAN_RANGES + r"]{0,12}"
    r"(?:门户网站|政府网站|网站|政府网|官网|官方网站|門戶網站|網站|政府信息公开|信息公开)$"
)
_NUMBERED_ATTACHMENT = re.compile(r"^附件\s*[:：]\s*\d")
_CONTACT_LABEL = re.compile(
    r"^(?:联系人|联系电话|联系方式|咨询电话|电话|邮箱|电子邮箱|电子信箱|传真|E-mail|Email)\s*[:：]",
    re.I,
)
# Any "label:" inside a line: a footer row has several ("地址：… 邮编：… 电话：…").
_ANY_LABEL = re.compile(r"[" + HAN_RANGES + r"A-Za-z-]{1,6}\s*[:：]")
_LONE_PUNCT = re.compile(r"^[\s\W_]*$")


def _home_pair(line: str) -> bool:
    """Two short items, one of them the home link: "返回首页 | 通知公告"."""
    items = [x.strip() for x in _PAIR_SEPARATOR.split(line)]
    return (
        len(items) == 2
        and any(x in HOME_WORDS for x in items)
        and all(_SPACED_NAV_ITEM.match(x) for x in items)
    )


def _spaced_nav(line: str) -> bool:
    items = line.split()
    return (
        2 <= len(items) <= 12
        and any(x in HOME_WORDS for x in items)
        and all(_SPACED_NAV_ITEM.match(x) for x in items)
    )


def _only_ui_words(line: str) -> bool:
    tokens = [t for t in _TOKENS.split(line) if t]
    # A count of comments ("2条评论") is a toolbar line on its own.
    if len(tokens) == 1 and _COMMENT_COUNT.match(tokens[0]):
        return True
    tokens = [t for t in tokens if not _COUNTER.match(t)]
    return bool(tokens) and all(t in UI_WORDS for t in tokens)


def _labelled(line: str) -> bool:
    # "时间:..." may open a body line ("时间:5月,地点:…"): a label line is not a sentence.
    if not LABEL_LINE.match(line) or (len(line) > LABEL_ALWAYS_MAX and SENTENCE_END.search(line)):
        return False
    # A notice lists its attachments and contacts in its body ("附件：1.知识竞答工作要求",
    # "联系电话：0351-1234567"); a footer row strings several labels together.
    return not (_NUMBERED_ATTACHMENT.match(line) or _lone_contact(line))


def _lone_contact(line: str) -> bool:
    return bool(_CONTACT_LABEL.match(line)) and len(_ANY_LABEL.findall(line)) == 1


def _menu_only(line: str) -> bool:
    return bool(MENU_WORDS.search(line)) and len(squash(MENU_WORDS.sub("", line))) <= MENU_REST


def _not_sentence(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda line: bool(pattern.search(line)) and not SENTENCE_END.search(line)


@dataclass(frozen=True)
class Rule:
    """One family of boilerplate lines: lines up to ``max_len`` characters that ``test``
    accepts are dropped and counted under ``name``."""

    name: str
    max_len: int
    test: Callable[[str], object]  # truthy for a line of the family (a match counts)


_ANY_LENGTH = 10**9
_RULE_CACHE = 8192  # lines; a page has a few hundred

# Tried in order; the first match names the line. Order matters where shapes overlap: a
# heading of a link list is named before it could pass for a label, a date line before a
# toolbar of counters. Patterns are anchored where they must match the whole line; their
# bound ``search`` is the test, the cheapest call.
RULES: tuple[Rule, ...] = (
    Rule("bare-url", _ANY_LENGTH, _URL_LINE.search),
    Rule("bare-url", LABELLED_URL_MAX, _LABELLED_URL.search),
    Rule("link-list-heading", _ANY_LENGTH, LIST_HEADS.search),
    Rule("date-line", _ANY_LENGTH, _ISO_DATE_LINE.search),
    Rule("pager", TOOLBAR_MAX, _PAGER_LINE.search),
    Rule("toolbar", TOOLBAR_MAX, _only_ui_words),
    Rule("footer-number", FOOTER_MAX, _not_sentence(_FOOTER_SHAPES)),
    Rule("doc-share-label", STRONG_MAX, STRONG_LABEL.search),
    Rule("notice-heading", SITE_NAME_MAX, NOTICE_HEADING.search),
    Rule("info-bar", LABEL_MAX, lambda s: bool(_DATED_LABEL.match(s) or _DATED_INFO.match(s))),
    Rule("breadcrumb", LABEL_MAX, lambda s: bool(_BREADCRUMB.search(s) or _CRUMB_TRAIL.match(s))),
    Rule("prev-next", LABEL_MAX, _PREV_NEXT.search),
    Rule("site-name", SITE_NAME_MAX, _SITE_NAME.search),
    Rule("label-line", LABEL_MAX, _labelled),
    Rule("table-label-row", LABEL_MAX, _not_sentence(TABLE_LABEL_ROW)),
    Rule("attachment", ATTACHMENT_MAX, _ATTACHMENT.search),
    Rule("site-phrase", SHORT_MAX, SITE_PHRASES.search),
    Rule("site-phrase", SHORT_MAX, _not_sentence(APP_BANNER)),
    Rule("menu-words", SHORT_MAX, _menu_only),
    Rule(
        "nav-row",
        NAV_MAX,
        lambda s: bool(_NAV_ROW.match(s)) or _spaced_nav(s) or _home_pair(s),
    ),
)


@lru_cache(maxsize=_RULE_CACHE)
def boilerplate_rule(line: str) -> str | None:
    """The rule family a boilerplate line falls under, or None for a line of the document.

    Cached for one page (:func:`pipelines.extract.core.extract` clears the cache): the body
    choice, the cleaning and the title choice ask about the same lines."""
    s = line.strip()
    if not s or _LONE_PUNCT.match(s):
        return "punctuation"
    n = len(s)
    for rule in RULES:
        if n <= rule.max_len and rule.test(s):
            return rule.name
    return None


def is_boilerplate(line: str) -> bool:
    """True when the whole line has the shape of site boilerplate (see module docstring)."""
    return boilerplate_rule(line) is not None


def clean_lines(
    lines: Iterable[str],
    shadow: Sequence[str] | None = None,
    counts: dict[str, int] | None = None,
) -> tuple[list[str], int]:
    """Keep non-boilerplate lines (stripped); return them and how many were dropped.

    ``shadow`` is the same lines in Simplified Chinese for a Traditional page: the rules are
    written in Simplified and are matched against it, while the page's own lines are kept.
    ``counts``, when given, is incremented per rule family (see :func:`boilerplate_rule`).

    After a link-list heading (相关阅读, 最近更新 ...) below the body, the short lines that
    follow are its items (titles, often with dates) and go too, up to the first line that
    reads like body text.
    """
    kept: list[str] = []
    dropped = 0
    in_list = False
    lines = list(lines)
    for line, probe in zip(lines, shadow if shadow is not None else lines, strict=True):
        s = line.strip()
        if not s:
            continue
        p = probe.strip()
        rule = boilerplate_rule(p)
        if rule == "link-list-heading":
            # Only below the body: before it, a short body heading could pass for a list item.
            in_list = sum(len(x) for x in kept) >= BODY_BEFORE_LIST
        elif in_list and len(p) <= LIST_ITEM_MAX and not SENTENCE_END.search(p):
            rule = "link-list-item"
        else:
            in_list = False
        if rule is None:
            kept.append(s)
            continue
        dropped += 1
        if counts is not None:
            counts[rule] = counts.get(rule, 0) + 1
    return kept, dropped
