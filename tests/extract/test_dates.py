"""pipelines.extract.dates: labelled info-bar dates and CMS URL dates."""

from __future__ import annotations

import pytest

from pipelines.extract import dates


def test_labelled_dates():
    text = (
        "首页\n发布时间:2019-06-28 09:30 来源:本网\n正文\n时间:2021-10-22 11:13:39 网站:公文素材库"
    )
    assert [(d, r) for _, d, r in dates.labelled_dates(text)] == [
        ("2019-06-28", 0),
        ("2021-10-22", 1),
    ]
    assert list(dates.labelled_dates("最新文章 2017-03-02 2016-11-18")) == []
    assert [d for _, d, _ in dates.labelled_dates("發佈時間:2020-07-06")] == ["2020-07-06"]
    ranks = [r for _, _, r in dates.labelled_dates("更新时间:2023-05-01 成文日期:2019-06-20")]
    assert ranks == [3, 2]


def test_labelled_dates_in_metadata_table_cells():
    # 政府信息公开 tables: label and date in separate cells, only whitespace between them.
    row = "成文日期 2020-07-06 发布日期 2020-07-08"
    assert [(d, r) for _, d, r in dates.labelled_dates(row)] == [
        ("2020-07-06", 2),
        ("2020-07-08", 0),
    ]
    # The bare 时间/日期 still need their colon: "时间 2019" is too loose without one.
    assert list(dates.labelled_dates("时间 2019-06-28 日期 2019-06-29")) == []


@pytest.mark.parametrize(
    ("url", "date"),
    [
        ("http://www.yangjiang.gov.cn/kjj/201906/t20190628_358021.html", "2019-06-28"),
        ("http://kjj.example.gov.cn/art/2019/6/28/art_1229_5512.html", "2019-06-28"),
        ("https://www.777doc.com/doc-8788882.html", None),
        (None, None),
    ],
)
def test_url_date(url, date):
    assert dates.url_date(url) == date


def _extract(body: str, head: str = "", url: str | None = None):
    from pipelines.extract.core import extract

    page = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return extract(page.encode("utf-8"), url=url)


PARAGRAPHS = "".join(
    f"<p>第{i}段：市科技局围绕创新驱动发展战略，扎实推进各项工作，取得了明显成效。</p>"
    for i in range(8)
)


def test_a_visible_date_beats_a_restamped_meta_date():
    # A migrated TRS page: PubDate is the day of the migration, the page shows 2009.
    head = "<meta name='PubDate' content='2022-11-03 10:00'><title>关于开展科技活动周的通知</title>"
    body = (
        "<h1>关于开展科技活动周的通知</h1><div class='info'>发布时间：2009-09-30 来源：市科技局</div>"
        f"<div class='TRS_Editor'>{PARAGRAPHS}</div>"
    )
    url = "http://www.example.gov.cn/kjj/200909/t20090930_1234.html"
    result = _extract(body, head, url)
    assert (result.published, result.published_source) == ("2009-09-30", "info-bar")
    # Where the page agrees with the meta tag, the meta tag is the source.
    agreeing = body.replace("2009-09-30", "2022-11-03")
    assert _extract(agreeing, head).published_source == "meta"


@pytest.mark.parametrize(
    ("bar", "date", "source"),
    [
        ("2004-12-10 11:55:08 来源: 网易商业报道", "2004-12-10", "byline"),
        ("发布时间 2005/03/15 浏览 12 次", "2005-03-15", "info-bar"),
        ("最后更新: 2006-01-02", "2006-01-02", "info-bar"),
    ],
)
def test_unlabelled_and_colonless_bylines_give_the_date(bar, date, source):
    body = f"<div class='nav'><a href='/'>首页</a></div><p>{bar}</p><div class='text'>{PARAGRAPHS}</div>"
    result = _extract(body, "<title>无标题</title>")
    assert (result.published, result.published_source) == (date, source)
