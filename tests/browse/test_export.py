"""harvest export: cursors return exactly the new rows (--after-id) or every change once
(--after-change), records follow the JSON Schema v2 installed with the package, CSV carries the
same fields behind a BOM, --since takes ISO dates only, and memory stays flat however many rows
there are."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from crawler.browse.export import BOM, FIELDS, SCHEMA_FILE, Cursor, ExportError, export
from crawler.cli import cli
from crawler.storage import connect
from tests.helpers import store_linked

SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def page(n: int, site: str = "gov_a", fetched_at: str = "2026-11-01T08:00:00+00:00") -> dict:
    """A store row as the store stage builds it."""
    text = f"第{n}号报告\n一、工作成效{n}。今年以来，全区科技工作稳步推进。"
    return {
        "title": f"科技局第{n}号工作总结",
        "title_original": f"科技局第{n}号工作总结",
        "text": text,
        "text_original": text,
        "published": "2026-06-28",
        "content_hash": f"{n:040x}",
        "script": "simplified",
        "agency": "示范市科学技术局",
        "region": "示范市",
        "year": 2026,
        "period": "half-year",
        "doc_type": "summary",
        "url": f"http://{site}.example/doc/{n}.html",
        "final_url": f"http://{site}.example/doc/{n}.html",
        "site": site,
        "family": "gov" if site == "gov_a" else "docshare",
        "primary_source": int(site == "gov_a"),
        "status": 200,
        "fetched_at": fetched_at,
    }


@pytest.fixture
def db_path(tmp_path) -> Path:
    path = tmp_path / "harvest.db"
    db = connect(path)
    store_linked(db, [page(n) for n in range(1, 6)])
    # an exact copy of report 1 on a doc-share site: a second source, not a second record
    copy = page(1, site="share_b", fetched_at="2026-11-02T08:00:00+00:00")
    store_linked(db, [copy])
    db.close()
    return path


def records(db_path: Path, **options) -> tuple[list[dict], int]:
    out = io.StringIO()
    count, cursor = export(db_path, out, cursor=Cursor(**options))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == count
    return lines, cursor


def test_every_record_matches_the_schema(db_path):
    found, cursor = records(db_path)
    assert [r["document_id"] for r in found] == [1, 2, 3, 4, 5] and cursor == 5
    for record in found:
        jsonschema.validate(record, SCHEMA)
        assert list(record) == list(FIELDS)
    first = found[0]
    assert first["schema"] == "harvest-export/2"
    assert (first["cluster_id"], first["canonical_id"], first["is_canonical"]) == (1, 1, True)
    assert first["recycled"] is False and first["changes"] == []
    assert [s["primary_source"] for s in first["sources"]] == [True, False]
    assert [(s["site"], s["fetched_at"]) for s in first["sources"]] == [
        ("gov_a", "2026-11-01T08:00:00+00:00"),
        ("share_b", "2026-11-02T08:00:00+00:00"),
    ]
    assert first["text_original"].startswith("第1号报告")
    assert first["agency"] == "示范市科学技术局" and first["year"] == 2026


def test_schema_rejects_a_record_of_another_shape(db_path):
    (record, *_), _ = records(db_path)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**record, "document_id": "1"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**record, "extra": 1}, SCHEMA)
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_after_id_returns_exactly_the_new_rows(db_path):
    _, cursor = records(db_path)
    db = connect(db_path)
    store_linked(db, [page(n, fetched_at="2026-11-25T10:00:00+00:00") for n in (6, 7)])
    store_linked(db, [page(3, site="share_b")])  # a new source of an old text: no new version
    db.close()
    found, next_cursor = records(db_path, after_id=cursor)
    assert [r["document_id"] for r in found] == [6, 7] and next_cursor == 7
    assert records(db_path, after_id=next_cursor) == ([], 7)


def test_since_returns_the_texts_first_seen_from_then_on(db_path):
    db = connect(db_path)
    store_linked(db, [page(n, fetched_at="2026-11-25T10:00:00+00:00") for n in (6, 7)])
    db.close()
    found, _ = records(db_path, since="2026-11-25T10:00:00+00:00")
    assert [r["document_id"] for r in found] == [6, 7]
    assert records(db_path, since="2026-11-26")[0] == []


def test_site_selects_documents_with_a_source_there(db_path):
    found, _ = records(db_path, site="share_b")
    assert [r["document_id"] for r in found] == [1]
    assert len(found[0]["sources"]) == 2  # still every source of that text


def test_csv_has_the_same_fields(db_path):
    out = io.StringIO()
    count, _ = export(db_path, out, fmt="csv")
    assert out.getvalue().startswith(BOM + "schema,change_no,")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix(BOM))))
    assert count == len(rows) == 5
    assert list(rows[0]) == list(FIELDS)
    assert json.loads(rows[0]["sources"])[1]["site"] == "share_b"
    assert rows[0]["text"].startswith("第1号报告\n")


def test_csv_without_bom(db_path):
    out = io.StringIO()
    export(db_path, out, fmt="csv", bom=False)
    assert out.getvalue().startswith("schema,change_no,")


@pytest.mark.parametrize("since", ["last week", "2026-13-01", "1732435200"])
def test_since_takes_iso_dates_and_times_only(db_path, since):
    with pytest.raises(ExportError, match="--since takes an ISO 8601 date or time"):
        records(db_path, since=since)
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--since", since])
    assert result.exit_code == 2
    assert f"Invalid value for '--since': {since!r} is not an ISO 8601 date or time" in (
        result.stderr
    )
    assert "Traceback" not in result.output


def test_since_with_a_zone_is_compared_in_utc(db_path):
    db = connect(db_path)
    store_linked(db, [page(n, fetched_at="2026-11-25T10:00:00+00:00") for n in (6, 7)])
    db.close()
    # 18:00 in Beijing is 10:00 UTC
    assert [r["document_id"] for r in records(db_path, since="2026-11-25T18:00:00+08:00")[0]] == [
        6,
        7,
    ]
    assert records(db_path, since="2026-11-25T18:00:01+08:00")[0] == []


def test_after_change_sends_every_changed_document_once(db_path):
    found, cursor = records(db_path, after_change=0)
    # the five reports share a template: 2-5 joined report 1's cluster as they arrived
    assert [(r["document_id"], r["changes"]) for r in found] == [
        (2, ["document", "source", "cluster"]),
        (3, ["document", "source", "cluster"]),
        (4, ["document", "source", "cluster"]),
        (5, ["document", "source", "cluster"]),
        (1, ["document", "source"]),  # its second source came last
    ]
    assert cursor == 15
    for record in found:
        jsonschema.validate(record, SCHEMA)
        assert record["change_no"] <= cursor
    assert records(db_path, after_change=cursor) == ([], cursor)
    db = connect(db_path)
    store_linked(db, [page(3, site="share_b")])  # a copy of an old text found later
    db.execute("UPDATE documents SET agency = '示范市科技和工业信息化局' WHERE id = 4")
    db.close()
    found, following = records(db_path, after_change=cursor)
    assert [(r["document_id"], r["changes"]) for r in found] == [(3, ["source"]), (4, ["metadata"])]
    assert len(found[0]["sources"]) == 2 and found[1]["agency"] == "示范市科技和工业信息化局"
    assert following == found[1]["change_no"] > cursor


def test_after_change_is_a_cursor_of_its_own(db_path):
    with pytest.raises(ExportError, match="--after-change is a cursor of its own"):
        records(db_path, after_change=0, after_id=3)


def test_cli_prints_the_change_cursor(db_path):
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--after-change", "0"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 5
    assert "exported 5 records; next: --after-change 15" in result.stderr


def test_cli_writes_the_file_and_prints_the_cursor(db_path, tmp_path):
    output = tmp_path / "feed.jsonl"
    result = CliRunner().invoke(
        cli, ["export", "--db", str(db_path), "--after-id", "2", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "exported 3 records; next: --after-id 5" in result.stderr
    assert [json.loads(x)["document_id"] for x in output.read_text().splitlines()] == [3, 4, 5]


def test_since_must_be_an_iso_date_or_time(db_path):
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--since", "garbage"])
    assert result.exit_code == 2
    assert "Invalid value for '--since': 'garbage' is not an ISO 8601 date or time" in (
        result.stderr
    )
    assert "exported" not in result.stderr
    # a zone is honoured: 18:00 in Shanghai is 10:00 UTC
    found, _ = records(db_path, since="2026-11-01T16:00:00+08:00")
    assert len(found) == 5
    result = CliRunner().invoke(
        cli, ["export", "--db", str(db_path), "--since", "2026-11-01T16:00:01+08:00"]
    )
    assert result.exit_code == 0 and result.stdout == ""


def test_the_cursor_is_never_lower_than_the_one_passed_in(db_path):
    assert records(db_path, after_id=40) == ([], 40)
    assert records(db_path, after_id=3, since="2030-01-01T00:00:00+00:00") == ([], 3)


def test_a_failed_export_leaves_the_output_file_as_it_was(db_path, tmp_path):
    output = tmp_path / "feed.jsonl"
    output.write_text("yesterday's feed\n", encoding="utf-8")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(cli, ["export", "--db", str(broken), "--output", str(output)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {broken}: ")
    assert "corrupt" in result.stderr and "Traceback" not in result.stderr
    assert output.read_text(encoding="utf-8") == "yesterday's feed\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_export_never_opens_the_database_for_writing(db_path):
    before = db_path.read_bytes()
    records(db_path)
    assert db_path.read_bytes() == before


def _bulk_archive(path: Path, rows: int, text_chars: int) -> None:
    """``rows`` documents of ``text_chars`` characters each, written with plain SQL: the
    export reads only documents and sources, and the FTS/cluster writes of store_pages
    would make thousands of rows slow to build."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT, text TEXT,"
        " text_original TEXT, published TEXT, agency TEXT, region TEXT, year INTEGER,"
        " period TEXT, doc_type TEXT, content_hash TEXT, first_seen TEXT, last_seen TEXT,"
        " cluster_id INTEGER)"
    )
    db.execute(
        "CREATE TABLE sources (id INTEGER PRIMARY KEY, url TEXT, final_url TEXT, site TEXT,"
        " document_id INTEGER, fetched_at TEXT)"
    )
    db.execute("CREATE INDEX idx_sources_document ON sources(document_id)")
    body = ("全区科技工作稳步推进，" * (text_chars // 10 + 1))[:text_chars]
    db.executemany(
        "INSERT INTO documents VALUES (?, 't', ?, ?, '2026-01-01', NULL, NULL, 2026, NULL,"
        " NULL, ?, '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00', ?)",
        ((i, body, body, f"{i:040x}", i) for i in range(1, rows + 1)),
    )
    db.executemany(
        "INSERT INTO sources VALUES (?, ?, ?, 'gov_a', ?, '2026-11-01T00:00:00+00:00')",
        ((i, f"http://a/{i}", f"http://a/{i}", i) for i in range(1, rows + 1)),
    )
    db.commit()
    db.close()


class _CountingSink(io.TextIOBase):
    """Counts what is written and keeps nothing, like a file on disk."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def test_memory_stays_flat_as_rows_grow(tmp_path):
    """Peak Python memory exporting 4,000 rows of 4,000 characters (text and original, about
    32 MB as Python strings) stays near one page of rows (about 3.5 MB measured), and does not
    grow with the row count."""
    peaks = {}
    for rows in (1000, 4000):
        path = tmp_path / f"bulk{rows}.db"
        _bulk_archive(path, rows, text_chars=2000)
        sink = _CountingSink()
        tracemalloc.start()
        count, cursor = export(path, sink, page_size=200)
        peaks[rows] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert (count, cursor) == (rows, rows)
        assert sink.chars > rows * 4000
    assert peaks[4000] < 8 * 1024 * 1024
    assert peaks[4000] < peaks[1000] * 1.5
