"""A Redis lock per host, so that no two processes anywhere crawl one host at once.

The lock expires ``ttl`` seconds after its holder stops renewing it: a thread renews it every
third of that while the crawl runs, so a SIGKILLed worker's host is free again after at most
``ttl``. redis-py's default lock is thread-local (its token lives in the thread that took it);
``thread_local=False`` lets the renewing thread extend it.
"""

from __future__ import annotations

import logging
import threading

import redis
from redis.exceptions import LockError, RedisError

from crawler.distributed.keys import host_lock

logger = logging.getLogger(__name__)


class HostLock:
    """``acquire()`` (False when another process holds it), then ``release()``."""

    def __init__(self, client: redis.Redis, host: str, ttl: float) -> None:
        self.host = host
        self.ttl = ttl
        self.lock = client.lock(host_lock(host), timeout=ttl, blocking=False, thread_local=False)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = threading.Event()  # set when a renewal found the lock gone

    def acquire(self) -> bool:
        if not self.lock.acquire(blocking=False):
            return False
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name=f"lock-{self.host}", daemon=True)
        self._renewer.start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.lock.reacquire()  # back to the full ttl
            except LockError:
                logger.error("host %s: lock lost (expired while held)", self.host)
                self.lost.set()
                return
            except RedisError as exc:  # Redis away for a moment: try again next round
                logger.warning("host %s: cannot renew lock: %s", self.host, exc)

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        try:
            self.lock.release()
        except (LockError, RedisError) as exc:
            logger.warning("host %s: lock not released cleanly: %s", self.host, exc)
