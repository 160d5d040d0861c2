"""The work of one Dramatiq message: crawl one host's sites, one child process after another.

``crawl_host(host, sites)`` takes the host's Redis lock (:mod:`.lock`) or, when another process
holds it, sends itself again after ``busy_delay`` (a busy host is not a failure). Each site is
crawled by a ``harvest crawl`` child in its own process group, killed with its worker
(:mod:`.child`), whose store stage streams the pages (:mod:`.crawling`). A site whose run
failed (nothing fetched, a crash, Redis unreachable) raises :class:`CrawlFailed` with the last
lines of the child's output: Dramatiq retries the message with backoff, then dead-letters it.
The state of each host's latest job is kept in ``harvest:jobs`` for ``harvest dist status``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from dramatiq.middleware import CurrentMessage

from crawler.config import Distributed, ResolvedSite
from crawler.distributed.keys import JOBS, delivered, known, walked
from crawler.distributed.lock import HostLock
from crawler.storage import connect, insert, transaction
from crawler.storage.walks import record_walk

logger = logging.getLogger(__name__)

ERROR_LINES = 5  # lines of a failed child's output kept with the job
POLL_SECONDS = 0.5  # how often a running child is checked (and the lock's health with it)


_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def interrupt_children() -> None:
    """SIGINT every running crawl child (worker shutdown): Scrapy finishes the requests in
    flight and records the run as interrupted, so the job fails and is retried later."""
    with _running_lock:
        for process in _running:
            os.killpg(process.pid, signal.SIGINT)


class CrawlFailed(RuntimeError):
    """A site's crawl child failed; the message names the site and its last output lines."""


@dataclass
class WorkerRuntime:
    """What every job of one worker process needs."""

    config_path: str
    settings: Distributed
    client: redis.Redis
    worker_id: str

    @property
    def work_dir(self) -> Path:
        return Path(self.settings.work_dir).resolve()


def host_of(site: ResolvedSite) -> str:
    """The politeness unit: the host name of the site's first start URL."""
    return urlsplit(site.start_urls[0]).hostname or site.start_urls[0]


def sites_by_host(sites: Iterable[ResolvedSite]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for site in sites:
        grouped.setdefault(host_of(site), []).append(site.name)
    return grouped


def note(client: redis.Redis, host: str, state: str, **fields: Any) -> None:
    """Record the state of ``host``'s latest job for ``harvest dist status``."""
    fields.update(state=state, updated=time.time())
    client.hset(JOBS, host, json.dumps(fields, ensure_ascii=False))


def child_command(runtime: WorkerRuntime, site: str, db: Path, job: str) -> list[str]:
    settings = runtime.settings
    overrides = {
        "HARVEST_DIST_CRAWL": True,
        "HARVEST_DIST_REDIS_URL": settings.redis_url,
        "HARVEST_DIST_STREAM": settings.stream,
        "HARVEST_DIST_JOB": job,
        "HARVEST_DIST_INLINE_CAP": settings.inline_cap,
        "HARVEST_DIST_SPILL_DIR": Path(settings.spill_dir).resolve(),
        "HARVEST_DIST_FETCHED_TTL": settings.fetched_ttl,
        # the ingester appends each exchange as a whole record: no revisits against a
        # scratch archive the central one has never seen
        "HARVEST_WARC_REVISITS": False,
    }
    command = [sys.executable, "-m", "crawler.distributed.child", str(os.getpid())]
    command += ["crawl", site, "--quiet", "--config", runtime.config_path, "--db", str(db)]
    for name, value in overrides.items():
        command += ["-s", f"{name}={value}"]
    return command


def seed_known(client: redis.Redis, site: str, db: Path) -> int:
    """Give the child's scratch archive the site's known document URLs and the links completed
    walks saw (what the ingester published), so that the crawl is incremental as on one
    machine; return how many URLs are known."""
    published = client.hgetall(known(site))
    trusted = [url.decode() for url in client.smembers(walked(site))]
    archive = connect(db)
    try:
        # what completed walks saw: the early stop trusts only these (crawler.storage.walks)
        record_walk(archive, site, trusted, "published")
        with transaction(archive) as conn:
            for url, value in published.items():
                etag, modified, due = json.loads(value)
                insert(
                    conn,
                    "sources",
                    {
                        "url": url.decode(),
                        "site": site,
                        "etag": etag,
                        "last_modified": modified,
                        "next_fetch_after": due,
                    },
                )
    finally:
        archive.close()
    return len(published)


def _run_status(db: Path, site: str) -> str | None:
    """The status of the run the child recorded in its scratch archive, if it got that far."""
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT status FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1", [site]
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _wait(process: subprocess.Popen, lock: HostLock) -> int:
    """Wait for the child in short steps, so that Dramatiq's time limit and shutdown can
    interrupt this thread; kill the child's process group when anything does."""
    try:
        while True:
            try:
                return process.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                if lock.lost.is_set():
                    raise CrawlFailed(f"host {lock.host}: lock lost during the crawl") from None
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def crawl_site(runtime: WorkerRuntime, site: str, job: str, lock: HostLock) -> None:
    """Crawl ``site`` in a child process; raise :class:`CrawlFailed` unless its run is ok."""
    scratch = runtime.work_dir / f"{os.getpid()}-{job[:12]}-{site}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    db, log = scratch / "harvest.db", scratch / "child.log"
    try:
        seed_known(runtime.client, site, db)
        with log.open("wb") as out:
            process = subprocess.Popen(
                child_command(runtime, site, db, job),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            with _running_lock:
                _running.add(process)
            try:
                code = _wait(process, lock)
            finally:
                with _running_lock:
                    _running.discard(process)
        status = _run_status(db, site)
        if status != "ok":
            lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            tail = " | ".join(lines[-ERROR_LINES:]) or "(no output)"
            raise CrawlFailed(
                f"site {site}: run {status or 'not recorded'} (exit status {code}): {tail}"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def crawl_host(runtime: WorkerRuntime, actor: Any, host: str, sites: list[str]) -> None:
    """The body of the ``crawl_host`` actor."""
    message = CurrentMessage.get_current_message()
    job = message.message_id if message else f"local-{time.time_ns()}"
    attempt = (message.options.get("retries", 0) if message else 0) + 1
    client, settings = runtime.client, runtime.settings
    lock = HostLock(client, host, settings.lock_ttl)
    if not lock.acquire():
        logger.info("host %s is being crawled elsewhere; trying again later", host)
        actor.send_with_options(args=(host, sites), delay=int(settings.busy_delay * 1000))
        return
    started = time.time()
    try:
        note(
            client,
            host,
            "running",
            sites=sites,
            worker=runtime.worker_id,
            attempt=attempt,
            job=job,
            started=started,
        )
        for site in sites:
            crawl_site(runtime, site, job, lock)
    except Exception as exc:
        dead = attempt > settings.max_retries
        logger.error("host %s: attempt %d failed: %s", host, attempt, exc)
        note(
            client,
            host,
            "dead" if dead else "retrying",
            sites=sites,
            attempt=attempt,
            worker=runtime.worker_id,
            job=job,
            error=str(exc)[-2000:],
        )
        raise
    finally:
        lock.release()
    client.delete(*(delivered(site) for site in sites))
    note(
        client,
        host,
        "done",
        sites=sites,
        attempt=attempt,
        worker=runtime.worker_id,
        job=job,
        started=started,
        seconds=round(time.time() - started, 1),
    )
