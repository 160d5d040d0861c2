"""Run accounting and site health: one ``runs`` row per crawl of a site, checked against the
site's recent runs.

In:  the crawl's Scrapy stats and the store stage's counts (:func:`run_row`), or the id of a
     ``runs`` row just written (:func:`check_run`).
Out: the ``runs`` row; rows in ``alerts`` (site, run, kind, message), one log line per alert naming the site and
     the reason, and the alerts' count on the run row. ``harvest crawl`` exits non-zero when a
     run raised an alert, so cron mails it.

A site breaks quietly: the template changes and the list page yields no links, or the article
body moves and extraction keeps only a footer. Each rule looks for one such sign:

``unreachable``   no page could be fetched at all
``no_links``      list pages were read but gave no document links
``no_documents``  document links were found but no document was stored or confirmed unchanged,
                  where recent runs had some
``error_rate``    the share of failed requests jumped (at least 20%, and 2x the recent rate
                  plus 10 points)
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
TEXT_LENGTH_DROP = 0.5


@dataclass(frozen=True)
class Alert:
    site: str
    kind: str
    message: str


def _error_rate(run: dict[str, Any]) -> float:
    return (run.get("errors") or 0) / max(run.get("requests") or 0, 1)


def _documents_accounted(run: dict[str, Any]) -> int:
    return sum(run.get(k) or 0 for k in ("documents_seen", "not_modified", "not_due"))


def assess(run: dict[str, Any], history: list[dict[str, Any]]) -> list[Alert]:
    """The alerts ``run`` deserves, given the site's earlier runs (newest first)."""
    site = run["site"]
    alerts: list[Alert] = []
    if not run.get("pages_fetched"):
        return [Alert(site, "unreachable", "no page could be fetched (site down or blocking?)")]
    if (run.get("list_pages") or 0) > 0 and not run.get("documents_linked"):
        usual = max((r.get("documents_linked") or 0 for r in history), default=0)
        was = f" (recent runs found up to {usual})" if usual else ""
        alerts.append(
            Alert(
                site,
                "no_links",
                f"list pages gave no document links{was}: "
                "the list template or links.document may be wrong",
            )
        )
    elif (
        run.get("documents_linked")
        and not _documents_accounted(run)
        and any(_documents_accounted(r) for r in history)
    ):
        alerts.append(
            Alert(
                site,
                "no_documents",
                "document links were found but no document was stored or confirmed unchanged",
            )
        )
    rate = _error_rate(run)
    if history and rate >= ERROR_RATE_FLOOR:
        usual = statistics.mean(_error_rate(r) for r in history)
        if rate >= 2 * usual + 0.1:
            alerts.append(
                Alert(
                    site,
                    "error_rate",
                    f"error rate jumped to {rate:.0%} of requests (recent runs: {usual:.0%})",
                )
            )
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
    started: str,
    reason: str,
    stats: dict[str, Any],
    counts: dict[str, int],
    text_lengths: list[int],
) -> dict[str, Any]:
    """The ``runs`` row of one finished crawl of ``site`` from Scrapy's ``stats`` and the
    store stage's ``counts`` (:func:`crawler.storage.pages.store_pages`)."""
    spider_stat = {
        k.removeprefix("harvest/spider/"): v
        for k, v in stats.items()
        if k.startswith("harvest/spider/")
    }
    pages = stats.get("response_received_count", 0)
    errors = (
        stats.get("log_count/ERROR", 0)
        + stats.get("spider_exceptions/count", 0)
        + stats.get("downloader/exception_count", 0)
        + sum(v for k, v in spider_stat.items() if k.startswith("http_error/"))
    )
    failed = pages == 0 or stats.get("spider_exceptions/count", 0) > 0
    start_time = stats.get("start_time")
    responses = {
        k.rsplit("/", 1)[1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    return {
        "site": site,
        "started": started,
        "finished": utc_now(),
        # "shutdown": stopped by SIGINT/SIGTERM after finishing the requests in flight
        "status": "failed" if failed else "interrupted" if reason == "shutdown" else "ok",
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
        "errors": errors,
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


def record_run(db: sqlite_utils.Database, run: dict[str, Any]) -> tuple[int, list[Alert]]:
    """Write ``run`` (a :func:`run_row`) and check it; returns its id and its alerts."""
    with transaction(db) as conn:
        run_id = insert(conn, "runs", run).lastrowid
    if run["status"] == "failed":
        logger.error(
            "site %s: run failed: %d pages fetched, %d errors",
            run["site"],
            run["pages_fetched"],
            run["errors"],
        )
    return run_id, check_run(db, run_id)


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
    """One row per site seen in ``runs``: its last run, result, documents and open alerts."""
    return list(
        db.query(
            """
            SELECT r.site, r.finished AS last_run, r.status,
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
