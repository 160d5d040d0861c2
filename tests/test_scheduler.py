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
