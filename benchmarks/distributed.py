"""Distributed harvesting benchmark.

1. Crawl throughput: 8 hosts (the demo government column served on 127.0.0.2-9, a fixed
   per-host delay) crawled by single-machine `harvest crawl` (all sites in one process, the
   baseline), then by one `harvest worker` with 1, 2 and 4 threads (each thread crawls one host
   at a time, as a worker machine would). Prints documents per second and ratios to baseline.
2. Ingester throughput: a synthetic stream of N pages (default 100,000; distinct texts built
   from the demo seed sentences, real WARC exchanges) applied by the ingester, against the
   same rows written by ``store_pages`` directly in batches of the same size (what the store
   stage of one machine does). Prints rows per second and the ratio.

    .venv/bin/python benchmarks/distributed.py [--delay 0.5] [--pages 100000]

Needs Debian's redis-server (`make redis`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.config import load_config  # noqa: E402
from crawler.demo import DEMO_SITE, serve_directory  # noqa: E402
from crawler.distributed.ingest import Ingester  # noqa: E402
from crawler.distributed.stream import StreamWriter  # noqa: E402
from crawler.storage import connect  # noqa: E402
from crawler.storage.pages import store_pages  # noqa: E402
from crawler.storage.warc import WarcWriter, exchange_bytes  # noqa: E402
from pipelines.dedup.index import NearDuplicateIndex  # noqa: E402
from pipelines.dedup.settings import NearDupSettings  # noqa: E402
from pipelines.dedup.similarity import signature, text_shingles  # noqa: E402
from tests.redis_server import RedisServer, wait_for  # noqa: E402

HOSTS = 8
DOCUMENTS_PER_HOST = 5
SEEDS = ROOT / "demo" / "seeds" / "simplified"
CHUNK = 10_000  # synthetic entries in Redis at once


def write_config(path: Path, hosts: list[tuple[str, str]], delay: float, redis_url: str) -> None:
    sites = [
        {
            "name": f"host{i}",
            "family": "gov",
            "start_urls": [f"{base}/gov/kjj/index.html"],
            "allowed_domains": [address],
            "links": {
                "document": [r"/gov/kjj/\d{6}/t\d{8}_\d+\.html$"],
                "next": [r"/gov/kjj/index_\d+\.html$"],
            },
        }
        for i, (address, base) in enumerate(hosts)
    ]
    data = {
        "defaults": {"politeness": {"download_delay": delay, "autothrottle": False}},
        "distributed": {
            "enabled": True,
            "redis_url": redis_url,
            "spill_dir": str(path.parent / "spill"),
            "work_dir": str(path.parent / "work"),
        },
        "sites": sites,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def harvest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True, text=True
    )


def single_machine(config: Path, folder: Path) -> float:
    started = time.perf_counter()
    result = harvest("crawl", "--config", str(config), "--db", str(folder / "single.db"))
    if result.returncode != 0:
        raise SystemExit(f"harvest crawl failed: {result.stderr[-2000:]}")
    return time.perf_counter() - started


def distributed(config: Path, client: redis.Redis, threads: int, folder: Path) -> float:
    client.flushdb()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "worker",
            "--config",
            str(config),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: client.zcard("harvest:dramatiq:__heartbeats__"), 30, "the worker")
        started = time.perf_counter()
        harvest("dist", "enqueue", "--config", str(config))

        def done() -> bool:
            jobs = [json.loads(v) for v in client.hgetall("harvest:jobs").values()]
            return len(jobs) == HOSTS and all(j["state"] == "done" for j in jobs)

        wait_for(done, 900, "every host")
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait()
    pages = client.xlen("harvest:pages") - HOSTS  # one run entry per host
    if pages != HOSTS * DOCUMENTS_PER_HOST:
        raise SystemExit(f"{threads} threads: {pages} pages on the stream")
    return elapsed


def crawl_benchmark(delay: float, folder: Path, server: RedisServer) -> None:
    client = redis.Redis(port=server.port)
    with contextlib.ExitStack() as stack:
        hosts = []
        for i in range(HOSTS):
            address = f"127.0.0.{i + 2}"
            hosts.append(
                (address, stack.enter_context(serve_directory(DEMO_SITE, 0, host=address)))
            )
        config = folder / "config.yaml"
        write_config(config, hosts, delay, server.url)
        documents = HOSTS * DOCUMENTS_PER_HOST
        base = single_machine(config, folder)
        print(f"crawl: {HOSTS} hosts x {DOCUMENTS_PER_HOST} documents, {delay}s per-host delay")
        print(
            f"  single machine (harvest crawl, all sites in one process): {base:6.1f}s "
            f"{documents / base:6.2f} documents/s  (baseline)"
        )
        for threads in (1, 2, 4):
            elapsed = distributed(config, client, threads, folder)
            print(
                f"  distributed, 1 worker x {threads} thread(s):                 "
                f"{elapsed:6.1f}s {documents / elapsed:6.2f} documents/s  "
                f"ratio {base / elapsed:.2f}"
            )


def synthetic_rows(count: int, start: int, rng: random.Random, pool: list[str]) -> list[dict]:
    settings = NearDupSettings()
    rows = []
    for number in range(start, start + count):
        # distinct reports: characters of the seed texts in a random order (real archives are
        # mostly distinct texts; near copies are benchmarked by benchmarks/dedup.py)
        text = "".join(rng.choices(pool, k=400))
        shingles = text_shingles(text, settings)
        rows.append(
            {
                "title": f"第{number}号工作总结",
                "title_original": f"第{number}号工作总结",
                "text": text,
                "text_original": text,
                "content_hash": f"h{number}",
                "url": f"http://bench.example/doc/{number}.html",
                "site": "bench",
                "family": "gov",
                "primary_source": 1,
                "status": 200,
                "fetched_at": "2026-12-01T00:00:00+00:00",
                "dedup_shingles": shingles,
                "dedup_signature": signature(shingles, settings),
            }
        )
    return rows


def sample_exchange(folder: Path) -> tuple[bytes, int]:
    """A real WARC exchange (response + request members) to ship with every synthetic page."""
    with WarcWriter(folder / "sample", "sample") as writer:
        location = writer.write_exchange(
            "http://bench.example/doc/1.html",
            200,
            [("Content-Type", "text/html")],
            (DEMO_SITE / "gov/kjj/201906/t20190628_358021.html").read_bytes(),
        )
    data = exchange_bytes(
        folder / "sample", location.warc_file, location.warc_offset, location.warc_length
    )
    return data, location.warc_length


def ingest_benchmark(pages: int, batch: int, folder: Path, server: RedisServer) -> None:
    pool = sorted(
        {c for p in SEEDS.glob("*.txt") for c in p.read_text() if "\u4e00" <= c <= "\u9fff"}
    )
    client = redis.Redis(port=server.port)
    client.flushdb()
    config_path = folder / "config.yaml"
    config = load_config(config_path)
    warc, response_length = sample_exchange(folder)
    body = b"<html>" + b"x" * 2000 + b"</html>"
    ingester = Ingester(config, folder / "ingest" / "harvest.db", client, "bench")
    ingester.ensure_group()
    direct = connect(folder / "direct" / "harvest.db")
    index = NearDuplicateIndex(NearDupSettings()).open(direct.conn)
    writer = StreamWriter(client, config.distributed.stream, "bench", 1 << 30, folder, 3600)
    rng, ingest_time, direct_time = random.Random(16), 0.0, 0.0
    for start in range(0, pages, CHUNK):
        rows = synthetic_rows(min(CHUNK, pages - start), start, rng, pool)
        for row in rows:
            writer.page({**row, "warc_length": response_length}, warc, body)
        began = time.perf_counter()
        ingester.run(threading.Event(), until_idle=True)
        ingest_time += time.perf_counter() - began
        began = time.perf_counter()
        for first in range(0, len(rows), batch):
            store_pages(direct, rows[first : first + batch], link=index)
        direct_time += time.perf_counter() - began
    ingester.close()
    direct.close()
    print(f"ingest: {pages} synthetic pages, batches of {batch}")
    print(
        f"  store_pages directly (one machine's store stage): {pages / direct_time:8.0f} rows/s"
        "  (baseline)"
    )
    print(
        f"  harvest ingest from the Redis stream (+ WARC append, raw page): "
        f"{pages / ingest_time:8.0f} rows/s  ratio {direct_time / ingest_time:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.5, help="per-host download delay")
    parser.add_argument("--pages", type=int, default=100_000, help="synthetic stream length")
    parser.add_argument("--batch", type=int, default=200, help="ingest batch size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harvest-dist-bench-") as tmp:
        folder = Path(tmp)
        server = RedisServer(folder / "redis")
        server.start()
        try:
            crawl_benchmark(args.delay, folder, server)
            ingest_benchmark(args.pages, args.batch, folder, server)
        finally:
            server.kill()


if __name__ == "__main__":
    main()
