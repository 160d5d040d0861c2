"""What keeps the archive small and fast at scale: one copy of each text, texts stored after
the metadata, migrations of older archives, one OpenCC pass (the full-text index:
test_fulltext.py)."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

import opencc
import pytest
import sqlite_utils

from crawler.browse.export import records_of
from crawler.storage import connect
from crawler.storage.pages import store_pages
from crawler.storage.schema import DOCUMENT_COLUMNS, SCHEMA_VERSION
from pipelines.dedup.index import NearDuplicateIndex
from pipelines.dedup.similarity import DEFAULTS, TextForms, is_recycled, text_shingles
from pipelines.normalise import normalise
from pipelines.text import squash, to_simplified
from tests.browse.test_serve import get
from tests.storage.test_fulltext import matching
from tests.storage.test_pages import page

FIXTURES = Path(__file__).parent.parent / "fixtures"
TEXTS = {
    "http://gov.example/1.html": "科技局2019年工作总结\n全年完成科技项目验收十二项。",
    "http://gov.example/2.html": "教育局工作计划\n推进义务教育均衡发展，办好人民满意的教育。",
    "http://gov.example/3.html": "統計局年度報告\n認真開展統計調查，數據質量穩步提高。",
    "http://gov.example/4.html": "科学技术普及\n开展科普进社区活动二十场。",
}


@pytest.fixture
def archive(tmp_path):
    db = connect(tmp_path / "a.db")
    rows = []
    for url, original in TEXTS.items():
        row = page(url, to_simplified(original))
        row.update(text_original=original, title=to_simplified(original.split("\n")[0]))
        rows.append(row)
    store_pages(db, rows, link=NearDuplicateIndex(DEFAULTS).open(db.conn))
    yield db
    db.close()


def test_text_original_is_kept_only_when_it_differs_and_export_restores_it(archive):
    rows = archive.execute("SELECT text_original FROM documents ORDER BY id").fetchall()
    # only the Traditional page (the third) said something other than its Simplified text
    assert rows == [(None,), (None,), (TEXTS["http://gov.example/3.html"],), (None,)]
    archive.conn.row_factory = sqlite3.Row
    ids = [r[0] for r in archive.execute("SELECT id FROM documents ORDER BY id")]
    records = list(records_of(archive.conn, ids))
    assert {r["sources"][0]["url"]: r["text_original"] for r in records} == TEXTS


def test_texts_are_stored_after_the_metadata(archive):
    columns = [c[1] for c in archive.execute("PRAGMA table_info(documents)")]
    assert columns[-2:] == ["text", "text_original"]
    assert columns == list(DOCUMENT_COLUMNS)


def old_layout_archive(path: Path) -> None:
    """An archive as layout-v2 wrote it: texts before the metadata, text_original always
    filled, raw pages under raw/, user_version 2, no short-term index (main's migrations 3-7
    and the scale ones 8-12 all run on it)."""
    conn = sqlite3.connect(path)
    db = sqlite_utils.Database(conn)
    old_order = ["id", "title", "title_original", "text", "text_original", "published"]
    old_order += [c for c in DOCUMENT_COLUMNS if c not in old_order]
    db["documents"].create(
        {c: DOCUMENT_COLUMNS[c] for c in old_order}, pk="id", not_null={"text", "content_hash"}
    )
    db["sources"].create(
        {"id": int, "url": str, "site": str, "document_id": int, "raw_path": str, "warc_file": str},
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["documents"].enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)
    text = "科技局2019年上半年工作总结，全年完成科技项目验收。"
    db["documents"].insert(
        {"id": 7, "title": "科技局", "text": text, "text_original": text, "content_hash": "h7"}
    )
    db["sources"].insert(
        {
            "url": "http://gov.example/7",
            "site": "gov",
            "document_id": 7,
            "raw_path": "raw/gov/abc.html.gz",
            "warc_file": "warc/gov-1.warc.gz",
        }
    )
    conn.execute("PRAGMA user_version=2")
    conn.commit()
    conn.close()


def test_an_older_archive_is_migrated_without_losing_anything(tmp_path):
    path = tmp_path / "old.db"
    old_layout_archive(path)
    db = connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = [c[1] for c in db.execute("PRAGMA table_info(documents)")]
    assert columns[-2:] == ["text", "text_original"]
    row = db.execute("SELECT id, title, text_original, content_hash FROM documents").fetchone()
    assert row == (7, "科技局", None, "h7")
    assert db.execute("SELECT raw_path FROM sources").fetchone() == ("warc/gov-1.warc.gz",)
    # the trigram index gave way to the index of pairs, built from the stored rows
    assert matching(db.conn, "工作总结") == {7} and matching(db.conn, "科技") == {7}
    assert not db["documents_grams"].exists()
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert not triggers & {"documents_ai", "documents_ad", "documents_au"}
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    # new rows reach the index through its triggers
    store_pages(db, [page("http://gov.example/8", "民政局工作计划，做好社会救助。")])
    assert len(matching(db.conn, "民政")) == 1
    db.close()
    connect(path).close()  # a second open changes nothing


def saved_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "dedup").glob("*.txt"))]
    s2t = opencc.OpenCC("s2t")
    return texts + [s2t.convert(t) for t in texts] + ["", "ＡＢＣ　全角，⼯作（康熙部首）豈"]


def test_one_opencc_pass_gives_the_same_hash_and_script_as_before():
    for text in saved_texts():
        before = squash(to_simplified(unicodedata.normalize("NFKC", text)) or "")
        after = normalise(None, text)
        assert after["content_hash"] == __import__("hashlib").sha1(before.encode()).hexdigest()
        assert after["text"] == to_simplified(text)


def test_dedup_forms_equal_the_text_shingles_and_recycled_check():
    texts = saved_texts()[:6]
    for text in texts:
        assert TextForms(text).masked_shingles == text_shingles(text)
        assert TextForms(to_simplified(text), simplified=True).masked_shingles == text_shingles(
            to_simplified(text)
        )
    redated = texts[0].replace("2019", "2020").replace("2020", "2021")
    assert is_recycled(texts[0], redated) is (texts[0] != redated)


def test_database_page_counts_shown_tables_only_and_clusters_view_reads_no_join(archive, tmp_path):
    from crawler.browse.serve import build_datasette

    # two of the four documents made one cluster: the view lists groups of two or more
    first, second = sorted(r[0] for r in archive.execute("SELECT id FROM documents"))[:2]
    with archive.conn:
        archive.execute(
            "UPDATE document_clusters SET cluster_id = ? WHERE document_id IN (?, ?)",
            [first, first, second],
        )
    archive.close()
    ds = build_datasette(tmp_path / "a.db")
    tables = {t["name"]: t for t in get(ds, "/harvest.json").json()["tables"]}
    assert tables["documents"]["count"] == len(TEXTS) and tables["sources"]["count"] == len(TEXTS)
    # hidden index tables (FTS shadows, LSH bands) are not counted: SQLite cannot interrupt it
    assert tables["documents_fts_data"]["count"] is None and tables["documents_fts_data"]["hidden"]
    assert tables["dedup_bands"]["count"] is None
    conn = sqlite3.connect(tmp_path / "a.db")
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM clusters"))
    assert "documents" not in plan
    assert conn.execute("SELECT count(*), count(title) FROM clusters").fetchone() == (2, 2)
