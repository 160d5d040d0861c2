"""End-to-end crawl speed: harvest against fetching alone and against a naive pipeline.

In:  a TRS column of 2,000 articles on 100 list pages (benchmarks/incremental_crawl.py's site,
     served on 127.0.0.1), every list page given as a start URL, no delays.
Out: pages/s (responses, robots.txt included, over the wall time of the whole process) of

- ``harvest crawl`` with every stage on: extraction rules, normalise, dedup (near-duplicate
  index), WARC, the full-text index, the runs row;
- a fetch-only Scrapy spider (same concurrency, robots.txt obeyed, bodies dropped);
- a naive pipeline: Scrapy + ``trafilatura.extract`` + OpenCC t2s + one sqlite-utils insert
  per page into a table with FTS5,

in the same run, interleaved (harvest, fetch-only, naive, then again), best of the rounds
each; harvest as a ratio to both (target: >= 0.6x fetch-only).

``--before DIR`` also times ``harvest crawl`` from an older checkout (``git archive TAG | tar
-x -C DIR``), interleaved with the rest.

``--profile FILE`` instead crawls once with harvest under cProfile, writes the stats to FILE
and prints the functions with the most time of their own.

Run: ``.venv/bin/python benchmarks/crawl.py [--documents 2000] [--rounds 2] [--before DIR]
[--profile FILE]``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET = 0.6
PER_PAGE = 20
CONCURRENCY = 8
DOCUMENT_LINK = r"/gov/kjj/\d{6}/t\d{8}_\d+\.html$"


def list_urls(base_url: str, documents: int) -> list[str]:
    pages = (documents + PER_PAGE - 1) // PER_PAGE
    return [f"{base_url}/gov/kjj/index.html"] + [
        f"{base_url}/gov/kjj/index_{n}.html" for n in range(1, pages)
    ]


def harvest_config(path: Path, base_url: str, documents: int) -> None:
    pages = (documents + PER_PAGE - 1) // PER_PAGE
    site = {
        "name": "bench",
        "family": "gov",
        "start_urls": list_urls(base_url, documents),
        "allowed_domains": ["127.0.0.1"],
        "links": {"document": [DOCUMENT_LINK], "next": [r"/gov/kjj/index_\d+\.html$"]},
    }
    defaults = {
        "politeness": {
            "download_delay": 0,
            "autothrottle": False,
            "concurrent_requests_per_domain": CONCURRENCY,
        },
        "limits": {"max_pages": 10 * documents, "max_list_pages": pages + 10},
    }
    path.write_text(
        yaml.safe_dump({"defaults": defaults, "sites": [site]}, allow_unicode=True),
        encoding="utf-8",
    )


def run_harvest(
    tmp: Path,
    base_url: str,
    documents: int,
    n: int,
    tree: Path = ROOT,
    profile: Path | None = None,
) -> float:
    """``harvest crawl`` from ``tree`` (this checkout, or an older one to compare with),
    under cProfile writing to ``profile`` if given."""
    config, db = tmp / "config.yaml", tmp / f"h{n}-{tree.name}" / "harvest.db"
    harvest_config(config, base_url, documents)
    python = [sys.executable]
    if profile:
        python += ["-m", "cProfile", "-o", str(profile.resolve())]
    command = python + ["-m", "crawler.cli", "crawl", "bench", "--config", str(config)]
    return timed(command + ["--db", str(db), "--quiet"], cwd=tree)


def print_profile(path: Path, seconds: float, lines: int = 40) -> None:
    import pstats

    print(f"harvest crawl under cProfile: {seconds:.1f} s wall; stats in {path}")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)


def run_spider(kind: str, tmp: Path, base_url: str, documents: int, n: int) -> float:
    db = tmp / f"{kind}{n}.db"
    return timed([sys.executable, __file__, "--spider", kind, base_url, str(documents), str(db)])


def timed(command: list[str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=os.environ)
    if result.returncode != 0:
        sys.exit(f"{command[2:4]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def spider_main(kind: str, base_url: str, documents: int, db_path: str) -> None:
    """The two baselines, each a plain Scrapy spider in a process of its own."""
    import re

    import scrapy
    from scrapy.crawler import CrawlerProcess

    document = re.compile(DOCUMENT_LINK)

    class NaiveStore:
        """trafilatura + OpenCC + sqlite-utils, one insert (and commit) per page."""

        def open_spider(self, spider=None):
            import opencc
            import sqlite_utils

            self.t2s = opencc.OpenCC("t2s")
            self.db = sqlite_utils.Database(db_path)
            self.db["pages"].create({"url": str, "title": str, "text": str}, pk="url")
            self.db["pages"].enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)

        def process_item(self, item, spider=None):
            import trafilatura

            text = trafilatura.extract(item["body"]) or ""
            self.db["pages"].insert(
                {
                    "url": item["url"],
                    "title": self.t2s.convert(item["title"]),
                    "text": self.t2s.convert(text),
                },
                replace=True,
            )
            return item

    class Bench(scrapy.Spider):
        name = "bench"
        start_urls = list_urls(base_url, documents)

        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if document.search(url):
                    yield scrapy.Request(url, callback=self.parse_document)

        def parse_document(self, response):
            if kind == "naive":
                title = response.css("title::text").get() or ""
                yield {"url": response.url, "title": title, "body": response.text}

    settings = {
        "LOG_LEVEL": "ERROR",
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        "TELNETCONSOLE_ENABLED": False,
        "ITEM_PIPELINES": {NaiveStore: 100} if kind == "naive" else {},
    }
    process = CrawlerProcess(settings)
    process.crawl(Bench)
    process.start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--before", type=Path, help="also crawl with the harvest checked out in this folder"
    )
    parser.add_argument(
        "--profile", type=Path, help="profile one harvest crawl into this file instead"
    )
    parser.add_argument("--spider", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spider:
        kind, base_url, documents, db_path = args.spider
        spider_main(kind, base_url, int(documents), db_path)
        return
    from incremental_crawl import build, sentences

    from crawler.demo import SiteControls, serve_directory

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        build(tmp / "site", args.documents, PER_PAGE, sentences(), random.Random(7))
        controls = SiteControls()
        times: dict[str, list[float]] = {"harvest": [], "fetch-only": [], "naive": []}
        if args.before:
            times["harvest before"] = []
        with serve_directory(tmp / "site", controls=controls) as base_url:
            if args.profile:
                seconds = run_harvest(tmp, base_url, args.documents, 0, profile=args.profile)
                print_profile(args.profile, seconds)
                return
            for n in range(args.rounds):
                controls.requests.clear()
                times["harvest"].append(run_harvest(tmp, base_url, args.documents, n))
                requests = len(controls.requests)
                times["fetch-only"].append(run_spider("fetch", tmp, base_url, args.documents, n))
                times["naive"].append(run_spider("naive", tmp, base_url, args.documents, n))
                if args.before:
                    before = run_harvest(tmp, base_url, args.documents, n, args.before.resolve())
                    times["harvest before"].append(before)
    rates = {k: requests / min(v) for k, v in times.items()}
    print(
        f"site: {args.documents} articles on {(args.documents + PER_PAGE - 1) // PER_PAGE} "
        f"list pages, {requests} requests per crawl; {args.rounds} interleaved rounds, best of each; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for kind, rate in rates.items():
        rounds = ", ".join(f"{t:.1f}" for t in times[kind])
        print(f"  {kind:<11} {rate:6.1f} pages/s  (wall s per round: {rounds})")
    ratio = rates["harvest"] / rates["fetch-only"]
    print(
        f"harvest / fetch-only {ratio:.2f}x (target >= {TARGET}x: "
        f"{'met' if ratio >= TARGET else 'NOT met'}); harvest / naive "
        f"{rates['harvest'] / rates['naive']:.2f}x"
    )
    if args.before:
        print(f"harvest / harvest before: {rates['harvest'] / rates['harvest before']:.2f}x")


if __name__ == "__main__":
    main()
