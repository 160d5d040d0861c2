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
