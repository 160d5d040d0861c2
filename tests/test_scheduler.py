"""Scheduling: cron triggers per site, job options, next run times."""

from __future__ import annotations

import copy
import signal
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.config import parse_config
from crawler.demo import SiteControls, serve_directory
from crawler.scheduler import add_jobs, crawl_command, next_runs
from tests.helpers import (
    DEMO_GOV_ARTICLES,
    OutputWatcher,
    demo_gov_config,
    query_archive,
    start_scheduler,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIG = {
    "defaults": {"schedule": "30 2 * * *", "jitter": 60},
    "sites": [
        {
            "name": "weekdays",
            "family": "gov",
            "start_urls": ["https://a.example/index.html"],
            "allowed_domains": ["a.example"],
            "links": {"document": ["t\\d+"]},
            "schedule": "0 3 * * 1-5",
        },
        {
            "name": "nightly",
            "family": "docshare",
            "start_urls": ["https://b.example/"],
            "allowed_domains": ["b.example"],
            "links": {"document": ["doc-"]},
        },
        {
            "name": "off",
            "family": "docshare",
            "start_urls": ["https://c.example/"],
            "allowed_domains": ["c.example"],
            "links": {"document": ["doc-"]},
            "enabled": False,
        },
    ],
}


def test_next_runs_follow_crontab_weekdays_in_the_configured_zone():
    config = parse_config(copy.deepcopy(CONFIG))
    now = datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI)  # a Friday
    table = {name: (expr, times) for name, expr, times in next_runs(config, 3, now)}
    assert set(table) == {"weekdays", "nightly"}
    expr, times = table["weekdays"]
    assert expr == "0 3 * * 1-5"
    # crontab's 1-5 is Monday to Friday: the weekend is skipped
    assert [t.strftime("%a %Y-%m-%d %H:%M") for t in times] == [
        "Mon 2026-11-30 03:00",
        "Tue 2026-12-01 03:00",
        "Wed 2026-12-02 03:00",
    ]
    assert [t.strftime("%d %H:%M") for t in table["nightly"][1]] == [
        "28 02:30",
        "29 02:30",
        "30 02:30",
    ]


def test_one_job_per_enabled_site_with_safe_options():
    config = parse_config(copy.deepcopy(CONFIG))
    scheduler = BackgroundScheduler(timezone=SHANGHAI)
    names = add_jobs(scheduler, config, print)
    assert names == ["weekdays", "nightly"]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"crawl:weekdays", "crawl:nightly"}
    job = jobs["crawl:weekdays"]
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time == 3600
    assert job.args == ("weekdays",)
    assert job.trigger.jitter == 60
    # reloading replaces, never duplicates, the jobs
    add_jobs(scheduler, config, print, jitter=0)
    assert len(scheduler.get_jobs()) == 2
    assert scheduler.get_job("crawl:nightly").trigger.jitter == 0


def test_each_run_is_its_own_harvest_crawl_process():
    command = crawl_command("nightly", "config.yaml", "archive/harvest.db")
    assert command[1:] == [
        "-m",
        "crawler.cli",
        "crawl",
        "nightly",
        "--config",
        "config.yaml",
        "--db",
        "archive/harvest.db",
    ]


@pytest.mark.e2e
def test_scheduler_fires_a_crawl_records_it_and_stops_on_sigterm(tmp_path):
    config, db = tmp_path / "config.yaml", tmp_path / "harvest.db"
    demo_gov_config(config, schedule="*/2 * * * * *")  # every two seconds (seconds first)
    # a run's row is written when it starts ("running"); wait for one that finished
    runs = "SELECT site, status FROM runs WHERE status != 'running'"
    with serve_directory() as base_url:
        scheduler = start_scheduler(config, db, base_url)
        try:
            deadline = time.monotonic() + 40
            while not query_archive(db, runs) and time.monotonic() < deadline:
                time.sleep(0.3)
            assert query_archive(db, runs), "no run recorded within 40 s"
        finally:
            scheduler.send_signal(signal.SIGTERM)
            output, _ = scheduler.communicate(timeout=60)
    assert scheduler.returncode == 0, output
    assert ("demo_gov", "ok") in query_archive(db, runs)
    assert "site demo_gov: crawl started" in output
    assert "stopping; waiting for running crawls" in output


@pytest.mark.e2e
def test_sigterm_lets_a_running_crawl_finish_its_requests_and_be_recorded(tmp_path):
    config, db = tmp_path / "config.yaml", tmp_path / "harvest.db"
    demo_gov_config(
        config, schedule="*/1 * * * * *", politeness={"concurrent_requests_per_domain": 1}
    )
    lock = tmp_path / "locks" / "demo_gov.lock"
    # every article is slow and fetched one at a time, so the crawl is still busy when the
    # signal arrives
    controls = SiteControls(delay=dict.fromkeys(DEMO_GOV_ARTICLES, 1.0))
    with serve_directory(controls=controls) as base_url:
        scheduler = start_scheduler(config, db, base_url)
        deadline = time.monotonic() + 30
        # wait until the first slow article has been served
        while time.monotonic() < deadline and not any(
            path in controls.delay for path, *_ in controls.requests
        ):
            time.sleep(0.1)
        assert lock.exists() and lock.read_text().strip(), "no crawl started"
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=90)
    assert scheduler.returncode == 0, output
    runs = query_archive(db, "SELECT status, finish_reason, documents_seen FROM runs")
    stored = query_archive(db, "SELECT count(*) FROM sources")[0][0]
    assert [r[:2] for r in runs] == [("interrupted", "shutdown")], output
    # the requests Scrapy had in flight are finished, stored and counted in the run
    assert stored >= 1
    assert runs[0][2] == stored
    assert "stopping; waiting for running crawls" in output


@pytest.mark.e2e
def test_sighup_reloads_a_changed_config(tmp_path):
    config, db = tmp_path / "config.yaml", tmp_path / "harvest.db"
    demo_gov_config(config, schedule="0 4 1 1 *")  # once a year: nothing runs during the test
    runs = "SELECT count(*) FROM runs"

    def count() -> int:
        return (query_archive(db, runs) or [(0,)])[0][0]

    with serve_directory() as base_url:
        scheduler = start_scheduler(config, db, base_url)
        watcher = OutputWatcher(scheduler)
        try:
            # the scheduler says so once its signal handlers are in place
            watcher.wait_for("scheduling 1 sites: demo_gov", timeout=30)
            assert count() == 0
            demo_gov_config(config, schedule="*/2 * * * * *")
            scheduler.send_signal(signal.SIGHUP)
            watcher.wait_for("SIGHUP: config reloaded; sites: demo_gov", timeout=30)
            watcher.wait_for("site demo_gov: crawl finished", timeout=60)
            assert count() >= 1
        finally:
            scheduler.send_signal(signal.SIGTERM)
            output = watcher.finish(timeout=60)
    assert scheduler.returncode == 0, output
