"""pipelines.text: pinyin annotations, dates (never a guessed one)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.text import make_date, parse_date, strip_pinyin


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("在區(qū)委、區(qū)政府的正確領(lǐng)導(dǎo)下", "在區委、區政府的正確領導下", 4),
        ("全面貫徹(chè)落實", "全面貫徹落實", 1),
        ("地區生產總值(GDP)增長", "地區生產總值(GDP)增長", 0),
        ("(一)出台政策", "(一)出台政策", 0),
        ("2020年(2020)", "2020年(2020)", 0),
        ("方案(a)與方案(b)", "方案(a)與方案(b)", 0),
        ("會議(shí)在(zai)召開", "會議在(zai)召開", 1),  # one toned mark is not proof enough
        ("區(qū)縣(xiàn)鎮(zhèn)村(cun)與(GDP)", "區縣鎮村與(GDP)", 4),  # clearly annotated page
        ("全角括號（qū）也算", "全角括號也算", 1),
        ("英文 text (dǎo) after a space", "英文 text (dǎo) after a space", 0),
    ],
)
def test_strip_pinyin(text, expected, count):
    assert strip_pinyin(text) == (expected, count)


def test_strip_pinyin_wrapped_across_visual_lines():
    # Readers that render one element per visual line cut annotations in two; the line break
    # inside or just before one was a wrap within the paragraph and goes with it.
    text = "在區(q\nū)委和部門\n(mén)的領(lǐng)導(\ndǎo)下\n(一)工作\n第二段(GDP)"
    assert strip_pinyin(text) == ("在區委和部門的領導下\n(一)工作\n第二段(GDP)", 4)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2019-06-28 09:30", "2019-06-28"),
        ("2019/6/28", "2019-06-28"),
        ("2019.06.28", "2019-06-28"),
        ("2019年6月27日", "2019-06-27"),
        ("日期:2018年07月12日 点击数:377", "2018-07-12"),
        ("2019年", None),  # a year alone is not a date (htmldate would say 2019-01-01)
        ("2019年6月", None),
        ("2019-02-30", None),
        ("1899-01-01", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text, date):
    assert parse_date(text) == date


def test_make_date_rejects_the_future():
    assert make_date(2031, 1, 1, today=dt.date(2026, 11, 25)) is None
    assert make_date(2027, 1, 1, today=dt.date(2026, 11, 25)) == "2027-01-01"
