"""Incremental harvesting against a copy of the demo site whose pages and answers the tests
change between runs: conditional requests, early pagination stop, versions, alerts, locks and
a crawl killed with SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from crawler.demo import DEMO_URL_VARIABLE
from tests.helpers import DEMO_GOV_ARTICLES, demo_gov_site, query_archive

# every test here runs crawls in processes against a local server
pytestmark = pytest.mark.e2e

ARTICLES = DEMO_GOV_ARTICLES
LIST_PAGES = ["/gov/kjj/index.html", "/gov/kjj/index_1.html"]


@pytest.fixture
def site(tmp_path):
    """A private copy of the demo site served with test controls, and a config for demo_gov."""
    # every known page is due
    with demo_gov_site(tmp_path, incremental={"min_refetch_hours": 0}) as served_site:
        yield served_site


def crawl(site, *args: str, wait: bool = True):
    command = [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        "demo_gov",
        "--config",
        str(site["config"]),
        "--db",
        str(site["db"]),
        *args,
    ]
    env = {**os.environ, DEMO_URL_VARIABLE: site["base_url"]}
    if not wait:
        return subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def query(site, sql: str, params=()) -> list[tuple]:
    return query_archive(site["db"], sql, params)


def served(site) -> list[tuple]:
    requests = list(site["controls"].requests)
    site["controls"].requests.clear()
    return [r for r in requests if r[0] != "/robots.txt"]


def test_unchanged_site_second_run_reads_one_list_page_and_gets_304s(site):
    first = crawl(site)
    assert first.returncode == 0, first.stderr
    assert sorted(r[0] for r in served(site)) == sorted(LIST_PAGES + ARTICLES)

    second = crawl(site)
    assert second.returncode == 0, second.stderr
    requests = served(site)
    # Three of the five articles are on index.html; none is new, so index_1.html is not read.
    assert [r[0] for r in requests if r[0] in LIST_PAGES] == ["/gov/kjj/index.html"]
    documents = [r for r in requests if r[0] in ARTICLES]
    assert len(documents) == 3
    assert all(r[1] and r[1].startswith('"') for r in documents)  # If-None-Match sent
    assert all(r[2] for r in documents)  # If-Modified-Since sent
    assert all(r[3] == 304 for r in documents)
    run = query(
        site,
        "SELECT not_modified, documents_seen, documents_new, status, alerts"
        " FROM runs ORDER BY id DESC LIMIT 1",
    )[0]
    assert run == (3, 0, 0, "ok", 0)
    assert query(site, "SELECT count(*) FROM documents")[0][0] == 5


def test_full_walk_reads_every_list_page(site):
    crawl(site)
    served(site)
    assert crawl(site, "--full").returncode == 0
    assert {r[0] for r in served(site)} == set(LIST_PAGES + ARTICLES)


def test_known_documents_are_not_fetched_before_they_are_due(site):
    assert crawl(site).returncode == 0
    served(site)
    query(site, "UPDATE sources SET next_fetch_after = '2999-01-01T00:00:00+00:00'")
    assert crawl(site).returncode == 0
    assert [r[0] for r in served(site)] == ["/gov/kjj/index.html"]
    assert query(site, "SELECT not_due FROM runs ORDER BY id DESC LIMIT 1")[0][0] == 3


def test_changed_page_becomes_a_new_version_and_old_text_stays(site):
    crawl(site)
    article = site["root"] / ARTICLES[0].lstrip("/")
    html = article.read_bytes()
    marker = "二〇二〇年新增一段修订说明，本段为更新内容。".encode("gb18030")
    article.write_bytes(html.replace(b"</p>", b"</p><p>" + marker + b"</p>", 1))
    result = crawl(site)
    assert result.returncode == 0, result.stderr
    url = site["base_url"] + ARTICLES[0]
    versions = query(
        site, "SELECT document_id FROM document_versions WHERE url = ? ORDER BY id", [url]
    )
    assert len(versions) == 2
    old, new = (
        query(site, "SELECT text FROM documents WHERE id = ?", [v[0]])[0][0] for v in versions
    )
    assert "新增一段修订说明" in new and "新增一段修订说明" not in old
    assert query(site, "SELECT document_id, changes FROM sources WHERE url = ?", [url])[0] == (
        versions[1][0],
        1,
    )
    assert query(site, "SELECT documents_changed FROM runs ORDER BY id DESC LIMIT 1")[0][0] == 1


def test_template_change_raises_an_alert_and_fails_the_run(site):
    assert crawl(site).returncode == 0
    index = site["root"] / "gov" / "kjj" / "index.html"
    html = index.read_bytes()
    # the column moved its links into a script-rendered widget: no <a href> to articles left
    index.write_bytes(html.replace(b'href="./20', b'data-href="./20'))
    result = crawl(site)
    assert result.returncode == 1
    assert "ALERT demo_gov: no_links" in result.stderr
    alerts = query(site, "SELECT site, kind FROM alerts")
    assert alerts == [("demo_gov", "no_links")]
    status = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "status", "--db", str(site["db"])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "demo_gov" in status.stdout and "no_links" in status.stdout


def test_server_errors_raise_an_error_rate_alert(site):
    assert crawl(site, "--full").returncode == 0
    for path in ARTICLES:
        site["controls"].status[path] = 500
    result = crawl(site, "--full", "-s", "RETRY_TIMES=0")
    assert result.returncode == 1
    kinds = {k for (k,) in query(site, "SELECT kind FROM alerts")}
    assert "error_rate" in kinds


def test_second_concurrent_crawl_of_a_site_waits_out(site):
    for path in ARTICLES:
        site["controls"].delay[path] = 1.0
    first = crawl(site, wait=False)
    deadline = time.monotonic() + 20
    lock = site["db"].parent / "locks" / "demo_gov.lock"
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = crawl(site)
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert second.returncode == 0
    assert "skipped demo_gov: another process is crawling it" in second.stderr
    assert query(site, "SELECT count(*) FROM runs")[0][0] == 1


def snapshot(site) -> tuple:
    return (
        sorted(query(site, "SELECT content_hash, title, text FROM documents")),
        sorted(query(site, "SELECT url, site, status FROM sources")),
        sorted(query(site, "SELECT url, content_hash FROM document_versions")),
    )


def test_killed_crawl_resumes_to_the_same_rows(site, tmp_path):
    # the reference: one uninterrupted crawl
    assert crawl(site).returncode == 0
    reference = snapshot(site)
    shutil.rmtree(site["db"].parent)

    for path in ARTICLES[2:]:
        site["controls"].delay[path] = 3.0
    victim = crawl(site, "-s", "HARVEST_BATCH_SIZE=1", wait=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (query(site, "SELECT count(*) FROM documents") or [(0,)])[0][0] >= 1:
            break
        time.sleep(0.1)
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    stored = query(site, "SELECT count(*) FROM documents")[0][0]
    assert 1 <= stored < 5  # killed midway, with some rows written
    assert query(site, "PRAGMA integrity_check")[0][0] == "ok"

    site["controls"].delay.clear()
    result = crawl(site)
    assert result.returncode == 0, result.stderr
    assert snapshot(site) == reference


def test_a_huge_page_is_dropped_with_a_reason_and_the_rest_is_stored(site):
    data = yaml.safe_load(site["config"].read_text(encoding="utf-8"))
    data["defaults"]["limits"]["max_page_bytes"] = 64 * 1024
    site["config"].write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    article = site["root"] / ARTICLES[0].lstrip("/")
    padding = b"<p>" + "重复的填充内容。".encode("gb18030") * 20000 + b"</p>"
    article.write_bytes(article.read_bytes().replace(b"</body>", padding + b"</body>"))
    result = crawl(site)
    assert "larger than download max size" in result.stderr
    assert ARTICLES[0] in result.stderr
    urls = {u for (u,) in query(site, "SELECT url FROM sources")}
    assert urls == {site["base_url"] + a for a in ARTICLES[1:]}


def test_server_errors_are_retried_with_growing_waits(site):
    site["controls"].status[ARTICLES[0]] = 503
    result = crawl(site, "-s", "RETRY_TIMES=2", "-s", "HARVEST_RETRY_BACKOFF=0.5")
    times = [r[4] for r in site["controls"].requests if r[0] == ARTICLES[0]]
    assert len(times) == 3  # the first try and two retries
    first_wait, second_wait = times[1] - times[0], times[2] - times[1]
    assert first_wait >= 0.5
    assert second_wait >= 1.0
    assert "503" in result.stderr  # the page is reported, the rest is stored
    assert query(site, "SELECT count(*) FROM sources")[0][0] == len(ARTICLES) - 1
