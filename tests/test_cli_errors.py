"""Every command meets a broken archive with one line naming the file and the cause: a corrupt
database, one on a read-only file system, a locked one; never a traceback."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo import DEMO_CONFIG
from crawler.storage import StorageError, connect, storage_cause, storage_error
from tests.helpers import mounted_tmpfs, remount

COMMANDS = [
    ["status"],
    ["dedup"],
    ["reextract", "--quiet"],
    ["export"],
    ["crawl", "--config", str(DEMO_CONFIG)],
]


def run(*args: str):
    env = {"HARVEST_DEMO_URL": "http://127.0.0.1:9"}
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_corrupt_archive_is_one_line(tmp_path, command):
    db = tmp_path / "harvest.db"
    db.write_bytes(b"SQLite format 2\0" + b"\x13" * 8000)
    result = run(*command, "--db", str(db))
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"Error: {db}: cannot ")
    assert last.endswith(": the database file is corrupt")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def read_only_archive(tmp_path):
    """An archive on a tmpfs remounted read-only (root only)."""
    with mounted_tmpfs(tmp_path / "ro", "8m") as mount_point:
        db = mount_point / "harvest.db"
        connect(db).close()
        remount(mount_point, "ro")
        yield db


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] != "export"], ids=lambda c: c[0])
def test_a_read_only_archive_is_one_line(read_only_archive, command):
    result = run(*command, "--db", str(read_only_archive))
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"Error: {read_only_archive}: cannot ")
    assert last.endswith("the archive is read-only (file system or permissions)")
    assert "Traceback" not in result.output


def test_a_locked_archive_names_the_cause(tmp_path):
    db = tmp_path / "harvest.db"
    connect(db).close()
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        waiting = sqlite3.connect(db, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError) as info:
            waiting.execute("BEGIN IMMEDIATE")
        waiting.close()
    finally:
        holder.rollback()
        holder.close()
    error = storage_error(db, info.value, "write to the archive")
    assert isinstance(error, StorageError)
    assert str(error) == (
        f"{db}: cannot write to the archive: the database is locked by another process"
    )


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("database or disk is full", "the disk is full"),
        ("attempt to write a readonly database", "the archive is read-only"),
        ("file is not a database", "the database file is corrupt"),
        ("database disk image is malformed", "the database file is corrupt"),
    ],
)
def test_sqlite_messages_become_causes(message, cause):
    assert storage_cause(sqlite3.OperationalError(message)) == cause


def test_os_errors_become_causes():
    assert storage_cause(OSError(28, "No space left on device")) == "the disk is full"
    assert storage_cause(OSError(30, "Read-only file system")).startswith("the archive is on")


@pytest.mark.e2e
def test_the_demo_refuses_another_port_instead_of_changing_its_urls(tmp_path, monkeypatch):
    import socket

    import crawler.demo

    with socket.socket() as blocker:  # the demo's port, taken (a free one, so tests never clash)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        monkeypatch.setattr(crawler.demo, "DEMO_PORT", port)
        result = run("demo", "--db", str(tmp_path / "harvest.db"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: the demo site needs port {port}: 127.0.0.1:{port} is in use "
        "(Address already in use); stop what uses it (the demo's archive rows carry its URLs, "
        "so it never moves to another port)"
    ]
    assert not (tmp_path / "harvest.db").exists()
