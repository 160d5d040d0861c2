"""The change feed's numbering (crawler/storage/schema.py, table ``changes``) on a real archive
written by the store stage: each kind of change a consumer must see gets the next number."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.browse.export import changed_documents, last_change
from crawler.storage import connect
from crawler.storage.schema import SCHEMA_VERSION
from pipelines.normalise import content_hash
from tests.helpers import store_linked

# Distinct wording per report, so the near-duplicate index keeps them apart.
TOPICS = ["高新技术企业培育", "农村公路建设", "义务教育均衡", "河湖长制落实", "社区养老服务",
          "营商环境改革", "文物保护修缮", "森林防火巡查"]  # fmt: skip


def row(n: int, url: str, site: str = "gov_a") -> dict:
    topic = TOPICS[n % len(TOPICS)]
    body = f"{topic}工作报告\n一、{topic}进展顺利。今年以来，我们围绕{topic}开展专项行动。"
    return {
        "title": f"科技局第{n}号工作总结",
        "text": body,
        "text_original": body,
        "content_hash": content_hash(body),  # real hashes: the dedup index caches by hash
        "agency": "科技局",
        "url": url,
        "site": site,
        "family": "gov",
        "status": 200,
        "fetched_at": "2026-11-01T08:00:00+00:00",
    }


@pytest.fixture
def db(tmp_path):
    database = connect(tmp_path / "harvest.db")
    yield database
    database.close()


def changes(db, after: int) -> list[tuple[int, list[str]]]:
    upto = last_change(db.conn)
    return [(d, kinds) for page in changed_documents(db.conn, after, upto) for d, _n, kinds in page]


def test_new_documents_sources_and_versions(db):
    store_linked(db, [row(1, "http://a/1"), row(2, "http://a/2")])
    assert changes(db, 0) == [(1, ["document", "source"]), (2, ["document", "source"])]
    mark = last_change(db.conn)
    # a copy of report 1 found on a doc-share site: a new source of an old document
    store_linked(db, [row(1, "http://share/9", site="share_b")])
    assert changes(db, mark) == [(1, ["source"])]
    mark = last_change(db.conn)
    # the page of report 2 now serves a new text: a new version, and 2 lost a source
    store_linked(db, [row(3, "http://a/2")])
    assert changes(db, mark) == [(2, ["source"]), (3, ["document", "version"])]


def test_seeing_the_same_text_again_is_not_a_change(db):
    store_linked(db, [row(1, "http://a/1")])
    mark = last_change(db.conn)
    again = {**row(1, "http://a/1"), "fetched_at": "2026-11-08T08:00:00+00:00"}
    store_linked(db, [again])
    assert changes(db, mark) == []


def test_cluster_and_canonical_changes_reach_every_member(db):
    store_linked(db, [row(1, "http://a/1"), row(2, "http://a/2"), row(3, "http://a/3")])
    db.execute("UPDATE documents SET cluster_id = 1, is_canonical = (id = 1) WHERE id IN (1, 2)")
    mark = last_change(db.conn)
    db.execute("UPDATE documents SET cluster_id = 1, is_canonical = 0 WHERE id = 3")  # joins
    assert changes(db, mark) == [(3, ["cluster"])]
    mark = last_change(db.conn)
    db.execute("UPDATE documents SET is_canonical = (id = 2) WHERE cluster_id = 1")  # new canonical
    assert sorted(changes(db, mark)) == [(1, ["cluster"]), (2, ["cluster"]), (3, ["cluster"])]


def test_a_metadata_correction(db):
    store_linked(db, [row(1, "http://a/1")])
    mark = last_change(db.conn)
    db.execute("UPDATE documents SET agency = '阳江市科学技术局', region_code = '441700'")
    db.execute("UPDATE documents SET last_seen = '2026-12-01T00:00:00+00:00'")  # not a change
    assert changes(db, mark) == [(1, ["metadata"])]


def test_numbers_are_never_reused(db):
    store_linked(db, [row(1, "http://a/1")])
    used = last_change(db.conn)
    db.execute("DELETE FROM changes")
    store_linked(db, [row(2, "http://a/2")])
    assert min(r[0] for r in db.execute("SELECT change_no FROM changes").fetchall()) > used


def test_an_archive_from_before_the_feed_is_numbered_once(tmp_path):
    path = tmp_path / "old.db"
    db = connect(path)
    store_linked(db, [row(5, "http://a/5"), row(6, "http://a/6")])
    db.close()
    # what version 3 looked like: no changes table, no triggers
    conn = sqlite3.connect(path)
    names = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'changes%'").fetchall()
    for (name,) in names:
        kind = "TABLE" if name == "changes" else "TRIGGER"
        if name.startswith("changes_") or name == "changes":
            conn.execute(f"DROP {kind} IF EXISTS {name}")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    db = connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert changes(db, 0) == [(1, ["document"]), (2, ["document"])]
    db.close()
    db = connect(path)  # opening again adds nothing
    assert last_change(db.conn) == 2
    db.close()


def test_pages_cover_every_document_once(db):
    store_linked(db, [row(n, f"http://a/{n}") for n in range(1, 8)])
    db.execute("UPDATE documents SET title = 'new' WHERE id IN (2, 5)")
    pages = list(changed_documents(db.conn, 0, last_change(db.conn), page_size=3))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [d for page in pages for d, _n, _k in page] == [1, 3, 4, 6, 7, 2, 5]
