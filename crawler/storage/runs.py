"""Run accounting and site health: one ``runs`` row per crawl of a site, checked against the
site's recent runs.

In:  the crawl's start (:func:`start_run` writes a ``running`` row at once, so a killed crawl
     still shows), its Scrapy stats and the store stage's counts (:func:`run_row`,
     :func:`finish_run`).
Out: the ``runs`` row; rows in ``alerts`` (site, run, kind, message), one log line per alert
     naming the site and the reason, and the alerts' count on the run row. ``harvest crawl``
     exits non-zero when a run failed or raised an alert, so cron mails it.

A run's status: ``running`` while it runs; ``ok``; ``interrupted`` (stopped by SIGINT/SIGTERM,
or, found by the next run of the site, ``finish_reason = 'killed'``: the process died);
``failed`` when no page or no list page could be read, when the spider crashed, when the archive
could not be written, or when a site's first run found no document link.

A site breaks quietly: the template changes and the list page yields no links, or the article
body moves and extraction keeps only a footer. Each rule looks for one such sign:

``unreachable``   no page could be fetched at all
``no_list_page``  pages were fetched but no list page could be read (every one errored)
``no_links``      list pages were read but gave no document links
``no_documents``  document links were found but no document was stored or confirmed unchanged,
                  where recent runs had some
``error_rate``    the share of failed list/document requests (of all that got an answer or
                  finally failed; robots.txt refusals are counted apart) jumped (at least 20%,
                  and 2x the recent rate plus 10 points), or is at least half on a first run;
                  the message names the top causes
``truncated``     the run was cut by ``max_pages`` or pagination by ``max_list_pages``
``storage``       the archive could not be written (disk full, read-only, locked, corrupt)
``text_length``   pages fetched again lost more than half of their text (at least half of the
                  changed pages), or the mean extracted text length fell below half of the
                  recent runs' median
"""

from __future__ import annotations

import json
import logging
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from crawler.storage import insert, transaction
from pipelines.text import utc_now

logger = logging.getLogger(__name__)

HISTORY = 5  # recent successful runs a run is compared with
MIN_PAGES_FOR_MEAN = 3  # a mean text length over fewer pages says more about the pages
ERROR_RATE_FLOOR = 0.2
FIRST_RUN_ERROR_RATE = 0.5
TEXT_LENGTH_DROP = 0.5
TOP_CAUSES = 3
# Spider stats under harvest/spider/ (crawler.spiders.base) that this module reads.
ERROR_PREFIX = "error/"  # error/<cause>: one failed list or document request


@dataclass(frozen=True)
class Alert:
    site: str
    kind: str
    message: str


def _error_rate(run: dict[str, Any]) -> float:
    """Failed list/document requests as a share of those that got an answer or finally failed
    (at most 1). Rows written before these were counted fall back to errors per request."""
    if run.get("attempts") is not None:
        return (run.get("page_errors") or 0) / max(run["attempts"], 1)
    return min((run.get("errors") or 0) / max(run.get("requests") or 0, 1), 1.0)


def top_causes(run: dict[str, Any], limit: int = TOP_CAUSES) -> str:
    """``"12 × HTTP 404 on document pages, 3 × timeout on list pages"``, largest first."""
    causes = json.loads(run.get("error_causes") or "{}")
    ranked = sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return ", ".join(f"{count} × {cause}" for cause, count in ranked)


def _documents_accounted(run: dict[str, Any]) -> int:
    return sum(run.get(k) or 0 for k in ("documents_seen", "not_modified", "not_due"))


def assess(run: dict[str, Any], history: list[dict[str, Any]]) -> list[Alert]:
    """The alerts ``run`` deserves, given the site's earlier runs (newest first)."""
    site = run["site"]
    if run.get("finish_reason") == "storage_error":
        return [Alert(site, "storage", "the archive could not be written; see the log")]
    if not run.get("pages_fetched"):
        causes = top_causes(run)
        why = f": {causes}" if causes else " (site down or blocking?)"
        return [Alert(site, "unreachable", f"no page could be fetched{why}")]
    alerts = _link_alerts(run, history)
    if not any(alert.kind == "no_list_page" for alert in alerts):  # that one names the causes
        alerts += _error_rate_alerts(run, history)
    if run.get("truncated"):
        alerts.append(Alert(site, "truncated", _truncation(run)))
    return alerts + _text_alerts(run, history)


def _link_alerts(run: dict[str, Any], history: list[dict[str, Any]]) -> list[Alert]:
    site = run["site"]
    if not run.get("list_pages"):
        causes = top_causes(run) or "no list page answered"
        return [Alert(site, "no_list_page", f"no list page could be read: {causes}")]
    if not run.get("documents_linked"):
        usual = max((r.get("documents_linked") or 0 for r in history), default=0)
        was = f" (recent runs found up to {usual})" if usual else ""
        return [
            Alert(
                site,
                "no_links",
                f"list pages gave no document links{was}: "
                "the list template or links.document may be wrong",
            )
        ]
    if not _documents_accounted(run) and any(_documents_accounted(r) for r in history):
        return [
            Alert(
                site,
                "no_documents",
                "document links were found but no document was stored or confirmed unchanged",
            )
        ]
    return []


