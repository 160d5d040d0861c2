"""Scheduled harvesting: APScheduler 3 in the foreground, one cron job per site.

In:  a config file (each site's ``schedule``, the defaults' ``timezone`` and ``jitter``).
Out: at each fire time, a separate ``harvest crawl SITE`` process (Scrapy's reactor cannot be
     restarted in one process, and a crashing site must not take the scheduler down); its exit
     status is logged. Jobs coalesce missed runs, never overlap (``max_instances=1``) and
     tolerate a late start of up to ``MISFIRE_GRACE`` seconds.

Signals: SIGTERM / SIGINT stop the scheduler; running crawls get SIGINT, which makes Scrapy
finish the requests in flight, close its pipelines and record the run, and are waited for.
SIGHUP reloads the config file (sites added, removed or rescheduled).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler

from crawler.config import ConfigError, HarvestConfig, cron_trigger, load_config

logger = logging.getLogger(__name__)

MISFIRE_GRACE = 3600  # a run up to an hour late (machine asleep, scheduler restarted) still runs
STOP_TIMEOUT = 120  # seconds a crawl gets to finish its requests after SIGINT


def crawl_command(site: str, config_path: str, db_path: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        site,
        "--config",
        config_path,
        "--db",
        db_path,
    ]


class CrawlLauncher:
    """Starts one crawl process per job and remembers the running ones for a clean stop."""

    def __init__(self, config_path: str, db_path: str) -> None:
        self.config_path = config_path
        self.db_path = db_path
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def __call__(self, site: str) -> int | None:
        if self.stopping.is_set():
            return None
        # A session of its own: Ctrl-C in a terminal reaches only the scheduler, which passes
        # on exactly one SIGINT (a second one would make Scrapy stop without closing cleanly).
        process = subprocess.Popen(
            crawl_command(site, self.config_path, self.db_path), start_new_session=True
        )
        with self.lock:
            self.running[site] = process
        logger.info("site %s: crawl started (pid %d)", site, process.pid)
        try:
            status = process.wait()
        finally:
            with self.lock:
                self.running.pop(site, None)
        log = logger.info if status == 0 else logger.error
        log("site %s: crawl finished with exit status %d", site, status)
        return status

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        self.stopping.set()
        with self.lock:
            processes = list(self.running.items())
        for _, process in processes:
            process.send_signal(signal.SIGINT)
        for site, process in processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.error("site %s: crawl did not stop in %ds; killing it", site, timeout)
                process.kill()


def add_jobs(
    scheduler, config: HarvestConfig, run: Callable[[str], object], jitter: int | None = None
) -> list[str]:
    """Replace the scheduler's jobs with one per enabled site; return the site names."""
    scheduler.remove_all_jobs()
    names = []
    for site in config.select():
        trigger = cron_trigger(
            site.schedule,
            timezone=ZoneInfo(config.timezone),
            jitter=config.jitter if jitter is None else jitter,
        )
        scheduler.add_job(
            run,
            trigger,
            args=[site.name],
            id=f"crawl:{site.name}",
            name=f"crawl {site.name}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE,
            replace_existing=True,
        )
        names.append(site.name)
    return names


def next_runs(
    config: HarvestConfig, count: int = 3, now: datetime | None = None
) -> list[tuple[str, str, list[datetime]]]:
    """Each enabled site's schedule and its next ``count`` fire times (jitter not applied)."""
    zone = ZoneInfo(config.timezone)
    now = now or datetime.now(zone)
    table = []
    for site in config.select():
        trigger = cron_trigger(site.schedule, timezone=zone)
        times, previous = [], None
        moment = now
        for _ in range(count):
            fire = trigger.get_next_fire_time(previous, moment)
            if fire is None:
                break
            times.append(fire)
            previous, moment = fire, fire
        table.append((site.name, site.schedule, times))
    return table


def run_scheduler(
    config_path: str,
    db_path: str,
    jitter: int | None = None,
    scheduler_factory: Callable[..., BlockingScheduler] = BlockingScheduler,
    stop_signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run in the foreground until SIGTERM/SIGINT."""
    config = load_config(config_path)
    if config.distributed.enabled:  # enqueue for the workers instead of crawling here
        from crawler.distributed.enqueue import Enqueuer

        launcher = Enqueuer(config_path)
    else:
        launcher = CrawlLauncher(config_path, db_path)
    scheduler = scheduler_factory(timezone=ZoneInfo(config.timezone))
    names = add_jobs(scheduler, config, launcher, jitter)

    def stop(signum, frame) -> None:
        logger.info("signal %d: stopping; waiting for running crawls", signum)
        launcher.stop()
        scheduler.shutdown(wait=True)

    def reload(signum, frame) -> None:
        try:
            fresh = load_config(config_path)
        except ConfigError as exc:
            logger.error("SIGHUP: config not reloaded, keeping the old one: %s", exc)
            return
        logger.info(
            "SIGHUP: config reloaded; sites: %s",
            ", ".join(add_jobs(scheduler, fresh, launcher, jitter)),
        )

    for signum in stop_signals:
        signal.signal(signum, stop)
    signal.signal(signal.SIGHUP, reload)
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    # Logged once the signal handlers are in place: from this line on, SIGHUP reloads and
    # SIGTERM stops (tests and service managers wait for it).
    logger.info("scheduling %d sites: %s", len(names), ", ".join(names))
    scheduler.start()
