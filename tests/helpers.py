"""Helpers shared by several test modules."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.demo import (
    DEMO_CONFIG,
    DEMO_SITE,
    DEMO_URL_VARIABLE,
    PROJECT_ROOT,
    SiteControls,
    serve_directory,
)
from crawler.storage.pages import store_pages
from pipelines.dedup.index import NearDuplicateIndex
from pipelines.dedup.similarity import NearDupSettings


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
