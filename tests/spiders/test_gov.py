"""The gov family spider against saved list and article pages (no network)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.test import get_reactor_settings

from crawler.config import parse_config
from crawler.items import PageItem
from crawler.spiders.base import page_index
from crawler.spiders.gov import GovSpider, trs_pages
from pipelines.text import parse_date

COLUMN = "http://www.example.gov.cn/gov/kjj/"
DEMO_SITE: dict[str, Any] = {
    "start_urls": [COLUMN + "index.html"],
    "allowed_domains": ["www.example.gov.cn"],
    "links": {
        "document": [r"/gov/kjj/\d{6}/t\d{8}_\d+\.html$"],
        "next": [r"/gov/kjj/index_\d+\.html$"],
    },
}


@pytest.fixture
def spider(make_spider) -> GovSpider:
    return make_spider(GovSpider, **DEMO_SITE)


def requests(results) -> list[Request]:
    out = list(results)
    assert all(isinstance(r, Request) for r in out)
    return out


def documents(out: list[Request]) -> list[tuple[str, str | None, str | None]]:
    return [
        (r.url, r.cb_kwargs["list_title"], r.cb_kwargs["list_date"])
        for r in out
        if r.callback.__name__ == "parse_document"
    ]


def list_pages(out: list[Request]) -> list[tuple[str, int]]:
    return [(r.url, r.cb_kwargs["list_page"]) for r in out if r.callback.__name__ == "parse"]


def stat(spider: GovSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(f"harvest/spider/{key}")


def test_start_requests_the_start_urls_as_list_page_zero(spider):
    async def collect() -> list[Request]:
        return [r async for r in spider.start()]

    out = asyncio.run(collect())
    assert [(r.url, r.cb_kwargs) for r in out] == [(COLUMN + "index.html", {"list_page": 0})]
    assert out[0].callback == spider.parse


def test_first_list_page_gives_its_documents_with_dates_and_titles(spider, saved_page):
    response = saved_page("demo_gov_index.html", COLUMN + "index.html")
    out = requests(spider.parse(response, list_page=0))
    assert documents(out) == [
        (
            COLUMN + "202001/t20200116_361045.html",
            "示范市科学技术局2020年工作计划",
            "2020-01-16",
        ),
        (
            COLUMN + "201906/t20190628_358021.html",
            "阳江市科学技术局2019年上半年工作总结",
            "2019-06-28",
        ),
        (
            COLUMN + "201903/t20190305_352210.html",
            "示范市科学技术局2019年科普工作计划",
            "2019-03-05",
        ),
    ]
    assert {r.cb_kwargs["list_url"] for r in out if "list_url" in r.cb_kwargs} == {
        COLUMN + "index.html"
    }
    # The sidebar's articles of other columns and the nav links are not followed; the pager
    # call createPageHTML(2, 0, ...) gives index_1.html (index.html itself is skipped).
    assert list_pages(out) == [(COLUMN + "index_1.html", 1)]
    assert stat(spider, "list_pages") == 1
    assert stat(spider, "documents_linked") == 3


def test_second_list_page_links_back_to_the_first_only(spider, saved_page):
    response = saved_page("demo_gov_index_1.html", COLUMN + "index_1.html")
    out = requests(spider.parse(response, list_page=1))
    assert documents(out) == [
        (COLUMN + "201901/t20190110_348876.html", "示范市科学技术局2018年工作总结", "2019-01-10"),
        (COLUMN + "201807/t20180712_331457.html", "2018年上半年科技工作总结", "2018-07-12"),
    ]
    # Only the pager leads back; the nav's link to the column is not a next-page link.
    assert list_pages(out) == [(COLUMN + "index.html", 0)]


def test_create_page_html_beyond_max_list_pages_is_cut(make_spider, saved_page):
    spider = make_spider(
        GovSpider,
        start_urls=["http://kjj.example.gov.cn/gzdt/index.html"],
        allowed_domains=["kjj.example.gov.cn"],
        links={"document": [r"/gzdt/\d{6}/t\d{8}_\d+\.html$"]},
        limits={"max_list_pages": 4},
    )
    response = saved_page("gov_trs_37_pages.html", "http://kjj.example.gov.cn/gzdt/index.html")
    out = requests(spider.parse(response, list_page=0))
    assert [url for url, _, _ in documents(out)] == [
        "http://kjj.example.gov.cn/gzdt/202405/t20240520_900001.html",
        "http://kjj.example.gov.cn/gzdt/202401/t20240108_899120.html",
    ]
    assert list_pages(out) == [
        ("http://kjj.example.gov.cn/gzdt/index_1.html", 1),
        ("http://kjj.example.gov.cn/gzdt/index_2.html", 2),
        ("http://kjj.example.gov.cn/gzdt/index_3.html", 3),
    ]
    assert stat(spider, "pages_beyond_limit") == 33


def test_pages_another_listing_requested_are_not_requested_again(make_spider, saved_page):
    """Start URLs that are pages of one pager (index.html and index_2.html given both): the
    first page's pager lists index_2.html too, but only the pages nobody requested are built."""
    start = [
        "http://kjj.example.gov.cn/gzdt/index.html",
        "http://kjj.example.gov.cn/gzdt/index_2.html",
    ]
    spider = make_spider(
        GovSpider,
        start_urls=start,
        allowed_domains=["kjj.example.gov.cn"],
        links={"document": [r"/gzdt/\d{6}/t\d{8}_\d+\.html$"]},
        limits={"max_list_pages": 4},
    )

    async def collect() -> list[Request]:
        return [r async for r in spider.start()]

    assert [r.url for r in asyncio.run(collect())] == start
    response = saved_page("gov_trs_37_pages.html", start[0])
    out = requests(spider.parse(response, list_page=0))
    assert list_pages(out) == [
        ("http://kjj.example.gov.cn/gzdt/index_1.html", 1),
        ("http://kjj.example.gov.cn/gzdt/index_3.html", 3),
    ]
    assert stat(spider, "next_pages") == 2


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ('createPageHTML(2, 0, "index", "html");', (2, 0, "index", "html")),
        ("createPageHTML(12,3,'index','shtml')", (12, 3, "index", "shtml")),
        ("createPageHTML('page_div', 37, 0, 'index', 'html', 20);", (37, 0, "index", "html")),
        ("createPageHTML(5, 1);", (5, 1, "index", "html")),
        ("createPageHTML(countPage, currentPage, 'index', 'html');", None),
        ("var x = 1;", None),
    ],
)
def test_trs_pages_reads_the_pager_call(script, expected):
    assert trs_pages(script) == expected


