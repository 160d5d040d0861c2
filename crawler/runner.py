"""Run one crawl: the chosen sites of a validated config, each by its family spider, in one
Scrapy process, into one archive database.

In:  validated site entries (crawler.config), the database path.
Out: a :class:`CrawlSummary` built from the ``runs`` rows the store stage wrote, which the CLI
     prints and turns into an exit status.

Scrapy's reactor cannot be restarted inside one process, so call :func:`crawl` once per process
(the scheduler starts ``harvest crawl`` as a new process for every run).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import ResolvedSite
from crawler.locks import SiteLock, SiteLocked
from crawler.storage import connect
from pipelines.text import utc_now

logger = logging.getLogger(__name__)


@dataclass
class CrawlSummary:
    db_path: Path
    log_file: Path | None
    runs: list[dict[str, Any]] = field(default_factory=list)
    documents_total: int = 0
    near_links: int = 0  # near-duplicate links in the archive
    recycled_links: int = 0  # of which texts re-dated or renumbered
    skipped: list[str] = field(default_factory=list)  # sites another process was crawling
    alerts: list[dict[str, Any]] = field(default_factory=list)  # raised by these runs

    def total(self, key: str) -> int:
        return sum(run.get(key) or 0 for run in self.runs)

    @property
    def failed_sites(self) -> list[str]:
        return [run["site"] for run in self.runs if run["status"] != "ok"]

    def lines(self) -> list[str]:
        out = [
            f"{'site':22s} {'status':7s} {'pages':>6s} {'new':>5s} {'seen':>5s} {'dups':>5s} {'errors':>6s}"
        ]
        for run in self.runs:
            out.append(
                f"{run['site']:22s} {run['status']:7s} {run['pages_fetched']:6d} "
                f"{run['documents_new']:5d} {run['documents_seen']:5d} {run['duplicates']:5d} "
                f"{run['errors']:6d}"
            )
        out.append(
            f"pages fetched: {self.total('pages_fetched')}, documents stored: "
            f"{self.total('documents_new')} new ({self.documents_total} in the archive), "
            f"duplicates found: {self.total('duplicates')}, errors: {self.total('errors')}"
        )
        out.append(
            f"near copies linked in the archive: {self.near_links} "
            f"({self.recycled_links} recycled: same text, other years or numbers)"
        )
        return out


def scrapy_settings(
    db_path: Path, log_file: Path | None, overrides: dict[str, Any] | None = None
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("HARVEST_DB", str(db_path), priority="cmdline")
    if log_file is not None:
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl(
    sites: list[ResolvedSite],
    db_path: str | Path,
    log_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    quiet: bool = False,
) -> CrawlSummary:
    """Crawl ``sites`` concurrently into ``db_path``; block until every spider has closed.

    Each site is locked for the duration (crawler.locks); a site that another process is
    crawling is skipped and listed in ``CrawlSummary.skipped``.
    """
    db_path = Path(db_path)
    connect(db_path).close()  # create the schema (and fail early on a bad path) before crawling
    locks, runnable, skipped = [], [], []
    for site in sites:
        lock = SiteLock(db_path.parent, site.name)
        try:
            lock.acquire()
        except SiteLocked as exc:
            logger.warning("%s", exc)
            skipped.append(site.name)
            continue
        locks.append(lock)
        runnable.append(site)
    try:
        summary = _crawl(runnable, db_path, log_dir, overrides, quiet) if runnable else None
    finally:
        for lock in locks:
            lock.release()
    if summary is None:
        summary = CrawlSummary(db_path=db_path, log_file=None)
    summary.skipped = skipped
    return summary


def _crawl(
    sites: list[ResolvedSite],
    db_path: Path,
    log_dir: str | Path | None,
    overrides: dict[str, Any] | None,
    quiet: bool,
) -> CrawlSummary:
    log_file = None
    if log_dir is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log_file = Path(log_dir) / f"crawl-{stamp}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
    started = utc_now()
    process = CrawlerProcess(scrapy_settings(db_path, log_file, overrides))
    if log_file is not None:
        # Scrapy logs everything to the file; the terminal gets warnings and errors only
        # (errors only with --quiet, so that cron mails only what needs a look).
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.ERROR if quiet else logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(console)
    for site in sites:
        process.crawl(site.family, site=site)
    process.start()

    db = connect(db_path)
    try:
        names = [s.name for s in sites]
        marks = ", ".join("?" for _ in names)
        runs = list(
            db.query(
                f"SELECT * FROM runs WHERE started >= ? AND site IN ({marks}) ORDER BY id",
                [started, *names],
            )
        )
        # A site whose spider never reached the store stage (it crashed on start) has no row.
        recorded = {r["site"] for r in runs}
        for name in names:
            if name not in recorded:
                runs.append(
                    {
                        "site": name,
                        "status": "failed",
                        "pages_fetched": 0,
                        "documents_new": 0,
                        "documents_seen": 0,
                        "duplicates": 0,
                        "errors": 1,
                    }
                )
        run_ids = [r["id"] for r in runs if r.get("id")]
        if run_ids:
            marks = ", ".join("?" for _ in run_ids)
            alerts = list(
                db.query(
                    f"SELECT site, kind, message FROM alerts WHERE run_id IN ({marks}) ORDER BY id",
                    run_ids,
                )
            )
        else:
            alerts = []
        total = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        near, recycled = db.execute(
            "SELECT count(*), coalesce(sum(recycled), 0) FROM dedup_links"
        ).fetchone()
    finally:
        db.close()
    return CrawlSummary(
        db_path=db_path,
        log_file=log_file,
        runs=runs,
        documents_total=total,
        alerts=alerts,
        near_links=near,
        recycled_links=recycled,
    )
