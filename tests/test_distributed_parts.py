"""The parts of distributed mode that need no Redis: its config section, schedule slots, the
stream's encoding and spill files, and appending a worker's WARC exchanges to the archive."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.config import ConfigError, parse_config
from crawler.distributed.enqueue import last_slot
from crawler.distributed.jobs import sites_by_host
from crawler.distributed.stream import decode_row, encode_row, read_spill, write_spill
from crawler.storage.warc import (
    WarcReader,
    WarcWriter,
    cdxj_path,
    exchange_bytes,
    write_cdxj,
)

SITE = {
    "name": "kjj",
    "family": "gov",
    "start_urls": ["http://www.example.gov.cn/kjj/index.html"],
    "allowed_domains": ["www.example.gov.cn"],
    "links": {"document": ["/t\\d+"]},
}


def test_distributed_mode_is_off_unless_the_config_turns_it_on():
    assert parse_config({"sites": [SITE]}).distributed.enabled is False
    on = parse_config({"sites": [SITE], "distributed": {"enabled": True, "max_retries": 5}})
    assert on.distributed.enabled and on.distributed.max_retries == 5


def test_a_bad_distributed_section_names_each_field():
    bad = {"redis_url": "http://10.0.0.1", "worker_threads": 0, "queue": "a b", "retries": 2}
    with pytest.raises(ConfigError) as caught:
        parse_config({"sites": [SITE], "distributed": bad}, "config.yaml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    assert "config.yaml: field 'distributed.redis_url': not a redis:// URL" in lines[0]
    assert "distributed.retries': unknown key" in str(caught.value)


def test_sites_are_grouped_by_the_host_of_their_first_start_url():
    other = {**SITE, "name": "fgw", "start_urls": ["http://www.example.gov.cn/fgw/"]}
    third = {
        **SITE,
        "name": "share",
        "start_urls": ["https://www.docs.example/list"],
        "allowed_domains": ["www.docs.example"],
    }
    config = parse_config({"sites": [SITE, other, third]})
    assert sites_by_host(config.sites) == {
        "www.example.gov.cn": ["kjj", "fgw"],
        "www.docs.example": ["share"],
    }


def test_a_firing_names_its_slot_however_late_or_jittered():
    # 03:17 on Mondays in Shanghai = 19:17 UTC on Sundays
    sunday = datetime(2026, 12, 6, 19, 17, tzinfo=UTC)
    for late in (0, 1, 119, 600):
        moment = sunday.replace(second=0).timestamp() + late
        fired = datetime.fromtimestamp(moment, UTC)
        slot = last_slot("17 3 * * 1", "Asia/Shanghai", fired, window=720)
        assert slot.astimezone(UTC) == sunday
    assert last_slot("17 3 * * 1", "Asia/Shanghai", sunday.replace(hour=21), window=60) is None


def test_rows_travel_as_json_without_their_shingles():
    row = {"url": "http://a/1", "text": "正文", "dedup_shingles": {"ab", "cd"}, "partial": 0}
    row["dedup_signature"] = [1, 2, 3]
    decoded = decode_row(encode_row(row))
    assert decoded == {
        "url": "http://a/1",
        "text": "正文",
        "partial": 0,
        "dedup_signature": [1, 2, 3],
    }


def test_a_spill_file_gives_back_both_parts(tmp_path):
    name = write_spill(tmp_path, b"warc-bytes", b"\x00body")
    assert read_spill(tmp_path, name) == (b"warc-bytes", b"\x00body")
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_exchanges_appended_from_a_worker_read_back_and_are_indexed_as_cdxj_indexer_does(
    tmp_path,
):
    worker_root, archive_root = tmp_path / "worker", tmp_path / "archive"
    bodies = [b"<html><p>2019</p></html>", "<p>科技局</p>".encode("gb2312")]
    types = ["text/html", "text/html; charset=gb2312"]
    with WarcWriter(worker_root, "kjj") as worker:
        sent = [
            worker.write_exchange(f"http://gov.example/{i}.html", 200, [("Content-Type", t)], b)
            for i, (b, t) in enumerate(zip(bodies, types, strict=True))
        ]
        shipped = [
            exchange_bytes(worker_root, s.warc_file, s.warc_offset, s.warc_length) for s in sent
        ]
    with WarcWriter(archive_root, "kjj") as archive:
        stored = [
            archive.append_exchange(data, s.warc_length)
            for data, s in zip(shipped, sent, strict=True)
        ]
    with WarcReader(archive_root) as reader:
        for i, location in enumerate(stored):
            response = reader.response(location.warc_file, location.warc_offset)
            assert (response.url, response.body) == (f"http://gov.example/{i}.html", bodies[i])
            assert location.payload_digest == sent[i].payload_digest
            fields = reader.request_fields(
                location.warc_file, location.warc_offset, location.warc_length
            )
            assert fields["WARC-Type"] == "request"  # the request record came along
    path = archive_root / stored[0].warc_file
    ours = cdxj_path(path).read_text(encoding="utf-8")
    assert write_cdxj(path).read_text(encoding="utf-8") == ours


@pytest.mark.e2e
def test_without_redis_the_commands_say_where_they_looked(tmp_path):
    import socket

    from tests.helpers import harvest

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    config = tmp_path / "config.yaml"
    url = f"redis://127.0.0.1:{port}/0"
    config.write_text(
        json.dumps({"sites": [SITE], "distributed": {"enabled": True, "redis_url": url}})
    )
    result = harvest("dist", "status", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: cannot reach Redis at {url}: ")
    assert "Traceback" not in result.stderr
    off = tmp_path / "off.yaml"
    off.write_text(json.dumps({"sites": [SITE]}))
    result = harvest("worker", "--config", str(off))
    assert result.returncode == 1
    assert "distributed mode is off" in result.stderr
