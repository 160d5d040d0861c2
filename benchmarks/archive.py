"""Benchmark of the WARC archive and of re-extraction from it, on 5,000 pages.

In:  the document pages of the demo website (crawler/demo/site), each copied with a unique HTML
     comment so that 5,000 distinct payloads are archived (no revisits).
Out: printed figures, from one run, each beside a baseline measured in the same run:

- WARC write: MB/s of page bodies written by crawler.storage.warc.WarcWriter (response + request
  record per page, gzip member per record, payload index in SQLite), against one gzip file
  per page (what the store stage wrote beside the WARC before issue 17);
- re-extraction: pages/s of ``crawler.reextract.reextract`` over those 5,000 records (read
  at the stored offsets, extract, normalise, compare; texts unchanged, which is the common
  case after a rule change), against extract + normalise alone on bodies held in memory.

Run: ``.venv/bin/python benchmarks/archive.py [--pages N]``. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.reextract import reextract  # noqa: E402
from crawler.storage import connect  # noqa: E402
from crawler.storage.warc import PayloadIndex, WarcWriter  # noqa: E402
from pipelines.extract.core import extract  # noqa: E402
from pipelines.normalise import normalise  # noqa: E402

DEMO = ROOT / "crawler" / "demo" / "site"
DOCUMENT = re.compile(r"(gov/kjj/\d{6}/t\d{8}_\d+|docshare1/doc-\d+|docshare2/news/\d+)\.html$")
BASE = "http://bench.example/"


def corpus(pages: int) -> list[tuple[str, bytes]]:
    """``pages`` (url, body) pairs cycling through the demo documents, each body unique."""
    sources = sorted(
        (p.relative_to(DEMO).as_posix(), p.read_bytes())
        for p in DEMO.rglob("*.html")
        if DOCUMENT.search(p.relative_to(DEMO).as_posix())
    )
    out = []
    for i in range(pages):
        path, body = sources[i % len(sources)]
        out.append((f"{BASE}{path}?copy={i}", body + f"<!-- copy {i} -->".encode()))
    return out


def bench_write(root: Path, pages: list[tuple[str, bytes]]) -> tuple[float, list, float]:
    payloads = PayloadIndex(connect(root / "harvest.db").conn)
    headers = [("Content-Type", "text/html"), ("Server", "bench")]
    started = time.perf_counter()
    with WarcWriter(root, "bench", payloads=payloads) as writer:
        locations = [
            writer.write_exchange(url, 200, headers, body, request_headers=[("User-Agent", "b")])
            for url, body in pages
        ]
    elapsed = time.perf_counter() - started
    payloads.close()
    size = sum(p.stat().st_size for p in (root / "warc").glob("*.warc.gz"))
    return elapsed, locations, size


def bench_raw(root: Path, pages: list[tuple[str, bytes]]) -> float:
    raw = root / "raw"
    started = time.perf_counter()
    raw.mkdir()
    for _, body in pages:
        digest = hashlib.sha1(body).hexdigest()
        (raw / f"{digest}.html.gz").write_bytes(gzip.compress(body, mtime=0))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    pages = corpus(args.pages)
    megabytes = sum(len(b) for _, b in pages) / 1e6
    print(f"{len(pages)} pages, {megabytes:.1f} MB of bodies")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seconds, locations, size = bench_write(root, pages)
        raw_seconds = bench_raw(root, pages)
        print(
            f"WARC write: {megabytes / seconds:.1f} MB/s ({len(pages) / seconds:.0f} pages/s, "
            f"{size / 1e6:.1f} MB on disk); raw-page gzip files (baseline): "
            f"{megabytes / raw_seconds:.1f} MB/s; ratio {raw_seconds / seconds:.2f}"
        )

        # Baseline: the stages alone, bodies in memory. Its results also fill the database
        # with the texts the crawl would have stored, so re-extraction finds them unchanged.
        started = time.perf_counter()
        hashes = []
        for url, body in pages:
            result = extract(body, url, {"content-type": "text/html"}, {}).as_dict()
            hashes.append((result, normalise(result["title_original"], result["text_original"])))
        baseline = time.perf_counter() - started

        db = connect(root / "harvest.db")
        conn = db.conn
        conn.execute("BEGIN")
        ids: dict[str, int] = {}
        for (result, norm), (url, _), loc in zip(hashes, pages, locations, strict=True):
            if norm["content_hash"] not in ids:
                cursor = conn.execute(
                    "INSERT INTO documents (title, text, text_original, content_hash, first_seen)"
                    " VALUES (?, ?, ?, ?, '2026-11-25T00:00:00+00:00')",
                    [norm["title"], norm["text"], result["text_original"], norm["content_hash"]],
                )
                ids[norm["content_hash"]] = cursor.lastrowid
            conn.execute(
                "INSERT INTO sources (url, final_url, site, document_id, status, fetched_at,"
                " warc_file, warc_offset, warc_length, payload_digest)"
                " VALUES (?, ?, 'bench', ?, 200, '2026-11-25T00:00:00+00:00', ?, ?, ?, ?)",
                [
                    url,
                    url,
                    ids[norm["content_hash"]],
                    loc.warc_file,
                    loc.warc_offset,
                    loc.warc_length,
                    loc.payload_digest,
                ],
            )
        conn.execute("COMMIT")
        db.close()

        started = time.perf_counter()
        summary = reextract(root / "harvest.db", progress=False, batch_size=100)
        seconds = time.perf_counter() - started
        assert summary.pages == len(pages) and summary.unchanged == len(pages), summary
        print(
            f"re-extraction: {len(pages) / seconds:.1f} pages/s ({seconds:.1f} s, "
            f"{summary.unchanged} unchanged); extract + normalise in memory (baseline): "
            f"{len(pages) / baseline:.1f} pages/s; ratio {baseline / seconds:.2f}"
        )


if __name__ == "__main__":
    main()
