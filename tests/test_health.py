"""Honest run health: broken sites fail with a reason, the error rate is a share of answered
requests naming its causes, robots.txt refusals are counted apart, a cut-short run says so,
`harvest status` shows it and `--quiet` prints exactly what cron should mail. Real crawls of
a copy of the demo government column served with faults; the rules themselves below."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from crawler.demo import DEMO_URL_VARIABLE
from crawler.storage.runs import Alert, assess, run_status, top_causes
from tests.helpers import DEMO_GOV_ARTICLES, demo_gov_site, query_archive

INDEX = "/gov/kjj/index.html"


@pytest.fixture
def site(tmp_path):
    with demo_gov_site(tmp_path) as served_site:
        yield served_site


def crawl(site, *args: str, base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "crawler.cli", "crawl", "demo_gov"]
    command += ["--config", str(site["config"]), "--db", str(site["db"]), *args]
    env = {**os.environ, DEMO_URL_VARIABLE: base_url or site["base_url"]}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def last_run(site) -> dict:
    rows = query_archive(
        site["db"],
        "SELECT status, finish_reason, attempts, page_errors, error_causes, robots_disallowed,"
        " truncated, walk_complete FROM runs ORDER BY id DESC LIMIT 1",
    )
    keys = ("status", "finish_reason", "attempts", "page_errors", "causes", "robots")
    keys += ("truncated", "walk_complete")
    return dict(zip(keys, rows[0], strict=True))


def kinds(site) -> set[str]:
    return {k for (k,) in query_archive(site["db"], "SELECT kind FROM alerts")}


pytestmark = pytest.mark.e2e


def test_a_first_crawl_whose_start_url_is_404_fails(site):
    site["controls"].status[INDEX] = 404
    result = crawl(site, "--quiet")
    assert result.returncode == 1
    assert result.stdout == ""
    # --quiet prints exactly the alert and one line for the failed site
    assert result.stderr.splitlines() == [
        "ALERT demo_gov: no_list_page: no list page could be read: 1 × HTTP 404 on list pages",
        "FAILED demo_gov: no list page could be read (1 × HTTP 404 on list pages)",
    ]
    assert last_run(site)["status"] == "failed"


def test_a_list_page_that_always_answers_500_fails_the_run(site):
    site["controls"].status[INDEX] = 500
    result = crawl(site, "-s", "RETRY_TIMES=1", "-s", "HARVEST_RETRY_BACKOFF=0")
    assert result.returncode == 1
    run = last_run(site)
    assert run["status"] == "failed" and run["walk_complete"] == 0
    assert json.loads(run["causes"]) == {"HTTP 500 on list pages": 1}
    assert "no_list_page" in kinds(site)


def test_a_first_run_without_document_links_fails(site):
    for name in ("index.html", "index_1.html"):
        page = site["root"] / "gov" / "kjj" / name
        page.write_bytes(page.read_bytes().replace(b'href="./20', b'data-href="./20'))
    result = crawl(site)
    assert result.returncode == 1
    assert last_run(site)["status"] == "failed"
    assert "no_links" in kinds(site)
    assert "FAILED demo_gov: no document links on the list pages (first run)" in result.stderr


def test_error_rate_is_a_share_of_answers_and_names_its_causes(site):
    for path in DEMO_GOV_ARTICLES[:4]:
        site["controls"].status[path] = 404
    result = crawl(site)
    assert result.returncode == 1
    run = last_run(site)
    # 2 list pages + 5 documents answered; 4 of them 404
    assert (run["attempts"], run["page_errors"]) == (7, 4)
    message = query_archive(site["db"], "SELECT message FROM alerts WHERE kind = 'error_rate'")
    assert message == [
        ("error rate 57% of answered requests (first run): 4 × HTTP 404 on document pages",)
    ]
    # the four dead links are remembered with their status and when
    dead = query_archive(site["db"], "SELECT status, reason, permanent FROM dead_links")
    assert dead == [(404, "HTTP 404", 1)] * 4
    # one warning line per failed request on the terminal, no traceback
    lines = result.stderr.splitlines()
    assert (
        len([line for line in lines if line.startswith("WARNING gov: site demo_gov: HTTP 404")])
        == 4
    )
    assert len(lines) == 5, result.stderr  # and the alert
    assert "Traceback" not in result.stderr


def test_robots_refusals_are_counted_apart_not_as_errors(site):
    (site["root"] / "robots.txt").write_text(
        f"User-agent: *\nDisallow: {DEMO_GOV_ARTICLES[0]}\n", encoding="utf-8"
    )
    result = crawl(site)
    assert result.returncode == 0, result.stderr
    run = last_run(site)
    assert run["robots"] == 1 and run["page_errors"] == 0 and run["status"] == "ok"
    assert query_archive(site["db"], "SELECT reason FROM dead_links") == [
        ("disallowed by robots.txt",)
    ]


def test_a_run_cut_by_max_pages_raises_truncated_and_the_next_run_continues(site):
    result = crawl(site, "-s", "CLOSESPIDER_PAGECOUNT=4")
    assert result.returncode == 1
    assert "ALERT demo_gov: truncated: stopped at max_pages" in result.stderr
    run = last_run(site)
    assert (run["truncated"], run["walk_complete"]) == (1, 0)
    status = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "status", "--db", str(site["db"])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "truncated" in status.stdout

    again = crawl(site)
    assert again.returncode == 0, again.stderr
    urls = {u for (u,) in query_archive(site["db"], "SELECT url FROM sources")}
    assert urls == {site["base_url"] + path for path in DEMO_GOV_ARTICLES}
    assert last_run(site)["walk_complete"] == 1


def test_an_unreachable_site_prints_one_line_per_failure_and_no_traceback(site):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = crawl(site, "-s", "RETRY_TIMES=0", base_url=dead)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 6, result.stderr
    assert "ALERT demo_gov: unreachable" in result.stderr
    quiet = crawl(site, "-s", "RETRY_TIMES=0", "--quiet", base_url=dead)
    assert quiet.stdout == ""
    assert [line.split(":")[0] for line in quiet.stderr.splitlines()] == [
        "ALERT demo_gov",
        "FAILED demo_gov",
    ]


# --- the rules -------------------------------------------------------------------------------


def run(**values) -> dict:
    base = {
        "site": "s",
        "finish_reason": "finished",
        "pages_fetched": 10,
        "list_pages": 2,
        "documents_linked": 8,
        "documents_seen": 8,
        "attempts": 10,
        "page_errors": 0,
        "error_causes": "{}",
        "truncated": 0,
        "stats": "{}",
    }
    return {**base, **values}


def test_the_error_rate_never_exceeds_all_answers():
    causes = json.dumps({"HTTP 404 on document pages": 12, "timeout on list pages": 3})
    alerts = assess(run(attempts=15, page_errors=15, error_causes=causes), [])
    assert alerts == [
        Alert(
            "s",
            "error_rate",
            "error rate 100% of answered requests (first run): "
            "12 × HTTP 404 on document pages, 3 × timeout on list pages",
        )
    ]


def test_old_rows_without_attempts_are_capped_too():
    old = {"errors": 30, "requests": 20}
    alerts = assess(run(attempts=10, page_errors=3, error_causes="{}"), [old])
    assert alerts == []  # 30% now against a capped 100% before: no jump


def test_status_rules():
    assert run_status(run(), first_run=True) == "ok"
    assert run_status(run(list_pages=0), first_run=False) == "failed"
    assert run_status(run(documents_linked=0), first_run=True) == "failed"
    assert run_status(run(documents_linked=0), first_run=False) == "ok"  # no_links alert only
    assert run_status(run(finish_reason="shutdown"), first_run=False) == "interrupted"
    assert run_status(run(finish_reason="storage_error"), first_run=False) == "failed"


def test_top_causes_are_ordered_and_limited():
    causes = {"a": 1, "b": 5, "c": 3, "d": 2}
    assert top_causes({"error_causes": json.dumps(causes)}) == "5 × b, 3 × c, 2 × d"


def test_a_dropped_page_is_logged_by_url_and_reason_never_dumped(site):
    article = site["root"] / DEMO_GOV_ARTICLES[0].lstrip("/")
    marker = "SECRET-BODY-MARKER-" * 200
    article.write_text(
        f"<html><head><script>var x = '{marker}';</script></head><body></body></html>",
        encoding="utf-8",
    )
    result = crawl(site)
    log_file = next((site["db"].parent / "logs").glob("crawl-*.log"))
    log = log_file.read_text(encoding="utf-8")
    url = site["base_url"] + DEMO_GOV_ARTICLES[0]
    assert f"Dropped {url}: no text extracted" in log
    assert "SECRET-BODY-MARKER" not in log + result.stdout + result.stderr
    assert "'body':" not in log
    # remembered, so that it does not count as new on every run
    dead = query_archive(site["db"], "SELECT url, reason FROM dead_links")
    assert dead == [(url, "no text extracted")]
