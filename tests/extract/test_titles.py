"""pipelines.extract.titles: copies of the title inside the body."""

from __future__ import annotations

from pipelines.extract.titles import remove_titles


def test_remove_title_lines_anywhere_and_digit_variants_at_the_top():
    title = "2018年上半年科技工作总结"
    lines = [
        "年上半年科技工作总结",
        "2018年上半年科技工作总结",
        "上半年,市科技局全面实施创新驱动发展战略。",
        "2018年上半年科技工作总结",
        "一、提升素质",
    ]
    assert remove_titles(lines, title) == (
        ["上半年,市科技局全面实施创新驱动发展战略。", "一、提升素质"],
        3,
    )


def test_remove_title_glued_to_a_flattened_body():
    title = "科技局2022年上半年工作总结范文"
    body = "科技局2020年上半年工作总结范文2021年上半年,在区委、区政府的正确领导下,取得了较好的成绩。具体如下:"
    assert remove_titles([body], title) == (
        ["2021年上半年,在区委、区政府的正确领导下,取得了较好的成绩。具体如下:"],
        1,
    )


def test_remove_title_pasted_after_a_sentence_end():
    title = "市科技局实施知识产权战略上半年工作总结及下半年工作计划"
    body = (
        "拟于近期出台。"
        + title
        + "2、加快高新技术企业、科技型企业培育。组织召开了推进会议,共计百余人参加。"
    )
    out, n = remove_titles([body], title)
    assert (out, n) == (
        ["拟于近期出台。2、加快高新技术企业、科技型企业培育。组织召开了推进会议,共计百余人参加。"],
        1,
    )


def test_a_title_mentioned_in_a_sentence_stays():
    title = "科技工作总结"
    line = "会议讨论了科技工作总结的起草安排,要求各科室按时报送材料。"
    assert remove_titles([line], title) == ([line], 0)
