"""The WARC archiving middleware: a real crawl of the demo website (two runs) writes every
response to WARC, stores record locations on the sources rows, and revisits on the re-crawl;
plus the middleware alone for redirects and error statuses."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.middlewares import WarcArchiveMiddleware
from crawler.storage import connect
from crawler.storage.warc import PayloadIndex, WarcReader, WarcWriter, cdxj_path, iter_records
from pipelines.extract.core import extract
from pipelines.normalise import normalise
from tests.helpers import crawl_demo


def crawl(db_path: Path, base_url: str, *options: str):
    result = crawl_demo(db_path, base_url, *options)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def records_of(files: list[Path]) -> list[tuple[str, str, int, int, Path]]:
    return [(k, u, o, n, f) for f in files for k, u, o, n in iter_records(f)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from crawler.demo import serve_directory

    db_path = tmp_path_factory.mktemp("archiving") / "harvest.db"
    warc_dir = db_path.parent / "warc"
    with serve_directory() as base_url:
        crawl(db_path, base_url)
        first = sorted(warc_dir.glob("*.warc.gz"))
        first_stats = stats_of(db_path)
        crawl(db_path, base_url, "--full")  # every page again, none of them changed
    second = sorted(set(warc_dir.glob("*.warc.gz")) - set(first))
    return {
        "db_path": db_path,
        "base_url": base_url,
        "first": first,
        "second": second,
        "first_stats": first_stats,
    }


def stats_of(db_path: Path) -> dict[str, dict]:
    db = sqlite3.connect(db_path)
    try:
        return {site: json.loads(s) for site, s in db.execute("SELECT site, stats FROM runs")}
    finally:
        db.close()


def query(db_path: Path, sql: str, params=()) -> list[tuple]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


@pytest.mark.e2e
def test_one_closed_indexed_file_per_site_and_crawl(crawled):
    assert len(crawled["first"]) == 3 and len(crawled["second"]) == 3
    for path in crawled["first"] + crawled["second"]:
        assert cdxj_path(path).exists()
    assert not list(crawled["db_path"].parent.glob("warc/*.open"))


@pytest.mark.e2e
def test_every_response_of_the_crawl_has_a_record(crawled):
    records = records_of(crawled["first"])
    responses = [r for r in records if r[0] in ("response", "revisit")]
    requests = [r for r in records if r[0] == "request"]
    assert len(requests) == len(responses)
    # Scrapy's own count of responses out of the downloader, robots.txt included.
    downloaded = sum(s["downloader/response_count"] for s in crawled["first_stats"].values())
    assert len(responses) == downloaded
    urls = {r[1].removeprefix(crawled["base_url"]) for r in responses}
    assert "/robots.txt" in urls
    assert {"/gov/kjj/index.html", "/gov/kjj/index_1.html"} <= urls  # list pages
    assert "/docshare1/doc-8790001.html" in urls  # the dead link


@pytest.mark.e2e
def test_the_404_is_archived_with_its_status(crawled):
    reader = WarcReader(crawled["db_path"].parent)
    for kind, uri, offset, length, path in records_of(crawled["first"]):
        if kind == "response" and uri.endswith("/docshare1/doc-8790001.html"):
            stored = reader.response(f"warc/{path.name}", offset, length)
            assert stored.status == 404
            break
    else:
        pytest.fail("no record of the 404")


@pytest.mark.e2e
def test_every_stored_document_is_rederived_from_its_record(crawled):
    """Read at the stored offset with warcio alone (a revisit via the payload table), run
    extraction again: the stored text comes back."""
    db_path = crawled["db_path"]
    root = db_path.parent
    rows = query(
        db_path,
        "SELECT s.url, s.warc_file, s.warc_offset, s.warc_length, s.payload_digest,"
        " d.text, d.content_hash FROM sources s JOIN documents d ON d.id = s.document_id",
    )
    assert len(rows) == 10
    for url, warc_file, offset, _length, digest, text, content_hash in rows:
        with (root / warc_file).open("rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Target-URI") == url
            assert record.rec_headers.get_header("WARC-Payload-Digest") == digest
            if record.rec_type == "revisit":
                (original,) = query(
                    db_path,
                    "SELECT warc_file, warc_offset FROM warc_payloads WHERE digest = ?",
                    [digest],
                )
                fh2 = (root / original[0]).open("rb")
                fh2.seek(original[1])
                record = next(iter(ArchiveIterator(fh2)))
            body = record.content_stream().read()
        headers = {k.lower(): v for k, v in record.http_headers.headers}
        result = extract(body, url, headers, {}).as_dict()
        again = normalise(result["title_original"], result["text_original"])
        assert again["content_hash"] == content_hash, url
        assert again["text"] == text, url


@pytest.mark.e2e
def test_recrawl_of_unchanged_pages_writes_revisits_not_copies(crawled):
    first_digests = {
        json.loads(line.split(" ", 2)[2])["digest"]
        for path in crawled["first"]
        for line in cdxj_path(path).read_text().splitlines()
    }
    second = [
        json.loads(line.split(" ", 2)[2])
        for path in crawled["second"]
        for line in cdxj_path(path).read_text().splitlines()
    ]
    assert second
    seen_before = [e for e in second if e["digest"] in first_digests]
    assert len(seen_before) == len(second) == 21  # every page, robots.txt and the 404
    assert all(e.get("mime") == "warc/revisit" for e in seen_before)
    full = sum(p.stat().st_size for p in crawled["first"])
    again = sum(p.stat().st_size for p in crawled["second"])
    assert again < full / 2
    # The documents' sources now point at revisits, which still read back in full (above).
    names = [f"warc/{p.name}" for p in crawled["second"]]
    marks = ", ".join("?" for _ in names)
    revisits = query(
        crawled["db_path"], f"SELECT count(*) FROM sources WHERE warc_file IN ({marks})", names
    )
    assert revisits == [(10,)]


@pytest.mark.e2e
def test_sources_point_at_their_records_in_the_cdxj_index(crawled):
    db_path = crawled["db_path"]
    indexed = set()
    for path in crawled["first"] + crawled["second"]:
        for line in cdxj_path(path).read_text().splitlines():
            entry = json.loads(line.split(" ", 2)[2])
            indexed.add((f"warc/{entry['filename']}", int(entry["offset"]), int(entry["length"])))
    located = query(db_path, "SELECT warc_file, warc_offset, warc_length FROM sources")
    assert located and set(located) <= indexed


@pytest.mark.e2e
def test_a_cut_file_is_repaired_when_the_next_crawl_opens(crawled, tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(crawled["db_path"].parent, root, ignore=shutil.ignore_patterns("logs"))
    newest = sorted((root / "warc").glob("demo_gov-*.warc.gz"))[-1]
    size = newest.stat().st_size
    with newest.open("r+b") as fh:
        fh.truncate(size - 100)
    payloads = PayloadIndex(connect(root / "harvest.db").conn)
    writer = WarcWriter(root, "demo_gov", payloads=payloads)
    writer.close()
    payloads.close()
    assert writer.repaired == [newest]
    kinds = [r[0] for r in iter_records(newest)]
    assert kinds[-1] == "revisit"  # its request was cut, so it is gone whole


# --- the middleware alone -------------------------------------------------------------------


@pytest.fixture
def middleware(tmp_path, request):
    settings = {"HARVEST_DB": str(tmp_path / "harvest.db"), **getattr(request, "param", {})}
    crawler = get_crawler(settings_dict=settings)
    mw = WarcArchiveMiddleware.from_crawler(crawler)

    class Spider:
        name = "gov"
        site = type("Site", (), {"name": "unit"})()

    mw.spider_opened(Spider())
    yield mw, tmp_path
    mw.spider_closed(Spider())


def test_redirects_and_errors_are_archived_and_located_in_meta(middleware):
    mw, root = middleware
    request = Request("http://gov.example/old", cb_kwargs={"list_title": "通知"})
    moved = HtmlResponse(
        "http://gov.example/old", status=301, headers={"Location": "/new"}, body=b""
    )
    assert mw.process_response(request, moved) is moved
    assert request.meta["warc_file"].startswith("warc/unit-")
    first = dict(request.meta)
    # RedirectMiddleware follows with a copy of the request, meta included.
    redirected = request.replace(url="http://gov.example/new")
    error = HtmlResponse("http://gov.example/new", status=500, body=b"<h1>error</h1>")
    mw.process_response(redirected, error)
    assert redirected.meta["warc_offset"] > first["warc_offset"]  # the final response
    cached = HtmlResponse("http://gov.example/c", body=b"x", flags=["cached"])
    mw.process_response(Request("http://gov.example/c"), cached)
    mw.spider_closed(None)
    (path,) = (root / "warc").glob("unit-*.warc.gz")
    kinds = [(k, u) for k, u, _, _ in iter_records(path)]
    assert kinds[1:] == [
        ("response", "http://gov.example/old"),
        ("request", "http://gov.example/old"),
        ("response", "http://gov.example/new"),
        ("request", "http://gov.example/new"),
    ]
    reader = WarcReader(root)
    assert reader.response(first["warc_file"], first["warc_offset"]).status == 301
    fields = reader.request_fields(first["warc_file"], first["warc_offset"], first["warc_length"])
    assert fields["Harvest-List-Title"] == "通知"


@pytest.mark.parametrize("middleware", [{"HARVEST_WARC_MAX_BYTES": 1}], indirect=True)
def test_max_bytes_setting_rotates_files(middleware):
    mw, root = middleware
    for n in range(3):
        request = Request(f"http://gov.example/{n}")
        mw.process_response(request, HtmlResponse(request.url, body=b"<p>%d</p>" % n))
    mw.spider_closed(None)
    assert len(list((root / "warc").glob("unit-*.warc.gz"))) == 3
    assert len(list((root / "warc").glob("unit-*.cdxj"))) == 3
