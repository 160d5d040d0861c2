"""Distributed harvesting end to end: a real redis-server (Debian's, started here on a free
loopback port with AOF), real `harvest worker` / `harvest ingest` / `harvest schedule`
processes, and the demo website served by several HTTP servers on 127.0.0.x addresses, each
one "host". Processes are killed with SIGKILL where the issue says so.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from crawler.demo import DEMO_SITE, SiteControls, serve_directory
from crawler.distributed.broker import queue_keys
from crawler.distributed.keys import DRAMATIQ_NAMESPACE, JOBS
from crawler.storage.warc import WarcReader, iter_index
from tests.helpers import DEMO_GOV_ARTICLES, PROJECT_ROOT, harvest
from tests.redis_server import RedisServer, free_port, wait_for

pytestmark = pytest.mark.e2e

GOV_LISTS = ["/gov/kjj/index.html", "/gov/kjj/index_1.html"]
# stream entries of one crawl of the demo government column: 5 pages, the exchanges of
# robots.txt and the 2 list pages, the run
GOV_ENTRIES = 5 + 3 + 1
DOCSHARE1_DOCS = ["/docshare1/doc-8788882.html", "/docshare1/doc-9120455.html"]
QUEUE = "harvest"
# Fast settings: a dead worker is noticed after 3 s, a dead lock holder's lock expires in 3 s.
TEST_DISTRIBUTED = {
    "enabled": True,
    "queue": QUEUE,
    "worker_threads": 1,
    "heartbeat_timeout": 3,
    "maintenance_chance": 0.5,
    "lock_ttl": 3,
    "busy_delay": 0.5,
    "min_backoff": 0.2,
    "max_backoff": 1,
    "max_retries": 1,
    "ingest_batch": 5,
}


@dataclass
class Host:
    address: str
    base_url: str
    controls: SiteControls

    def paths(self) -> list[str]:
        return [r[0] for r in self.controls.requests]


@dataclass
class World:
    """Redis, hosts, a config, and the harvest processes started against them."""

    tmp: Path
    redis: RedisServer
    hosts: list[Host]
    stack: contextlib.ExitStack
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.tmp / "config.yaml"

    @property
    def db(self) -> Path:
        return self.tmp / "archive" / "harvest.db"

    @property
    def client(self) -> redis.Redis:
        return redis.Redis(port=self.redis.port)

    def add_host(self, root: Path = DEMO_SITE, controls: SiteControls | None = None) -> Host:
        address = f"127.0.0.{len(self.hosts) + 2}"
        controls = controls or SiteControls()
        base = self.stack.enter_context(serve_directory(root, 0, controls, host=address))
        host = Host(address, base, controls)
        self.hosts.append(host)
        return host

    def write_config(self, sites: list[dict], delay: float = 0.2, **distributed: Any) -> None:
        data = {
            "defaults": {
                "politeness": {"download_delay": delay, "autothrottle": False},
                "limits": {"retry_times": 0, "download_timeout": 5},
            },
            "distributed": {
                **TEST_DISTRIBUTED,
                "redis_url": self.redis.url,
                "spill_dir": str(self.tmp / "spill"),
                "work_dir": str(self.tmp / "work"),
                **distributed,
            },
            "sites": sites,
        }
        self.config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", *args, "--config", str(self.config)],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as under systemd
        )
        self.processes.append(process)
        return process

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start("worker", name=name)

    def workers_alive(self, count: int) -> bool:
        return self.client.zcard(f"{DRAMATIQ_NAMESPACE}:__heartbeats__") >= count

    def enqueue(self, *sites: str) -> None:
        result = harvest("dist", "enqueue", *sites, "--config", str(self.config))
        assert result.returncode == 0, result.stderr

    def jobs(self) -> dict[str, dict]:
        import json

        return {k.decode(): json.loads(v) for k, v in self.client.hgetall(JOBS).items()}

    def all_done(self, hosts: list[str]) -> bool:
        jobs = self.jobs()
        return all(jobs.get(h, {}).get("state") == "done" for h in hosts)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)

    def ingest(self, *options: str) -> subprocess.CompletedProcess[str]:
        result = harvest(
            "ingest",
            "--config",
            str(self.config),
            "--db",
            str(self.db),
            "--until-idle",
            *options,
        )
        assert result.returncode == 0, result.stderr
        return result

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    with contextlib.ExitStack() as stack:
        w = World(tmp_path, server, [], stack)
        try:
            yield w
        finally:
            for process in w.processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            server.kill()


def gov_site(name: str, host: Host, **extra: Any) -> dict:
    return {
        "name": name,
        "family": "gov",
        "start_urls": [f"{host.base_url}/gov/kjj/index.html"],
        "allowed_domains": [host.address],
        "links": {
            "document": [r"/gov/kjj/\d{6}/t\d{8}_\d+\.html$"],
            "next": [r"/gov/kjj/index_\d+\.html$"],
        },
        **extra,
    }


def docshare_site(name: str, host: Host) -> dict:
    return {
        "name": name,
        "family": "docshare",
        "start_urls": [f"{host.base_url}/docshare1/index.html"],
        "allowed_domains": [host.address],
        "links": {
            "list": [r"/docshare1/list/gongzuozongjie\.html$"],
            "next": [r"/docshare1/list/gongzuozongjie_\d+\.html$"],
            "document": [r"/docshare1/doc-\d+\.html$"],
        },
    }


def gov_world(world: World, count: int, **distributed: Any) -> list[Host]:
    hosts = [world.add_host() for _ in range(count)]
    world.write_config([gov_site(f"gov{i}", h) for i, h in enumerate(hosts)], **distributed)
    return hosts


def assert_archive_complete(world: World, hosts: list[Host]) -> None:
    """Every host's five articles stored once, each with its WARC record, each site's run."""
    sources = world.query("SELECT url, warc_file, warc_offset, warc_length FROM sources")
    urls = Counter(url for url, *_ in sources)
    expected = {h.base_url + path for h in hosts for path in DEMO_GOV_ARTICLES}
    assert set(urls) == expected and set(urls.values()) == {1}
    with WarcReader(world.db.parent) as reader:
        for url, warc_file, offset, length in sources:
            stored = reader.response(warc_file, offset, length)
            assert stored.url == url and stored.status == 200 and b"</html>" in stored.body
    # list pages and robots.txt too, as one machine's crawl archives them
    archived = Counter(line["url"] for line in iter_index(world.db.parent))
    others = {h.base_url + p for h in hosts for p in [*GOV_LISTS, "/robots.txt"]}
    assert {url for url in archived if url not in expected} == others
    assert all(archived[url] >= 1 for url in others)
    versions = world.query("SELECT count(*) FROM document_versions")[0][0]
    assert versions == len(expected)
    runs = world.query("SELECT site, status, documents_seen FROM runs ORDER BY site")
    assert runs == [(f"gov{i}", "ok", 5) for i in range(len(hosts))]


def runs_on_stream(world: World) -> int:
    entries = world.client.xrange("harvest:pages")
    return sum(fields[b"kind"] == b"run" for _, fields in entries)


def assert_stream_drained(world: World) -> None:
    client = world.client
    assert client.xlen("harvest:pages") == 0
    assert client.xpending("harvest:pages", "ingesters")["pending"] == 0


def test_two_workers_crawl_four_hosts_into_one_archive_fetching_each_document_once(world):
    hosts = gov_world(world, 4)
    workers = [world.start_worker(f"worker{i}") for i in range(2)]
    wait_for(lambda: world.workers_alive(2), 30, "two workers")
    world.enqueue()
    wait_for(lambda: world.all_done([h.address for h in hosts]), 90, "every host crawled")
    world.ingest()

    assert_archive_complete(world, hosts)
    assert_stream_drained(world)
    for host in hosts:
        counts = Counter(host.paths())
        assert [counts[p] for p in DEMO_GOV_ARTICLES] == [1] * 5, host.address
    # prefetch = threads: the first worker up did not take every host
    assert len({job["worker"] for job in world.jobs().values()}) == 2

    # The next run, on any machine, is incremental: the ingester published what is known.
    world.enqueue()
    wait_for(lambda: world.all_done([h.address for h in hosts]), 90, "the second run")
    for worker in workers:
        world.stop(worker)
    world.ingest()
    for host in hosts:
        counts = Counter(host.paths())
        assert [counts[p] for p in DEMO_GOV_ARTICLES] == [1] * 5, host.address
        # the first list page brought nothing new, so pagination stopped there
        assert [counts[p] for p in GOV_LISTS] == [2, 1], host.address
    second = world.query("SELECT status, not_due FROM runs WHERE id > 4 ORDER BY site")
    assert second == [("ok", 3)] * 4  # the three articles linked from the first list page


def _processes_under(folder: Path) -> list[int]:
    """Pids of live processes whose command line names ``folder`` (crawl children)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if str(folder).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
    return found


