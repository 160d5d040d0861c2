"""Scheduling: cron triggers per site, job options, next run times."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from crawler.config import parse_config
from crawler.scheduler import add_jobs, crawl_command, next_runs

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


def test_scheduler_fires_a_crawl_records_it_and_stops_on_sigterm(tmp_path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    import yaml

    from crawler.demo import DEMO_CONFIG, DEMO_URL_VARIABLE, serve_directory

    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["sites"] = [s for s in data["sites"] if s["name"] == "demo_gov"]
    data["defaults"]["schedule"] = "*/2 * * * * *"  # every two seconds (seconds field first)
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    db_path = tmp_path / "harvest.db"

    def recorded_runs() -> list[tuple]:
        if not db_path.exists():
            return []
        db = sqlite3.connect(db_path, timeout=10)
        try:
            return db.execute("SELECT site, status FROM runs").fetchall()
        except sqlite3.OperationalError:  # schema not created yet
            return []
        finally:
            db.close()

    with serve_directory() as base_url:
        scheduler = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "schedule",
                "--config",
                str(config_path),
                "--db",
                str(db_path),
                "--jitter",
                "0",
            ],
            env={**os.environ, DEMO_URL_VARIABLE: base_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 40
            while not recorded_runs() and time.monotonic() < deadline:
                time.sleep(0.3)
            assert recorded_runs(), "no run recorded within 40 s"
        finally:
            scheduler.send_signal(signal.SIGTERM)
            output, _ = scheduler.communicate(timeout=60)
    assert scheduler.returncode == 0, output
    assert ("demo_gov", "ok") in recorded_runs()
    assert "site demo_gov: crawl started" in output
    assert "stopping; waiting for running crawls" in output


def test_sigterm_lets_a_running_crawl_finish_its_requests_and_be_recorded(tmp_path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    import yaml

    from crawler.demo import DEMO_CONFIG, DEMO_URL_VARIABLE, SiteControls, serve_directory

    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["sites"] = [s for s in data["sites"] if s["name"] == "demo_gov"]
    data["defaults"]["schedule"] = "*/1 * * * * *"
    data["defaults"]["politeness"]["concurrent_requests_per_domain"] = 1
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    db_path = tmp_path / "harvest.db"
    lock = tmp_path / "locks" / "demo_gov.lock"
    # every article is slow and fetched one at a time, so the crawl is still busy when the
    # signal arrives
    articles = [
        "/gov/kjj/202001/t20200116_361045.html",
        "/gov/kjj/201906/t20190628_358021.html",
        "/gov/kjj/201903/t20190305_352210.html",
        "/gov/kjj/201901/t20190110_348876.html",
        "/gov/kjj/201807/t20180712_331457.html",
    ]
    controls = SiteControls(delay=dict.fromkeys(articles, 1.0))
    with serve_directory(controls=controls) as base_url:
        scheduler = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "schedule",
                "--config",
                str(config_path),
                "--db",
                str(db_path),
                "--jitter",
                "0",
            ],
            env={**os.environ, DEMO_URL_VARIABLE: base_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
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
    db = sqlite3.connect(db_path)
    runs = db.execute("SELECT status, finish_reason, documents_seen FROM runs").fetchall()
    stored = db.execute("SELECT count(*) FROM sources").fetchone()[0]
    db.close()
    assert [r[:2] for r in runs] == [("interrupted", "shutdown")], output
    # the requests Scrapy had in flight are finished, stored and counted in the run
    assert stored >= 1
    assert runs[0][2] == stored
    assert "stopping; waiting for running crawls" in output


def test_sighup_reloads_a_changed_config(tmp_path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    import yaml

    from crawler.demo import DEMO_CONFIG, DEMO_URL_VARIABLE, serve_directory

    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["sites"] = [s for s in data["sites"] if s["name"] == "demo_gov"]
    data["defaults"]["schedule"] = "0 4 1 1 *"  # once a year: nothing runs during the test
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    db_path = tmp_path / "harvest.db"

    def runs() -> int:
        try:
            db = sqlite3.connect(db_path, timeout=10)
            try:
                return db.execute("SELECT count(*) FROM runs").fetchone()[0]
            finally:
                db.close()
        except sqlite3.OperationalError:
            return 0

    with serve_directory() as base_url:
        scheduler = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "schedule",
                "--config",
                str(config_path),
                "--db",
                str(db_path),
                "--jitter",
                "0",
            ],
            env={**os.environ, DEMO_URL_VARIABLE: base_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            time.sleep(2)
            assert runs() == 0
            data["defaults"]["schedule"] = "*/2 * * * * *"
            config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            scheduler.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while runs() == 0 and time.monotonic() < deadline:
                time.sleep(0.3)
            assert runs() >= 1
        finally:
            scheduler.send_signal(signal.SIGTERM)
            output, _ = scheduler.communicate(timeout=60)
    assert "SIGHUP: config reloaded; sites: demo_gov" in output
