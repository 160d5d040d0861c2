"""Benchmark of the archive at scale: store speed, size, memory and every Datasette page.

In:  synthetic documents (~3,500 characters) recombined from the seed texts in
     tests/fixtures/dedup/ with edits (benchmarks/dedup.py's generator): 10% planted near
     copies (doc-share wrappers, Traditional with pinyin, re-dated), 3% exact copies at a second
     URL, metadata for every facet, spread over gov and doc-share sites.
Out: printed figures, one archive grown 1,000 -> 10,000 -> 100,000 documents (-> 1,000,000 with
     ``--huge``), each step built in a process of its own:

- insert rate (documents/s) per tenth of each size, through the crawl's own stages: the
  normalise and dedup stages' ``process_item``, then ``page_row`` and ``store_pages`` with the
  near-duplicate index, in batches of ``HARVEST_BATCH_SIZE`` (the full-text index's
  triggers on); the store stage alone (``store_pages`` + linking) is given too;
- bytes on disk per document against its UTF-8 text (database after a WAL checkpoint; no raw
  copies are written beside the WARC any more), with the largest tables;
- peak resident memory of each building process (VmHWM);
- the response time of every Datasette page, served by ``harvest serve`` and fetched over
  HTTP (first request, then the median of three), each as a ratio to the 1,000-document figure.

Targets (issue 17): every page < 500 ms at 100,000 (< 2 s at 1,000,000); >= 1,000 documents/s;
<= 3x the UTF-8 text per document; <= 600 MB RSS.

Run: ``.venv/bin/python benchmarks/scale.py [--sizes 1000,10000,100000] [--huge]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SIZES = (1_000, 10_000, 100_000)
HUGE = 1_000_000
CHUNK = 500  # documents per timing record
NEAR_COPIES = 0.10
EXACT_COPIES = 0.03
PAGE_TARGET_S = 0.5
RATE_TARGET = 1_000
SIZE_TARGET = 3.0
RSS_TARGET_MB = 600

SITES = [(f"gov_{i:02d}", "gov") for i in range(15)] + [
    (f"share_{i}", "docshare") for i in range(5)
]
REGIONS = [  # real prefecture-level cities, so normalise fills the province and city facets
    f"{p}{c}"
    for p, cities in (
        ("广东省", "阳江市 广州市 韶关市 湛江市 茂名市 梅州市"),
        ("浙江省", "杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市"),
        ("江苏省", "南京市 无锡市 徐州市 常州市 苏州市 南通市"),
        ("四川省", "成都市 自贡市 攀枝花市 泸州市 德阳市 绵阳市"),
        ("山东省", "济南市 青岛市 淄博市 枣庄市 东营市 烟台市"),
    )
    for c in cities.split()
]
AGENCIES = [
    f"{r}{a}"
    for r in ("", "市", "区", "县")
    for a in (
        "科技局",
        "教育局",
        "财政局",
        "民政局",
        "统计局",
        "文化局",
        "商务局",
        "水利局",
        "林业局",
        "审计局",
    )
]
PERIODS = ("全年", "上半年", "第一季度", "第三季度", "下半年")
DOC_TYPES = ("工作总结", "工作计划", "工作要点", "述职报告")


POOL = 50_000  # mutated seed sentences per building process


def corpus_context(seed: int):
    """A pool of seed sentences each edited like benchmarks/dedup.py's documents (12% of the
    characters replaced, numbers changed): drawing documents from it keeps a 100,000-document
    build about the store path rather than the generator."""
    import opencc
    from dedup import Generator, load_sentences

    sentences, chars = load_sentences()
    gen = Generator(random.Random(seed), sentences, chars)
    pool = [gen.mutate(gen.rng.choice(sentences), 0.12) for _ in range(POOL)]
    return pool, sentences, chars, opencc.OpenCC("s2t")


def sentences_of(i: int, seed: int, pool: list[str]) -> list[str]:
    rng = random.Random(seed * 1_000_003 + i)
    target, out, length = rng.randint(2000, 5000), [], 0
    while length < target:
        out.append(pool[rng.randrange(len(pool))])
        length += len(out[-1])
    return out


def document_item(i: int, seed: int, context) -> dict:
    """The i-th document (1-based) as the extract stage hands it on: deterministic in (seed, i),
    so a later process regenerates the originals it copies."""
    from dedup import Generator, plant

    pool, sentences, chars, s2t = context
    rng = random.Random(seed * 1_000_003 + i + 7)
    kind = rng.random()
    if i > 20 and kind < NEAR_COPIES:
        original = rng.randrange(1, i)
        gen = Generator(rng, sentences, chars)
        text, _ = plant(rng, gen, sentences_of(original, seed, pool), s2t)
    elif i > 20 and kind < NEAR_COPIES + EXACT_COPIES:
        original = rng.randrange(1, i)
        return {**document_item(original, seed, context), "url": f"https://share.example/{i}"}
    else:
        text = "\n".join(sentences_of(i, seed, pool))
    site, family = SITES[rng.randrange(len(SITES))]
    region = rng.choice(REGIONS)
    year = rng.randint(2015, 2024)
    doc_type = rng.choice(DOC_TYPES)
    return {
        "url": f"https://{site}.example/art/{i}.html",
        "site": site,
        "family": family,
        "primary_source": family == "gov",
        "status": 200,
        "fetched_at": f"2026-11-{1 + i % 28:02d}T08:00:00+00:00",
        "encoding": "utf-8",
        "headers": {},
        "title_original": f"{text[:16].strip()}{year}年{doc_type}",
        "text_original": text,
        "published": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "list_url": f"https://{site}.example/list/{i // 20}.html",
        "extraction": {
            "agency": rng.choice(AGENCIES),
            "region": region,
            "year": year,
            "period": rng.choice(PERIODS),
            "doc_type": doc_type,
            "quality": 1.0,
            "mojibake_spots": 0,
            "partial": False,
        },
        "warc_file": f"warc/{site}-00000.warc.gz",
        "warc_offset": i * 4096,
        "warc_length": 4096,
        "payload_digest": f"sha1:{i:032d}",
    }


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def grow(db_path: str, start: int, stop: int, seed: int) -> dict:
    """Store documents start+1..stop the way a crawl does; timings per CHUNK documents."""
    from crawler import settings as defaults
    from crawler.storage import connect
    from crawler.storage.pages import page_row, store_pages
    from pipelines.dedup.index import NearDuplicateIndex
    from pipelines.dedup.pipeline import DedupPipeline
    from pipelines.dedup.similarity import DEFAULTS
    from pipelines.normalise import NormalisePipeline

    context = corpus_context(seed)
    db = connect(db_path)
    index = NearDuplicateIndex(DEFAULTS).open(db.conn)
    normalise, dedup = NormalisePipeline(), DedupPipeline(DEFAULTS)
    batch_size = defaults.HARVEST_BATCH_SIZE
    chunks, text_bytes = [], 0
    chunk = min(CHUNK, max(1, stop // 10))  # a tenth of every size is a whole number of chunks
    i = start
    while i < stop:
        items = [document_item(n, seed, context) for n in range(i + 1, min(stop, i + chunk) + 1)]
        t0, c0 = time.perf_counter(), time.process_time()
        store_s = 0.0
        for b in range(0, len(items), batch_size):
            rows = []
            for k in range(b, min(b + batch_size, len(items))):
                # released once stored, as the crawl's items are: a processed item holds its
                # shingle set (~0.3 MB)
                item, items[k] = items[k], None
                item = dedup.process_item(normalise.process_item(item))
                row = page_row(item)
                row["raw_path"] = row["warc_file"]  # what the store stage records now
                rows.append(row)
                text_bytes += len(item["text"].encode("utf-8"))
            s0 = time.perf_counter()
            store_pages(db, rows, link=index)
            store_s += time.perf_counter() - s0
        chunks.append((len(items), time.perf_counter() - t0, store_s, time.process_time() - c0))
        i += len(items)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"chunks": chunks, "rss_mb": vm_hwm_mb(), "text_bytes": text_bytes}


def add_runs(db_path: str, count: int) -> None:
    from crawler.storage import connect, insert, transaction

    db = connect(db_path)
    have = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    with transaction(db) as conn:
        for n in range(have, count):
            site = SITES[n % len(SITES)][0]
            insert(
                conn,
                "runs",
                {
                    "site": site,
                    "started": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T03:17:00+00:00",
                    "finished": "2026-11-01T03:30:00+00:00",
                    "status": "ok" if n % 17 else "failed",
                    "pages_fetched": 120,
                    "documents_seen": 100,
                    "errors": n % 5,
                    "requests": 130,
                    "responses": '{"200": 120}',
                    "stats": "{}",
                },
            )
    db.close()


def table_sizes(db_path: str) -> list[tuple[str, int]]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8"
        ).fetchall()
    except sqlite3.OperationalError:  # no dbstat in this SQLite build
        rows = []
    conn.close()
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pages(db_path: str) -> dict[str, str]:
    """Every page a reader uses, by name -> path; ids and values taken from the archive."""
    conn = sqlite3.connect(db_path)
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    clustered = one(
        "SELECT coalesce((SELECT document_id FROM document_clusters WHERE cluster_id IN ("
        "SELECT cluster_id FROM document_clusters GROUP BY cluster_id HAVING count(*) > 1)"
        " LIMIT 1), 1)"
    )
    plain = one("SELECT max(id) FROM documents")
    conn.close()
    q = urllib.parse.quote
    return {
        "home": "/",
        "database": "/harvest",
        "documents table": "/harvest/documents",
        "documents .json": "/harvest/documents.json",
        "facet year=2019": "/harvest/documents?year=2019",
        "facet region": f"/harvest/documents?region={q(REGIONS[3])}",
        "facet province": f"/harvest/documents?province={q(REGIONS[3][:3])}",
        "facet agency": f"/harvest/documents?agency={q(AGENCIES[7])}",
        "facet period": f"/harvest/documents?period={q(PERIODS[1])}",
        "facet doc_type": f"/harvest/documents?doc_type={q(DOC_TYPES[0])}",
        "facet site": "/harvest/documents?_site=gov_03",
        "sort by year": "/harvest/documents?_sort_desc=year",
        "document page": f"/harvest/documents/{plain}",
        "document in cluster": f"/harvest/documents/{clustered}",
        "search 1 char 科": f"/harvest/documents?_q={q('科')}",
        "search 2 chars 科技": f"/harvest/documents?_q={q('科技')}",
        "search 4 chars 工作总结": f"/harvest/documents?_q={q('工作总结')}",
        # what the full-text index gives the table page (crawler/storage/fulltext.py), as a
        # filter any search code can use: no text is read
        "科 via documents_chars": "/harvest/documents?_where=" + q(index_filter("科")),
        "工作总结 via documents_fts": "/harvest/documents?_where=" + q(index_filter("工作总结")),
        "search page 科": f"/harvest/-/search?q={q('科')}",
        "search page 科技": f"/harvest/-/search?q={q('科技')}",
        "search page 工作总结": f"/harvest/-/search?q={q('工作总结')}",
        "latest_documents": "/harvest/latest_documents",
        "by agency and year": f"/harvest/documents_by_agency_and_year?agency={q('科技局')}&year=2019",
        "copies_of_a_report": "/harvest/copies_of_a_report",
        "near_duplicate_clusters": "/harvest/near_duplicate_clusters",
        "recycled_reports": "/harvest/recycled_reports",
        "current_alerts": "/harvest/current_alerts",
        "runs_with_errors": "/harvest/runs_with_errors",
        "clusters": "/harvest/clusters",
        "sources": "/harvest/sources",
        "runs": "/harvest/runs",
        "alerts": "/harvest/alerts",
        "document_versions": "/harvest/document_versions",
        "attachments": "/harvest/attachments",
        "changes": "/harvest/changes",
    }


def index_filter(term: str) -> str:
    from crawler.storage.fulltext import filter_clause, lookup

    table, expression = lookup(term)
    return filter_clause("t", table).replace(":t", "'" + expression.replace("'", "''") + "'")


def fetch(url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return time.perf_counter() - t0, status


def time_pages(db_path: str) -> dict[str, tuple[float, float, int]]:
    """name -> (first request s, median of the next three s, HTTP status), over HTTP."""
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "harvest"), "serve", "--db", db_path, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        for name, path in pages(db_path).items():
            first, status = fetch(base + path)
            again = [fetch(base + path)[0] for _ in range(3)]
            results[name] = (first, statistics.median(again), status)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_child(db_path: str, start: int, stop: int, seed: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--grow", db_path, str(start), str(stop), str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_build(size: int, chunks: list, rss: float, text_bytes: int, db_path: str) -> dict:
    tenth = max(1, size // 10)
    deciles, done, acc = [], 0, [0, 0.0, 0.0]
    for n, total_s, store_s, _ in chunks:
        acc = [acc[0] + n, acc[1] + total_s, acc[2] + store_s]
        done += n
        if done % tenth == 0 or done == size:
            deciles.append((acc[0] / acc[1], acc[0] / acc[2]))
            acc = [0, 0.0, 0.0]
    docs = sum(c[0] for c in chunks)
    rate = docs / sum(c[1] for c in chunks)
    store_rate = docs / sum(c[2] for c in chunks)
    cpu_rate = docs / sum(c[3] for c in chunks)
    files = [Path(db_path + suffix) for suffix in ("", "-wal", "-shm")]
    disk = sum(f.stat().st_size for f in files if f.exists())
    conn = sqlite3.connect(db_path)
    stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    conn.close()
    per_doc = disk / stored
    text_per_doc = text_bytes / docs
    print(f"\n== {size:,} documents ({stored:,} distinct texts) ==")
    print(
        "insert docs/s per tenth (normalise + dedup + store): "
        + " ".join(f"{a:,.0f}" for a, _ in deciles)
    )
    print(
        "  store stage alone (store_pages + near-dup linking): "
        + " ".join(f"{b:,.0f}" for _, b in deciles)
    )
    print(
        f"mean {rate:,.0f} docs/s all stages, {store_rate:,.0f} docs/s store stage "
        f"(target >= {RATE_TARGET:,}: {'met' if store_rate >= RATE_TARGET else 'NOT met'}); "
        f"{cpu_rate:,.0f} docs per CPU-second all stages (the two cores are shared)"
    )
    ratio = per_doc / text_per_doc
    print(
        f"bytes per document {per_doc:,.0f} = {ratio:.2f}x its UTF-8 text ({text_per_doc:,.0f}); "
        f"raw copies 0 (target <= {SIZE_TARGET}x: {'met' if ratio <= SIZE_TARGET else 'NOT met'})"
    )
    tables = ", ".join(f"{name} {size_ / stored:,.0f}" for name, size_ in table_sizes(db_path))
    if tables:
        print(f"  bytes per document by table: {tables}")
    print(
        f"peak RSS of the building process {rss:,.0f} MB (target <= {RSS_TARGET_MB}: "
        f"{'met' if rss <= RSS_TARGET_MB else 'NOT met'})"
    )
    return {"rate": rate, "store_rate": store_rate, "per_doc": per_doc, "ratio": ratio}


def time_index_lookups(db_path: str) -> None:
    """The full-text index timed directly (read-only): the ranked first page of the search
    and the total count, for terms of 1, 2 and 4 characters."""
    from crawler.browse import search

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    figures = []
    for term in ("科", "科技", "工作总结"):
        t0 = time.perf_counter()
        _query, rows = search.run(conn, term, limit=20)
        ranked = time.perf_counter() - t0
        count_sql, params = search.count_sql(search.parse(term))
        total = conn.execute(count_sql, params).fetchone()[0]
        counted = time.perf_counter() - t0 - ranked
        figures.append(
            f"{term} ranked {ranked * 1000:.0f} ms + count {counted * 1000:.0f} ms "
            f"({len(rows)} of {total:,})"
        )
    conn.close()
    print("search (crawler.browse.search) on the index: " + "; ".join(figures))


def print_pages(size: int, timings: dict, baseline: dict) -> None:
    print(f"Datasette pages at {size:,} (harvest serve over HTTP; first / median of 3; x 1k):")
    worst = 0.0
    for name, (first, median, status) in timings.items():
        base = baseline.get(name, (first, median, status))[1]
        worst = max(worst, median if status == 200 else float("inf"))
        flag = "" if status == 200 else f"  HTTP {status}"
        print(
            f"  {name:<26} {first * 1000:7.0f} ms {median * 1000:7.0f} ms  "
            f"{median / base if base else 0:5.2f}x{flag}"
        )
    limit = PAGE_TARGET_S if size <= 100_000 else 2.0  # noqa: PLR2004
    print(
        f"  slowest {worst * 1000:,.0f} ms (target < {limit * 1000:.0f} ms: "
        f"{'met' if worst < limit else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--huge", action="store_true", help="also grow to 1,000,000")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", help="build the archive here and keep it")
    parser.add_argument("--grow", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--pages-only", metavar="DB", help="only time the pages of this archive")
    args = parser.parse_args()
    if args.pages_only:
        print_pages(0, time_pages(args.pages_only), {})
        time_index_lookups(args.pages_only)
        return
    if args.grow:
        db_path, start, stop, seed = args.grow
        print(json.dumps(grow(db_path, int(start), int(stop), int(seed))))
        return
    sizes = [int(s) for s in args.sizes.split(",")] + ([HUGE] if args.huge else [])
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="harvest-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = str(workdir / "harvest.db")
    for suffix in ("", "-wal", "-shm"):
        Path(db_path + suffix).unlink(missing_ok=True)
    print(f"archive: {db_path}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    chunks, text_bytes, done, baseline, summary = [], 0, 0, {}, {}
    for size in sizes:
        grown = run_child(db_path, done, size, args.seed)
        chunks += grown["chunks"]
        text_bytes += grown["text_bytes"]
        done = size
        add_runs(db_path, 200)
        summary[size] = report_build(size, chunks, grown["rss_mb"], text_bytes, db_path)
        timings = time_pages(db_path)
        baseline = baseline or timings
        print_pages(size, timings, baseline)
        time_index_lookups(db_path)
    first = summary[sizes[0]]
    for size in sizes[1:]:
        s = summary[size]
        print(
            f"{size:,} vs {sizes[0]:,}: insert rate {s['rate'] / first['rate']:.2f}x, store "
            f"stage {s['store_rate'] / first['store_rate']:.2f}x, bytes per document "
            f"{s['per_doc'] / first['per_doc']:.2f}x"
        )
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
