"""Extraction in a second process, so that a crawl uses a second CPU core.

In:  what :func:`pipelines.extract.core.extract` takes (body, URL, headers, listing hints).
Out: its :class:`~pipelines.extract.core.Extraction`, awaited by the crawl's event loop while
     the crawl's own process goes on fetching, archiving and storing.

Extraction is a pure function of the page and its hints and the heaviest Python step of a
crawl (the GIL keeps it from running beside the reactor in one process), so a crawl hands it
to one worker process and overlaps it with everything else.

The worker is a plain child process reading pickled pages on its stdin and writing pickled
results on its stdout, one after the other. Nothing else holds those pipes, so a killed crawl
takes its worker with it (the worker reads end-of-file and leaves), and the worker keeps no
state a crawl needs back: it loses only pages that were not stored yet anyway. A worker that
cannot start or that dies is said once in the log and the crawl extracts in its own process
from then on: slower, never different. What extraction itself raises is raised in the crawl,
as if it had run there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

from pipelines.extract import core

logger = logging.getLogger(__name__)

# The folder holding the ``pipelines`` package: the worker imports the same code as the crawl.
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])
_STOP_SECONDS = 10.0  # the worker finishes the page in hand, then reads end-of-file


class WorkerLost(Exception):
    """The worker process ended with pages in it (killed, out of memory)."""


class ExtractWorker:
    """One worker process running :func:`pipelines.extract.core.extract`; see the module
    docstring. ``start()`` inside the crawl's event loop before use, ``stop()`` after the
    last page."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.failure: str | None = None  # why the crawl extracts in its own process
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: queue.SimpleQueue[tuple[int, tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._pending: dict[int, asyncio.Future[core.Extraction]] = {}
        self._numbers = iter(range(1, sys.maxsize))

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (_IMPORT_ROOT, os.environ.get("PYTHONPATH")) if p
            ),
        }
        command = [sys.executable, "-c", "from pipelines.extract.worker import main; main()"]
        try:
            # stderr goes nowhere: results and errors come back through stdout, and the
            # terminal gets no traceback from a worker killed with its crawl.
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            self._give_up(f"cannot start it: {exc}")
            return
        process = self.process
        threading.Thread(target=self._send, args=(process,), daemon=True).start()
        threading.Thread(target=self._receive, args=(process,), daemon=True).start()

    def stop(self) -> None:
        if self.process is None:
            return
        self._outbox.put(None)  # the sender closes the worker's stdin: it leaves
        try:
            self.process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    async def extract(self, *args: Any) -> core.Extraction:
        """``core.extract(*args)`` in the worker, or here when the worker is gone."""
        if self.process is not None and self._loop is not None:
            number = next(self._numbers)
            future = self._pending[number] = self._loop.create_future()
            self._outbox.put((number, args))
            try:
                return await future
            except WorkerLost:
                pass
        return core.extract(*args)

    # -- the crawl's side of the pipes: two threads, so that a large page or a slow one never
    #    blocks the reactor --

    def _send(self, process: subprocess.Popen) -> None:
        stdin = process.stdin
        try:
            while (job := self._outbox.get()) is not None:
                pickle.dump(job, stdin, pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        except OSError:  # the worker is gone; the receiver says so
            return
        stdin.close()

    def _receive(self, process: subprocess.Popen) -> None:
        try:
            while True:
                number, ok, value = pickle.load(process.stdout)
                self._call_in_loop(self._settle, number, ok, value)
        except (EOFError, OSError, pickle.UnpicklingError):
            code = process.wait()
            self._call_in_loop(self._lost, f"exit status {code}")

    def _call_in_loop(self, function, *args: Any) -> None:
        # a closed loop: the crawl is over and nobody waits for the answer
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(function, *args)

    def _settle(self, number: int, ok: bool, value: Any) -> None:
        future = self._pending.pop(number, None)
        if future is None or future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _lost(self, why: str) -> None:
        pending, self._pending = self._pending, {}
        if pending or self.process is not None:  # not stopped by stop()
            self._give_up(f"it stopped ({why})")
        for future in pending.values():
            if not future.done():
                future.set_exception(WorkerLost(why))

    def _give_up(self, why: str) -> None:
        if self.failure is None:  # said once; the other pages in flight fail the same way
            self.failure = why
            logger.warning(
                "extraction worker process: %s; extracting in the crawl's process from now on",
                why,
            )
        self.process = None


# --- the worker's side --------------------------------------------------------------------


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Extract the pages read from ``stdin`` until end-of-file, each result written to
    ``stdout`` as ``(number, ok, Extraction or exception)``."""
    while True:
        try:
            number, args = pickle.load(stdin)
        except EOFError:
            return
        try:
            reply = (number, True, core.extract(*args))
        except Exception as exc:  # raised again in the crawl, as if it had run there
            reply = (number, False, exc)
        try:
            data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its text does
            data = pickle.dumps((number, False, RuntimeError(repr(reply[2]))))
        stdout.write(data)
        stdout.flush()


def main() -> None:
    # Ctrl-C reaches the whole process group; the crawl shuts down gracefully on it and still
    # needs the worker for the pages in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin.buffer, sys.stdout.buffer)