def test_a_killed_workers_hosts_are_crawled_again_elsewhere_without_refetching_documents(world):
    hosts = gov_world(world, 4, delay=0.4)
    victim, survivor = world.start_worker("victim"), world.start_worker("survivor")
    wait_for(lambda: world.workers_alive(2), 30, "two workers")
    world.enqueue()
    by_address = {h.address: h for h in hosts}

    def victim_mid_crawl() -> Host | None:
        """A host the victim crawls with 2+ documents delivered and none in flight."""
        for address, job in world.jobs().items():
            if job.get("state") != "running" or not job["worker"].endswith(f":{victim.pid}"):
                continue
            host = by_address[address]
            documents = [p for p in host.paths() if p in DEMO_GOV_ARTICLES]
            delivered = world.client.scard(f"harvest:fetched:{job['sites'][0]}")
            if 2 <= delivered == len(documents) < 5:
                return host
        return None

    killed = wait_for(victim_mid_crawl, 60, "the victim in the middle of a host")
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    requests_at_kill = len(killed.paths())
    killed_at = time.time()
    work = world.tmp / "work"
    wait_for(lambda: not _processes_under(work / f"{victim.pid}-"), 5, "the orphan to die")
    time.sleep(2)  # within the heartbeat timeout: nothing may fetch from the killed host
    assert len(killed.paths()) == requests_at_kill

    wait_for(lambda: world.all_done(list(by_address)), 120, "every host crawled")
    taken_over = world.jobs()[killed.address]
    assert taken_over["worker"].endswith(f":{survivor.pid}")
    restarted_after = taken_over["started"] - killed_at
    finished_after = taken_over["updated"] - killed_at
    # Back through Dramatiq's heartbeat maintenance: not before the victim's last heartbeat
    # (at most a poll interval, 1 s, before the kill) is heartbeat_timeout old, and then as
    # soon as a worker polls the queue: the survivor, once its own host is done.
    assert TEST_DISTRIBUTED["heartbeat_timeout"] - 1 <= restarted_after < 60
    world.stop(survivor)
    world.ingest()

    assert_archive_complete(world, hosts)
    for host in hosts:
        counts = Counter(host.paths())
        assert [counts[p] for p in DEMO_GOV_ARTICLES] == [1] * 5, host.address
        twice = 2 if host is killed else 1
        assert [counts[p] for p in GOV_LISTS] == [twice] * 2, host.address
    print(
        f"\nkill test: killed {killed.address} after {requests_at_kill} requests; its job "
        f"restarted elsewhere {restarted_after:.1f}s and finished {finished_after:.1f}s "
        f"after the kill (heartbeat timeout "
        f"{TEST_DISTRIBUTED['heartbeat_timeout']}s, lock ttl {TEST_DISTRIBUTED['lock_ttl']}s)"
    )


