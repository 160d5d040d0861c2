"""The bundled demo website: a static folder served over HTTP on 127.0.0.1.

In:  ``site/`` beside this file (a government column and two document-sharing sites, built from
     the seed texts by ``build_site.py``), installed with the package as package data.
Out: a running server on a free port whose base URL is handed to ``config.yaml`` (beside this
     file) through
     ``$HARVEST_DEMO_URL``. Unknown paths answer 404, so a broken spider cannot pass by
     fetching nothing.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

# Package data (pyproject.toml), so `harvest demo` works from any directory after `pip install .`
DEMO_SITE = Path(__file__).resolve().parent / "site"
DEMO_CONFIG = Path(__file__).resolve().parent / "config.yaml"
DEMO_URL_VARIABLE = "HARVEST_DEMO_URL"
# The demo always serves on this port: its URLs, and so its archive rows, must be the same
# from one `make demo` to the next (on another port every page would be a new URL, refetched
# and stored as a second source of every document). When it is taken, the demo says so.
DEMO_PORT = 8765


@dataclass
class SiteControls:
    """What a test can make the demo server do between and during runs.

    ``status``: path -> HTTP status to answer instead of the file (500, 404, ...);
    ``delay``: path -> seconds to wait before answering (a slow site);
    ``requests``: every request served, as (path, If-None-Match, If-Modified-Since, status,
    time.monotonic() of the answer).
    Pages themselves change by editing the files of a copy of the site folder.
    """

    status: dict[str, int] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    requests: list[tuple[str, str | None, str | None, int, float]] = field(default_factory=list)


class _Handler(SimpleHTTPRequestHandler):
    # Static pages declare their charset in <meta>, as the real sites do; the server sends
    # no charset so that the crawler's own decoding is what gets tested.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html"}
    controls: SiteControls

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def list_directory(self, path):  # no directory listings: a real site has none
        self.send_error(404, "Not Found")
        return None

    def send_response(self, code: int, message: str | None = None) -> None:
        path = urlsplit(self.path).path
        self.controls.requests.append(
            (
                path,
                self.headers.get("If-None-Match"),
                self.headers.get("If-Modified-Since"),
                code,
                time.monotonic(),
            )
        )
        super().send_response(code, message)

    def end_headers(self) -> None:
        etag = getattr(self, "_etag", None)
        if etag:
            self.send_header("ETag", etag)
            self._etag = None
        super().end_headers()

    def send_head(self):
        path = urlsplit(self.path).path
        if path in self.controls.delay:
            time.sleep(self.controls.delay[path])
        if path in self.controls.status:
            self.send_error(self.controls.status[path])
            return None
        file = Path(self.translate_path(self.path))
        if file.is_file():
            stat = file.stat()
            # Real CMS front ends send validators; Python's server only knows Last-Modified.
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            if self.headers.get("If-None-Match") == etag:
                self._etag = etag
                self.send_response(304)
                self.end_headers()
                return None
            self._etag = etag
        return super().send_head()


class PortTaken(OSError):
    """The demo's fixed port is in use."""


@contextlib.contextmanager
def serve_directory(
    root: Path = DEMO_SITE,
    port: int = 0,
    controls: SiteControls | None = None,
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """Serve ``root`` on ``host`` (a loopback address) at ``port`` (0: a free port); yield the
    base URL. A taken ``port`` raises :class:`PortTaken`. ``controls`` lets tests inject faults."""
    if not root.is_dir():
        raise FileNotFoundError(f"demo site folder not found: {root}")
    if root == DEMO_SITE:
        # Its attachments are made by real tools on first use, not committed as binaries.
        from crawler.demo.files import ensure_demo_files

        ensure_demo_files(root)
    handler_class = type("Handler", (_Handler,), {"controls": controls or SiteControls()})
    handler = functools.partial(handler_class, directory=str(root))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise PortTaken(
            exc.errno, f"{host}:{port} is in use ({exc.strerror}); stop what uses it"
        ) from None
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
