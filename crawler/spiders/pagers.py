"""Pagers as CMS list pages carry them: reading how many pages a listing has and where they are.

Shapes read here (each has a saved page under ``tests/fixtures/spiders/``):

- TRS WCM ``createPageHTML(15, 0, "index", "html")``: the *call* with literal arguments (or
  variables assigned numbers in a script of the page), wherever it is: after an inline
  ``function createPageHTML(_nPageCount, ...)`` definition, in one of several scripts, with the
  definition in an external JS file. Pages: ``index.html``, ``index_1.html``, ...
- TRS templates that only set ``countPage = 15`` next to their pager script.
- Hanweb JCMS (大汉) record paging: ``totalRecord: 327, perPage: 15`` (jpage options or
  variables) and the unit id of the list; pages are ``?uid=<unit>&pageNum=N``.
- A page count in the pager's text (``共15页``, ``第1/15页``, ``1/15``) or a 尾页 link,
  with any numbered link of the pager (``index_N.shtml``, ``list_N.html``, ``?page=N``) as the
  shape of the other pages' URLs.

Every function here is pure: page text in, ``(absolute URL, 0-based index)`` out; the spider
bounds them by ``max_list_pages``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that number list pages (1-based on every site seen).
PAGE_QUERY = re.compile(
    r"^(?:page|pageno|pagenum|pageindex|p|pn|currpage|curpage|cpage)$", re.IGNORECASE
)
# TRS-style file suffixes: index_3.html is the 4th page (index.html the 1st).
TRS_SUFFIX = re.compile(r"/index_(\d+)\.s?html?$")
# Other numbered files: list_2.html, column-index-2.shtml are the 2nd page.
NUMBERED_FILE = re.compile(r"[_-](\d+)\.s?html?$")

_CREATE_PAGE_HTML = re.compile(r"(?<![\w.$])createPageHTML\s*\(([^()]*)\)")
_FUNCTION_KEYWORD = re.compile(r"function\s*$")
_JS_ARG = re.compile(r"""\s*(?:(\d+)|["']([^"']*)["']|([A-Za-z_$][\w$]*))\s*""")
# var countPage = 15; currentPage = 0; var sPageName = "index"
_JS_ASSIGNMENT = re.compile(
    r"""(?:\bvar\s+|\blet\s+|\bconst\s+|[;{\s]|^)([A-Za-z_$][\w$]*)\s*=\s*(?:(\d+)\b|["']([^"']*)["'])""",
    re.MULTILINE,
)
# Older TRS templates only set a page-count variable next to their own pager script.
_COUNT_VARIABLE = re.compile(r"\b(?:countPage|totalPage|pageCount|totalPages)\s*=\s*(\d+)")
_TRS_LIST_FILE = re.compile(r"(?P<prefix>[A-Za-z]+)(?:_\d+)?\.(?P<ext>s?html?)$")
_TOTAL_RECORD = re.compile(r"""\btotalRecord\s*[:=]\s*["']?(\d+)""", re.IGNORECASE)
_PER_PAGE = re.compile(r"""\bperPage\s*[:=]\s*["']?(\d+)""", re.IGNORECASE)
_JPAGE_UNIT = re.compile(r"""\$\(\s*["']#(\d+)["']\s*\)\s*\.jpage""")
_UNIT_ATTRIBUTE = re.compile(r"""\buid\s*[:=]\s*["']?(\d+)""")
# 共15页 / 共 15 页 / 第1/15页 / 1/15页
_PAGE_COUNT_TEXT = re.compile(r"共\s*(\d+)\s*页|第?\s*\d+\s*/\s*(\d+)\s*页")
# Signs that a page has a pager at all, read or not.
_PAGER_SCRIPT = re.compile(
    r"createPageHTML|\.jpage\s*\(|totalRecord|countPage|totalPage|pageCount", re.IGNORECASE
)
_PAGER_TEXT = re.compile(r"下一页|下页|尾页|末页|共\s*\d+\s*页|\d+\s*/\s*\d+\s*页")


def page_index(url: str) -> int | None:
    """The 0-based position of a list page in its listing, read from its URL if it says so."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if PAGE_QUERY.match(key) and value.isdigit():
            return max(int(value) - 1, 0)
    match = TRS_SUFFIX.search(parts.path)
    if match:
        return int(match.group(1))
    match = NUMBERED_FILE.search(parts.path)
    if match:
        return max(int(match.group(1)) - 1, 0)
    return None


def _assignments(scripts: str) -> dict[str, int | str]:
    values: dict[str, int | str] = {}
    for name, number, string in _JS_ASSIGNMENT.findall(scripts):
        values[name] = int(number) if number else string
    return values


def _call_arguments(args: str, variables: dict[str, int | str]) -> list[int | str] | None:
    values: list[int | str] = []
    for arg in args.split(","):
        parsed = _JS_ARG.fullmatch(arg)
        if not parsed:
            return None  # an expression: not a call we can read
        number, string, name = parsed.groups()
        if name is not None:
            if name not in variables:
                return None
            values.append(variables[name])
        else:
            values.append(int(number) if number is not None else string)
    return values


def trs_pages(scripts: str) -> tuple[int, int, str, str] | None:
    """``(total, current, prefix, extension)`` from the first readable ``createPageHTML`` call
    in ``scripts`` (definitions and calls with unknown variables are passed over)."""
    variables: dict[str, int | str] | None = None
    for match in _CREATE_PAGE_HTML.finditer(scripts):
        if _FUNCTION_KEYWORD.search(scripts, max(0, match.start() - 12), match.start()):
            continue  # function createPageHTML(_nPageCount, ...): the definition
        if variables is None:
            variables = _assignments(scripts)
        values = _call_arguments(match.group(1), variables)
        if values is None:
            continue
        numbers = [v for v in values if isinstance(v, int)]
        first_number = next((i for i, v in enumerate(values) if isinstance(v, int)), len(values))
        # strings before the numbers are a container id ('page_div'), not the file name
        strings = [v for v in values[first_number:] if isinstance(v, str)]
        if len(numbers) < 2:
            continue
        prefix, ext = (strings + ["index", "html"][len(strings) :])[:2]
        return numbers[0], numbers[1], prefix, ext
    return None


def trs_page_url(index: int, prefix: str, ext: str) -> str:
    """The file of page ``index`` (0-based) in a TRS column: index.html, index_1.html, ..."""
    return f"{prefix}.{ext}" if index == 0 else f"{prefix}_{index}.{ext}"


def trs_listing(scripts: str, url: str, list_page: int) -> list[tuple[str, int]] | None:
    """Every page of a TRS column, from its ``createPageHTML`` call or ``countPage``."""
    pages = trs_pages(scripts)
    if pages is None:
        count = _COUNT_VARIABLE.search(scripts)
        file = _TRS_LIST_FILE.search(url.split("?", 1)[0])
        if not (count and file):
            return None
        pages = (int(count.group(1)), list_page, file["prefix"], file["ext"])
    total, _current, prefix, ext = pages
    return [(urljoin(url, trs_page_url(index, prefix, ext)), index) for index in range(total)]


def jcms_listing(scripts: str, url: str) -> list[tuple[str, int]] | None:
    """Every page of a Hanweb JCMS list from its record paging (``totalRecord``/``perPage``)."""
    total, per_page = _TOTAL_RECORD.search(scripts), _PER_PAGE.search(scripts)
    if not (total and per_page) or int(per_page.group(1)) == 0:
        return None
    count = max(math.ceil(int(total.group(1)) / int(per_page.group(1))), 1)
    unit = _JPAGE_UNIT.search(scripts) or _UNIT_ATTRIBUTE.search(scripts)
    parts = urlsplit(url)
    out = []
    for index in range(1, count):  # page 1 is the list page itself
        query = {"uid": unit.group(1)} if unit else {}
        query["pageNum"] = str(index + 1)
        out.append((urlunsplit(parts._replace(query=urlencode(query), fragment="")), index))
    return out


def page_count_in_text(text: str) -> int | None:
    """The page count a pager's text states (``共15页``, ``第1/15页``), if any."""
    match = _PAGE_COUNT_TEXT.search(text)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def numbered_page_url(template: str, index: int) -> str | None:
    """``template`` (a numbered list page URL) turned into the URL of page ``index``."""
    parts = urlsplit(template)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for position, (key, value) in enumerate(query):
        if PAGE_QUERY.match(key) and value.isdigit():
            query[position] = (key, str(index + 1))
            return urlunsplit(parts._replace(query=urlencode(query)))
    match = TRS_SUFFIX.search(parts.path)
    if match:
        path = parts.path[: match.start(1)] + str(index) + parts.path[match.end(1) :]
        return urlunsplit(parts._replace(path=path))
    match = NUMBERED_FILE.search(parts.path)
    if match:
        path = parts.path[: match.start(1)] + str(index + 1) + parts.path[match.end(1) :]
        return urlunsplit(parts._replace(path=path))
    return None


def numbered_listing(templates: Iterable[str], total: int) -> list[tuple[str, int]]:
    """Pages 1..total-1 (page 0 is the listing's first page, whose URL often has no number)
    in the shape of the first numbered pager link in ``templates``."""
    for template in templates:
        if numbered_page_url(template, 1) is None:
            continue
        urls = [(numbered_page_url(template, index), index) for index in range(1, total)]
        return [(url, index) for url, index in urls if url]
    return []


def shows_a_pager(scripts: str, text: str) -> bool:
    """True when a page carries a pager (script or text), whether or not it could be read."""
    return bool(_PAGER_SCRIPT.search(scripts) or _PAGER_TEXT.search(text))
