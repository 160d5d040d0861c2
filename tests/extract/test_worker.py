"""pipelines.extract.worker: extraction in a real child process gives what extraction in the
crawl's process gives, raises what it raises, survives the worker's death and dies with its
crawl."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.extract import core
from pipelines.extract.worker import ExtractWorker

pytestmark = pytest.mark.e2e  # each test starts a worker process

ROOT = Path(__file__).resolve().parents[2]
REALPAGES = sorted((ROOT / "tests" / "fixtures" / "realpages" / "pages").glob("*.html"))[:8]
EXTRACTION = sorted((ROOT / "tests" / "fixtures" / "extraction" / "pages").glob("*.html"))[:4]
HINTS = {"list_title": None, "list_date": None, "list_url": "http://www.example.gov.cn/list/"}


def page_args(path: Path) -> tuple:
    return (path.read_bytes(), f"http://www.example.gov.cn/{path.name}", {}, HINTS)


async def in_worker(worker: ExtractWorker, pages: list[Path]) -> list[core.Extraction]:
    """Start ``worker`` in this loop and extract ``pages`` concurrently, as a crawl does."""
    worker.start()
    try:
        return await asyncio.gather(*(worker.extract(*page_args(p)) for p in pages))
    finally:
        worker.stop()


def test_saved_pages_extract_in_the_worker_exactly_as_in_the_crawl():
    pages = REALPAGES + EXTRACTION
    worker = ExtractWorker()
    results = asyncio.run(in_worker(worker, pages))
    assert worker.failure is None
    assert len(results) == len(pages) == 12
    for page, result in zip(pages, results, strict=True):
        assert result == core.extract(*page_args(page)), page.name
    assert all(r.text_original for r in results)


def test_what_extraction_raises_is_raised_in_the_crawl():
    async def bad_body():
        worker = ExtractWorker()
        worker.start()
        try:
            with pytest.raises(TypeError) as raised:
                await worker.extract("not bytes", "http://x.example/a", {}, {})
            # the worker is still there for the next page
            good = await worker.extract(*page_args(REALPAGES[0]))
            return raised.value, good, worker.running
        finally:
            worker.stop()

    with pytest.raises(TypeError) as here:
        core.extract("not bytes", "http://x.example/a", {}, {})
    there, good, running = asyncio.run(bad_body())
    assert str(there) == str(here.value)
    assert good == core.extract(*page_args(REALPAGES[0]))
    assert running


def test_a_worker_that_dies_is_said_once_and_pages_are_extracted_in_the_crawl(caplog):
    async def kill_then_extract():
        worker = ExtractWorker()
        worker.start()
        worker.process.kill()
        results = await asyncio.gather(*(worker.extract(*page_args(p)) for p in REALPAGES[:3]))
        late = await worker.extract(*page_args(REALPAGES[3]))
        worker.stop()
        return worker, [*results, late]

    worker, results = asyncio.run(kill_then_extract())
    assert results == [core.extract(*page_args(p)) for p in REALPAGES[:4]]
    assert not worker.running
    assert worker.failure == f"it stopped (exit status -{signal.SIGKILL})"
    warnings = [r.getMessage() for r in caplog.records if "extraction worker" in r.getMessage()]
    assert warnings == [
        f"extraction worker process: it stopped (exit status -{signal.SIGKILL}); "
        "extracting in the crawl's process from now on"
    ]


CRAWL = """
import asyncio, sys
from pipelines.extract.worker import ExtractWorker

async def main():
    worker = ExtractWorker()
    worker.start()
    print(worker.process.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def gone(pid: int) -> bool:
    """No such process, or a zombie waiting for whoever adopted it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_killed_crawl_takes_its_worker_with_it():
    crawl = subprocess.Popen(
        [sys.executable, "-c", CRAWL], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    worker_pid = int(crawl.stdout.readline())
    assert not gone(worker_pid)
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait()
    deadline = time.monotonic() + 10
    while not gone(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(worker_pid)