def test_a_killed_ingester_replays_what_it_had_not_committed(world):
    hosts = gov_world(world, 2, ingest_batch=2)
    worker = world.start_worker()
    world.enqueue()
    wait_for(lambda: world.all_done([h.address for h in hosts]), 90, "every host crawled")
    world.stop(worker)
    entries = world.client.xlen("harvest:pages")
    assert entries == 2 * GOV_ENTRIES

    def pending() -> int:
        return world.client.xpending("harvest:pages", "ingesters")["pending"]

    kills_mid_batch = 0
    for _ in range(3):
        ingester = world.start("ingest", "--db", str(world.db), name="ingester")
        # the moment a batch is read and not yet acknowledged (committed or not)
        while ingester.poll() is None and not (
            world.client.exists("harvest:pages") and _group_exists(world) and pending()
        ):
            time.sleep(0.002)
        os.killpg(ingester.pid, signal.SIGKILL)
        ingester.wait()
        kills_mid_batch += pending() > 0
        if world.client.xlen("harvest:pages") == 0:
            break
    world.ingest()

    assert kills_mid_batch >= 1  # at least one kill left entries read but not committed
    assert_archive_complete(world, hosts)
    assert_stream_drained(world)


def _group_exists(world: World) -> bool:
    try:
        return bool(world.client.xinfo_groups("harvest:pages"))
    except redis.ResponseError:
        return False


def test_two_sites_of_one_host_are_never_crawled_at_once(world):
    delay = 0.6
    host = world.add_host()
    world.write_config([gov_site("gov_a", host), docshare_site("share_a", host)], delay=delay)
    workers = [world.start_worker(f"worker{i}") for i in range(2)]
    wait_for(lambda: world.workers_alive(2), 30, "two workers")
    world.enqueue("gov_a")
    world.enqueue("share_a")
    wait_for(lambda: world.all_done([host.address]), 90, "both sites crawled")
    # the host's job state says done after either site: wait for both sites' runs
    wait_for(lambda: runs_on_stream(world) == 2, 60, "both runs")
    for worker in workers:
        world.stop(worker)

    times = sorted(r[4] for r in host.controls.requests)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Scrapy waits 0.5 to 1.5 times the delay between requests of one crawl; two crawls at
    # once would put requests closer together than that.
    assert min(gaps) >= 0.5 * delay - 0.05, gaps
    world.ingest()
    assert world.query("SELECT site, count(*) FROM sources GROUP BY site ORDER BY site") == [
        ("gov_a", 5),
        ("share_a", len(DOCSHARE1_DOCS)),
    ]


