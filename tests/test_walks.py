"""The pagination state that survives the process: what the early stop trusts after an older
archive is migrated, and when a dead link is asked again."""

from __future__ import annotations

from crawler.storage import connect
from crawler.storage.schema import SCHEMA_VERSION
from crawler.storage.walks import (
    GIVE_UP_ATTEMPTS,
    DeadLink,
    load_walk_state,
    record_dead_links,
    record_walk,
)


def test_an_older_archive_trusts_only_sites_whose_last_run_finished(tmp_path):
    path = tmp_path / "harvest.db"
    db = connect(path)
    for site, status, reason in (
        ("done", "ok", "finished"),
        ("killed", "ok", "closespider_pagecount"),
    ):
        db.execute(
            "INSERT INTO runs (site, started, status, finish_reason) VALUES (?, '2026-01-01', ?, ?)",
            [site, status, reason],
        )
        db.execute(
            "INSERT INTO sources (url, site, first_seen) VALUES (?, ?, '2026-01-01')",
            [f"http://{site}/a.html", site],
        )
    # as an archive of schema version 2 was: no pagination state at all
    db.execute("DROP TABLE walked_links")
    db.execute("DROP TABLE dead_links")
    db.execute("PRAGMA user_version=2")
    db.close()

    db = connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert load_walk_state(db, "done").trusted == {"http://done/a.html"}
    assert load_walk_state(db, "killed").trusted == set()  # its next run walks everything
    db.close()


def test_dead_links_count_attempts_and_settle(tmp_path):
    db = connect(tmp_path / "harvest.db")
    link = {"url": "http://s/a.html", "status": 503, "reason": "HTTP 503", "permanent": False}
    for n in range(GIVE_UP_ATTEMPTS):
        record_dead_links(db, "s", [{**link, "checked": f"2026-01-0{n + 1}T00:00:00+00:00"}])
        dead = load_walk_state(db, "s").dead["http://s/a.html"]
        assert dead.attempts == n + 1
        assert dead.settled() == (n + 1 >= GIVE_UP_ATTEMPTS)
    record_walk(db, "s", ["http://s/a.html", "http://s/b.html"], "2026-01-04T00:00:00+00:00")
    assert load_walk_state(db, "s").trusted == {"http://s/a.html", "http://s/b.html"}
    db.close()


def test_a_settled_dead_link_is_asked_again_only_after_the_recheck_interval():
    gone = DeadLink("u", 404, "HTTP 404", permanent=True, last_checked="2026-01-01T00:00:00+00:00")
    assert not gone.due("2026-01-30T00:00:00+00:00", recheck_days=30)
    assert gone.due("2026-01-31T00:00:00+00:00", recheck_days=30)
    flaky = DeadLink(
        "u", 503, "HTTP 503", permanent=False, last_checked="2026-01-01T00:00:00+00:00"
    )
    assert flaky.due("2026-01-01T00:00:01+00:00", recheck_days=30)  # retried on the next run
