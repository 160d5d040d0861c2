"""harvest reextract over a real crawl of the demo website: no network, only changed texts are
written, a killed run resumes; its output feeds harvest export."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import pipelines.extract.core
from crawler.browse.export import SCHEMA_FILE, Cursor, export
from crawler.cli import cli
from crawler.demo import serve_directory
from crawler.reextract import reextract
from tests.helpers import DEMO_PAGE_SITES, crawl_demo

# every test here reads a demo crawl made by a `harvest crawl` process
pytestmark = pytest.mark.e2e

CHANGED_PAGE = "t20190628_358021"  # one gov report
CORRECTION = "（本文于2026年11月更正）"


@pytest.fixture(scope="module")
def crawled_archive(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("reextract") / "archive" / "harvest.db"
    with serve_directory() as base_url:
        result = crawl_demo(db_path, base_url, *DEMO_PAGE_SITES)
    assert result.returncode == 0, result.stdout + result.stderr
    return db_path.parent


@pytest.fixture
def db_path(crawled_archive, tmp_path) -> Path:
    """A private copy of the crawled archive (database and WARC files)."""
    root = tmp_path / "archive"
    shutil.copytree(crawled_archive, root, ignore=shutil.ignore_patterns("logs", "raw"))
    return root / "harvest.db"


def dump(db_path: Path, table: str) -> list[tuple]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        db.close()


def one(db_path: Path, sql: str, params=()):
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchone()
    finally:
        db.close()


@pytest.fixture
def new_rule(monkeypatch):
    """A rule change that alters the text of one page only."""
    original = pipelines.extract.core.extract

    def changed(body, url=None, headers=None, hints=None):
        result = original(body, url, headers, hints)
        if CHANGED_PAGE in (url or ""):
            result.text_original += "\n" + CORRECTION
        return result

    monkeypatch.setattr(pipelines.extract.core, "extract", changed)


def test_same_rules_change_nothing(db_path):
    tables = ("documents", "sources", "document_versions", "document_clusters")
    before = {t: dump(db_path, t) for t in tables}
    summary = reextract(db_path, progress=False)
    assert (summary.pages, summary.unchanged, summary.changed) == (10, 10, 0)
    assert summary.unreadable == summary.empty == 0
    assert {t: dump(db_path, t) for t in tables} == before


def test_a_rule_change_updates_only_the_changed_document(db_path, new_rule):
    documents_before = dump(db_path, "documents")
    last_id = max(row[0] for row in documents_before)
    url, old_doc, interval, next_fetch, checked, changes = one(
        db_path,
        "SELECT url, document_id, refetch_interval, next_fetch_after, last_checked, changes"
        " FROM sources WHERE url LIKE ?",
        [f"%{CHANGED_PAGE}%"],
    )
    summary = reextract(db_path, progress=False)
    assert (summary.changed, summary.unchanged) == (1, 9)
    assert summary.stored["new"] == 1

    documents_after = dump(db_path, "documents")
    assert len(documents_after) == len(documents_before) + 1
    unchanged_rows = [r for r in documents_after if r[0] <= last_id]
    # Old documents keep their text; only clustering columns may move as the new one joins.
    columns = [c[1] for c in sqlite3.connect(db_path).execute("PRAGMA table_info(documents)")]
    keep = [i for i, c in enumerate(columns) if c not in ("cluster_id", "is_canonical")]
    assert [[r[i] for i in keep] for r in unchanged_rows] == [
        [r[i] for i in keep] for r in documents_before
    ]
    new_doc, text = one(db_path, "SELECT id, text FROM documents WHERE id > ?", [last_id])
    assert text.endswith(CORRECTION)
    assert one(db_path, "SELECT document_id FROM sources WHERE url = ?", [url]) == (new_doc,)
    versions = one(db_path, "SELECT count(*) FROM document_versions WHERE url = ?", [url])
    assert versions == (2,)
    # Re-extraction is not a fetch: the page's re-fetch schedule stays as it was.
    assert one(
        db_path,
        "SELECT refetch_interval, next_fetch_after, last_checked, changes FROM sources"
        " WHERE url = ?",
        [url],
    ) == (interval, next_fetch, checked, changes)
    assert old_doc != new_doc

    # The feed's cursor picks up exactly the new version, valid against the schema.
    out = io.StringIO()
    count, cursor = export(db_path, out, cursor=Cursor(after_id=last_id))
    assert (count, cursor) == (1, new_doc)
    record = json.loads(out.getvalue())
    jsonschema.validate(record, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert record["document_id"] == new_doc
    assert [s["url"] for s in record["sources"]] == [url]

    # Running it again finds nothing more to do.
    assert reextract(db_path, progress=False).changed == 0


def test_a_killed_run_resumes_after_its_last_stored_batch(db_path, monkeypatch):
    original = pipelines.extract.core.extract
    calls = []

    def dies_on_the_seventh_page(body, url=None, headers=None, hints=None):
        calls.append(url)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return original(body, url, headers, hints)

    monkeypatch.setattr(pipelines.extract.core, "extract", dies_on_the_seventh_page)
    with pytest.raises(KeyboardInterrupt):
        reextract(db_path, progress=False, batch_size=3)
    (done,) = one(db_path, "SELECT last_source_id FROM reextract_checkpoints")
    third = one(db_path, "SELECT id FROM sources ORDER BY id LIMIT 1 OFFSET 5")[0]
    assert done == third  # two batches of three stored, the third was interrupted

    monkeypatch.setattr(pipelines.extract.core, "extract", original)
    summary = reextract(db_path, progress=False, batch_size=3)
    assert summary.resumed_after == done
    assert summary.pages == 4 and summary.unchanged == 4
    assert one(db_path, "SELECT count(*) FROM reextract_checkpoints") == (0,)
    assert reextract(db_path, progress=False).pages == 10  # finished: next run starts afresh


def test_site_and_since_select_pages(db_path):
    assert reextract(db_path, site="demo_gov", progress=False).pages == 5
    assert reextract(db_path, site="demo_docshare2", progress=False).pages == 3
    assert reextract(db_path, since="2999-01-01", progress=False).pages == 0
    assert reextract(db_path, since="2000-01-01", progress=False).pages == 10


def test_cli_prints_counts_and_a_progress_bar(db_path):
    result = CliRunner().invoke(cli, ["reextract", "--db", str(db_path), "--site", "demo_gov"])
    assert result.exit_code == 0, result.output
    assert "pages: 5, changed: 0, unchanged: 5" in result.stdout
    assert "5/5" in result.stderr and "page/s" in result.stderr


def test_missing_records_are_counted_and_fail_the_command(db_path):
    (warc_file,) = one(
        db_path, "SELECT DISTINCT warc_file FROM sources WHERE site = 'demo_docshare2'"
    )
    (db_path.parent / warc_file).unlink()
    result = CliRunner().invoke(cli, ["reextract", "--db", str(db_path), "--quiet"])
    assert result.exit_code == 1
    assert "pages: 10, changed: 0, unchanged: 7, no text: 0, unreadable: 3" in result.stdout


def test_export_of_the_crawl_matches_the_schema(db_path):
    out = io.StringIO()
    count, cursor = export(db_path, out)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(records) == 8 and cursor == records[-1]["document_id"]
    for record in records:
        jsonschema.validate(record, schema)
    assert sum(len(r["sources"]) for r in records) == 10
    assert all(r["cluster_id"] is not None for r in records)


def test_a_page_stored_without_text_is_recovered_from_the_archive(db_path, monkeypatch):
    """A document page the crawl archived but stored nothing for (as when the extractor
    found no text) is found through the CDXJ index and stored once the rules yield text."""
    url, site, document_id = one(
        db_path,
        "SELECT url, site, document_id FROM sources WHERE site = 'demo_docshare1'"
        " ORDER BY id LIMIT 1",
    )
    db = sqlite3.connect(db_path)
    db.execute("DELETE FROM document_versions WHERE url = ?", [url])
    db.execute("DELETE FROM sources WHERE url = ?", [url])
    db.commit()
    db.close()

    summary = reextract(db_path, progress=False)
    assert (summary.pages, summary.unchanged, summary.recovered) == (10, 9, 1)
    assert one(
        db_path, "SELECT site, document_id, warc_file IS NOT NULL FROM sources WHERE url = ?", [url]
    ) == (site, document_id, 1)
    # Listing hints came back from the request record.
    (list_url,) = one(db_path, "SELECT list_url FROM sources WHERE url = ?", [url])
    assert list_url and list_url.endswith(".html")
    assert reextract(db_path, progress=False).recovered == 0  # stored now: a source like any
