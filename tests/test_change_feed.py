"""Change numbers for everything a consumer must see (crawler/change_feed.py), on a real file."""

from __future__ import annotations

import sqlite3

import pytest

from crawler import change_feed

DOCUMENT_TABLE = (
    "CREATE TABLE documents (id INTEGER PRIMARY KEY, text TEXT, last_seen TEXT, "
    "cluster_id INTEGER, is_canonical INTEGER, "
    + ", ".join(f"{c} TEXT" for c in change_feed.METADATA_COLUMNS)
    + ")"
)


@pytest.fixture()
def conn(tmp_path):
    connection = sqlite3.connect(tmp_path / "archive.db", isolation_level=None)
    connection.execute(DOCUMENT_TABLE)
    connection.execute(
        "CREATE TABLE sources (id INTEGER PRIMARY KEY, url TEXT, document_id INTEGER, "
        "fetched_at TEXT)"
    )
    for statement in change_feed.statements():
        connection.execute(statement)
    yield connection
    connection.close()


def changes(conn, after=0):
    upto = change_feed.last_change(conn)
    return [row for page in change_feed.changed_documents(conn, after, upto) for row in page]


def test_a_new_document_and_its_source(conn):
    conn.execute("INSERT INTO documents (id, text, title) VALUES (1, '正文', '标题')")
    conn.execute("INSERT INTO sources (url, document_id) VALUES ('http://a/1', 1)")
    assert changes(conn) == [(1, 2, "document,source")]


def test_each_kind_of_change_gets_the_next_number(conn):
    conn.execute("INSERT INTO documents (id, text, cluster_id, is_canonical) VALUES (1, 'a', 1, 1)")
    conn.execute("INSERT INTO sources (url, document_id) VALUES ('http://a/1', 1)")
    conn.execute("INSERT INTO documents (id, text, cluster_id, is_canonical) VALUES (2, 'b', 2, 1)")
    conn.execute("INSERT INTO sources (url, document_id) VALUES ('http://b/2', 2)")
    mark = change_feed.last_change(conn)
    assert mark == 4
    # a copy of 1 found on another site: a new source of an old document
    conn.execute("INSERT INTO sources (url, document_id) VALUES ('http://c/9', 1)")
    assert changes(conn, mark) == [(1, 5, "source")]
    mark = change_feed.last_change(conn)
    # the page of 2 now serves a new text: document 3, a new version
    conn.execute("INSERT INTO documents (id, text, cluster_id, is_canonical) VALUES (3, 'c', 3, 1)")
    conn.execute("UPDATE sources SET document_id = 3 WHERE url = 'http://b/2'")
    assert changes(conn, mark) == [(2, 7, "source"), (3, 8, "document,version")]
    mark = change_feed.last_change(conn)
    # 3 joins 2's cluster and becomes its canonical member: both are re-sent
    conn.execute("UPDATE documents SET cluster_id = 2, is_canonical = 1 WHERE id = 3")
    conn.execute("UPDATE documents SET is_canonical = 0 WHERE id = 2")
    assert changes(conn, mark) == [(2, 10, "cluster"), (3, 11, "cluster")]
    mark = change_feed.last_change(conn)
    # a re-extraction corrects the agency of 1
    conn.execute("UPDATE documents SET agency = '阳江市科学技术局' WHERE id = 1")
    assert changes(conn, mark) == [(1, mark + 1, "metadata")]


def test_what_is_not_a_change(conn):
    conn.execute("INSERT INTO documents (id, text, agency, cluster_id) VALUES (1, 'a', 'x', 1)")
    conn.execute("INSERT INTO sources (url, document_id) VALUES ('http://a/1', 1)")
    mark = change_feed.last_change(conn)
    conn.execute("UPDATE documents SET last_seen = '2026-12-01', agency = 'x', cluster_id = 1")
    conn.execute("UPDATE sources SET fetched_at = '2026-12-01', document_id = 1")
    assert changes(conn, mark) == []


def test_numbers_are_never_reused(conn):
    conn.execute("INSERT INTO documents (id, text) VALUES (1, 'a')")
    conn.execute("DELETE FROM changes")
    conn.execute("INSERT INTO documents (id, text) VALUES (2, 'b')")
    assert changes(conn) == [(2, 2, "document")]


def test_backfill_numbers_an_old_archive_once(tmp_path):
    connection = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    connection.execute(DOCUMENT_TABLE)
    connection.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, document_id INTEGER)")
    connection.executemany("INSERT INTO documents (id, text) VALUES (?, ?)", [(5, "a"), (2, "b")])
    for statement in change_feed.statements():
        connection.execute(statement)
    change_feed.backfill(connection)
    change_feed.backfill(connection)
    assert changes(connection) == [(2, 1, "document"), (5, 2, "document")]
    connection.close()


def test_pages_cover_every_document_once(conn):
    conn.executemany(
        "INSERT INTO documents (id, text) VALUES (?, 'x')", [(i,) for i in range(1, 8)]
    )
    conn.execute("UPDATE documents SET title = 'new' WHERE id IN (2, 5)")
    upto = change_feed.last_change(conn)
    pages = list(change_feed.changed_documents(conn, 0, upto, page_size=3))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [row[0] for page in pages for row in page] == [1, 3, 4, 6, 7, 2, 5]
