"""The ``gov`` family: a column of a Chinese government website (TRS WCM, Hanweb JCMS, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.http import HtmlResponse, Response

from crawler.spiders.base import Link, SiteSpider

# createPageHTML(2, 0, "index", "html") and the newer createPageHTML("page_div", 2, 0, "index",
# "html", 20): total pages, current page (0-based), file prefix, extension.
_CREATE_PAGE_HTML = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_JS_ARG = re.compile(r"""\s*(?:(\d+)|["']([^"']*)["'])\s*""")
# Older templates only set a page-count variable next to their own pager script.
_COUNT_VARIABLE = re.compile(r"\b(?:countPage|totalPage|pageCount)\s*=\s*(\d+)")
_TRS_LIST_FILE = re.compile(r"(?P<prefix>[A-Za-z]+)(?:_\d+)?\.(?P<ext>s?html?)$")
# Hanweb JCMS lists carry their rows as HTML inside <script type="text/xml"> records, not as
# links of the page itself.
_HANWEB_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)


def trs_pages(script: str) -> tuple[int, int, str, str] | None:
    """``(total, current, prefix, extension)`` from the text around a ``createPageHTML`` call."""
    match = _CREATE_PAGE_HTML.search(script)
    if not match:
        return None
    numbers: list[int] = []
    strings: list[str] = []
    for arg in match.group(1).split(","):
        parsed = _JS_ARG.fullmatch(arg)
        if not parsed:
            return None  # a variable or an expression: not the static call we can read
        if parsed.group(1) is not None:
            numbers.append(int(parsed.group(1)))
        elif numbers:  # strings before the numbers are a container id, not the file name
            strings.append(parsed.group(2))
    if len(numbers) < 2:
        return None
    prefix, ext = (strings + ["index", "html"][len(strings) :])[:2]
    return numbers[0], numbers[1], prefix, ext


def trs_page_url(index: int, prefix: str, ext: str) -> str:
    """The file of page ``index`` (0-based) in a TRS column: index.html, index_1.html, ..."""
    return f"{prefix}.{ext}" if index == 0 else f"{prefix}_{index}.{ext}"


class GovSpider(SiteSpider):
    """A government column: list pages of dated article links, and the articles.

    Config knobs (a ``family: gov`` entry in config.yaml):

    - ``start_urls``: the column's first list page(s), e.g. ``…/kjj/gzzj/index.html``;
    - ``links.document``: regexes for article URLs, e.g. ``/kjj/gzzj/\\d{6}/t\\d{8}_\\d+\\.html$``
      (TRS) or ``/art/\\d{4}/\\d+/\\d+/art_1234_\\d+\\.html$`` (Hanweb JCMS); keep them specific
      to the column, because sidebars link to articles of other columns;
    - ``links.next``: regexes for further list pages when they are plain links (``index_\\d+``,
      ``pageNum=\\d+``); 下一页/尾页 links and ``?page=N`` links are recognised without one;
    - ``links.list``: sub-columns to walk as well (usually empty);
    - ``limits.max_list_pages``: how many pages of the column to read (index.html is page 0).

    The HTML it expects (TRS WCM; other CMSs differ only in the patterns)::

        <ul class="list">
          <li><a href="./201906/t20190628_358021.html" title="…">Title</a><span>2019-06-28</span></li>
        </ul>
        <script>createPageHTML(2, 0, "index", "html");</script>   <!-- 2 pages: index, index_1 -->
        …
        <meta name="ArticleTitle" content="…"><meta name="PubDate" content="2019-06-28 09:30">
        <div class="info">发布时间:… 来源:… 【字体:大 中 小】</div>
        <div id="zoom"><div class="TRS_Editor"><p>…</p></div></div>

    Hanweb JCMS lists keep their rows as HTML inside ``<script type="text/xml">`` ``<record>``
    elements; those rows are read as if they were links of the page.

    Each article link is requested with its list page URL, its title and the date shown beside
    it; an article answering 200 gives one item (the pipelines extract the body), any other
    status is counted in ``harvest/spider/http_error/<status>`` and logged.
    """

    name = "gov"

    def links(self, response: Response) -> list[Link]:
        links = super().links(response)
        records = [
            record
            for script in response.xpath('//script[@type="text/xml"]/text()').getall()
            for record in _HANWEB_RECORD.findall(script)
        ]
        if records:
            # Parsed as a page of its own at the same URL, so relative links resolve as usual.
            rows = HtmlResponse(
                url=response.url, body="\n".join(records).encode("utf-8"), encoding="utf-8"
            )
            links.extend(super().links(rows))
        return links

    def pagination(
        self, response: Response, links: list[Link], list_page: int
    ) -> Iterator[tuple[str, int]]:
        yield from super().pagination(response, links, list_page)
        scripts = "\n".join(response.xpath("//script/text()").getall())
        pages = trs_pages(scripts)
        if pages is None:
            count = _COUNT_VARIABLE.search(scripts)
            file = _TRS_LIST_FILE.search(response.url.split("?", 1)[0])
            if not (count and file):
                return
            pages = (int(count.group(1)), list_page, file["prefix"], file["ext"])
        total, _current, prefix, ext = pages
        if total > self.max_list_pages:
            self.logger.info(
                "site %s: column has %d list pages, reading the first %d",
                self.site.name,
                total,
                self.max_list_pages,
            )
        # Every page is listed from any page; the dupefilter drops the ones already requested.
        for index in range(total):
            yield response.urljoin(trs_page_url(index, prefix, ext)), index