def test_next_and_last_page_links(make_spider, saved_page):
    spider = make_spider(
        GovSpider,
        start_urls=["http://www.example-xian.gov.cn/zwgk/jhzj/list_1.shtml"],
        allowed_domains=["www.example-xian.gov.cn"],
        links={"document": [r"/zwgk/jhzj/\d{4}-\d{2}/\d{2}/content_\d+\.shtml$"]},
        limits={"max_list_pages": 5},
    )
    url = "http://www.example-xian.gov.cn/zwgk/jhzj/list_1.shtml"
    out = requests(spider.parse(saved_page("gov_next_links.html", url), list_page=0))
    base = "http://www.example-xian.gov.cn/zwgk/jhzj/"
    assert documents(out) == [
        (base + "2019-06/28/content_1001.shtml", "县科技局2019年上半年工作总结", "2019-06-28"),
        (base + "2019-01/10/content_0987.shtml", "县科技局2019年工作计划", "2019-01-10"),
    ]
    # 下一页 is page 2; 共9页 and 尾页 (page 9) give pages 2-9 in the shape of the pager's
    # links, of which 6-9 are past max_list_pages; 首页 is this page.
    assert list_pages(out) == [(base + f"list_{n}.shtml", n - 1) for n in range(2, 6)]
    assert stat(spider, "pages_beyond_limit") == 4


def test_page_query_links(make_spider, saved_page):
    spider = make_spider(
        GovSpider,
        start_urls=["https://qu.example.gov.cn/column/gzzj?page=1"],
        allowed_domains=["qu.example.gov.cn"],
        links={"document": [r"/article/\d+\.html$"]},
        limits={"max_list_pages": 3},
    )
    url = "https://qu.example.gov.cn/column/gzzj?page=1"
    out = requests(spider.parse(saved_page("gov_page_query.html", url), list_page=0))
    assert documents(out) == [
        (
            "https://qu.example.gov.cn/article/12031.html",
            "区科技局2021年上半年工作总结",
            "2021-07-02",
        ),
        ("https://qu.example.gov.cn/article/11877.html", "区科技局2020年工作总结", "2021-01-15"),
    ]
    query = "https://qu.example.gov.cn/column/gzzj?page="
    assert list_pages(out) == [(query + "2", 1), (query + "3", 2)]
    assert stat(spider, "pages_beyond_limit") == 1  # page=4


def test_hanweb_records_are_read_as_links(make_spider, saved_page):
    spider = make_spider(
        GovSpider,
        start_urls=["https://kj.example.gov.cn/col/col1693963/index.html"],
        allowed_domains=["kj.example.gov.cn"],
        links={"document": [r"/art/\d{4}/\d{1,2}/\d{1,2}/art_1693963_\d+\.html$"]},
    )
    url = "https://kj.example.gov.cn/col/col1693963/index.html"
    out = requests(spider.parse(saved_page("gov_hanweb_col.html", url), list_page=0))
    assert documents(out) == [
        (
            "https://kj.example.gov.cn/art/2019/7/5/art_1693963_34871.html",
            "市科技局2019年上半年工作总结",
            "2019-07-05",
        ),
        (
            "https://kj.example.gov.cn/art/2019/1/8/art_1693963_33120.html",
            "市科技局2018年工作总结",
            "2019-01-08",
        ),
    ]
    assert list_pages(out) == []


