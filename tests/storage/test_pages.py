"""The archive database: schema, batched writes, exact-copy merging, Chinese search."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.browse.search import search
from crawler.storage import StorageError, connect
from crawler.storage.pages import Refetch, known_urls, store_pages, touch_unchanged
from pipelines.normalise import content_hash

REPORT = "一、上半年工作情况\n我局认真开展科技创新工作，完成网站建设和ICP备案。"
PLAN = "二、下半年工作计划\n加快培育高新技术企业，推动科技成果转化。"


def page(
    url: str, text: str, site: str = "demo_gov", fetched_at: str = "2026-11-25T10:00:00+00:00"
):
    return {
        "url": url,
        "final_url": url,
        "site": site,
        "status": 200,
        "fetched_at": fetched_at,
        "title": "科技局2019年上半年工作总结",
        "source_title": "科技局2019年上半年工作总结",
        "text": text,
        "text_original": text,
        "content_hash": content_hash(text),
        "published": "2019-06-27",
        "year": 2019,
        "period": "上半年",
    }


def test_schema_is_created_once_and_uses_wal(tmp_path):
    path = tmp_path / "a.db"
    db = connect(path)
    assert {"documents", "sources", "runs", "documents_fts"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    db = connect(path)  # idempotent: no error, no second index
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_exact_copies_share_one_document(tmp_path):
    db = connect(tmp_path / "a.db")
    counts = store_pages(
        db,
        [
            page("http://gov.example/a.html", REPORT),
            page(
                "http://docs.example/doc-1.html",
                REPORT.replace("\n", ""),
                site="docs",
                fetched_at="2026-11-25T11:00:00+00:00",
            ),
            page("http://gov.example/b.html", PLAN),
        ],
    )
    assert counts == {
        "new": 2,
        "updated": 1,
        "sources": 3,
        "new_urls": 3,
        "changed": 0,
        "unchanged": 0,
        "shrunk": 0,
        "near_duplicates": 0,
        "recycled": 0,
        "copies": 1,
        "attachments": 0,
    }
    assert db["documents"].count == 2
    row = db.execute(
        "SELECT first_seen, last_seen FROM documents WHERE content_hash = ?", [content_hash(REPORT)]
    ).fetchone()
    assert row == ("2026-11-25T10:00:00+00:00", "2026-11-25T11:00:00+00:00")
    sites = [
        r[0]
        for r in db.execute(
            "SELECT site FROM sources JOIN documents ON documents.id = document_id "
            "WHERE content_hash = ? ORDER BY site",
            [content_hash(REPORT)],
        )
    ]
    assert sites == ["demo_gov", "docs"]


def test_rewriting_the_same_pages_adds_no_rows(tmp_path):
    db = connect(tmp_path / "a.db")
    store_pages(db, [page("http://gov.example/a.html", REPORT)])
    counts = store_pages(
        db, [page("http://gov.example/a.html", REPORT, fetched_at="2026-11-26T10:00:00+00:00")]
    )
    assert counts == {
        "new": 0,
        "updated": 1,
        "sources": 1,
        "new_urls": 0,
        "changed": 0,
        "unchanged": 1,
        "shrunk": 0,
        "near_duplicates": 0,
        "recycled": 0,
        "copies": 0,
        "attachments": 0,
    }
    assert (db["documents"].count, db["sources"].count) == (1, 1)
    assert db.execute("SELECT fetched_at FROM sources").fetchone()[0] == "2026-11-26T10:00:00+00:00"


def test_a_failing_batch_writes_nothing(tmp_path):
    db = connect(tmp_path / "a.db")
    broken = page("http://gov.example/b.html", PLAN)
    broken["text"] = None  # violates NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store_pages(db, [page("http://gov.example/a.html", REPORT), broken])
    assert (db["documents"].count, db["sources"].count) == (0, 0)


def test_search_chinese_short_and_long_queries(tmp_path):
    db = connect(tmp_path / "a.db")
    store_pages(
        db, [page("http://gov.example/a.html", REPORT), page("http://gov.example/b.html", PLAN)]
    )
    plan_id = db.execute("SELECT id FROM documents WHERE text LIKE '%计划%'").fetchone()[0]
    assert [r["id"] for r in search(db, "高新技术企业")] == [plan_id]  # FTS5 trigram
    assert [r["id"] for r in search(db, "培育")] == [plan_id]  # two characters: LIKE fallback
    assert len(search(db, "工作")) == 2
    assert search(db, "区块链") == []
    assert search(db, "  ") == []


def test_fts_stays_in_sync_with_updates(tmp_path):
    db = connect(tmp_path / "a.db")
    store_pages(db, [page("http://gov.example/a.html", REPORT)])
    # text_original is searched too (Traditional queries), so both change
    db.execute(
        "UPDATE documents SET text = '全新的文本内容关于区块链', text_original = '全新的文本内容'"
    )
    assert len(search(db, "区块链")) == 1
    assert search(db, "科技创新") == []


def test_unopenable_database_names_the_file(tmp_path):
    path = tmp_path / "not-a-db.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not-a-db.db: cannot open the archive database"):
        connect(path)


def test_a_changed_text_is_a_new_version_and_the_old_text_stays(tmp_path):
    db = connect(tmp_path / "a.db")
    store_pages(db, [page("http://gov.example/a.html", REPORT)])
    counts = store_pages(
        db, [page("http://gov.example/a.html", PLAN, fetched_at="2026-11-27T10:00:00+00:00")]
    )
    assert (counts["new"], counts["changed"]) == (1, 1)
    texts = [r[0] for r in db.execute("SELECT text FROM documents ORDER BY id")]
    assert texts == [REPORT, PLAN]  # never overwritten in place
    versions = db.execute(
        "SELECT content_hash, first_seen FROM document_versions WHERE url = ? ORDER BY id",
        ["http://gov.example/a.html"],
    ).fetchall()
    assert versions == [
        (content_hash(REPORT), "2026-11-25T10:00:00+00:00"),
        (content_hash(PLAN), "2026-11-27T10:00:00+00:00"),
    ]
    assert db.execute("SELECT changes FROM sources").fetchone()[0] == 1


def test_refetch_interval_adapts_within_bounds():
    refetch = Refetch(minimum=3600, maximum=4 * 3600)
    assert refetch.next(None, changed=False) == 3600
    assert refetch.next(3600, changed=False) == 7200
    assert refetch.next(3 * 3600, changed=False) == 4 * 3600  # capped
    assert refetch.next(4 * 3600, changed=True) == 2 * 3600
    assert refetch.next(3600, changed=True) == 3600  # floored


def test_unchanged_pages_are_due_later_and_not_modified_touches(tmp_path):
    db = connect(tmp_path / "a.db")
    refetch = Refetch(minimum=3600, maximum=10 * 3600)
    row = page("http://gov.example/a.html", REPORT)
    row["etag"] = '"abc"'
    store_pages(db, [row], refetch)
    known = known_urls(db, "demo_gov")
    assert known["http://gov.example/a.html"]["etag"] == '"abc"'
    assert known["http://gov.example/a.html"]["next_fetch_after"] == "2026-11-25T11:00:00+00:00"
    store_pages(
        db,
        [page("http://gov.example/a.html", REPORT, fetched_at="2026-11-25T12:00:00+00:00")],
        refetch,
    )
    assert known_urls(db, "demo_gov")["http://gov.example/a.html"]["next_fetch_after"] == (
        "2026-11-25T14:00:00+00:00"
    )
    assert (
        touch_unchanged(
            db,
            [
                ("http://gov.example/a.html", "2026-11-25T15:00:00+00:00"),
                ("http://unknown.example/", "2026-11-25T15:00:00+00:00"),
            ],
            refetch,
        )
        == 1
    )
    assert (
        db.execute("SELECT last_seen FROM documents").fetchone()[0] == "2026-11-25T15:00:00+00:00"
    )
    assert db.execute("SELECT refetch_interval, next_fetch_after FROM sources").fetchone() == (
        4 * 3600,
        "2026-11-25T19:00:00+00:00",
    )
    assert known_urls(db, "other_site") == {}


def test_re_extraction_records_text_without_touching_fetch_state(tmp_path):
    db = connect(tmp_path / "a.db")
    refetch = Refetch(minimum=3600, maximum=10 * 3600)
    store_pages(db, [page("http://gov.example/a.html", REPORT)], refetch)
    before = db.execute(
        "SELECT last_checked, refetch_interval, next_fetch_after, changes FROM sources"
    ).fetchone()
    later = page("http://gov.example/a.html", PLAN, fetched_at="2026-11-25T10:00:00+00:00")
    counts = store_pages(db, [later], refetch, fetched=False)
    assert counts["changed"] == 1
    after = db.execute(
        "SELECT last_checked, refetch_interval, next_fetch_after, changes FROM sources"
    ).fetchone()
    assert after == before
    assert db.execute("SELECT count(*) FROM document_versions").fetchone()[0] == 2


def test_updating_other_columns_does_not_reindex_the_text(tmp_path):
    db = connect(tmp_path / "a.db")
    store_pages(db, [page("http://gov.example/a.html", REPORT)])
    changes = db.execute("SELECT total_changes()").fetchone()[0]
    db.execute("UPDATE documents SET last_seen = '2030-01-01T00:00:00+00:00'")
    # one row changed; an FTS re-index would add the delete and insert rows of documents_fts
    assert db.execute("SELECT total_changes()").fetchone()[0] - changes == 1
    assert len(search(db, "科技创新")) == 1
