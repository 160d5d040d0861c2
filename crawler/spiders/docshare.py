"""The ``docshare`` family: a document-sharing site (范文/文档 sites such as 三七文档, 公文素材库)."""

from __future__ import annotations

from crawler.spiders.base import SiteSpider


class DocshareSpider(SiteSpider):
    """A document-sharing site: category or search listings, and one page per document.

    Config knobs (a ``family: docshare`` entry in config.yaml):

    - ``start_urls``: the home page or the category/search listings to start from;
    - ``links.list``: regexes for listings to enter from any list page (categories such as
      ``/list/gongzuozongjie\\.html$``, search result pages); each is paginated afresh;
    - ``links.next``: regexes for further pages of a listing (``_\\d+\\.html$``); 下一页/尾页
      links and ``?page=N`` links are recognised without one;
    - ``links.document``: regexes for document pages, e.g. ``777doc\\.com/doc-\\d+\\.html$``;
    - ``limits.max_list_pages``: how many pages of each listing to read.

    The HTML it expects::

        <ul><li><a href="../doc-8788882.html">Title</a><span class="date">2022-07-05</span></li></ul>
        <div class="pages"><a href="gongzuozongjie_2.html">下一页</a></div>
        …
        <div class="crumb">当前位置:首页 > … > Title</div>
        <div class="content">the whole document, often one flattened line</div>
        <p>本文标题:…</p><p>链接地址:https://…</p>   (or 来源:网络整理 免责声明:… and a bare URL)

    Document pages are leaves: their 相关阅读/最近更新 links are not followed, so a crawl stays
    inside the configured listings. Each document page answering 200 gives one item.
    """

    name = "docshare"
