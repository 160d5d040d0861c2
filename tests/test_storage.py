"""The archive database: schema, batched writes, exact-copy merging, Chinese search."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.storage import StorageError, connect, search, store_pages
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
    assert counts == {"new": 2, "updated": 1, "sources": 3}
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
    assert counts == {"new": 0, "updated": 1, "sources": 1}
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
    db.execute("UPDATE documents SET text = '全新的文本内容关于区块链'")
    assert len(search(db, "区块链")) == 1
    assert search(db, "科技创新") == []


def test_unopenable_database_names_the_file(tmp_path):
    path = tmp_path / "not-a-db.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not-a-db.db: cannot open the archive database"):
        connect(path)
