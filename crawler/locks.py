"""Per-site crawl locks, so that cron, the scheduler and a person never crawl one site at once.

In:  the archive folder and a site name.
Out: ``<archive>/locks/<site>.lock`` held with ``flock`` for as long as the crawl runs. The
     kernel drops the lock when the holding process dies, however it dies, so a lock file left
     behind by a killed crawl is recognised as stale and taken over (and said so).
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)


class SiteLocked(RuntimeError):
    """Another live process holds the site's lock; ``holder`` is its pid when known."""

    def __init__(self, site: str, holder: int | None) -> None:
        self.site = site
        self.holder = holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(f"site {site!r} is being crawled by {who}; not starting a second crawl")


class SiteLock:
    """``with SiteLock(archive_dir, "demo_gov"):`` — raises :class:`SiteLocked` if held."""

    def __init__(self, archive_dir: str | Path, site: str) -> None:
        self.path = Path(archive_dir) / "locks" / f"{site}.lock"
        self.site = site
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise SiteLocked(self.site, holder) from None
        previous = _read_pid(fd)
        if previous and previous != os.getpid():
            logger.warning(
                "site %s: took over a stale lock left by dead process %d", self.site, previous
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)  # an empty file means "released cleanly"
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SiteLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except ValueError:
        return None