def _error_rate_alerts(run: dict[str, Any], history: list[dict[str, Any]]) -> list[Alert]:
    rate = _error_rate(run)
    if rate < ERROR_RATE_FLOOR:
        return []
    causes = top_causes(run)
    if history:
        usual = statistics.mean(_error_rate(r) for r in history)
        if rate < 2 * usual + 0.1:
            return []
        was = f"recent runs: {usual:.0%}"
    elif rate >= FIRST_RUN_ERROR_RATE:
        was = "first run"
    else:
        return []
    message = f"error rate {rate:.0%} of answered requests ({was}): {causes}"
    return [Alert(run["site"], "error_rate", message)]


def _truncation(run: dict[str, Any]) -> str:
    stats = json.loads(run.get("stats") or "{}")
    parts = []
    if run.get("finish_reason") == "closespider_pagecount":
        parts.append(f"stopped at max_pages ({run.get('pages_fetched')} responses)")
    beyond = stats.get("harvest/spider/pages_beyond_limit")
    if beyond:
        parts.append(f"{beyond} list page link(s) beyond max_list_pages not followed")
    return "; ".join(parts) + ": raise the limits in config.yaml to read the whole site"


def _text_alerts(run: dict[str, Any], history: list[dict[str, Any]]) -> list[Alert]:
    site = run["site"]
    alerts: list[Alert] = []
    shrunk, changed = run.get("documents_shrunk") or 0, run.get("documents_changed") or 0
    if shrunk and shrunk * 2 >= changed:
        alerts.append(
            Alert(
                site,
                "text_length",
                f"{shrunk} of {changed} changed pages lost more than half of their text: "
                "the page template may have changed",
            )
        )
        return alerts
    lengths = [r["text_length_mean"] for r in history if r.get("text_length_mean")]
    current = run.get("text_length_mean")
    if current and lengths:
        usual = statistics.median(lengths)
        if current < TEXT_LENGTH_DROP * usual:
            alerts.append(
                Alert(
                    site,
                    "text_length",
                    f"mean extracted text length fell to {current:.0f} characters "
                    f"(recent runs: {usual:.0f}): the page template may have changed",
                )
            )
    return alerts


