"""Side-by-side comparison of two copies (crawler/browse/compare.py)."""

from __future__ import annotations

from crawler.browse.compare import compare, sentences

REPORT_2019 = (
    "2019年，我局全力推进科技创新工作。全年新增高新技术企业12家，增长20%。\n"
    "一、主要工作\n"
    "组织申报省级科技项目35项，争取资金1200万元。\n"
    "二、存在问题\n"
    "科技投入不足，创新人才缺乏。"
)
# The same report recycled a year later: years and numbers changed, one sentence rewritten,
# one dropped and one added.
REPORT_2020 = (
    "2020年，我局全力推进科技创新工作。全年新增高新技术企业15家，增长25%。\n"
    "一、主要工作\n"
    "组织申报省级科技项目41项，争取资金1350万元。\n"
    "二、存在问题\n"
    "受疫情影响，部分项目进度滞后。"
)


def test_sentences_keep_their_end_marks():
    assert sentences("一、主要工作\n全年新增12家。增长20%！") == [
        "一、主要工作",
        "全年新增12家。",
        "增长20%！",
    ]


def test_a_recycled_report_shows_changed_years_and_numbers():
    result = compare(REPORT_2019, REPORT_2020)
    assert [row.kind for row in result.rows] == [
        "changed",  # 2019年 -> 2020年
        "changed",  # 12家 -> 15家, 20% -> 25%
        "equal",
        "changed",  # 35项 -> 41项, 1200 -> 1350
        "equal",
        "removed",
        "added",
    ]
    assert result.years == [("2019", "2020")]
    assert result.numbers == [("12", "15"), ("20%", "25%"), ("35", "41"), ("1200", "1350")]
    first = result.rows[0]
    assert first.left == '<del class="year">2019</del>年，我局全力推进科技创新工作。'
    assert first.right == '<ins class="year">2020</ins>年，我局全力推进科技创新工作。'
    assert result.rows[1].right == (
        '全年新增高新技术企业<ins class="number">15</ins>家，增长<ins class="number">25%</ins>。'
    )
    assert result.rows[5].left == '<del class="text">科技投入不足，创新人才缺乏。</del>'
    assert result.rows[6].right == '<ins class="text">受疫情影响，部分项目进度滞后。</ins>'
    assert (result.count("equal"), result.count("changed")) == (2, 3)


def test_identical_texts_are_all_equal():
    result = compare(REPORT_2019, REPORT_2019)
    assert {row.kind for row in result.rows} == {"equal"}
    assert result.years == result.numbers == []


def test_text_is_escaped():
    result = compare("甲<b>乙</b>。", "甲<i>乙</i>。")
    assert (
        result.rows[0].left
        == '甲&lt;<del class="text">b</del>&gt;乙&lt;/<del class="text">b</del>&gt;。'
    )
    assert (
        result.rows[0].right
        == '甲&lt;<ins class="text">i</ins>&gt;乙&lt;/<ins class="text">i</ins>&gt;。'
    )


def test_an_empty_side():
    result = compare("", "只有一句。")
    assert [(row.kind, row.left) for row in result.rows] == [("added", "")]
