"""The four sites of the committed config.yaml, each read by its family spider from saved list
and document pages (``tests/fixtures/spiders/<site>_list.html``, ``<site>_doc.html``) at the
site's real URLs, offline.

The pages are reconstructions in each CMS's shape (see tests/fixtures/spiders/README.md), not
captures: this machine cannot reach the sites. No assertion depends on the clock (the spiders
are in their first-run state, where every linked document is requested).
"""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.config import HarvestConfig, load_config
from crawler.items import PageItem
from crawler.spiders.base import SiteSpider
from tests.helpers import PROJECT_ROOT, kinds, stat

YANGJIANG = "http://www.yangjiang.gov.cn/yjkjj/gkmlpt/gzzj/"
HANGZHOU = "https://kj.hangzhou.gov.cn"
DOC777 = "https://www.777doc.com/"
BSMZ = "http://m.bsmz.net/news/"


@pytest.fixture(scope="module")
def committed() -> HarvestConfig:
    return load_config(PROJECT_ROOT / "config.yaml")


@pytest.fixture
def spider_for(committed):
    """``spider_for(name)``: the family spider Scrapy would run for that committed site."""
    loader = SpiderLoader.from_settings(get_project_settings())

    def make(name: str) -> SiteSpider:
        site = committed.site(name)
        spider_cls = loader.load(site.family)
        return spider_cls.from_crawler(get_crawler(spider_cls), site=site)

    return make


# --- yangjiang_kjj: TRS WCM, gb2312 -------------------------------------------------------------


def yangjiang_list(spider_for, saved_page):
    spider = spider_for("yangjiang_kjj")
    page = saved_page("yangjiang_kjj_list.html", YANGJIANG + "index.html")
    return spider, kinds(spider.parse(page, list_page=0))


def test_yangjiang_list_gives_the_column_articles_not_the_sidebar(spider_for, saved_page):
    _, (docs, _) = yangjiang_list(spider_for, saved_page)
    assert docs == [
        (
            YANGJIANG + "202001/t20200116_361045.html",
            "阳江市科学技术局2019年工作总结和2020年工作计划",
            "2020-01-16",
        ),
        (
            YANGJIANG + "201906/t20190628_358021.html",
            "阳江市科学技术局2019年上半年工作总结",
            "2019-06-28",
        ),
        (YANGJIANG + "201901/t20190110_348876.html", "阳江市科学技术局2018年工作总结", "2019-01-10"),
        (
            YANGJIANG + "201807/t20180712_331457.html",
            "阳江市科学技术局2018年上半年工作总结",
            "2018-07-12",
        ),
        (
            YANGJIANG + "201801/t20180115_320917.html",
            "阳江市科学技术局2017年工作总结及2018年工作思路",
            "2018-01-15",
        ),
    ]


def test_yangjiang_list_pages_come_from_the_inline_trs_pager_call(spider_for, saved_page):
    _, (_, lists) = yangjiang_list(spider_for, saved_page)
    assert lists == [(YANGJIANG + "index_1.html", 1), (YANGJIANG + "index_2.html", 2)]


# --- hangzhou_kjj: Hanweb JCMS, utf-8 -----------------------------------------------------------


def hangzhou_list(spider_for, saved_page):
    spider = spider_for("hangzhou_kjj")
    url = HANGZHOU + "/col/col1693963/index.html"
    return spider, kinds(spider.parse(saved_page("hangzhou_kjj_list.html", url), list_page=0))


def test_hangzhou_list_reads_the_jcms_records_of_its_column_only(spider_for, saved_page):
    _, (docs, _) = hangzhou_list(spider_for, saved_page)
    assert docs == [
        (
            HANGZHOU + "/art/2020/1/20/art_1693963_41695531.html",
            "杭州市科学技术局2019年工作总结和2020年工作思路",
            "2020-01-20",
        ),
        (
            HANGZHOU + "/art/2019/7/15/art_1693963_35412876.html",
            "杭州市科学技术局2019年上半年工作总结",
            "2019-07-15",
        ),
        (
            HANGZHOU + "/art/2019/1/25/art_1693963_30201117.html",
            "杭州市科学技术局2018年工作总结",
            "2019-01-25",
        ),
        (
            HANGZHOU + "/art/2018/7/18/art_1693963_20154433.html",
            "杭州市科学技术局2018年上半年工作总结",
            "2018-07-18",
        ),
    ]


def test_hangzhou_list_pages_come_from_the_jpage_record_counts(spider_for, saved_page):
    _, (_, lists) = hangzhou_list(spider_for, saved_page)
    column = HANGZHOU + "/col/col1693963/index.html?uid=4864573&pageNum="
    assert lists == [(column + "2", 1), (column + "3", 2)]


# --- doc777: 三七文档, utf-8 ---------------------------------------------------------------------


