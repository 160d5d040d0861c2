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
from crawler.logformat import terminal_handler
from crawler.storage import connect, storage_error
from crawler.storage.runs import abandon_runs, top_causes

logger = logging.getLogger(__name__)


RUN_FIGURES = ("pages_fetched", "documents_new", "documents_seen", "duplicates", "errors")


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
    interrupted: list[dict[str, Any]] = field(default_factory=list)  # earlier runs found dead
    storage_failures: dict[str, str] = field(default_factory=dict)  # site -> message

    def total(self, key: str) -> int:
        return sum(run.get(key) or 0 for run in self.runs)

    @property
    def failed_sites(self) -> list[str]:
        return [run["site"] for run in self.runs if run["status"] == "failed"]

    def failure_lines(self) -> list[str]:
        """One line per failed site, saying why (what cron should mail with the alerts)."""
        out = []
        for run in self.runs:
            if run["status"] != "failed":
                continue
            why = self.storage_failures.get(run["site"]) or _failure_reason(run)
            out.append(f"FAILED {run['site']}: {why}")
        return out

    def lines(self) -> list[str]:
        out = [
            f"{'site':22s} {'status':7s} {'pages':>6s} {'new':>5s} {'seen':>5s} {'dups':>5s} {'errors':>6s}"
        ]
        for run in self.runs:
            n = {k: run.get(k) or 0 for k in RUN_FIGURES}
            out.append(
                f"{run['site']:22s} {run['status']:7s} {n['pages_fetched']:6d} "
                f"{n['documents_new']:5d} {n['documents_seen']:5d} {n['duplicates']:5d} "
                f"{n['errors']:6d}"
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


def _failure_reason(run: dict[str, Any]) -> str:
    if run.get("finish_reason") == "crashed on start":
        return "the spider could not start (see the log)"
    if run.get("finish_reason") == "storage_error":
        return "the archive could not be written (see the log)"
    if not run.get("pages_fetched"):
        return f"no page could be fetched ({top_causes(run) or 'no answer'})"
    if not run.get("list_pages"):
        return f"no list page could be read ({top_causes(run) or 'no answer'})"
    if not run.get("documents_linked"):
        return "no document links on the list pages (first run)"
    return f"run ended as {run.get('finish_reason') or 'unknown'} (see the log)"


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
    db = connect(db_path)  # create the schema (and fail early on a bad path) before crawling
    locks, runnable, skipped, interrupted = [], [], [], []
    try:
        for site in sites:
            lock = SiteLock(db_path.parent, site.name)
            try:
                lock.acquire()
            except SiteLocked as exc:
                logger.warning("%s", exc)
                skipped.append(site.name)
                continue
            except OSError as exc:  # a full or read-only disk: the archive cannot be used
                raise storage_error(lock.path, exc, "take the site lock") from None
            locks.append(lock)
            runnable.append(site)
            # Holding the lock: a run of this site still "running" belongs to a dead process.
            interrupted += abandon_runs(db, site.name)
        (last_id,) = db.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()
    except BaseException:
        for lock in locks:
            lock.release()
        raise
    finally:
        db.close()
    try:
        summary = (
            _crawl(runnable, db_path, log_dir, overrides, quiet, last_id) if runnable else None
        )
    finally:
        for lock in locks:
            lock.release()
    if summary is None:
        summary = CrawlSummary(db_path=db_path, log_file=None)
    summary.skipped = skipped
    summary.interrupted = interrupted
    return summary


def _crawl(
    sites: list[ResolvedSite],
    db_path: Path,
    log_dir: str | Path | None,
    overrides: dict[str, Any] | None,
    quiet: bool,
    last_id: int,
) -> CrawlSummary:
    log_file = None
    if log_dir is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log_file = Path(log_dir) / f"crawl-{stamp}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
    # A log file on a full disk must not print "--- Logging error ---" with a traceback for
    # every record: the one clear message on the terminal says what happened.
    logging.raiseExceptions = False
    process = CrawlerProcess(scrapy_settings(db_path, log_file, overrides))
    if log_file is not None and not quiet:
        # Scrapy logs everything to the file; the terminal gets one line per warning or error.
        # With --quiet it gets nothing: the command prints only what cron should mail.
        logging.getLogger().addHandler(terminal_handler(sys.stderr))
    crawlers = {}
    for site in sites:
        crawlers[site.name] = process.create_crawler(site.family)
        process.crawl(crawlers[site.name], site=site)
    process.start()
    failures = {
        name: crawler.harvest_failure
        for name, crawler in crawlers.items()
        if getattr(crawler, "harvest_failure", None)
    }
    summary = _summarise(sites, db_path, last_id)
    summary.log_file = log_file
    summary.storage_failures = failures
    return summary


def _summarise(sites: list[ResolvedSite], db_path: Path, last_id: int) -> CrawlSummary:
    """The summary of the runs this crawl wrote (ids above ``last_id``)."""
    db = connect(db_path)
    try:
        names = [s.name for s in sites]
        marks = ", ".join("?" for _ in names)
        runs = list(
            db.query(
                f"SELECT * FROM runs WHERE id > ? AND site IN ({marks}) ORDER BY id",
                [last_id, *names],
            )
        )
        recorded = {r["site"] for r in runs}
        for run in runs:
            if run["status"] == "running":  # the process could not complete its row
                run.update(status="failed", finish_reason=run.get("finish_reason") or "unrecorded")
        # A site whose spider never reached the store stage (it crashed on start) has no row.
        for name in names:
            if name not in recorded:
                runs.append(
                    {
                        "site": name,
                        "status": "failed",
                        "finish_reason": "crashed on start",
                        "pages_fetched": 0,
                        "documents_new": 0,
                        "documents_seen": 0,
                        "duplicates": 0,
                        "errors": 1,
                    }
                )
        run_ids = [r["id"] for r in runs if r.get("id")]
        marks = ", ".join("?" for _ in run_ids)
        alerts = list(
            db.query(
                f"SELECT site, kind, message FROM alerts WHERE run_id IN ({marks}) ORDER BY id",
                run_ids,
            )
        )
        total = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        near, recycled = db.execute(
            "SELECT count(*), coalesce(sum(recycled), 0) FROM dedup_links"
        ).fetchone()
    finally:
        db.close()
    return CrawlSummary(
        db_path=db_path,
        log_file=None,
        runs=runs,
        documents_total=total,
        alerts=alerts,
        near_links=near,
        recycled_links=recycled,
    )
