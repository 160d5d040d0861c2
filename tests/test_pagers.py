"""Pagers as real CMS list pages carry them (saved pages under tests/fixtures/spiders/): the
pages of a column are read from the pager call, the record paging or the pager's text, bounded
by max_list_pages whatever the shape, and a pager that cannot be read is reported."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request

from crawler.spiders.gov import GovSpider
from crawler.spiders.pagers import (
    jcms_listing,
    numbered_page_url,
    page_count_in_text,
    trs_pages,
)


def follow(spider, response, list_page: int = 0) -> tuple[list[str], list[tuple[str, int]]]:
    out = list(spider.parse(response, list_page=list_page))
    assert all(isinstance(r, Request) for r in out)
    documents = [r.url for r in out if r.callback.__name__ == "parse_document"]
    pages = [(r.url, r.cb_kwargs["list_page"]) for r in out if r.callback.__name__ == "parse"]
    return documents, pages


def stat(spider, key: str):
    return spider.crawler.stats.get_value(f"harvest/spider/{key}")


def gov(make_spider, start: str, document: str, **limits):
    host = start.split("/")[2]
    return make_spider(
        GovSpider,
        start_urls=[start],
        allowed_domains=[host],
        links={"document": [document]},
        limits={"max_list_pages": 30, **limits},
    )


def test_inline_definition_before_the_call_gives_every_page(make_spider, saved_page):
    start = "http://kjj.example.gov.cn/zwgk/gzzj/index.html"
    spider = gov(make_spider, start, r"/gzzj/\d{6}/t\d{8}_\d+\.html$")
    documents, pages = follow(spider, saved_page("gov_trs_inline_pager.html", start))
    assert documents == [
        "http://kjj.example.gov.cn/zwgk/gzzj/202405/t20240520_900001.html",
        "http://kjj.example.gov.cn/zwgk/gzzj/202401/t20240108_899120.html",
    ]
    base = "http://kjj.example.gov.cn/zwgk/gzzj/"
    assert pages == [(f"{base}index_{n}.html", n) for n in range(1, 15)]
    assert stat(spider, "page_count_unknown") is None


def test_definition_in_an_external_script_and_the_call_inline(make_spider, saved_page):
    start = "http://fgj.example.gov.cn/xxgk/jhzj/index.shtml"
    spider = gov(make_spider, start, r"/jhzj/\d{6}/t\d{8}_\d+\.shtml$", max_list_pages=5)
    _, pages = follow(spider, saved_page("gov_trs_external_pager.html", start))
    base = "http://fgj.example.gov.cn/xxgk/jhzj/"
    assert pages == [(f"{base}index_{n}.shtml", n) for n in range(1, 5)]
    assert stat(spider, "pages_beyond_limit") == 7  # index_5 .. index_11


def test_call_with_variables_assigned_on_the_page(make_spider, saved_page):
    start = "http://tjj.example.gov.cn/ghjh/index.html"
    spider = gov(make_spider, start, r"/ghjh/\d{6}/t\d{8}_\d+\.html$")
    _, pages = follow(spider, saved_page("gov_trs_pager_variables.html", start))
    assert [index for _, index in pages] == list(range(1, 8))


def test_hanweb_jcms_record_paging(make_spider, saved_page):
    start = "https://kjj.example.gov.cn/col/col1229053/index.html"
    spider = gov(make_spider, start, r"/art/\d{4}/\d{1,2}/\d{1,2}/art_1229053_\d+\.html$")
    documents, pages = follow(spider, saved_page("gov_jcms_record_paging.html", start))
    assert documents == [
        "https://kjj.example.gov.cn/art/2024/7/12/art_1229053_59310012.html",
        "https://kjj.example.gov.cn/art/2024/1/15/art_1229053_58900110.html",
    ]
    # 327 records, 15 per page: 22 pages; page 1 is this page
    assert pages == [(f"{start}?uid=4418207&pageNum={n + 1}", n) for n in range(1, 22)]


def test_dahan_page_count_in_the_pager_text(make_spider, saved_page):
    start = "http://www.example.gov.cn/module/xxgk/search.jsp?columnid=2001&currpage=1"
    spider = gov(make_spider, start, r"/art/\d{4}/\d+/\d+/art_2001_\d+\.html$", max_list_pages=6)
    _, pages = follow(spider, saved_page("gov_dahan_page_text.html", start))
    base = "http://www.example.gov.cn/module/xxgk/search.jsp?columnid=2001&currpage="
    assert pages == [(f"{base}{n + 1}", n) for n in range(1, 6)]
    assert stat(spider, "pages_beyond_limit") == 2  # currpage=7 and 8 (尾页)


def test_an_unreadable_pager_is_reported_not_silently_one_page(make_spider, saved_page, caplog):
    start = "http://zf.example.gov.cn/gzzj/index.html"
    spider = gov(make_spider, start, r"/gzzj/\d{6}/t\d{8}_\d+\.html$")
    with caplog.at_level(logging.WARNING):
        documents, pages = follow(spider, saved_page("gov_pager_unreadable.html", start))
    assert len(documents) == 1 and pages == []
    assert stat(spider, "page_count_unknown") == 1
    assert "page count could not be read" in caplog.text and start in caplog.text


def test_a_single_list_page_without_a_pager_is_not_reported(make_spider, saved_page):
    start = "http://www.example.gov.cn/gov/kjj/index_1.html"
    spider = gov(make_spider, start, r"/gov/kjj/\d{6}/t\d{8}_\d+\.html$")
    follow(spider, saved_page("gov_empty_list.html", start))
    assert stat(spider, "page_count_unknown") is None


def calendar_page(saved_page, month: int):
    """The archive page of 2021-``month``, linking the months before and after."""
    response = saved_page("gov_calendar_archive.html", "http://nyj.example.gov.cn/archive")
    html = response.text.replace("MONTH_BEFORE", f"2021{month - 1:02d}")
    html = html.replace("MONTH_AFTER", f"2021{month + 1:02d}")
    url = f"http://nyj.example.gov.cn/archive?ym=2021{month:02d}&page=1"
    return response.replace(url=url, body=html.encode("utf-8"))


def test_calendar_archives_are_bounded_by_max_list_pages(make_spider, saved_page):
    start = "http://nyj.example.gov.cn/archive?ym=202101&page=1"
    spider = gov(make_spider, start, r"/content/post_\d+\.html$", max_list_pages=3)
    spider.start_urls = [start]
    requested = [start]
    month, list_page = 1, 0
    listing = {}
    while True:
        out = list(spider.parse(calendar_page(saved_page, month), list_page=list_page, **listing))
        pages = [r for r in out if r.callback.__name__ == "parse"]
        if not pages:
            break
        # the walk follows the next month (the month before was requested already or is new)
        later = [r for r in pages if "2021" + f"{month + 1:02d}" in r.url]
        assert later, [r.url for r in pages]
        requested.append(later[0].url)
        listing = {k: v for k, v in later[0].cb_kwargs.items() if k == "listing"}
        list_page = later[0].cb_kwargs["list_page"]
        month += 1
        assert month < 12, "pagination was not bounded"
    assert len(requested) <= 3
    assert stat(spider, "pages_beyond_limit") >= 1


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}\n"
            'createPageHTML(15, 0, "index", "html");',
            (15, 0, "index", "html"),
        ),
        ("var n = 4; var c = 1;\ncreatePageHTML(n, c, 'index', 'htm');", (4, 1, "index", "htm")),
        ("createPageHTML(getCount(), 0, 'index', 'html');", None),
        ("window.createPageHTML(3, 0)", None),
    ],
)
def test_trs_pages_reads_the_call_not_the_definition(script, expected):
    assert trs_pages(script) == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [("共15页 首页 上一页", 15), ("第 1/8 页", 8), ("1/23页", 23), ("共 152 条记录", None)],
)
def test_page_count_in_text(text, count):
    assert page_count_in_text(text) == count


@pytest.mark.parametrize(
    ("template", "index", "url"),
    [
        ("http://a/list/index_3.shtml", 5, "http://a/list/index_5.shtml"),
        ("http://a/news/list_2.html", 5, "http://a/news/list_6.html"),
        ("http://a/col?id=3&page=2", 5, "http://a/col?id=3&page=6"),
        ("http://a/col/about.html", 5, None),
    ],
)
def test_numbered_page_url_keeps_the_shape(template, index, url):
    assert numbered_page_url(template, index) == url


def test_jcms_without_record_paging_is_not_guessed():
    assert jcms_listing("var x = 1;", "http://a/col/col1/index.html") is None


def test_a_pager_that_says_one_page_is_not_reported(make_spider, saved_page, caplog):
    # the demo's attachment column: createPageHTML(1, 0, "index", "html")
    start = "http://www.example.gov.cn/gov/fgw/index.html"
    spider = gov(make_spider, start, r"/gov/fgw/\d{6}/t\d{8}_\d+\.html$")
    with caplog.at_level(logging.WARNING):
        documents, pages = follow(spider, saved_page("gov_trs_one_page.html", start))
    assert len(documents) == 7 and pages == []
    assert stat(spider, "page_count_unknown") is None
    assert "page count could not be read" not in caplog.text
