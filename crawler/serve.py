"""Browse: the archive database in Datasette.

In:  the archive database path, the interface to bind.
Out: a Datasette server (a child process) with the metadata in ``crawler/datasette/``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"


def datasette_command(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(DATASETTE_DIR / "metadata.yml"),
    ]


def run(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Serve until interrupted; return Datasette's exit status."""
    return subprocess.call(datasette_command(db_path, host, port))
