"""pipelines.extract.metadata: agency, region, year, period, doc_type, signature."""

from __future__ import annotations

import pytest

from pipelines.extract import metadata


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["正文。", "阳江市科学技术局", "2019年6月27日"], ("阳江市科学技术局", "2019-06-27")),
        (["正文。", "XX区科学技术局", "二〇二〇年七月六日"], ("XX区科学技术局", "2020-07-06")),
        (["正文。", "二〇一九年十二月三十一日"], (None, "2019-12-31")),
        (["截至2019年6月27日,共完成项目12个。"], (None, None)),
        (["2019年6月27日", "正文。", "正文。", "正文。", "正文。", "正文。"], (None, None)),
    ],
)
def test_signature(lines, expected):
    assert metadata.signature(lines) == expected


@pytest.mark.parametrize(
    ("title", "agency", "region"),
    [
        ("阳江市科学技术局2019年上半年工作总结", "阳江市科学技术局", "阳江市"),
        ("XX区科技局2020年上半年工作总结", "XX区科技局", "XX区"),
        ("市科技局实施知识产权战略上半年工作总结及下半年工作计划", "市科技局", None),
        ("科技局2022年上半年工作总结范文", "科技局", None),
        (
            "广东省阳江市阳东区科学技术局2019年工作计划",
            "广东省阳江市阳东区科学技术局",
            "广东省阳江市阳东区",
        ),
        ("2018年上半年科技工作总结", None, None),
    ],
)
def test_title_agency_and_region(title, agency, region):
    assert metadata.title_agency(title) == agency
    assert metadata.region_of(agency) == region


@pytest.mark.parametrize(
    ("title", "year", "period", "doc_type"),
    [
        ("阳江市科学技术局2019年上半年工作总结", 2019, "上半年", "工作总结"),
        ("市科技局实施知识产权战略上半年工作总结及下半年工作计划", None, "上半年", "总结及计划"),
        ("科技局2022年第三季度工作总结", 2022, "第三季度", "工作总结"),
        ("2020年度科技工作总结和2021年工作思路", 2020, "全年", "总结及计划"),
        ("示范市科学技术局2020年工作计划", 2020, None, "工作计划"),
        ("陽江市科學技術局2019年下半年工作總結", 2019, "下半年", "工作总结"),
    ],
)
def test_year_period_doc_type(title, year, period, doc_type):
    assert metadata.year_of(title, []) == year
    assert metadata.period_of(title, []) == period
    assert metadata.doc_type_of(title) == doc_type


def test_year_and_period_from_first_lines_without_a_title():
    lines = ["2020年上半年,我局在区委、区政府的正确领导下,取得了较好的成绩。", "一、工作"]
    assert metadata.year_of(None, lines) == 2020
    assert metadata.period_of(None, lines) == "上半年"


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("发布机构:阳江市科学技术局成文日期:2019-06-28", "阳江市科学技术局"),
        ("信息来源:柳州市科学技术局 阅读次数:88", "柳州市科学技术局"),
        ("来源:网络整理 免责声明:本文仅限学习分享", None),
        ("来源:本网 作者:admin", None),
        ("来源:阳江市科学技术局 发布机构:阳江市人民政府办公室", "阳江市人民政府办公室"),
    ],
)
def test_labelled_agency(text, agency):
    assert metadata.labelled_agency(text) == agency


@pytest.mark.parametrize(
    ("name", "agency"),
    [
        ("阳江市科学技术局", True),
        ("太原市人民政府办公厅", True),
        ("县扶贫办", True),
        ("市科学技术协会", True),
        ("重庆文旅之窗成功首秀举办", False),  # a headline ending in 举办
        ("全市科技工作座谈会", False),  # an event, not a body
        ("重庆文旅之窗网站", False),
    ],
)
def test_an_agency_is_an_organisation_name(name, agency):
    assert metadata.is_agency_name(name) is agency


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("太原市科学技术局", "太原市"),
        ("全市科技创新大会召开", None),
        ("债券市场平稳运行", None),
        ("书记市长这一周", None),
        ("在新时代中部地区崛起中争先出彩", None),
    ],
)
def test_region_is_a_place_name(text, region):
    assert metadata.region_of(text) == region


@pytest.mark.parametrize(
    ("title", "column", "doc_type"),
    [
        ("关于召开2023年度科技工作总结会议的通知", None, "通知"),
        ("关于印发《科技创新三年行动实施方案》的通知", None, "通知"),
        ("2023年度市级科技计划项目立项公示", None, "公示"),
        ("科技工作简报（第5期）", None, "简报"),
        ("阳江市科学技术局2019年上半年工作总结（范文）", None, "工作总结"),
        ("关于2022年度科技项目绩效评价情况的通报", None, "通报"),
        ("太原市科技创新促进办法", None, "办法"),
        ("市长调研科技企业", "工作动态_阳江市科学技术局", "新闻"),
        ("市长调研科技企业", None, "其他"),
        (None, None, None),
    ],
)
def test_doc_type_is_the_titles_head_noun(title, column, doc_type):
    assert metadata.doc_type_of(title, [], column) == doc_type
