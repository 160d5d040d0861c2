"""`harvest crawl` of the bundled demo stores the attachment column's reports as documents."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.demo import serve_directory
from crawler.demo.files import DEMO_FILES
from tests.helpers import crawl_demo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("demo") / "harvest.db"
    with serve_directory() as base_url:  # makes the files with real tools on first use
        result = crawl_demo(path, base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    yield db
    db.close()


def test_the_demo_reports_in_pdf_docx_and_wps_become_documents(demo_db) -> None:
    for spec in DEMO_FILES[:3]:
        (row,) = demo_db.execute(
            "SELECT a.kind, a.page_count, a.error, d.title, d.text FROM attachments a"
            " JOIN documents d ON d.id = a.document_id WHERE a.url LIKE ?",
            [f"%{spec.path.rsplit('/', 1)[-1]}%"],
        ).fetchall()
        assert row["error"] is None and row["page_count"] == 2, spec.path
        assert row["title"] == spec.title
        for paragraph in spec.page_one:
            assert paragraph in row["text"], spec.path
        # the pointer page and the file are one document with two sources
        sources = demo_db.execute(
            "SELECT count(*) FROM sources s JOIN attachments a ON a.document_id = s.document_id"
            " WHERE a.url LIKE ?",
            [f"%{spec.path.rsplit('/', 1)[-1]}%"],
        ).fetchone()[0]
        assert sources == 2, spec.path


def test_the_demo_files_without_text_say_why(demo_db) -> None:
    errors = {
        row["kind"]: row["error"]
        for row in demo_db.execute(
            "SELECT a.url, a.error, a.needs_ocr FROM attachments a WHERE a.error IS NOT NULL"
        )
        for row in [
            {
                "kind": next(s.kind for s in DEMO_FILES if s.path.rsplit("/", 1)[-1] in row["url"]),
                "error": row["error"],
            }
        ]
    }
    assert errors == {
        "scanned": "needs OCR: the pages are images without a text layer",
        "encrypted": "encrypted: the PDF needs a password",
        "oversize": "oversize: larger than max_attachment_bytes (300000 bytes)",
        "broken": "broken: not a readable ZIP (File is not a zip file)",
    }
