"""End to end: the real `harvest` command crawls the bundled demo website over HTTP, through
the real spiders and pipelines, into a SQLite file; then the rows are checked."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

from crawler.browse.search import search
from crawler.config import load_config
from crawler.demo import DEMO_CONFIG, DEMO_URL_VARIABLE, serve_directory
from crawler.storage import connect
from tests.helpers import crawl_demo, harvest
from tests.scoring import FURNITURE

# every test here runs the `harvest` command in a process against a local server
pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def demo_site():
    with serve_directory() as base_url:
        yield base_url


@pytest.fixture(scope="module")
def crawled(demo_site, tmp_path_factory):
    """Two crawls of the whole demo (the second over unchanged pages) into one database."""
    db_path = tmp_path_factory.mktemp("e2e") / "harvest.db"
    first = crawl_demo(db_path, demo_site)
    db = sqlite3.connect(db_path)
    after_first = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("documents", "sources", "runs")
    }
    db.close()
    second = crawl_demo(db_path, demo_site)
    return {"db_path": db_path, "first": first, "second": second, "after_first": after_first}


def rows(db_path: Path, sql: str, params=()) -> list[tuple]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def test_crawl_succeeds_and_prints_a_summary(crawled):
    first = crawled["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    assert "pages fetched:" in first.stdout
    assert "documents stored:" in first.stdout
    assert "duplicates found:" in first.stdout


def test_every_demo_site_ran_and_was_recorded(crawled):
    runs = rows(
        crawled["db_path"],
        "SELECT site, status, pages_fetched, documents_seen FROM runs ORDER BY id",
    )
    sites = sorted(s.name for s in _demo_config().sites)
    assert sorted(r[0] for r in runs[:4]) == sites
    assert all(r[1] == "ok" and r[2] > 0 for r in runs)
    assert all(r[3] > 0 for r in runs[:4])  # the second crawl may find nothing due again
    assert len(runs) == 8  # two crawls of four sites


def _demo_config():
    os.environ.setdefault(DEMO_URL_VARIABLE, "http://127.0.0.1:1")
    return load_config(DEMO_CONFIG)


@pytest.mark.parametrize(
    "phrase",
    [
        "钟祥磷化工产业",  # seed 003 (gov original and an exact doc-share copy)
        "冯飞副省长",  # seed 002 (公文素材库-like)
        "2021年全国知识产权宣传周",  # seed 001 (三七文档-like, year-shifted copy of 000)
        "2020年全国知识产权宣传周",  # seed 000 (Traditional with pinyin annotations)
    ],
)
def test_each_seed_report_is_stored_once(crawled, phrase):
    found = rows(crawled["db_path"], "SELECT id FROM documents WHERE text LIKE ?", [f"%{phrase}%"])
    assert len(found) == 1, phrase


def test_exact_copy_is_one_document_with_two_sources(crawled):
    (doc_id,) = rows(
        crawled["db_path"], "SELECT id FROM documents WHERE text LIKE '%钟祥磷化工产业%'"
    )[0]
    sites = rows(
        crawled["db_path"], "SELECT site FROM sources WHERE document_id = ? ORDER BY site", [doc_id]
    )
    assert [s[0] for s in sites] == ["demo_docshare1", "demo_gov"]


def test_traditional_page_is_stored_simplified_with_original_kept(crawled):
    text, original, script = rows(
        crawled["db_path"],
        "SELECT text, text_original, script FROM documents WHERE text LIKE '%2020年全国知识产权宣传周%'",
    )[0]
    assert "区委" in text and "區委" not in text
    assert "區" in original
    assert "(qū)" not in text and "(qū)" not in original
    assert script == "traditional"


def test_no_navigation_or_footer_text_is_stored(crawled):
    for doc_id, text in rows(crawled["db_path"], "SELECT id, text FROM documents"):
        leaked = [w for w in sorted(FURNITURE) if w in text]
        assert not leaked, (doc_id, leaked)


def test_sources_record_status_encoding_and_raw_page(crawled):
    db_path = crawled["db_path"]
    assert not (db_path.parent / "raw").exists()  # no copy of raw pages beside the WARC
    files = {url for (url,) in rows(db_path, "SELECT url FROM attachments WHERE NOT is_page")}
    for url, status, encoding, raw_path, site, warc_file in rows(
        db_path, "SELECT url, status, encoding, raw_path, site, warc_file FROM sources"
    ):
        assert status == 200, url
        if url in files:  # an attachment's bytes are kept in WARC only, like every response
            assert raw_path is None and warc_file is not None, url
            continue
        assert raw_path == warc_file and raw_path.startswith("warc/"), url  # the one raw copy
        assert (db_path.parent / raw_path).is_file(), url
        if site == "demo_gov":
            assert encoding == "gb18030", url  # gb2312 pages are decoded with the superset


def test_full_text_search_finds_chinese(crawled):
    db = connect(crawled["db_path"])
    try:
        assert len(search(db, "科技")) >= 4  # two characters: LIKE fallback
        hits = search(db, "磷化工产业")  # five characters: FTS5 trigram
        assert len(hits) == 1
    finally:
        db.close()


def test_second_crawl_adds_no_rows_but_records_its_run(crawled):
    second = crawled["second"]
    assert second.returncode == 0, second.stdout + second.stderr
    before = crawled["after_first"]
    db_path = crawled["db_path"]
    assert rows(db_path, "SELECT count(*) FROM documents")[0][0] == before["documents"]
    assert rows(db_path, "SELECT count(*) FROM sources")[0][0] == before["sources"]
    assert rows(db_path, "SELECT count(*) FROM runs")[0][0] == before["runs"] + 4
    new = rows(db_path, "SELECT sum(documents_new) FROM runs WHERE id > ?", [before["runs"]])[0][0]
    assert new == 0


def test_bad_config_crawls_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        DEMO_CONFIG.read_text(encoding="utf-8").replace("family: docshare", "family: forum", 1),
        encoding="utf-8",
    )
    db_path = tmp_path / "harvest.db"
    result = harvest(
        "crawl",
        "--config",
        str(bad),
        "--db",
        str(db_path),
        env={DEMO_URL_VARIABLE: "http://127.0.0.1:9"},
    )
    assert result.returncode != 0
    assert "field 'family'" in result.stderr
    assert not db_path.exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_site_fails_the_run_and_keeps_stored_data(crawled, tmp_path):
    db_path = tmp_path / "harvest.db"
    db_path.write_bytes(crawled["db_path"].read_bytes())
    before = rows(db_path, "SELECT count(*) FROM documents")[0][0]
    result = harvest(
        "crawl",
        "demo_gov",
        "--config",
        str(DEMO_CONFIG),
        "--db",
        str(db_path),
        env={DEMO_URL_VARIABLE: f"http://127.0.0.1:{_closed_port()}"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED demo_gov: no page could be fetched (1 × connection refused on list pages)" in (
        result.stderr
    )
    assert rows(db_path, "SELECT count(*) FROM documents")[0][0] == before
    status = rows(db_path, "SELECT status, pages_fetched FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert status == ("failed", 0)


def test_harvest_demo_command(tmp_path):
    result = harvest("demo", "--db", str(tmp_path / "archive" / "harvest.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo site stopped." in result.stdout
    assert "harvest serve" in result.stdout
    assert (tmp_path / "archive" / "harvest.db").is_file()


def _cluster_of(db_path: Path, phrase: str) -> int:
    found = rows(db_path, "SELECT cluster_id FROM documents WHERE text LIKE ?", [f"%{phrase}%"])
    assert len(found) == 1, phrase
    return found[0][0]


def test_near_copies_are_clustered_and_different_reports_are_not(crawled):
    db_path = crawled["db_path"]
    # seeds 000 and 001: one report re-posted with 2020 and 2021 swapped
    recycled = _cluster_of(db_path, "2020年全国知识产权宣传周")
    assert _cluster_of(db_path, "2021年全国知识产权宣传周") == recycled
    flags = rows(
        db_path,
        "SELECT recycled FROM clusters WHERE cluster_id = ? AND is_canonical = 0",
        [recycled],
    )
    assert flags == [(1,)]
    # the 阳江 report: government page and Traditional doc-share mirror end up together
    yangjiang = rows(
        db_path,
        "SELECT DISTINCT d.cluster_id FROM documents d JOIN sources s ON s.document_id = d.id "
        "WHERE d.text LIKE '%阳江市科技型企业融资贷款风险补偿资金管理办法%'",
    )
    assert len(yangjiang) == 1
    # every other cluster holds one report only
    sizes = rows(db_path, "SELECT cluster_id, count(*) FROM documents GROUP BY cluster_id")
    assert {c: n for c, n in sizes if n > 1} == {recycled: 2}
    # and its canonical member is the earlier (2020) report, the 2022-titled copy points at it
    canonical = rows(
        db_path, "SELECT text FROM documents WHERE cluster_id = ? AND is_canonical = 1", [recycled]
    )
    assert len(canonical) == 1 and "2020年全国知识产权宣传周" in canonical[0][0]
