"""A real crawl of a column whose reports are attachments: `harvest crawl` over HTTP into SQLite.

The files are made by real tools (make_files.py); the site (site.py) is served on 127.0.0.1 with
a robots.txt that blocks one path. Asserts the texts, their sources across two sites, the
WARC copy of each file's bytes and every per-file reason.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from crawler.browse.search import run
from crawler.demo import serve_directory
from crawler.storage.warc import PayloadIndex, WarcReader
from tests.attachments.make_files import PAGE_ONE, PAGE_TWO, TITLE
from tests.attachments.site import build_site, config
from tests.helpers import harvest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crawl(attachment_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("site")
    cases = build_site(root, attachment_files)
    work = tmp_path_factory.mktemp("archive")
    with serve_directory(root) as base_url:
        limit = attachment_files["pdf"].stat().st_size + 100_000
        result = harvest(
            "crawl",
            "--config",
            str(config(work / "config.yaml", base_url, limit)),
            "--db",
            str(work / "harvest.db"),
            timeout=300,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite3.connect(work / "harvest.db")
    db.row_factory = sqlite3.Row
    yield db, {case: base_url + path for case, path in cases.items()}, base_url, work
    db.close()


def attachment(db: sqlite3.Connection, url_end: str) -> sqlite3.Row:
    (row,) = db.execute("SELECT * FROM attachments WHERE url LIKE ?", [f"%{url_end}"]).fetchall()
    return row


def test_a_pointer_page_takes_its_doc_reports_text_and_keeps_its_own(crawl) -> None:
    db, pages, _, _ = crawl
    source = db.execute("SELECT * FROM sources WHERE url = ?", [pages["pointer_doc"]]).fetchone()
    document = db.execute(
        "SELECT * FROM documents WHERE id = ?", [source["document_id"]]
    ).fetchone()
    assert PAGE_ONE in document["text"] and PAGE_TWO in document["text"]
    assert "高新技术企业培育\t320\t已完成" in document["text"]
    assert document["title"] == TITLE
    # Dated and attributed by a page that links the report (whichever was stored first).
    assert document["published"] in {
        "2021-07-05",
        "2021-07-06",
        "2021-07-07",
        "2021-07-08",
        "2021-08-01",
    }
    assert document["agency"] in {"示范市科学技术局", "示范市发展和改革局"}
    assert source["text_source"].endswith("P020210705391827364512.doc")
    assert "附件" in (source["article_text"] or "") or source["article_text"] is None
    doc = attachment(db, "P020210705391827364512.doc")
    assert (doc["kind"], doc["media_type"], doc["page_count"], doc["error"]) == (
        "doc",
        "application/msword",
        2,
        None,
    )
    assert doc["method"].startswith("libreoffice+python-docx")
    assert doc["filename_linked"] == "阳江市科学技术局2021年上半年工作总结.doc"
    assert doc["document_id"] == document["id"] and doc["source_document_id"] == document["id"]


def test_the_same_report_on_two_sites_and_in_four_files_is_one_document(crawl) -> None:
    db, pages, _, _ = crawl
    doc_id = attachment(db, "P020210705391827364512.doc")["document_id"]
    sources = db.execute(
        "SELECT site, url FROM sources WHERE document_id = ? ORDER BY url", [doc_id]
    ).fetchall()
    assert {s["site"] for s in sources} == {"demo_kjj", "demo_fgj"}
    files = {s["url"].rsplit("/", 1)[-1] for s in sources}
    assert {
        "P020210705391827364512.doc",
        "P020210705391827364513.pdf",
        "W020210801000000000001.docx",
        "t20210708_400005.html",
    } <= files
    assert attachment(db, "filename=工作总结.wps")["document_id"] == doc_id
    assert (
        db.execute(
            "SELECT count(*) FROM documents WHERE text LIKE ?", [f"%{PAGE_ONE}%"]
        ).fetchone()[0]
        == 1
    )


def test_a_full_article_keeps_its_text_and_its_files_get_documents_of_their_own(crawl) -> None:
    db, pages, _, _ = crawl
    source = db.execute("SELECT * FROM sources WHERE url = ?", [pages["full_with_pdf"]]).fetchone()
    document = db.execute(
        "SELECT * FROM documents WHERE id = ?", [source["document_id"]]
    ).fetchone()
    assert "第五项工作取得明显成效" in document["text"] and PAGE_ONE not in document["text"]
    assert source["text_source"] is None
    xls = attachment(db, "P020210707000000000001.xls")
    assert (xls["kind"], xls["method"].split()[0], xls["page_count"]) == ("doc", "xlrd", 2)
    funds = db.execute("SELECT * FROM documents WHERE id = ?", [xls["document_id"]]).fetchone()
    assert funds["title"] == "资金安排表" and "科技特派员下乡\t85\t进行中" in funds["text"]
    assert xls["source_document_id"] == document["id"]


def test_every_file_that_gives_no_text_says_why(crawl) -> None:
    db, _, _, _ = crawl
    reasons = {
        "P020210706000000000001.pdf": "needs OCR: the pages are images without a text layer",
        "P020210706000000000002.pdf": "encrypted: the PDF needs a password",
        "P020210706000000000003.pdf": "broken: not a readable PDF (damaged or truncated)",
        "P020210706000000000004.zip": "oversize: larger than max_attachment_bytes",
        "P020210709000000000001.pdf": "oversize: larger than max_attachment_bytes",
        "/private/report.pdf": "not fetched: Forbidden by robots.txt",
        "P020210799999999999999.pdf": "HTTP 404",
    }
    for url_end, reason in reasons.items():
        row = attachment(db, url_end)
        assert row["error"].startswith(reason), (url_end, row["error"])
        assert row["document_id"] is None and row["text"] is None
    assert attachment(db, "P020210706000000000001.pdf")["needs_ocr"] == 1
    # The page of those files is stored, with its list of files as its text.
    (text,) = db.execute(
        "SELECT d.text FROM documents d JOIN attachments a ON a.source_document_id = d.id"
        " WHERE a.url LIKE '%P020210706000000000002.pdf'"
    ).fetchone()
    assert "附件：加密件.pdf" in text


def test_each_fetched_file_is_in_the_warc_archive_byte_for_byte(crawl, attachment_files) -> None:
    db, _, _, work = crawl
    rows = db.execute("SELECT * FROM attachments WHERE warc_file IS NOT NULL").fetchall()
    assert len(rows) == 10  # all but robots-blocked and the two oversize files
    payloads = PayloadIndex(db)  # identical files are revisit records of the first copy
    with WarcReader(work, payloads) as reader:
        for row in rows:
            body = reader.response(row["warc_file"], row["warc_offset"], row["warc_length"]).body
            assert hashlib.sha256(body).hexdigest() == row["sha256"], row["url"]
            assert len(body) == row["bytes"]
    assert (
        attachment(db, "P020210705391827364512.doc")["sha256"]
        == hashlib.sha256(attachment_files["doc"].read_bytes()).hexdigest()
    )


def test_attachment_texts_are_searchable(crawl) -> None:
    db, _, _, _ = crawl
    _query, hits = run(db, "科技特派员下乡")
    assert {h["title"] for h in hits} == {TITLE, "资金安排表"}


def test_the_document_page_lists_its_attachments_and_serves_the_archived_copies(
    crawl, attachment_files
) -> None:
    import asyncio

    from crawler.browse.serve import build_datasette

    db, _, _, work = crawl
    doc = attachment(db, "P020210705391827364512.doc")
    ds = build_datasette(work / "harvest.db")
    page = asyncio.run(ds.client.get(f"/harvest/documents/{doc['source_document_id']}"))
    assert page.status_code == 200
    assert "附件 Attachments" in page.text
    assert "阳江市科学技术局2021年上半年工作总结.doc" in page.text
    assert f"/-/harvest/attachment/{doc['id']}" in page.text
    archived = asyncio.run(ds.client.get(f"/-/harvest/attachment/{doc['id']}"))
    assert archived.status_code == 200
    assert archived.content == attachment_files["doc"].read_bytes()
    assert archived.headers["content-type"] == "application/msword"
    bad = attachment(db, "P020210706000000000002.pdf")
    page = asyncio.run(ds.client.get(f"/harvest/documents/{bad['source_document_id']}"))
    assert "encrypted: the PDF needs a password" in page.text
    blocked = attachment(db, "/private/report.pdf")
    assert asyncio.run(ds.client.get(f"/-/harvest/attachment/{blocked['id']}")).status_code == 404


def test_the_export_carries_each_documents_files(crawl) -> None:
    import io
    import json

    import jsonschema

    from crawler.browse.export import SCHEMA_FILE, export

    db, _, _, work = crawl
    out = io.StringIO()
    export(work / "harvest.db", out)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    for record in records:
        jsonschema.validate(record, schema)
    doc_id = attachment(db, "P020210705391827364512.doc")["document_id"]
    (report,) = [r for r in records if r["document_id"] == doc_id]
    roles = {(a["url"].rsplit("/", 1)[-1], a["role"]) for a in report["attachments"]}
    assert ("P020210705391827364512.doc", "text") in roles
    assert ("W020210801000000000001.docx", "text") in roles
    (bad,) = [
        r
        for r in records
        if any(a["error"] and a["error"].startswith("encrypted") for a in r["attachments"])
    ]
    assert {a["role"] for a in bad["attachments"]} == {"linked"}
    assert len(bad["attachments"]) == 7


def test_reextract_reads_the_files_again_from_the_warc_archive(crawl, tmp_path) -> None:
    import shutil

    db, _, _, work = crawl
    copy = tmp_path / "archive"
    shutil.copytree(work, copy)
    before = sqlite3.connect(copy / "harvest.db")
    counts = {
        t: before.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("documents", "sources", "attachments")
    }
    # As if the DOC had been read by a reader that failed on it.
    before.execute(
        "UPDATE attachments SET text = NULL, text_original = NULL, method = 'old reader',"
        " error = 'unsupported: old reader' WHERE url LIKE '%P020210705391827364512.doc'"
    )
    before.commit()
    before.close()
    result = harvest("reextract", "--db", str(copy / "harvest.db"), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    after = sqlite3.connect(copy / "harvest.db")
    after.row_factory = sqlite3.Row
    row = after.execute(
        "SELECT * FROM attachments WHERE url LIKE '%P020210705391827364512.doc'"
    ).fetchone()
    assert row["method"].startswith("libreoffice+python-docx") and row["error"] is None
    assert PAGE_ONE in row["text"]
    assert row["document_id"] == attachment(db, "P020210705391827364512.doc")["document_id"]
    assert {t: after.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts} == counts
    errors = [
        r[0]
        for r in after.execute("SELECT error FROM attachments WHERE error IS NOT NULL ORDER BY url")
    ]
    assert errors == [
        r[0]
        for r in db.execute("SELECT error FROM attachments WHERE error IS NOT NULL ORDER BY url")
    ]
