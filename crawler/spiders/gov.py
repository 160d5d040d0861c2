"""The ``gov`` family: a column of a Chinese government website (TRS WCM, Hanweb JCMS, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.http import HtmlResponse, Response

from crawler.spiders.base import Link, SiteSpider
from crawler.spiders.pagers import jcms_listing, trs_listing, trs_page_url, trs_pages

__all__ = ["GovSpider", "trs_page_url", "trs_pages"]

# Hanweb JCMS lists carry their rows as HTML inside <script type="text/xml"> records, not as
# links of the page itself.
_HANWEB_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)


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
        pages = trs_listing(scripts, response.url, list_page) or jcms_listing(scripts, response.url)
        if pages and len(pages) > self.max_list_pages:
            self.logger.info(
                "site %s: column has %d list pages, reading the first %d",
                self.site.name,
                len(pages),
                self.max_list_pages,
            )
        # Every page is listed from any page; the walk requests each once.
        yield from pages or ()
