"""Start of a crawl child: ``python -m crawler.distributed.child PARENT_PID harvest-args...``.

Asks the kernel to SIGKILL this process when the worker thread that started it dies
(``PR_SET_PDEATHSIG``, Linux), then becomes ``harvest ARGS`` (the death signal survives exec).
So a SIGKILLed worker leaves no orphan crawl fetching pages under a lock it no longer renews.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
EXIT_ORPHANED = 70


def main(argv: list[str]) -> None:
    parent = int(argv[0])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the worker died before the death signal was armed
        sys.exit(EXIT_ORPHANED)
    os.execv(sys.executable, [sys.executable, "-m", "crawler.cli", *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