def run_row(
    site: str,
    reason: str,
    stats: dict[str, Any],
    counts: dict[str, int],
    text_lengths: list[int],
    walk_complete: bool = False,
) -> dict[str, Any]:
    """The ``runs`` columns of one finished crawl of ``site`` from Scrapy's ``stats`` and the
    store stage's ``counts`` (:func:`crawler.storage.pages.store_pages`). ``status`` is
    settled by :func:`finish_run`, which knows the site's history."""
    spider_stat = {
        k.removeprefix("harvest/spider/"): v
        for k, v in stats.items()
        if k.startswith("harvest/spider/")
    }
    causes = {
        k.removeprefix(ERROR_PREFIX): v
        for k, v in spider_stat.items()
        if k.startswith(ERROR_PREFIX)
    }
    page_errors = sum(causes.values())
    pages = stats.get("response_received_count", 0)
    start_time = stats.get("start_time")
    responses = {
        k.rsplit("/", 1)[1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    return {
        "finished": utc_now(),
        "finish_reason": reason,
        "pages_fetched": pages,
        "documents_seen": counts.get("sources", 0),
        "documents_new": counts.get("new", 0),
        "documents_updated": counts.get("updated", 0),
        "documents_changed": counts.get("changed", 0),
        "documents_unchanged": counts.get("unchanged", 0),
        "not_modified": spider_stat.get("not_modified", 0),
        "not_due": spider_stat.get("not_due", 0),
        "list_pages": spider_stat.get("list_pages", 0),
        "documents_linked": spider_stat.get("documents_linked", 0),
        "duplicates": counts.get("copies", 0),
        "errors": page_errors + stats.get("spider_exceptions/count", 0),
        "attempts": spider_stat.get("attempts", 0),
        "page_errors": page_errors,
        "error_causes": json.dumps(causes, ensure_ascii=False, sort_keys=True),
        "robots_disallowed": stats.get("robotstxt/forbidden", 0),
        "truncated": int(
            reason == "closespider_pagecount" or bool(spider_stat.get("pages_beyond_limit"))
        ),
        "walk_complete": int(walk_complete),
        "requests": stats.get("downloader/request_count", 0),
        "responses": json.dumps(responses, sort_keys=True),
        "text_length_mean": (
            sum(text_lengths) / len(text_lengths)
            if len(text_lengths) >= MIN_PAGES_FOR_MEAN
            else None
        ),
        "documents_shrunk": counts.get("shrunk", 0),
        "duration_seconds": (
            (datetime.now(UTC) - start_time).total_seconds()
            if isinstance(start_time, datetime)
            else None
        ),
        "stats": json.dumps(stats, default=str, ensure_ascii=False, sort_keys=True),
    }


def run_status(run: dict[str, Any], first_run: bool, crashed: bool = False) -> str:
    """``failed``, ``interrupted`` or ``ok`` for a finished run (see the module docstring)."""
    if (
        crashed
        or run["finish_reason"] == "storage_error"
        or not run["pages_fetched"]
        or not run["list_pages"]
        or (first_run and not run["documents_linked"])
    ):
        return "failed"
    return "interrupted" if run["finish_reason"] == "shutdown" else "ok"


def start_run(db: sqlite_utils.Database, site: str, started: str, pid: int) -> int:
    """A ``running`` row for a crawl that has just started; its id."""
    with transaction(db) as conn:
        row = {"site": site, "started": started, "status": "running", "pid": pid}
        return insert(conn, "runs", row).lastrowid


def abandon_runs(db: sqlite_utils.Database, site: str) -> list[dict[str, Any]]:
    """Mark the ``running`` rows of ``site`` as interrupted (``finish_reason = 'killed'``).

    Call it holding the site's lock: no live process is then crawling the site, so such a row
    belongs to a crawl that died without closing (SIGKILL, a crash, a reboot)."""
    rows = list(db.query("SELECT * FROM runs WHERE site = ? AND status = 'running'", [site]))
    if rows:
        with transaction(db) as conn:
            conn.executemany(
                "UPDATE runs SET status = 'interrupted', finish_reason = 'killed' WHERE id = ?",
                [(row["id"],) for row in rows],
            )
    for row in rows:
        logger.warning(
            "site %s: the run started %s (process %s) never finished; this run continues its walk",
            site,
            row["started"],
            row["pid"],
        )
    return rows


def finish_run(
    db: sqlite_utils.Database, run_id: int, run: dict[str, Any], crashed: bool = False
) -> list[Alert]:
    """Complete row ``run_id`` with ``run`` (a :func:`run_row`), settle its status and check
    it against the site's history; returns its alerts."""
    site = next(db.query("SELECT site FROM runs WHERE id = ?", [run_id]))["site"]
    (earlier,) = db.execute(
        "SELECT count(*) FROM runs WHERE site = ? AND id < ? AND status = 'ok'", [site, run_id]
    ).fetchone()
    run = {**run, "status": run_status(run, first_run=not earlier, crashed=crashed)}
    with transaction(db) as conn:
        sets = ", ".join(f"{column} = ?" for column in run)
        conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*run.values(), run_id])
    if run["status"] == "failed":
        logger.error(
            "site %s: run failed: %d pages fetched, %d list pages read, %d errors",
            site,
            run["pages_fetched"],
            run["list_pages"],
            run["errors"],
        )
    return check_run(db, run_id)


def record_run(db: sqlite_utils.Database, run: dict[str, Any]) -> tuple[int, list[Alert]]:
    """Write a run that finished elsewhere in one go (the distributed ingester, or a crawl
    child recording its own): ``run`` is a :func:`run_row` with its ``site`` and ``started``.
    Returns its id and its alerts."""
    run_id = start_run(db, run["site"], run["started"], run.get("pid") or 0)
    finished = {k: v for k, v in run.items() if k not in ("site", "started", "pid")}
    return run_id, finish_run(db, run_id, finished)


def check_run(db: sqlite_utils.Database, run_id: int) -> list[Alert]:
    """Assess run ``run_id`` against the site's recent successful runs; store and log alerts."""
    run = next(db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
    history = list(
        db.query(
            "SELECT * FROM runs WHERE site = ? AND id < ? AND status = 'ok' "
            "ORDER BY id DESC LIMIT ?",
            [run["site"], run_id, HISTORY],
        )
    )
    alerts = assess(run, history)
    created = utc_now()
    with transaction(db) as conn:
        for alert in alerts:
            logger.error("site %s: ALERT %s: %s", alert.site, alert.kind, alert.message)
            conn.execute(
                "INSERT INTO alerts (site, run_id, created, kind, message) VALUES (?, ?, ?, ?, ?)",
                [alert.site, run_id, created, alert.kind, alert.message],
            )
        conn.execute("UPDATE runs SET alerts = ? WHERE id = ?", [len(alerts), run_id])
    return alerts


def status_table(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One row per site seen in ``runs``: its last run, result, documents, errors (failed
    of answered requests), robots.txt refusals and the alerts of that run."""
    return list(
        db.query(
            """
            SELECT r.site, coalesce(r.finished, r.started) AS last_run, r.status, r.pid,
                   r.finish_reason, r.attempts, r.page_errors, r.robots_disallowed,
                   r.documents_new AS new, r.documents_changed AS changed,
                   (SELECT count(*) FROM sources s WHERE s.site = r.site) AS documents,
                   r.alerts AS alerts,
                   (SELECT group_concat(kind, ',') FROM alerts a WHERE a.run_id = r.id) AS reasons
            FROM runs r
            WHERE r.id = (SELECT max(id) FROM runs WHERE site = r.site)
            ORDER BY r.site
            """
        )
    )