def test_doc777_category_gives_listed_and_hot_documents_and_its_pages(spider_for, saved_page):
    spider = spider_for("doc777")
    page = saved_page("doc777_list.html", DOC777 + "list-gongzuozongjie.html")
    docs, lists = kinds(spider.parse(page, list_page=0))
    assert docs == [
        (DOC777 + "doc-8788882.html", "2022年科技局工作总结及2023年工作计划", "2022-07-05"),
        (DOC777 + "doc-8787410.html", "市科技局上半年工作总结", "2022-07-04"),
        (DOC777 + "doc-8781936.html", "区科学技术局2021年度工作总结", "2022-07-01"),
        (DOC777 + "doc-8776205.html", "县科技局年度工作总结范文", "2022-06-28"),
        (DOC777 + "doc-9120455.html", "2018年上半年科技工作总结", None),  # 热门文档: no date
    ]
    # 尾页 says there are 48 pages: a first walk reads every page up to max_list_pages (20)
    assert lists == [(DOC777 + f"list-gongzuozongjie-{n + 1}.html", n) for n in range(1, 20)]
    assert stat(spider, "pages_beyond_limit") == 28  # pages 21-48
    assert stat(spider, "list_links") is None  # the other categories are not entered


# --- bsmz: 公文素材库 (mobile), utf-8 ------------------------------------------------------------


def test_bsmz_listing_gives_its_documents_and_the_next_page(spider_for, saved_page):
    spider = spider_for("bsmz")
    docs, lists = kinds(spider.parse(saved_page("bsmz_list.html", BSMZ + "list_1.html")))
    assert docs == [
        (BSMZ + "6033.html", "陽江市科學技術局2019年上半年工作總結", "2021-12-01"),
        (BSMZ + "5127.html", "區(qū)委2021年工作總結", "2021-11-03"),
        (BSMZ + "4368.html", "xx市科技局2021年工作总结", "2021-10-22"),
    ]
    # 尾页 is list_36: a first walk reads every page up to max_list_pages (20)
    assert lists == [(BSMZ + f"list_{n + 1}.html", n) for n in range(1, 20)]
    assert stat(spider, "pages_beyond_limit") == 16  # pages 21-36


# --- document pages of every site ---------------------------------------------------------------

# site -> (its document page's URL, the list page and link that led there, its page encoding,
# a line of the page that must arrive in the item's body untouched)
DOCUMENTS = {
    "yangjiang_kjj": (
        YANGJIANG + "201906/t20190628_358021.html",
        (YANGJIANG + "index.html", "阳江市科学技术局2019年上半年工作总结", "2019-06-28"),
        "gb2312",
        "2019年6月27日",
    ),
    "hangzhou_kjj": (
        HANGZHOU + "/art/2019/7/15/art_1693963_35412876.html",
        (
            HANGZHOU + "/col/col1693963/index.html",
            "杭州市科学技术局2019年上半年工作总结",
            "2019-07-15",
        ),
        "utf-8",
        "2019年7月12日",
    ),
    "doc777": (
        DOC777 + "doc-8788882.html",
        (DOC777 + "list-gongzuozongjie.html", "2022年科技局工作总结及2023年工作计划", "2022-07-05"),
        "utf-8",
        "链接地址：https://www.777doc.com/doc-8788882.html",
    ),
    "bsmz": (
        BSMZ + "4368.html",
        (BSMZ + "list_1.html", "xx市科技局2021年工作总结", "2021-10-22"),
        "utf-8",
        "时间：2021-10-22 11:13:39",
    ),
}


# The file each saved document page links as its attachment (the report itself, often).
ATTACHMENTS = {
    "yangjiang_kjj": {
        "http://www.yangjiang.gov.cn/yjkjj/gkmlpt/gzzj/201906/P020190628593817412345.doc"
    },
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_page_is_a_leaf_giving_one_item_with_its_listing(spider_for, saved_page, name):
    url, (list_url, list_title, list_date), codec, line = DOCUMENTS[name]
    spider = spider_for(name)
    response = saved_page(f"{name}_doc.html", url)
    listing = {"list_url": list_url, "list_title": list_title, "list_date": list_date}
    # exactly one output: the related-article links of the page are not followed; a page with
    # an attachment leaves as a request for its file that carries the page's item along
    (output,) = list(spider.parse_document(response, **listing))
    if isinstance(output, Request):
        assert output.url in ATTACHMENTS[name]
        output = output.cb_kwargs["item"]
    item = output
    assert isinstance(item, PageItem)
    assert {k: item[k] for k in ("site", "family", "url", "final_url", "status")} == {
        "site": name,
        "family": spider.name,
        "url": url,
        "final_url": url,
        "status": 200,
    }
    assert {k: item[k] for k in listing} == listing
    assert item["body"] == response.body
    assert line in item["body"].decode(codec)
    assert stat(spider, "documents") == 1
