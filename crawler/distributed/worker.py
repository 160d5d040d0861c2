"""The ``crawl_host`` actor and ``harvest worker``: a Dramatiq worker with harvest's settings.

The actor is declared by :func:`declare_actor` against a broker built from the config (not at
import time), so the scheduler, the tests and the worker all send to the queue the config
names. The worker's prefetch equals its threads (see :mod:`.broker`).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import threading
from pathlib import Path

import dramatiq
from dramatiq import Worker

from crawler.config import Distributed
from crawler.distributed.broker import build_broker, redis_client
from crawler.distributed.jobs import WorkerRuntime, crawl_host, interrupt_children

logger = logging.getLogger(__name__)

ACTOR_NAME = "crawl_host"
WORKER_TIMEOUT_MS = 1000  # how long a worker thread waits for a message before looking again


def declare_actor(broker: dramatiq.Broker, settings: Distributed, runtime: WorkerRuntime | None):
    """The ``crawl_host(host, sites)`` actor on ``broker``; ``runtime`` is needed only by a
    process that runs jobs (a sender passes None)."""

    def run(host: str, sites: list[str]) -> None:
        if runtime is None:
            raise RuntimeError("crawl_host runs in `harvest worker` only")
        crawl_host(runtime, actor, host, sites)

    actor = dramatiq.actor(
        run,
        actor_name=ACTOR_NAME,
        queue_name=settings.queue,
        broker=broker,
        max_retries=settings.max_retries,
        time_limit=int(settings.time_limit * 1000),
    )
    return actor


def clean_work_dir(work_dir: Path) -> None:
    """Remove scratch folders left by workers that were killed (their pid is gone)."""
    if not work_dir.is_dir():
        return
    for folder in work_dir.iterdir():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_worker(config_path: str, settings: Distributed, threads: int | None = None) -> None:
    """Consume ``crawl_host`` messages until SIGTERM/SIGINT; ``threads`` hosts at a time."""
    threads = threads or settings.worker_threads
    broker = build_broker(settings)
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    runtime = WorkerRuntime(config_path, settings, redis_client(settings), worker_id)
    clean_work_dir(runtime.work_dir)
    declare_actor(broker, settings, runtime)
    worker = Worker(broker, worker_threads=threads, worker_timeout=WORKER_TIMEOUT_MS)
    worker.queue_prefetch = threads  # one message per thread, never more (see broker.py)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    logger.info("worker %s: %d threads on queue %s", worker_id, threads, settings.queue)
    stop.wait()
    logger.info("worker %s: stopping; running crawls finish their requests", worker_id)
    interrupt_children()
    worker.stop()
    broker.close()
