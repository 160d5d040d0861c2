"""join_wrapped_lines(): PDF lines cut by the page width are joined, real line ends are kept."""

from __future__ import annotations

from pipelines.attachments.layout import join_wrapped_lines, rows_as_lines

FULL = "今年以来，我局坚持以新时代中国特色社会主义思想为指导，围绕市委市政府中心"  # fills a line


def test_a_sentence_cut_at_the_line_end_is_joined() -> None:
    text = f"{FULL}\r\n工作，取得新进展。\r\n{FULL}\r\n任务。"
    assert join_wrapped_lines(text) == f"{FULL}工作，取得新进展。\n{FULL}任务。"


def test_short_lines_titles_and_items_stay_lines() -> None:
    text = "\n".join(
        [
            "阳江市科学技术局工作总结",
            FULL,
            "一、主要工作",
            FULL,
            "（二）下一步计划",
            "项目 资金 完成情况",
            "高新技术企业培育 320 已完成",
        ]
    )
    assert join_wrapped_lines(text) == text


def test_a_full_line_ending_a_sentence_is_not_joined() -> None:
    ended = FULL[:-1] + "。"
    assert (
        join_wrapped_lines(f"{ended}\n下半年继续推进。\n{FULL}")
        == f"{ended}\n下半年继续推进。\n{FULL}"
    )


def test_form_feeds_and_blank_runs_are_tidied() -> None:
    assert join_wrapped_lines("第一页\x0c第二页\n\n\n\n尾  \ufeff") == "第一页\n第二页\n\n尾"


def test_rows_keep_empty_cells_in_their_column_and_drop_empty_rows() -> None:
    rows = [["项目", "资金", "备注"], ["培育", "", "新增"], ["", "", ""], ["下乡", " 85 ", ""]]
    assert rows_as_lines(rows) == ["项目\t资金\t备注", "培育\t\t新增", "下乡\t85"]
