"""Pagination state that survives the process: which document links a completed walk of a
site has seen, and which links are known to be dead.

In:  at the start of a crawl, a site name (:func:`load_walk_state`); during it, dead links
     (:func:`record_dead_links`); at its end, the links of a walk that completed
     (:func:`record_walk`).
Out: ``walked_links`` and ``dead_links`` rows (tables in :mod:`crawler.storage.schema`).

Why: an incremental run stops paginating at the first list page that brings nothing new. A
link stored by a run that was killed (or cut short by ``max_pages``) says nothing about the list
pages that run never reached, so the early stop trusts only links that a walk which *completed*
has seen; anything else keeps the walk going, and known documents are still not re-fetched.

A dead link (HTTP 404, robots.txt, a body that is not a text page) is remembered with its status,
reason and time so that it neither counts as new on every run nor is fetched again before it is
due. A transient failure (5xx after the retries, a timeout) is retried on the next run; after
:data:`GIVE_UP_ATTEMPTS` failed attempts it is treated like a dead link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.storage import transaction

GIVE_UP_ATTEMPTS = 3


@dataclass
class DeadLink:
    url: str
    status: int | None
    reason: str
    permanent: bool
    attempts: int = 1
    last_checked: str = ""

    def settled(self) -> bool:
        """True when the link needs no retry on the next run (it does not keep a walk open)."""
        return self.permanent or self.attempts >= GIVE_UP_ATTEMPTS

    def due(self, now: str, recheck_days: float) -> bool:
        """A settled dead link is tried again after ``recheck_days``; an unsettled one at once."""
        if not self.settled() or not self.last_checked:
            return True
        again = datetime.fromisoformat(self.last_checked) + timedelta(days=recheck_days)
        return again.isoformat(timespec="seconds") <= now


@dataclass
class WalkState:
    """What a crawl of one site starts from."""

    trusted: set[str] = field(default_factory=set)  # links seen by completed walks
    dead: dict[str, DeadLink] = field(default_factory=dict)


def load_walk_state(db: sqlite_utils.Database, site: str) -> WalkState:
    trusted = {url for (url,) in db.execute("SELECT url FROM walked_links WHERE site = ?", [site])}
    dead = {
        row["url"]: DeadLink(
            url=row["url"],
            status=row["status"],
            reason=row["reason"],
            permanent=bool(row["permanent"]),
            attempts=row["attempts"],
            last_checked=row["last_checked"],
        )
        for row in db.query(
            "SELECT url, status, reason, permanent, attempts, last_checked FROM dead_links"
            " WHERE site = ?",
            [site],
        )
    }
    return WalkState(trusted=trusted, dead=dead)


def record_dead_links(db: sqlite_utils.Database, site: str, links: Iterable[dict[str, Any]]) -> int:
    """Upsert dead links (``url``, ``status``, ``reason``, ``permanent``, ``checked``,
    ``list_url``): the attempt count grows, the first sighting stays."""
    count = 0
    with transaction(db) as conn:
        for link in links:
            conn.execute(
                "INSERT INTO dead_links (url, site, status, reason, permanent, attempts,"
                " first_seen, last_checked, list_url) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET status = excluded.status,"
                " reason = excluded.reason, permanent = excluded.permanent,"
                " attempts = attempts + 1, last_checked = excluded.last_checked",
                [
                    link["url"],
                    site,
                    link.get("status"),
                    link["reason"],
                    int(bool(link["permanent"])),
                    link["checked"],
                    link["checked"],
                    link.get("list_url"),
                ],
            )
            count += 1
    return count


def forget_dead_links(db: sqlite_utils.Database, urls: Iterable[str]) -> None:
    """Links that gave a document after all are no longer dead."""
    with transaction(db) as conn:
        conn.executemany("DELETE FROM dead_links WHERE url = ?", [(u,) for u in urls])


def record_walk(db: sqlite_utils.Database, site: str, urls: Iterable[str], walked: str) -> None:
    """The document links a completed walk saw: from now on the early stop trusts them."""
    with transaction(db) as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO walked_links (site, url, walked) VALUES (?, ?, ?)",
            [(site, url, walked) for url in urls],
        )
