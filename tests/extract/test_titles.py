"""pipelines.extract.titles: copies of the title inside the body."""

from __future__ import annotations

from pipelines.extract.page import Page, read_page
from pipelines.extract.titles import choose_title, remove_titles


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


def _page(body: str, head: str = "") -> Page:
    page = read_page(f"<html><head>{head}</head><body>{body}</body></html>")
    assert page is not None
    return page


def test_site_name_email_and_byline_are_not_titles():
    head = "<title>Docker 与 Podman 的使用经验_CSDN博客</title><meta property='og:site_name' content='CSDN博客'>"
    body = (
        "<h3>chinapoem2015@163.com</h3><h3>原创：39健康网2024-04-23 12:27:25</h3>"
        "<p>正文第一段，讲述容器的使用经验。</p>"
    )
    assert choose_title(_page(body, head)) == ("Docker 与 Podman 的使用经验", "title-tag")


def test_short_headline_agreeing_with_the_title_tag_wins():
    head = "<title>雄安新区 - 维基百科，自由的百科全书</title>"
    body = "<h1>雄安新区</h1><div>维基百科，自由的百科全书</div><p>雄安新区是河北省管辖的国家级新区。</p>"
    assert choose_title(_page(body, head), "雄安新区是河北省管辖的国家级新区。")[0] == "雄安新区"


def test_a_title_that_opens_the_first_sentence_stays():
    # The first sentence starts with the title's words: it is its subject, not a glued copy.
    lines = ["《关于加强科技创新的意见》是为了落实全省科技创新大会精神而制定的。" * 2]
    assert remove_titles(lines, "《关于加强科技创新的意见》") == (lines, 0)
    lines = ["王家峪村位于距太原市120公里的太行山区，全村共有农户三百余户。"]
    assert remove_titles(lines, "王家峪村") == (lines, 0)
    # A copy glued before the text of a flattened page goes.
    glued = "2020年上半年科技工作总结2020年上半年，我局认真贯彻落实各项科技政策。"
    assert remove_titles([glued], "2020年上半年科技工作总结")[0] == [
        "2020年上半年，我局认真贯彻落实各项科技政策。"
    ]
