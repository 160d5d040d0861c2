"""The full-text index of character pairs: exact for terms of every length, kept in step with
``documents`` by its triggers, rebuilt for archives that had the older indexes."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest

from crawler.storage import connect, fulltext
from crawler.storage.pages import store_pages
from pipelines.text import to_simplified
from tests.storage.test_pages import page

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXTRA = {
    "http://gov.example/a": ("科技局", "科技局 局长讲话\n全年完成科技项目验收十二项。\nABC Report"),
    "http://gov.example/b": ("教育局", "推进义务教育均衡发展，\u3000办好人民满意的教育。局"),
    "http://gov.example/c": ("统计局", "认真开展统计调查\t数据质量稳步提高。abc\n\n20 19"),
}


def fixture_texts() -> dict[str, tuple[str, str]]:
    texts = dict(EXTRA)
    for path in sorted((FIXTURES / "dedup").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts[f"http://share.example/{path.stem}"] = (text.split("\n")[0][:30], text)
    return texts


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    db = connect(tmp_path_factory.mktemp("fulltext") / "a.db")
    rows = []
    for url, (title, text) in fixture_texts().items():
        rows.append({**page(url, text), "title": title})
    store_pages(db, rows)
    yield db
    db.close()


def matching(conn: sqlite3.Connection, term: str) -> set[int]:
    table, expression = fulltext.lookup(term)
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
    return {r[0] for r in conn.execute(sql, [expression])}


def matching_pairs(conn: sqlite3.Connection, term: str) -> set[int]:
    """The pairs table alone (a single character as the prefix phrase)."""
    sql = f"SELECT rowid FROM {fulltext.TABLE} WHERE {fulltext.TABLE} MATCH ?"
    return {r[0] for r in conn.execute(sql, [fulltext.pairs_expression(term)])}


def containing(conn: sqlite3.Connection, term: str) -> set[int]:
    """What the index should find: the term in title or text, any whitespace matching any
    whitespace run, case folded (the tokenizer folds case)."""
    pattern = re.compile(r"\s+".join(map(re.escape, term.split())), re.IGNORECASE)
    rows = conn.execute("SELECT id, title, text FROM documents")
    return {i for i, title, text in rows if pattern.search(title or "") or pattern.search(text)}


def sample_terms(conn: sqlite3.Connection, count: int) -> list[str]:
    """Substrings of the stored texts of 1 to 8 characters, some across whitespace."""
    rng = random.Random(17)
    texts = [r[0] for r in conn.execute("SELECT text FROM documents")]
    terms = []
    while len(terms) < count:
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        term = text[start : start + rng.randint(1, 8)]
        if term.strip():
            terms.append(term.strip())
    return terms


def test_every_term_length_matches_exactly_the_documents_that_contain_it(archive):
    fixed = ["科", "局", "科技", "技局", "局长", "科技局 局长", "，", "。局", "20", "19", "abc"]
    fixed += ["工作总结", "义务教育均衡", "局 局长", "统计调查 数据", "无此词语"]
    for term in fixed + sample_terms(archive.conn, 300):
        expected = containing(archive.conn, term)
        assert matching(archive.conn, term) == expected, term
        assert matching_pairs(archive.conn, term) == expected, term


def test_a_term_does_not_match_across_a_line_it_does_not_cross(archive):
    # one text has "十二项。" and "ABC" on the next line: only a term with whitespace spans them
    assert matching(archive.conn, "项。ABC") == set()
    assert matching(archive.conn, "项。 ABC") == containing(archive.conn, "项。 ABC") != set()


def test_query_syntax_in_a_term_is_text():
    for term in ('"', 'a"b', "科*", "OR", "(科技)", "title:科", "NEAR(a b)", "*", "^"):
        conn = sqlite3.connect(":memory:")
        fulltext.register(conn)
        conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, title, text, text_original)")
        fulltext.ensure(conn)
        conn.execute("INSERT INTO documents (title, text) VALUES ('', ?)", [f"前{term}后"])
        assert matching(conn, term) == {1}, term
    with pytest.raises(ValueError):
        fulltext.lookup(" \n")


def test_triggers_follow_inserts_updates_and_deletes(tmp_path):
    db = connect(tmp_path / "a.db")
    store_pages(db, [page("http://gov.example/1", "科技局工作总结")])
    (first,) = db.execute("SELECT id FROM documents").fetchone()
    assert matching(db.conn, "工作总结") == {first}
    with db.conn:
        db.execute("UPDATE documents SET title = '林业局', text = '植树造林' WHERE id = ?", [first])
    assert matching(db.conn, "造林") == {first} and matching(db.conn, "林业") == {first}
    assert matching(db.conn, "工作总结") == set()
    with db.conn:  # last_seen and cluster columns change on every crawl: no re-index
        db.execute("UPDATE documents SET last_seen = 'x' WHERE id = ?", [first])
    assert matching(db.conn, "造林") == {first}
    with db.conn:
        for table in ("document_clusters", "document_versions", "sources"):
            db.execute(f"DELETE FROM {table} WHERE document_id = ?", [first])
        db.execute("DELETE FROM documents WHERE id = ?", [first])
    assert matching(db.conn, "造林") == set()
    # a deleted row leaves nothing behind that a later document could match
    store_pages(db, [page("http://gov.example/2", "另一份文件")])
    assert matching(db.conn, "林") == set()
    db.close()


def test_traditional_text_original_is_indexed_too(tmp_path):
    db = connect(tmp_path / "a.db")
    original = "統計局年度報告\n認真開展統計調查"
    row = page("http://gov.example/t", to_simplified(original))
    store_pages(db, [{**row, "text_original": original}])
    assert len(matching(db.conn, "統計調查")) == 1 and len(matching(db.conn, "统计调查")) == 1
    db.close()


def test_filter_clause_selects_what_the_index_matches(archive):
    for term in ("科", "教育", "局", "工作总结"):
        table, expression = fulltext.lookup(term)
        sql = f"SELECT id FROM documents WHERE {fulltext.filter_clause('t', table)}"
        found = {r[0] for r in archive.execute(sql, {"t": expression})}
        assert found == containing(archive.conn, term)