def test_article_page_gives_one_item(spider, saved_page):
    url = COLUMN + "201906/t20190628_358021.html"
    listing = {
        "list_url": COLUMN + "index.html",
        "list_title": "阳江市科学技术局2019年上半年工作总结",
        "list_date": "2019-06-28",
    }
    response = saved_page("demo_gov_article.html", url)
    (item,) = list(spider.parse_document(response, **listing))
    assert isinstance(item, PageItem)
    assert {k: item[k] for k in ("site", "family", "url", "final_url", "status")} == {
        "site": "test_site",
        "family": "gov",
        "url": url,
        "final_url": url,
        "status": 200,
    }
    assert {k: item[k] for k in listing} == listing
    assert item["body"] == response.body
    assert item["headers"] == {"content-type": "text/html"}
    assert "阳江市科学技术局" in item["body"].decode("gb18030")
    assert stat(spider, "documents") == 1


def test_missing_article_gives_no_item_and_a_stat(spider, saved_page, caplog):
    url = COLUMN + "201906/t20190631_000000.html"
    with caplog.at_level(logging.WARNING):
        out = list(spider.parse_document(saved_page(None, url, status=404), list_url=COLUMN))
    assert out == []
    assert stat(spider, "http_error/404") == 1
    assert stat(spider, "documents") is None
    assert f"site test_site: HTTP 404 on document page {url}" in caplog.text


def test_list_page_without_document_links_warns(spider, saved_page, caplog):
    url = COLUMN + "index.html"
    with caplog.at_level(logging.WARNING):
        out = requests(spider.parse(saved_page("gov_empty_list.html", url), list_page=0))
    assert out == []
    assert f"site test_site: list page without document links: {url}" in caplog.text
    assert stat(spider, "empty_list_pages") == 1


def test_failed_list_page_is_counted_not_parsed(spider, saved_page):
    out = list(spider.parse(saved_page("demo_gov_index.html", COLUMN, status=503), list_page=0))
    assert out == []
    assert stat(spider, "http_error/503") == 1
    assert stat(spider, "list_pages") is None


def test_site_settings_reach_an_unconfigured_crawler():
    site = parse_config(
        {
            "sites": [
                {
                    "name": "slow",
                    "family": "gov",
                    **DEMO_SITE,
                    "politeness": {"download_delay": 7, "obey_robots_txt": True},
                    "limits": {"max_pages": 12, "redirect_max_times": 2},
                }
            ]
        }
    ).sites[0]
    crawler = Crawler(GovSpider, get_reactor_settings())
    spider = GovSpider.from_crawler(crawler, site=site)
    assert spider.allowed_domains == ["www.example.gov.cn"]
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 7
    assert crawler.settings.getint("CLOSESPIDER_PAGECOUNT") == 12
    assert crawler.settings.getint("REDIRECT_MAX_TIMES") == 2
    assert crawler.settings.getbool("ROBOTSTXT_OBEY") is True


def test_a_site_of_another_family_is_refused(make_spider):
    with pytest.raises(ValueError, match="is of family 'docshare', not 'gov'"):
        make_spider(GovSpider, family="docshare", **DEMO_SITE)


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("http://a.gov.cn/kjj/index.html", None),
        ("http://a.gov.cn/kjj/index_3.html", 3),  # TRS: index_3 is the 4th page
        ("http://a.gov.cn/news/list_2.html", 1),
        ("http://a.gov.cn/col/col12/index.html?uid=5&pageNum=4", 3),
        ("http://a.gov.cn/column/gzzj?page=1", 0),
        ("http://a.gov.cn/column-index-2.shtml", 1),
    ],
)
def test_page_index_reads_the_page_number_from_the_url(url, index):
    assert page_index(url) == index


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2019-06-28", "2019-06-28"),
        ("[2019/6/8]", "2019-06-08"),
        ("2019年06月28日", "2019-06-28"),
        ("2019-13-28", None),
        ("浏览次数:2019", None),
    ],
)
def test_list_dates_are_read_like_page_dates(text, date):
    assert parse_date(text) == date


def test_non_html_list_page_is_reported(spider):
    url = COLUMN + "index.html"
    response = Response(url, body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert list(spider.parse(response)) == []
    assert stat(spider, "list_not_html") == 1
