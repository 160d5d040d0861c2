"""crawler.warc on its own: records written and read back with warcio, revisits, rotation,
the CDXJ index, and repair of a file cut off by a kill."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.storage import connect
from crawler.storage.warc import (
    PayloadIndex,
    PayloadTooLarge,
    WarcReader,
    WarcWriter,
    cdxj_path,
    is_sealed,
    iter_records,
    payload_digest,
    repair,
    whole_members,
    write_cdxj,
)

HTML = "<html><head><meta charset='utf-8'></head><body><p>科技局2019年工作总结</p></body></html>"


def page(n: int) -> bytes:
    return HTML.replace("2019", str(2000 + n)).encode("utf-8")


@pytest.fixture
def archive(tmp_path):
    payloads = PayloadIndex(connect(tmp_path / "harvest.db").conn)
    yield tmp_path, payloads
    payloads.close()


def write_pages(writer: WarcWriter, bodies: list[bytes], base: str = "http://gov.example/a"):
    return [
        writer.write_exchange(
            f"{base}/{i}.html",
            200,
            [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
            body,
            request_headers=[("User-Agent", "harvest-test")],
            request_fields={"Harvest-List-Title": f"标题 {i}\n第二行"},
        )
        for i, body in enumerate(bodies)
    ]


def test_every_record_reads_back_with_warcio(archive):
    root, payloads = archive
    bodies = [page(i) for i in range(5)]
    with WarcWriter(root, "demo_gov", payloads=payloads) as writer:
        locations = write_pages(writer, bodies)
    path = root / locations[0].warc_file
    assert path.name.startswith("demo_gov-") and path.name.endswith(".warc.gz")
    with path.open("rb") as fh:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(fh)
        ]
    assert [r[0] for r in records] == ["warcinfo"] + ["response", "request"] * 5
    assert [r[2] for r in records if r[0] == "response"] == bodies
    for location, body in zip(locations, bodies, strict=True):
        with path.open("rb") as fh:
            fh.seek(location.warc_offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(body)
            assert record.rec_headers.protocol == "WARC/1.1"
            assert record.content_stream().read() == body


def test_each_record_is_one_gzip_member(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        locations = write_pages(writer, [page(i) for i in range(3)])
    members = list(whole_members(root / locations[0].warc_file))
    assert len(members) == 1 + 2 * 3  # warcinfo, then response + request per page
    assert {(loc.warc_offset, loc.warc_length) for loc in locations} <= set(members)


def test_identical_payload_becomes_a_revisit_of_the_original(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        first = write_pages(writer, [page(1)], base="http://a.example")[0]
        again = write_pages(writer, [page(1)], base="http://b.example")[0]
        empty = [writer.write_exchange(f"http://c.example/{i}", 304, [], b"") for i in range(2)]
    assert not first.revisit and again.revisit and not any(e.revisit for e in empty)
    assert again.payload_digest == first.payload_digest
    reader = WarcReader(root, payloads)
    record = reader.record(again.warc_file, again.warc_offset, again.warc_length)
    headers = record.rec_headers
    assert headers.get_header("WARC-Type") == "revisit"
    assert headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert headers.get_header("WARC-Refers-To-Target-URI") == "http://a.example/0.html"
    assert headers.get_header("WARC-Refers-To")
    assert again.warc_length < first.warc_length + 200  # headers only, no second body
    stored = reader.response(again.warc_file, again.warc_offset, again.warc_length)
    assert stored.record_type == "revisit"
    assert stored.body == page(1) and stored.url == "http://b.example/0.html"
    reader.close()


def test_revisits_span_writers_through_the_payload_table(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        write_pages(writer, [page(1)])
    with WarcWriter(root, "s", payloads=payloads) as writer:
        (again,) = write_pages(writer, [page(1)])
    assert again.revisit
    assert payloads.conn.execute("SELECT count(*) FROM warc_payloads").fetchone()[0] == 1


def test_request_record_keeps_listing_fields_on_one_line(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        (location,) = write_pages(writer, [page(1)])
    fields = WarcReader(root).request_fields(
        location.warc_file, location.warc_offset, location.warc_length
    )
    assert fields["Harvest-List-Title"] == "标题 0 第二行"
    assert fields["WARC-Type"] == "request"


def test_transfer_encoding_is_renamed_since_the_body_is_no_longer_chunked(archive):
    root, _ = archive
    with WarcWriter(root, "s") as writer:
        location = writer.write_exchange(
            "http://x.example/", 200, [("Transfer-Encoding", "chunked")], b"hello"
        )
    stored = WarcReader(root).response(location.warc_file, location.warc_offset)
    assert stored.body == b"hello"
    assert stored.headers == {"x-archive-orig-transfer-encoding": "chunked"}


def test_a_gzip_bomb_is_refused_once_its_decoded_size_passes_the_bound(archive):
    root, _ = archive
    bomb = gzip.compress(b"\0" * (24 * 1024 * 1024), compresslevel=9)  # 24 MB in ~24 KB
    with WarcWriter(root, "s") as writer:
        location = writer.write_exchange(
            "http://x.example/bomb.html",
            200,
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            bomb,
        )
    reader = WarcReader(root, max_bytes=5 * 1024 * 1024)
    with pytest.raises(PayloadTooLarge, match="larger than 5242880 bytes once decompressed"):
        reader.response(location.warc_file, location.warc_offset)
    small = WarcReader(root, max_bytes=64 * 1024 * 1024)
    assert len(small.response(location.warc_file, location.warc_offset).body) == 24 * 1024**2


def test_files_rotate_at_max_bytes_and_each_is_indexed(archive):
    root, payloads = archive
    with WarcWriter(root, "s", max_bytes=2000, payloads=payloads) as writer:
        locations = write_pages(writer, [page(i) * 20 for i in range(6)])
    files = sorted({loc.warc_file for loc in locations})
    assert len(files) >= 2
    for name in files:
        path = root / name
        assert is_sealed(path)
        lines = cdxj_path(path).read_text().splitlines()
        indexed = {(json.loads(line.split(" ", 2)[2])["offset"]) for line in lines}
        expected = {str(loc.warc_offset) for loc in locations if loc.warc_file == name}
        assert indexed == expected


def test_cdxj_lines_point_at_their_records(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        locations = write_pages(writer, [page(1), page(2), page(1)])
    lines = cdxj_path(root / locations[0].warc_file).read_text().splitlines()
    assert len(lines) == 3
    assert lines == sorted(lines)  # pywb binary-searches the index
    reader = WarcReader(root, payloads)
    for line in lines:
        entry = json.loads(line.split(" ", 2)[2])
        stored = reader.response(
            f"warc/{entry['filename']}", int(entry["offset"]), int(entry["length"])
        )
        assert stored.url == entry["url"]
        assert payload_digest(stored.body) == entry["digest"]
    assert sum('"mime": "warc/revisit"' in line for line in lines) == 1


def test_a_cut_off_file_is_truncated_to_its_last_whole_record_on_next_open(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        locations = write_pages(writer, [page(i) for i in range(4)])
    path = root / locations[0].warc_file
    last = locations[-1]
    cut = last.warc_offset + last.warc_length // 2  # in the middle of the last response
    with path.open("r+b") as fh:
        fh.truncate(cut)

    writer = WarcWriter(root, "s", payloads=payloads)
    writer.close()
    assert writer.repaired == [path]
    # The last whole record is the request of page 2; page 3's response is gone.
    assert path.stat().st_size == last.warc_offset
    kinds = [(kind, uri) for kind, uri, _, _ in iter_records(path)]
    assert kinds[-1] == ("request", "http://gov.example/a/2.html")
    assert len(kinds) == 1 + 2 * 3
    assert is_sealed(path)
    # Its payload may be archived again in full; the others still revisit.
    assert payloads.get(last.payload_digest) is None
    assert payloads.get(locations[0].payload_digest) is not None


def test_repair_keeps_a_whole_file_untouched(tmp_path):
    with WarcWriter(tmp_path, "s") as writer:
        (location,) = write_pages(writer, [page(1)])
    path = tmp_path / location.warc_file
    size = path.stat().st_size
    assert repair(path) == 0 and path.stat().st_size == size


def test_other_sites_files_are_left_alone(archive):
    root, payloads = archive
    with WarcWriter(root, "site_a", payloads=payloads) as writer:
        (location,) = write_pages(writer, [page(1)])
    path = root / location.warc_file
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size - 10)
    size = path.stat().st_size
    WarcWriter(root, "site_a_b", payloads=payloads).close()  # a site whose name extends it
    assert path.stat().st_size == size


@pytest.mark.e2e
def test_a_killed_writer_leaves_whole_records_only(tmp_path):
    """A real SIGKILL while writing, then the next open repairs and indexes the file."""
    script = textwrap.dedent(
        f"""
        import sys
        from crawler.storage.warc import WarcWriter
        writer = WarcWriter({str(tmp_path)!r}, "s")
        body = b"x" * 200_000
        i = 0
        while True:
            writer.write_exchange(f"http://k.example/{{i}}", 200, [], body + str(i).encode())
            i += 1
            if i == 5:
                print("ready", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    (left_open,) = (tmp_path / "warc").glob("*.warc.gz.open")
    assert not cdxj_path(left_open).exists()
    WarcWriter(tmp_path, "s").close()
    path = left_open.with_name(left_open.name.removesuffix(".open"))
    assert not left_open.exists()
    records = list(iter_records(path))
    assert records[0][0] == "warcinfo" and len(records) > 10
    assert sum(m[1] for m in whole_members(path)) == path.stat().st_size
    assert is_sealed(path)


def test_a_file_being_written_is_readable_under_its_final_name(archive):
    root, payloads = archive
    writer = WarcWriter(root, "s", payloads=payloads)
    (location,) = write_pages(writer, [page(1)])
    assert location.warc_file.endswith(".warc.gz")
    assert (root / (location.warc_file + ".open")).exists()
    stored = WarcReader(root).response(location.warc_file, location.warc_offset)
    assert stored.body == page(1)
    writer.close()
    assert (root / location.warc_file).exists() and is_sealed(root / location.warc_file)


def test_index_written_while_writing_equals_cdxj_indexer_output(archive):
    root, payloads = archive
    with WarcWriter(root, "s", payloads=payloads) as writer:
        locations = write_pages(writer, [page(1), page(2), page(1)])
        writer.write_exchange("http://x.example/missing?a=1&b=2", 404, [], b"gone")
        writer.write_exchange(
            "http://x.example/", 200, [("Content-Type", "text/html; charset=gb2312")], b"<p>"
        )
    path = root / locations[0].warc_file
    ours = cdxj_path(path).read_text(encoding="utf-8")
    assert write_cdxj(path).read_text(encoding="utf-8") == ours  # cdxj-indexer, from the file
    assert len(ours.splitlines()) == 5
