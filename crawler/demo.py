"""The bundled demo website: a static folder served over HTTP on 127.0.0.1.

In:  ``demo/site/`` (a government column and two document-sharing sites, built from the seed
     texts by ``demo/build_site.py``).
Out: a running server on a free port whose base URL is handed to ``demo/config.yaml`` through
     ``$HARVEST_DEMO_URL``. Unknown paths answer 404, so a broken spider cannot pass by
     fetching nothing.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_SITE = PROJECT_ROOT / "demo" / "site"
DEMO_CONFIG = PROJECT_ROOT / "demo" / "config.yaml"
DEMO_URL_VARIABLE = "HARVEST_DEMO_URL"


class _QuietHandler(SimpleHTTPRequestHandler):
    # Static pages declare their charset in <meta>, as the real sites do; the server sends
    # no charset so that the crawler's own decoding is what gets tested.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def list_directory(self, path):  # no directory listings: a real site has none
        self.send_error(404, "Not Found")
        return None


@contextlib.contextmanager
def serve_directory(root: Path = DEMO_SITE, port: int = 0) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port by default); yield the base URL."""
    if not root.is_dir():
        raise FileNotFoundError(f"demo site folder not found: {root}")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
