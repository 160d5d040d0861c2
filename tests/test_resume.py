"""Crawls that always finish: a long column (320 article links over 16 list pages, TRS pager
defined inline) crawled by real `harvest crawl` processes that are killed with SIGKILL at seeded
random moments, stopped with SIGTERM, or run into a full file system; each followed by ONE
plain `harvest crawl`, after which every article is stored exactly once and the runs table
shows the run that did not finish."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demo import DEMO_URL_VARIABLE, SiteControls, serve_directory
from tests.column_site import article_path, build_column, column_config
from tests.helpers import harvest, mounted_tmpfs, query_archive, remount

pytestmark = pytest.mark.e2e

ARTICLES = 320
KILL_SEEDS = (11, 23, 37, 41)


@pytest.fixture
def column(tmp_path):
    site = tmp_path / "site"
    expected = build_column(site, ARTICLES)
    config = tmp_path / "config.yaml"
    column_config(config)
    controls = SiteControls()
    with serve_directory(site, controls=controls) as base_url:
        yield {
            "root": site,
            "base_url": base_url,
            "config": config,
            "db": tmp_path / "archive" / "harvest.db",
            "expected": expected,
            "controls": controls,
        }


def start_command(column, db: Path | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        "--config",
        str(column["config"]),
        "--db",
        str(db or column["db"]),
    ]


def start(column, db: Path | None = None) -> subprocess.Popen[str]:
    command = start_command(column, db)
    env = {**os.environ, DEMO_URL_VARIABLE: column["base_url"]}
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def crawl(column, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    process = start(column, db)
    out, err = process.communicate(timeout=240)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def count(db: Path, sql: str) -> int:
    rows = query_archive(db, sql)
    return rows[0][0] if rows else 0


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the crawl did not get there in time"
        time.sleep(0.05)


def interrupt_at_random(column, rng: random.Random, sig: int, known: int = 0) -> int:
    """Start a crawl and send ``sig`` once a random number of new documents is stored (0: at
    a random moment of the list walk); return that number. Documents are written in batches
    of 20, so the target stays two batches short of the end: the kill lands mid-crawl."""
    target = rng.randrange(0, len(column["expected"]) - known - 40)
    victim = start(column)
    db = column["db"]
    wait_for(lambda: count(db, "SELECT count(*) FROM runs WHERE status = 'running'") > 0)
    if target == 0:
        time.sleep(rng.uniform(0, 1.0))
    else:
        wait_for(lambda: count(db, "SELECT count(*) FROM documents") >= known + target)
    victim.send_signal(sig)
    victim.communicate(timeout=120)
    return target


def assert_every_article_once(column, db: Path | None = None) -> None:
    db = db or column["db"]
    base = column["base_url"]
    urls = [u for (u,) in query_archive(db, "SELECT url FROM sources")]
    assert len(urls) == len(set(urls)), "a URL was stored twice"
    assert sorted(urls) == sorted(base + path for path in column["expected"])
    assert count(db, "SELECT count(*) FROM documents") == len(column["expected"])
    assert count(db, "SELECT count(*) FROM document_versions") == len(column["expected"])
    assert query_archive(db, "PRAGMA integrity_check")[0][0] == "ok"


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_first_crawl_killed_at_a_random_moment_is_finished_by_one_plain_crawl(column, seed):
    stored_at_kill = interrupt_at_random(column, random.Random(seed), signal.SIGKILL)
    assert count(column["db"], "SELECT count(*) FROM documents") < len(column["expected"]), (
        f"the kill (after {stored_at_kill} documents) came too late"
    )
    status = harvest("status", "--db", str(column["db"]))
    assert status.stdout.splitlines()[1].split()[2] == "killed", status.stdout

    result = crawl(column)
    assert result.returncode == 0, result.stderr
    assert_every_article_once(column)
    runs = query_archive(column["db"], "SELECT status, finish_reason FROM runs ORDER BY id")
    assert runs == [("interrupted", "killed"), ("ok", "finished")]
    assert "never finished" in result.stderr


def test_killed_incremental_crawl_of_a_grown_column_is_finished_by_one_plain_crawl(column):
    assert crawl(column).returncode == 0
    # 60 new articles at the top push every older one three pages down
    known = len(column["expected"])
    column["expected"] = build_column(column["root"], ARTICLES + 60)
    # The new articles of pages 1 and 2 answer slowly, so that the killed run has stored the
    # whole first page and nothing else: the page an old-style early stop would stop at.
    for number in range(ARTICLES + 1, ARTICLES + 41):
        column["controls"].delay[article_path(number)] = 3.0
    victim = start(column)
    wait_for(lambda: count(column["db"], "SELECT count(*) FROM documents") >= known + 20)
    victim.kill()
    victim.communicate(timeout=60)
    column["controls"].delay.clear()
    stored = {u for (u,) in query_archive(column["db"], "SELECT url FROM sources")}
    assert len(stored) == known + 20
    column["controls"].requests.clear()
    result = crawl(column)
    assert result.returncode == 0, result.stderr
    assert_every_article_once(column)
    statuses = [s for (s,) in query_archive(column["db"], "SELECT status FROM runs ORDER BY id")]
    assert statuses == ["ok", "interrupted", "ok"]
    # the walk went on past what the killed run stored, and fetched only what was missing
    fetched = {column["base_url"] + r[0] for r in column["controls"].requests if "/t20" in r[0]}
    assert fetched and not fetched & stored


def test_sigterm_stops_cleanly_and_one_plain_crawl_finishes(column):
    interrupt_at_random(column, random.Random(3), signal.SIGTERM)
    runs = query_archive(column["db"], "SELECT status, finish_reason, walk_complete FROM runs")
    assert runs == [("interrupted", "shutdown", 0)]
    result = crawl(column)
    assert result.returncode == 0, result.stderr
    assert_every_article_once(column)


def test_an_incremental_run_after_a_completed_walk_reads_one_list_page(column):
    assert crawl(column).returncode == 0
    column["controls"].requests.clear()
    assert crawl(column).returncode == 0
    lists = [r[0] for r in column["controls"].requests if "/index" in r[0]]
    # the dead, robots-blocked and binary links do not count as new: the early stop holds
    assert lists == ["/kjj/gzzj/index.html"]
    reasons = query_archive(column["db"], "SELECT status, reason FROM dead_links ORDER BY url")
    # the broken PDF served as text/html was handed to the attachment stage, which could not
    # read it: the link is dead with that stage's reason
    (binary,) = [r for r in reasons if r[0] == 200]
    assert binary[1].startswith("no text in ") and "broken: not a readable PDF" in binary[1]
    assert sorted(r for r in reasons if r[0] != 200 and r[0] is not None) == [(404, "HTTP 404")]
    assert [r for r in reasons if r[0] is None] == [(None, "disallowed by robots.txt")]
    # the PDF served as text/html is kept in WARC only: not a document, not searchable
    assert count(column["db"], "SELECT count(*) FROM documents_fts WHERE text LIKE '%PDF%'") == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (the archive of the column needs about 6 MB), unmounted afterwards."""
    with mounted_tmpfs(tmp_path / "disk", "2m") as mount_point:
        yield mount_point


def test_a_full_disk_stops_the_crawl_with_one_message_and_loses_nothing(column, small_disk):
    db = small_disk / "archive" / "harvest.db"
    result = crawl(column, db)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any("the disk is full" in line and "archive" in line for line in lines), lines
    assert len(lines) <= 12, lines  # a few clear lines, not a dump
    assert "Traceback" not in result.stderr
    assert query_archive(db, "PRAGMA integrity_check")[0][0] == "ok"
    # what cron would mail from a run on the still-full disk: one line
    quiet = subprocess.run(
        [*start_command(column, db), "--quiet"],
        env={**os.environ, DEMO_URL_VARIABLE: column["base_url"]},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert quiet.returncode == 1
    assert len(quiet.stderr.splitlines()) == 1 and "the disk is full" in quiet.stderr

    remount(small_disk, "size=64m")
    again = crawl(column, db)
    assert again.returncode == 0, again.stderr
    assert_every_article_once(column, db)
    statuses = [s for (s,) in query_archive(db, "SELECT status FROM runs ORDER BY id")]
    assert statuses[-1] == "ok" and statuses[0] in ("failed", "interrupted")
