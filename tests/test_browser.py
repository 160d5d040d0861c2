"""A researcher's walk through `harvest serve` in a real browser (Debian's headless chromium).

Starts the real ``harvest serve`` on a free 127.0.0.1 port against a demo-like archive, then with
Playwright driving ``/usr/bin/chromium``: opens the documents page, types a Chinese query in the
search box, opens a document, follows the link to a near copy in its cluster. Screenshots go to
``test-artifacts/browser/`` (git-ignored). ``make browser`` installs chromium and a CJK font
from Debian; without chromium this test fails and says how to install it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browse.test_serve import build_archive

# `harvest serve` in a process, driven by chromium
pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
# Playwright's own browser download cannot run here; Debian's build needs these to stay quiet
# and offline inside a container running as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "run `make browser` (apt-get install -y chromium fonts-wqy-microhei) as root"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 20) -> None:
    """Return once ``url`` answers; fail with the server's output if it died or never did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"harvest serve exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"harvest serve did not answer {url} within {seconds} s")


@contextlib.contextmanager
def harvest_serve(db_path: Path) -> Iterator[str]:
    """``harvest serve`` on ``db_path`` as a child process on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, dict[str, int]]]:
    """``harvest serve`` as a child process; yields its base URL and the document ids."""
    db_path = tmp_path / "harvest.db"
    ids = build_archive(db_path, clusters=True)
    with harvest_serve(db_path) as base:
        yield base, ids


@pytest.fixture
def page():
    """A Playwright page in Debian's chromium; fails (never skips) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser test needs Debian's chromium; {INSTALL_HINT}"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(10_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_researcher_searches_reads_and_follows_a_near_copy(server, page):
    base, ids = server
    page.goto(f"{base}/")
    shot(page, "00-home")
    page.click("text=documents 文档")
    page.wait_for_url("**/harvest/documents")
    assert page.locator("h1").first.inner_text() == "documents 文档"
    shot(page, "01-documents")

    # Two characters: trigram alone would find nothing.
    page.fill("#harvest-q", "科技")
    page.press("#harvest-q", "Enter")
    page.wait_for_url("**/harvest/documents?_q=*")
    assert "2 rows" in page.locator("h3").first.inner_text()
    titles = page.locator("table.rows-and-columns td.col-title a").all_inner_texts()
    assert sorted(titles) == ["科技局2019年上半年工作总结", "科技局2019年上半年工作总结范文"]
    shot(page, "02-search-科技")

    page.click(f'table.rows-and-columns a[href="/harvest/documents/{ids["gov"]}"]')
    page.wait_for_url(f"**/harvest/documents/{ids['gov']}")
    assert page.locator("h1").inner_text() == "科技局2019年上半年工作总结"
    assert page.locator(".harvest-text p").count() == 4
    assert page.locator(".harvest-sources tbody tr").count() == 2
    page.click(".harvest-original summary")  # the original text, on request
    assert page.locator(".harvest-original p").first.is_visible()
    shot(page, "03-document")

    page.click(".harvest-cluster-link")
    page.wait_for_url(f"**/harvest/documents/{ids['docs']}")
    assert page.locator("h1").inner_text() == "科技局2019年上半年工作总结范文"
    assert "不完整 Partial" in page.locator(".harvest-flag").first.inner_text()
    assert page.locator(".harvest-cluster-link").inner_text() == "科技局2019年上半年工作总结"
    shot(page, "04-near-copy")