def test_a_host_failing_every_time_is_retried_then_dead_lettered_and_shown(world):
    good = world.add_host()
    dead_port = free_port("127.0.0.9")  # nothing listens there
    broken = {
        **gov_site("broken", good),
        "start_urls": [f"http://127.0.0.9:{dead_port}/gov/kjj/index.html"],
        "allowed_domains": ["127.0.0.9"],
    }
    world.write_config([gov_site("gov0", good), broken])
    worker = world.start_worker()
    world.enqueue()
    wait_for(lambda: world.jobs().get("127.0.0.9", {}).get("state") == "dead", 90, "dead")
    wait_for(lambda: world.client.zcard(queue_keys(QUEUE)["dead"]) == 1, 30, "dead letter")
    wait_for(lambda: world.all_done([good.address]), 60, "the good host")
    world.stop(worker)

    status = harvest("dist", "status", "--config", str(world.config))
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if x.startswith("127.0.0.9"))
    assert " dead " in line and "  2  " in line  # the first try and one retry
    assert "site broken: run failed" in line and "no page could be fetched" in line
    assert "1 dead" in status.stdout


def test_the_scheduler_enqueues_a_slot_once_and_redis_restarts_lose_nothing(world):
    hosts = gov_world(world, 1)
    data = yaml.safe_load(world.config.read_text())
    data["sites"][0]["schedule"] = "*/2 * * * * *"  # every two seconds (seconds first)
    world.config.write_text(yaml.safe_dump(data))
    schedulers = [world.start("schedule", "--jitter", "0", name=f"schedule{i}") for i in (1, 2)]
    slots = lambda: list(world.client.scan_iter("harvest:slot:gov0:*"))  # noqa: E731
    wait_for(lambda: len(slots()) >= 2, 30, "two slots")
    for scheduler in schedulers:
        world.stop(scheduler)
    messages = world.client.llen(queue_keys(QUEUE)["waiting"])
    assert messages == len(slots())
    logs = "".join((world.tmp / f"schedule{i}.log").read_text() for i in (1, 2))
    assert "already enqueued" in logs  # both schedulers fired for a slot; one message went

    world.client.delete(queue_keys(QUEUE)["waiting"], queue_keys(QUEUE)["messages"])
    world.enqueue()
    worker = world.start_worker()
    wait_for(lambda: world.all_done([hosts[0].address]), 60, "the crawl")
    world.stop(worker)
    assert world.client.xlen("harvest:pages") == GOV_ENTRIES
    world.redis.kill()  # SIGKILL: only what the AOF holds comes back
    world.redis.start()
    world.ingest()
    assert_archive_complete(world, hosts)
    assert_stream_drained(world)


def test_a_body_over_the_inline_cap_goes_through_a_spill_file(world, tmp_path):
    site_copy = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site_copy)
    big_page = site_copy / DEMO_GOV_ARTICLES[1].lstrip("/")
    html = big_page.read_bytes()
    # a long page: the same report with an appendix of statistical tables, about 450 KB
    numbers = random.Random(16)
    rows = "".join(
        "<tr>" + "".join(f"<td>{numbers.randrange(10**8)}</td>" for _ in range(10)) + "</tr>"
        for _ in range(2500)
    )
    appendix = f"<table>{rows}</table>".encode("ascii")
    big_page.write_bytes(html.replace(b"</body>", appendix + b"</body>"))
    host = world.add_host(site_copy)
    world.write_config([gov_site("gov0", host)], inline_cap=100_000)
    worker = world.start_worker()
    world.enqueue()
    wait_for(lambda: world.all_done([host.address]), 60, "the crawl")
    world.stop(worker)
    assert len(list((world.tmp / "spill").glob("*.spill"))) == 1
    world.ingest()

    assert list((world.tmp / "spill").iterdir()) == []
    assert_archive_complete(world, [host])
    (warc_file, offset, length, raw_path) = world.query(
        "SELECT warc_file, warc_offset, warc_length, raw_path FROM sources WHERE url = ?",
        (host.base_url + DEMO_GOV_ARTICLES[1],),
    )[0]
    with WarcReader(world.db.parent) as reader:
        assert reader.response(warc_file, offset, length).body == big_page.read_bytes()
    assert (world.db.parent / raw_path).stat().st_size > 0
