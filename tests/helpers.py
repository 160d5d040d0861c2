"""Helpers shared by several test modules."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy import Request, Spider

from crawler.demo import (
    DEMO_CONFIG,
    DEMO_SITE,
    DEMO_URL_VARIABLE,
    SiteControls,
    serve_directory,
)
from crawler.storage.pages import store_pages
from pipelines.dedup.index import NearDuplicateIndex
from pipelines.dedup.settings import NearDupSettings

# the checkout's root: where a user runs `harvest` and `scrapy` from
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def harvest(
    *args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def crawl_demo(db: Path, base_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    """`harvest crawl` of the whole demo config into ``db``, against a running demo server."""
    return harvest(
        "crawl",
        "--config",
        str(DEMO_CONFIG),
        "--db",
        str(db),
        *options,
        env={DEMO_URL_VARIABLE: base_url},
    )


# The demo sites whose documents are HTML pages; `demo_files` (reports as attachments, whose
# files LibreOffice makes) is crawled by tests/attachments/test_demo.py and tests/test_e2e.py.
DEMO_PAGE_SITES = ("demo_gov", "demo_docshare1", "demo_docshare2")

# The demo government column's five articles, newest first, as the demo server's paths.
DEMO_GOV_ARTICLES = [
    "/gov/kjj/202001/t20200116_361045.html",
    "/gov/kjj/201906/t20190628_358021.html",
    "/gov/kjj/201903/t20190305_352210.html",
    "/gov/kjj/201901/t20190110_348876.html",
    "/gov/kjj/201807/t20180712_331457.html",
]


def demo_gov_config(path: Path, **defaults: Any) -> dict[str, Any]:
    """Write to ``path`` the demo config cut down to its government column, with ``defaults``
    merged into its ``defaults:`` block (one level deep); return the data written."""
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["sites"] = [s for s in data["sites"] if s["name"] == "demo_gov"]
    for key, value in defaults.items():
        if isinstance(value, dict):
            data["defaults"].setdefault(key, {}).update(value)
        else:
            data["defaults"][key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return data


@contextlib.contextmanager
def demo_gov_site(tmp_path: Path, **defaults: Any) -> Iterator[dict[str, Any]]:
    """A private copy of the demo site served with test controls, and a config for demo_gov
    (``defaults`` as for :func:`demo_gov_config`): root, controls, config, base_url, db."""
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    config = tmp_path / "config.yaml"
    demo_gov_config(config, **defaults)
    controls = SiteControls()
    with serve_directory(root, controls=controls) as base_url:
        yield {
            "root": root,
            "controls": controls,
            "config": config,
            "base_url": base_url,
            "db": tmp_path / "archive" / "harvest.db",
        }


@contextlib.contextmanager
def mounted_tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``mount_point`` (a real small or read-only file system for the
    disk-full and read-only tests); skips the test when not root or when mounting fails."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mount_point.mkdir(exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def remount(mount_point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mount_point)], check=True)


def start_scheduler(config: Path, db: Path, base_url: str) -> subprocess.Popen[str]:
    """`harvest schedule` without jitter against a demo server, output captured."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "schedule",
            "--config",
            str(config),
            "--db",
            str(db),
            "--jitter",
            "0",
        ],
        env={**os.environ, DEMO_URL_VARIABLE: base_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def query_archive(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Rows of ``sql`` on an archive another process may still be creating: none while the
    file or its schema does not exist yet. Writes are committed."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=10)
    try:
        rows = conn.execute(sql, params).fetchall()
        conn.commit()
        return rows
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        conn.close()


def store_linked(db: Any, rows: Sequence[dict[str, Any]], *args: Any, **kwargs: Any) -> dict:
    """``store_pages`` as the store stage calls it: with the near-duplicate index linking and
    clustering every page in the same transaction."""
    index = NearDuplicateIndex(NearDupSettings()).open(db.conn)
    return store_pages(db, rows, *args, link=index, **kwargs)


class OutputWatcher:
    """Collects a process's text output on a thread, so a test can wait for one line (a
    process's own "ready" or "done" message) instead of sleeping for a guessed time."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, name="output-watcher", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            self._new.put(line)
        self._new.put(None)  # end of output: the process has closed it or ended

    def wait_for(self, text: str, timeout: float) -> str:
        """The first line from now on that contains ``text``; fails with the output so far when
        the process ends or ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"process ended before {text!r}:\n{self.output}")
            if text in line:
                return line
        raise AssertionError(f"no {text!r} within {timeout:.0f} s:\n{self.output}")

    def finish(self, timeout: float) -> str:
        """Wait for the process to end; return all of its output."""
        self.process.wait(timeout=timeout)
        self._thread.join(timeout=timeout)
        return self.output

    @property
    def output(self) -> str:
        return "".join(self.lines)


def kinds(results) -> tuple[list[tuple[str, str | None, str | None]], list[tuple[str, int]]]:
    """A spider callback's requests split into (document requests as (url, list title, list
    date), list-page requests as (url, 0-based page index)); nothing else may be yielded."""
    out = list(results)
    assert all(isinstance(r, Request) for r in out)
    docs = [
        (r.url, r.cb_kwargs["list_title"], r.cb_kwargs["list_date"])
        for r in out
        if r.callback.__name__ == "parse_document"
    ]
    lists = [(r.url, r.cb_kwargs["list_page"]) for r in out if r.callback.__name__ == "parse"]
    assert len(docs) + len(lists) == len(out)
    return docs, lists


def stat(spider: Spider, key: str) -> Any:
    """One of the family spiders' own stats (``harvest/spider/<key>``)."""
    return spider.crawler.stats.get_value(f"harvest/spider/{key}")
