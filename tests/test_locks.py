"""Per-site crawl locks: one holder at a time, stale locks of dead processes taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from crawler.locks import SiteLock, SiteLocked

HOLD = """
import sys, time
from crawler.locks import SiteLock
lock = SiteLock(sys.argv[1], "demo_gov")
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def hold_in_child(archive) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(archive)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "locked"
    return child


@pytest.mark.e2e
def test_second_holder_is_refused_while_first_lives(tmp_path):
    child = hold_in_child(tmp_path)
    try:
        with pytest.raises(SiteLocked) as info:
            SiteLock(tmp_path, "demo_gov").acquire()
        assert info.value.holder == child.pid
        assert f"being crawled by process {child.pid}" in str(info.value)
        SiteLock(tmp_path, "other_site").acquire()  # other sites are independent
    finally:
        child.kill()
        child.wait()


@pytest.mark.e2e
def test_lock_of_a_killed_process_is_taken_over(tmp_path, caplog):
    child = hold_in_child(tmp_path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert (tmp_path / "locks" / "demo_gov.lock").read_text().strip() == str(child.pid)
    with caplog.at_level("WARNING"), SiteLock(tmp_path, "demo_gov"):
        assert (tmp_path / "locks" / "demo_gov.lock").read_text().strip() == str(os.getpid())
    assert f"stale lock left by dead process {child.pid}" in caplog.text


def test_release_lets_the_next_holder_in_quietly(tmp_path, caplog):
    with SiteLock(tmp_path, "demo_gov"):
        pass
    assert (tmp_path / "locks" / "demo_gov.lock").read_text() == ""
    start = time.monotonic()
    with caplog.at_level("WARNING"), SiteLock(tmp_path, "demo_gov"):
        pass
    assert "stale" not in caplog.text
    assert time.monotonic() - start < 1
