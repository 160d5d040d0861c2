"""The docshare family spider against saved pages, and a real crawl of the demo website."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest

from crawler.demo import DEMO_CONFIG, DEMO_URL_VARIABLE, serve_directory
from crawler.items import PageItem
from crawler.spiders.docshare import DocshareSpider
from tests.helpers import PROJECT_ROOT, kinds, stat

DS1 = "http://127.0.0.1:8000/docshare1/"
DS1_SITE: dict[str, Any] = {
    "start_urls": [DS1 + "index.html"],
    "allowed_domains": ["127.0.0.1"],
    "links": {
        "list": [r"/docshare1/list/gongzuozongjie\.html$"],
        "next": [r"/docshare1/list/gongzuozongjie_\d+\.html$"],
        "document": [r"/docshare1/doc-\d+\.html$"],
    },
}
DS2 = "http://127.0.0.1:8000/docshare2/news/"
DS2_SITE: dict[str, Any] = {
    "start_urls": [DS2 + "list_1.html"],
    "allowed_domains": ["127.0.0.1"],
    "links": {
        "next": [r"/docshare2/news/list_\d+\.html$"],
        "document": [r"/docshare2/news/\d+\.html$"],
    },
}


def test_home_page_enters_the_configured_category_only(make_spider, saved_page):
    spider = make_spider(DocshareSpider, **DS1_SITE)
    docs, lists = kinds(spider.parse(saved_page("demo_docshare1_home.html", DS1 + "index.html")))
    assert docs == [(DS1 + "doc-8788882.html", "科技局2022年上半年工作总结范文", None)]
    # 工作总结 appears in the nav and in the category box; 工作计划 is not configured.
    assert lists == [(DS1 + "list/gongzuozongjie.html", 0)]
    assert stat(spider, "list_links") == 1


def test_category_page_gives_documents_and_next_page(make_spider, saved_page):
    spider = make_spider(DocshareSpider, **DS1_SITE)
    url = DS1 + "list/gongzuozongjie.html"
    docs, lists = kinds(spider.parse(saved_page("demo_docshare1_list.html", url), list_page=0))
    assert docs == [
        (DS1 + "doc-8788882.html", "科技局2022年上半年工作总结范文", "2022-07-05"),
        (DS1 + "doc-8790001.html", "科技局2021年工作总结范文", "2022-07-11"),
    ]
    # The numbered link "2", 下一页 and 尾页 all lead to page 2, requested once;
    # the nav's link back to this listing is skipped as the current page.
    assert lists == [(DS1 + "list/gongzuozongjie_2.html", 1)]
    assert stat(spider, "next_pages") == 1


def test_last_category_page_goes_nowhere_new(make_spider, saved_page):
    spider = make_spider(DocshareSpider, **DS1_SITE)
    url = DS1 + "list/gongzuozongjie_2.html"
    docs, lists = kinds(spider.parse(saved_page("demo_docshare1_list_2.html", url), list_page=1))
    assert docs == [(DS1 + "doc-9120455.html", "2018年上半年科技工作总结", "2022-08-19")]
    # back to page 1 only through the configured list pattern (nav, 首页, "1"), as page 0
    assert set(lists) == {(DS1 + "list/gongzuozongjie.html", 0)}


def test_max_list_pages_stops_pagination(make_spider, saved_page):
    spider = make_spider(DocshareSpider, **DS1_SITE, limits={"max_list_pages": 1})
    url = DS1 + "list/gongzuozongjie.html"
    _, lists = kinds(spider.parse(saved_page("demo_docshare1_list.html", url), list_page=0))
    assert lists == []
    assert stat(spider, "pages_beyond_limit") == 1  # page 2, however many links lead to it


def test_listing_with_next_link(make_spider, saved_page):
    spider = make_spider(DocshareSpider, **DS2_SITE)
    url = DS2 + "list_1.html"
    docs, lists = kinds(spider.parse(saved_page("demo_docshare2_list_1.html", url), list_page=0))
    assert docs == [
        (DS2 + "4368.html", "市科技局实施知识产权战略上半年工作总结及下半年工作计划", "2021-10-22"),
        (DS2 + "5127.html", "科技局2020年上半年工作總結", "2021-11-03"),
    ]
    assert lists == [(DS2 + "list_2.html", 1)]


def test_search_listing_with_page_query(make_spider, saved_page):
    spider = make_spider(
        DocshareSpider,
        start_urls=["https://www.777doc.com/search.html?q=科技局"],
        allowed_domains=["www.777doc.com"],
        links={"document": [r"777doc\.com/doc-\d+\.html$"]},
        limits={"max_list_pages": 3},
    )
    url = "https://www.777doc.com/search.html?q=%E7%A7%91%E6%8A%80%E5%B1%80"
    docs, lists = kinds(spider.parse(saved_page("docshare_search_page_query.html", url)))
    # the second link to doc-8788882 ("查看") is the same document: requested once
    assert docs == [
        ("https://www.777doc.com/doc-8788882.html", "科技局2022年上半年工作总结范文", None),
        ("https://www.777doc.com/doc-8801234.html", "科技局2021年工作总结", None),
    ]
    assert lists == [(url + "&page=2", 1)]
    assert stat(spider, "pages_beyond_limit") == 1  # page=5


def test_document_page_gives_one_item(make_spider, saved_page):
    spider = make_spider(DocshareSpider, **DS2_SITE)
    url = DS2 + "6033.html"
    (item,) = list(
        spider.parse_document(
            saved_page("demo_docshare2_doc.html", url),
            list_url=DS2 + "list_2.html",
            list_title="陽江市科學技術局2019年上半年工作總結",
            list_date="2021-12-01",
        )
    )
    assert isinstance(item, PageItem)
    assert (item["site"], item["family"], item["url"], item["status"]) == (
        "test_site",
        "docshare",
        url,
        200,
    )
    assert (item["list_url"], item["list_date"]) == (DS2 + "list_2.html", "2021-12-01")
    assert "創(chuàng)新驅(qū)動" in item["body"].decode("utf-8")


def test_dead_document_link_gives_no_item(make_spider, saved_page, caplog):
    spider = make_spider(DocshareSpider, **DS1_SITE)
    url = DS1 + "doc-8790001.html"
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse_document(saved_page(None, url, status=404))) == []
    assert stat(spider, "http_error/404") == 1
    assert f"site test_site: HTTP 404 on document page {url}" in caplog.text


def test_document_page_is_a_leaf(make_spider, saved_page, caplog):
    # Crawled as a listing by mistake (a too-broad list pattern), its 相关文档 links are not
    # documents of this site's pattern, so nothing is followed and the page is reported.
    spider = make_spider(DocshareSpider, **DS1_SITE)
    url = DS1 + "doc-8788882.html"
    with caplog.at_level(logging.WARNING):
        docs, lists = kinds(spider.parse(saved_page("demo_docshare1_doc.html", url)))
    assert docs == [
        (DS1 + "doc-8700001.html", "科技局工作总结范文", None),
        (DS1 + "doc-8700002.html", "上半年工作总结", None),
    ]
    assert lists == [(DS1 + "list/gongzuozongjie.html", 0)]


# --- a real crawl of the demo website over HTTP -----------------------------------------------

EXPECTED = {
    "demo_gov": {
        ("gov/kjj/202001/t20200116_361045.html", "2020-01-16"),
        ("gov/kjj/201906/t20190628_358021.html", "2019-06-28"),
        ("gov/kjj/201903/t20190305_352210.html", "2019-03-05"),
        ("gov/kjj/201901/t20190110_348876.html", "2019-01-10"),
        ("gov/kjj/201807/t20180712_331457.html", "2018-07-12"),
    },
    # doc-8788882 is first linked from the home page, which shows no date beside it
    "demo_docshare1": {
        ("docshare1/doc-8788882.html", None),
        ("docshare1/doc-9120455.html", "2022-08-19"),
    },
    "demo_docshare2": {
        ("docshare2/news/4368.html", "2021-10-22"),
        ("docshare2/news/5127.html", "2021-11-03"),
        ("docshare2/news/6033.html", "2021-12-01"),
    },
}
FAMILY = {"demo_gov": "gov", "demo_docshare1": "docshare", "demo_docshare2": "docshare"}


@pytest.fixture(scope="module")
def demo_crawls(tmp_path_factory) -> dict[str, tuple[str, list[dict[str, Any]], str]]:
    """Each demo site crawled by ``scrapy crawl`` in its own process (Scrapy's reactor cannot
    be restarted in-process), pipelines off, items to JSON lines: site -> (base, items, log)."""
    out = tmp_path_factory.mktemp("demo_crawl")
    results = {}
    with serve_directory() as base:
        env = {**os.environ, DEMO_URL_VARIABLE: base}
        procs = {}
        for site, family in FAMILY.items():
            feed = out / f"{site}.jsonl"
            (out / site).mkdir()
            command = [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                family,
                "-a",
                f"site={site}",
                "-a",
                f"config={DEMO_CONFIG}",
                "-s",
                "ITEM_PIPELINES={}",
                # the WARC middleware writes beside the database: never the user's archive/
                "-s",
                f"HARVEST_DB={out / site / 'harvest.db'}",
                "-s",
                "FEED_EXPORT_FIELDS=url,site,list_date",
                "-O",
                f"{feed}:jsonlines",
            ]
            procs[site] = (
                feed,
                subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        for site, (feed, proc) in procs.items():
            _, log = proc.communicate(timeout=60)
            assert proc.returncode == 0, log
            items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
            results[site] = (base, items, log)
    return results


@pytest.mark.e2e
@pytest.mark.parametrize("site", sorted(EXPECTED))
def test_demo_crawl_yields_exactly_the_documents(demo_crawls, site):
    base, items, log = demo_crawls[site]
    got = [(i["url"].removeprefix(base + "/"), i["list_date"]) for i in items]
    assert len(got) == len(set(got)), "a document was yielded twice"
    assert set(got) == EXPECTED[site]
    assert {i["site"] for i in items} == {site}
    assert "] ERROR:" not in log


@pytest.mark.e2e
def test_demo_crawl_counts_the_dead_link(demo_crawls):
    _, _, log = demo_crawls["demo_docshare1"]
    assert "'harvest/spider/http_error/404': 1" in log
    assert "'harvest/spider/list_pages': 3" in log
