"""Query parsing and search SQL (crawler/browse/search.py) on a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from crawler.browse import search as search_query
from crawler.browse.search import QueryError, parse, plain_highlight, render_highlight, run
from crawler.storage import connect

DOCS = [
    {
        "id": 1,
        "title": "阳江市科学技术局2019年上半年工作总结",
        "text": "2019年上半年，我局围绕科技创新中心建设，推进高新技术企业培育。\n"
        "一、主要工作\n全市新增高新技术企业12家，科技创新平台建设取得进展。",
        "text_original": None,
        "published": "2019-07-02",
        "agency": "阳江市科学技术局",
        "year": 2019,
    },
    {
        "id": 2,
        "title": "阳春市科技局2020年工作计划",
        "text": "2020年，我局将继续实施创新驱动发展战略，加强科技项目管理。",
        "text_original": None,
        "published": "2020-01-15",
        "agency": "阳春市科学技术局",
        "year": 2020,
    },
    {
        "id": 3,
        "title": "区委办公室2018年工作总结",
        "text": "一年来，区委办公室在区委的领导下，认真履行职责。工作总结如下。",
        "text_original": "一年來，區委辦公室在區委的領導下，認真履行職責。工作總結如下。",
        "published": "2018-12-20",
        "agency": "区委办公室",
        "year": 2018,
    },
    {
        "id": 4,
        "title": "关于印发《科技创新行动方案》的通知",
        "text": "各有关单位：现将《科技创新行动方案》印发给你们，请认真贯彻执行。",
        "text_original": None,
        "published": "2021-03-01",
        "agency": "阳江市人民政府办公室",
        "year": 2021,
    },
    {
        "id": 5,
        "title": "农业农村局2019年工作总结",
        "text": "今年以来，我局扎实推进乡村振兴，农业生产保持稳定。100% 完成任务_目标。",
        "text_original": None,
        "published": "2019-12-30",
        "agency": "阳江市农业农村局",
        "year": 2019,
    },
]


@pytest.fixture()
def conn(tmp_path):
    """The documents in an archive made by ``connect``: its triggers fill the full-text index;
    searches read it through a plain connection, as Datasette does."""
    path = tmp_path / "archive.db"
    db = connect(path)
    db["documents"].insert_all(
        [{**d, "content_hash": f"h{d['id']}"} for d in DOCS], pk="id", alter=False
    )
    db.close()
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


def ids(rows):
    return [row["id"] for row in rows]


# --- parsing ----------------------------------------------------------------------------------


def test_terms_are_separated_by_spaces_and_all_must_match():
    query = parse("科技  创新")
    assert [t.text for t in query.terms] == ["科技", "创新"]
    assert [t.phrase for t in query.terms] == [False, False]


@pytest.mark.parametrize(
    "typed", ['"科技创新 行动"', "“科技创新 行动”", "「科技创新 行动」", "『科技创新 行动』"]
)
def test_quoted_phrases_are_one_term(typed):
    query = parse(typed + " 通知")
    assert [(t.text, t.phrase) for t in query.terms] == [("科技创新 行动", True), ("通知", False)]


def test_an_unclosed_quote_runs_to_the_end():
    assert [t.text for t in parse('工作 "上半年 总结').terms] == ["工作", "上半年 总结"]


def test_traditional_terms_are_converted_and_kept_as_typed():
    (term,) = parse("工作總結").terms
    assert (term.text, term.typed) == ("工作总结", "工作總結")
    assert term.forms() == ("工作总结", "工作總結")


def test_full_width_spaces_and_letters_are_normalised():
    assert [t.text for t in parse("ＩＣＰ　备案").terms] == ["ICP", "备案"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "nothing to search for"),
        ('  ""  ', "nothing to search for"),
        ("一 二 三 四 五 六 七 八 九", "9 search terms; the search takes at most 8"),
        ("科" * 101, "is 101 characters long; the longest the search takes is 100"),
    ],
)
def test_queries_the_search_cannot_take_give_a_readable_error(typed, message):
    with pytest.raises(QueryError, match=message):
        parse(typed)


def test_fts_syntax_in_a_query_is_text(conn):
    for typed in ('科技" OR 局*', "NEAR(工作 总结) 项目*", "title:科技", "(科技)", "科技 NOT 局"):
        expected = documents_with(typed)
        _query, rows = run(conn, typed)
        assert sorted(ids(rows)) == expected, typed
    assert documents_with("科技 NOT 局") == [] and documents_with("(科技)") == []


# --- searching a real archive file ---------------------------------------------------------------


def test_a_two_character_term_is_ranked_title_hits_first(conn):
    _query, rows = run(conn, "科技")
    # bm25 weighs a title hit ten times a text hit: 4 and 2 have it in title and text, 1 only
    # twice in its text (科学技术局 is not 科技); 3 and 5 not at all.
    assert set(ids(rows)[:2]) == {2, 4} and ids(rows)[2:] == [1]
    titles = {row["id"]: row["title_highlighted"] for row in rows}
    assert titles[4] == "关于印发《\x02科技\x03创新行动方案》的通知"


def test_a_one_character_term(conn):
    _query, rows = run(conn, "局")
    assert sorted(ids(rows)) == [1, 2, 5]


def test_a_longer_term_is_ranked_by_bm25_with_its_snippet(conn):
    _query, rows = run(conn, "高新技术")
    assert ids(rows) == [1]
    assert "\x02高新技术\x03" in rows[0]["text_snippet"]
    assert rows[0]["score"] < 0


def test_a_title_hit_ranks_above_a_text_hit(conn):
    _query, rows = run(conn, "工作总结")
    # 1, 3 and 5 have it in the title; 3 also in its text twice over.
    assert set(ids(rows)) == {1, 3, 5}
    _query, rows = run(conn, "创新行动方案")
    assert ids(rows) == [4]
    assert rows[0]["title_highlighted"] == "关于印发《科技\x02创新行动方案\x03》的通知"


def test_a_traditional_query_finds_the_simplified_text(conn):
    _query, rows = run(conn, "辦公室")
    assert ids(rows) == [3]
    _query, rows = run(conn, "工作總結")
    assert set(ids(rows)) == {1, 3, 5}


def test_text_original_is_searched_as_typed(conn):
    # 區委的領導 is only in text_original; its Simplified form is in text.
    _query, rows = run(conn, "區委的領導")
    assert ids(rows) == [3]


def test_several_terms_all_must_match(conn):
    _query, rows = run(conn, "科技 2019")
    assert ids(rows) == [1]
    _query, rows = run(conn, "工作总结 农业")
    assert ids(rows) == [5]
    _query, rows = run(conn, "科技 农业")
    assert rows == []


def test_a_short_term_beside_a_long_one_is_highlighted_too(conn):
    _query, rows = run(conn, "上半年 科技")
    assert ids(rows) == [1]
    assert rows[0]["title_highlighted"] == "阳江市科学技术局2019年\x02上半年\x03工作总结"
    assert rows[0]["text_snippet"].startswith("2019年\x02上半年\x03，我局围绕\x02科技\x03创新中心")


def test_a_phrase_must_match_as_written(conn):
    _query, rows = run(conn, '"科技创新行动方案"')
    assert ids(rows) == [4]
    _query, rows = run(conn, '"创新 行动"')
    assert rows == []


def test_like_wildcards_are_literal(conn):
    _query, rows = run(conn, "%")
    assert ids(rows) == [5]
    _query, rows = run(conn, "_目")
    assert ids(rows) == [5]
    _query, rows = run(conn, "_")
    assert ids(rows) == [5]


def test_where_clauses_filter_a_table_view(conn):
    for typed, expected in [("科技", [1, 2, 4]), ("工作总结 农业", [5]), ("辦公室", [3])]:
        clauses, params = search_query.where_clauses(parse(typed))
        sql = f"select id from documents where {' and '.join(clauses)} order by id"
        assert [r[0] for r in conn.execute(sql, params)] == expected
        count_sql, count_params = search_query.count_sql(parse(typed))
        assert conn.execute(count_sql, count_params).fetchone()[0] == len(expected)


def test_limit_and_offset_page_through_results(conn):
    _query, first = run(conn, "局", limit=2)
    _query, second = run(conn, "局", limit=2, offset=2)
    assert (len(first), len(second)) == (2, 1)
    assert set(ids(first)).isdisjoint(ids(second))


def test_an_archive_without_an_index_gives_a_readable_error(tmp_path):
    db = sqlite_utils.Database(tmp_path / "bare.db")
    db["documents"].insert_all(DOCS, pk="id")
    db.close()
    connection = sqlite3.connect(tmp_path / "bare.db")
    with pytest.raises(QueryError, match="no search index yet"):
        run(connection, "工作总结")
    connection.close()


def test_a_search_stopped_by_a_time_limit_gives_a_readable_error(conn):
    conn.set_progress_handler(lambda: 1, 1)  # what Datasette's time limit does to a query
    with pytest.raises(QueryError, match="took too long"):
        run(conn, "科技")


# --- rendering -----------------------------------------------------------------------------------


def test_highlights_render_as_marks_with_the_text_escaped():
    value = "<b>关于</b>\x02科技\x03创新"
    assert render_highlight(value) == "&lt;b&gt;关于&lt;/b&gt;<mark>科技</mark>创新"
    assert plain_highlight(value) == "<b>关于</b>【科技】创新"
    assert render_highlight(None) == ""


# --- the index finds what reading every text finds -----------------------------------------------


def documents_with(typed: str) -> list[int]:
    """Ids of DOCS holding every term of ``typed`` (any of its forms) in title, text or
    text_original, found by reading them."""

    def holds(doc, term):
        fields = (doc["title"], doc["text"], doc["text_original"] or "")
        return any(form in field for form in term.forms() for field in fields)

    query = parse(typed)
    return [d["id"] for d in DOCS if all(holds(d, t) for t in query.terms)]


@pytest.mark.parametrize(
    "typed",
    ["科技", "局", "科技 2019", "上半年 科技", "工作总结 农业", "%", "_目", "_", "辦公", "无此",
     "區委的領導", "创新行动方案", "年", "2019年上半年工作总结", "。"],
)  # fmt: skip
def test_the_index_finds_what_reading_every_text_finds(conn, typed):
    _query, rows = run(conn, typed)
    assert sorted(ids(rows)) == documents_with(typed)
    clauses, params = search_query.where_clauses(parse(typed))
    sql = f"select id from documents where {' and '.join(clauses)} order by id"
    assert [r[0] for r in conn.execute(sql, params)] == documents_with(typed)
    count_sql, count_params = search_query.count_sql(parse(typed))
    assert conn.execute(count_sql, count_params).fetchone()[0] == len(documents_with(typed))
