"""Incremental harvesting benchmark: a TRS column of 2,000 documents on 100 list pages.

Run 1 crawls the column from scratch; then 5 documents are published (they push the newest
items down the list pages, as on a real column) and run 2 crawls it again with the same
archive. Prints requests and wall time of both runs and the ratio of requests (target: the
second run makes under 2% of the first run's requests).

    .venv/bin/python benchmarks/incremental_crawl.py [--documents 2000] [--per-page 20]
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

from crawler.demo import SiteControls, serve_directory  # noqa: E402

SEED_GOLD = ROOT / "crawler" / "demo" / "seeds" / "simplified"

LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>工作总结_示范市科学技术局</title></head>
<body><div class="list"><ul>{rows}</ul></div>
<script>createPageHTML({pages}, {current}, "index", "html");</script></body></html>"""
ROW = '<li><a href="./{month}/t{day}_{id}.html" title="{title}">{title}</a><span>{date}</span></li>'
ARTICLE = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>{title}_示范市科学技术局</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 09:30"></head>
<body><h1>{title}</h1><div class="info">发布时间:{date} 来源:示范市科学技术局</div>
<div id="zoom"><div class="TRS_Editor">{paragraphs}</div></div>
<div class="footer">主办单位:示范市人民政府办公室 网站标识码:4400000001</div></body></html>"""


def sentences() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEED_GOLD.glob("*.txt")))
    return [s + "。" for s in text.replace("\n", "").split("。") if len(s) > 10]


def build(root: Path, count: int, per_page: int, pool: list[str], rng: random.Random) -> None:
    """Write ``count`` articles (id 1 oldest) and the list pages, newest first."""
    column = root / "gov" / "kjj"
    docs = []
    for number in range(1, count + 1):
        day = 20000101 + (number % 28) + 100 * (number % 12)
        date = f"{str(day)[:4]}-{str(day)[4:6]}-{str(day)[6:]}"
        docs.append(
            {
                "id": 100000 + number,
                "month": str(day)[:6],
                "day": day,
                "date": date,
                "title": f"示范市科学技术局第{number}号工作总结",
            }
        )
        path = column / str(day)[:6] / f"t{day}_{100000 + number}.html"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            body = "".join(f"<p>{s}</p>" for s in rng.sample(pool, 12))
            html = ARTICLE.format(
                title=docs[-1]["title"], date=date, paragraphs=f"<p>本文编号{number}。</p>" + body
            )
            path.write_bytes(html.encode("gb18030"))
    docs.reverse()
    pages = (len(docs) + per_page - 1) // per_page
    for page in range(pages):
        rows = "".join(ROW.format(**d) for d in docs[page * per_page : (page + 1) * per_page])
        name = "index.html" if page == 0 else f"index_{page}.html"
        html = LIST_PAGE.format(rows=rows, pages=pages, current=page)
        (column / name).write_bytes(html.encode("gb18030"))
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")


def crawl(config: Path, db: Path, base_url: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            "bench",
            "--config",
            str(config),
            "--db",
            str(db),
            "--quiet",
        ],
        env={**os.environ, "BENCH_URL": base_url},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode != 0:
        sys.exit(f"crawl failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--added", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    pool = sentences()
    with tempfile.TemporaryDirectory() as tmp:
        root, db = Path(tmp) / "site", Path(tmp) / "archive" / "harvest.db"
        build(root, args.documents, args.per_page, pool, rng)
        pages = (args.documents + args.per_page - 1) // args.per_page
        config = Path(tmp) / "config.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "defaults": {
                        "politeness": {
                            "download_delay": 0,
                            "autothrottle": False,
                            "concurrent_requests_per_domain": 8,
                        },
                        "limits": {"max_pages": 10 * args.documents, "max_list_pages": pages + 10},
                    },
                    "sites": [
                        {
                            "name": "bench",
                            "family": "gov",
                            "start_urls": ["${BENCH_URL}/gov/kjj/index.html"],
                            "allowed_domains": ["127.0.0.1"],
                            "links": {
                                "document": [r"/gov/kjj/\d{6}/t\d{8}_\d+\.html$"],
                                "next": [r"/gov/kjj/index_\d+\.html$"],
                            },
                        }
                    ],
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        controls = SiteControls()
        with serve_directory(root, controls=controls) as base_url:
            first_time = crawl(config, db, base_url)
            first = len(controls.requests)
            controls.requests.clear()
            build(root, args.documents + args.added, args.per_page, pool, rng)
            second_time = crawl(config, db, base_url)
            second = len(controls.requests)
    print(
        f"column: {args.documents} documents on {pages} list pages; {args.added} added before run 2"
    )
    print(f"run 1 (from scratch): {first:6d} requests, {first_time:7.1f} s")
    print(f"run 2 (incremental):  {second:6d} requests, {second_time:7.1f} s")
    ratio = second / first
    print(
        f"run 2 / run 1 requests: {ratio:.2%} (target < 2%): {'PASS' if ratio < 0.02 else 'FAIL'}"
    )
    sys.exit(0 if ratio < 0.02 else 1)


if __name__ == "__main__":
    main()
