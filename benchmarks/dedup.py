"""Benchmark of near-duplicate detection on a synthetic corpus built from the seed texts.

In:  the clean seed texts in tests/fixtures/dedup/00N.txt (Simplified, from the gold files).
Out: printed figures, all from one run (several minutes on two cores):

- precision and recall of 2,000 planted near-duplicate pairs among 20,000 documents, for
  MinHash-LSH (pipelines.dedup.index, the code the crawl runs, on a SQLite file) and for the
  exact-text-hash baseline (pipelines.normalise.content_hash); recall per kind of change;
- recall of 200 truncated previews (first 40-70% of a document), which the containment test
  is there for;
- signature throughput (documents/s) with rensa and with datasketch on the same shingles;
- time per LSH query (band lookup + MinHash estimate, in SQLite) at 1,000, 10,000 and
  100,000 indexed documents, and the ratio 100k/1k (target <= 2);
- peak resident memory of the process (getrusage) once 100,000 documents are indexed
  (target <= 1 GiB), and the database size.

Run: ``.venv/bin/python benchmarks/dedup.py [--seed N]``. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.storage import connect  # noqa: E402
from pipelines.dedup.index import (  # noqa: E402
    candidates,
    index_document,
    likely_candidates,
    save_settings,
)
from pipelines.dedup.similarity import (  # noqa: E402
    DEFAULTS,
    band_keys,
    signature,
    signature_bytes,
    text_shingles,
)
from pipelines.normalise import content_hash  # noqa: E402
from pipelines.text import to_simplified  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "dedup"
CORPUS_SIZE = 20_000
PLANTED = 2_000
PREVIEWS = 200
INDEX_SIZES = (1_000, 10_000, 100_000)
QUERIES = 300

_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"20\d\d")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Syllables with a tone mark, standing in for the pinyin a mirror site appends (區(qū)).
_PINYIN = ("qū", "lǐng", "dǎo", "jí", "mén", "chǎn", "quán", "huì", "zǒng", "shí")
_HEADERS = (
    "您好,欢迎访问三七文档\n当前位置:首页 > 办公文档 > 工作范文 > {title}\n",
    "时间:2021-10-22 11:13:39 网站:公文素材库\n{title}\n{title}\n",
)
_FOOTERS = (
    "\n本文标题:{title}\n链接地址:http://www.37wendang.com/doc/{n}.html",
    "\n来源:网络整理 免责声明:本文仅限学习分享\n由互联网用户整理提供,转载分享请保留原作者信息"
    "\n相关阅读 最近更新 推荐专题",
)


def load_sentences() -> tuple[list[str], list[str]]:
    sentences, chars = [], set()
    for path in sorted(FIXTURES.glob("00[0-9].txt")):
        text = path.read_text(encoding="utf-8")
        chars.update(_HAN.findall(text))
        sentences += [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) >= 8]
    return sentences, sorted(chars)


class Generator:
    """Documents of recombined seed sentences, each sentence mutated so documents differ."""

    def __init__(self, rng: random.Random, sentences: list[str], chars: list[str]) -> None:
        self.rng, self.sentences, self.chars = rng, sentences, chars

    def mutate(self, sentence: str, rate: float) -> str:
        rng = self.rng
        out = list(sentence)
        # sample positions rather than draw per character: the corpus has 70 million characters
        for i in rng.sample(range(len(out)), min(len(out), int(len(out) * rate + rng.random()))):
            if _HAN.match(out[i]):
                out[i] = rng.choice(self.chars)
        return _NUMBER.sub(lambda m: str(rng.randint(1, 2030)), "".join(out))

    def document(self) -> list[str]:
        target = self.rng.randint(2000, 5000)
        sentences, length = [], 0
        while length < target:
            sentence = self.mutate(self.rng.choice(self.sentences), 0.12)
            sentences.append(sentence)
            length += len(sentence)
        return sentences


def plant(rng: random.Random, gen: Generator, sentences: list[str], s2t) -> tuple[str, set[str]]:
    """A near duplicate: 3-5% of sentences edited or dropped, then at least one of doc-share
    wrapper, Traditional with pinyin, years and numbers changed."""
    copy = list(sentences)
    for i in rng.sample(range(len(copy)), max(1, round(len(copy) * rng.uniform(0.03, 0.05)))):
        copy[i] = gen.mutate(copy[i], 0.3) if rng.random() < 0.5 else ""
    kinds = {k for k in ("wrapper", "traditional", "renumbered") if rng.random() < 0.5}
    kinds = kinds or {rng.choice(("wrapper", "traditional", "renumbered"))}
    text = "\n".join(s for s in copy if s)
    if "renumbered" in kinds:
        shift = rng.choice((-2, -1, 1, 2))
        text = _YEAR.sub(lambda m: str(int(m.group()) + shift), text)
        text = _NUMBER.sub(
            lambda m: m.group() if rng.random() < 0.5 else str(rng.randint(1, 99)), text
        )
    if "traditional" in kinds:
        text = "".join(
            c + f"({rng.choice(_PINYIN)})" if _HAN.match(c) and rng.random() < 0.08 else c
            for c in s2t.convert(text)
        )
    if "wrapper" in kinds:
        title = sentences[0][:20]
        n = rng.randint(1000, 9999999)
        text = (
            rng.choice(_HEADERS).format(title=title)
            + text
            + rng.choice(_FOOTERS).format(title=title, n=n)
        )
    return text, kinds


def archive(path: Path) -> sqlite3.Connection:
    """The archive's own schema and connection settings, without the FTS triggers, whose
    indexing cost belongs to the store stage, not to dedup."""
    db = connect(path)
    for trigger in ("documents_ai", "documents_ad", "documents_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    save_settings(db.conn, DEFAULTS)
    return db.conn


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB.

    VmHWM from /proc where there is one: ru_maxrss keeps the parent's high-water mark across
    fork and exec, so in the scale-phase child it would report the corpus process's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pr(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float]:
    hits = len(found & truth)
    return (hits / len(found) if found else 1.0), hits / len(truth)


def scale_phase(seed: int) -> None:
    """Query time against growing indexes and peak memory at the largest, in a process of its
    own (``--scale-phase``) so that its memory peak and its garbage collector are not those of
    the 22,200-document corpus."""
    rng = random.Random(seed + 1)
    sentences, chars = load_sentences()
    gen = Generator(rng, sentences, chars)
    with tempfile.TemporaryDirectory() as tmp:
        conn = archive(Path(tmp) / "scale.db")
        queries = ["\n".join(gen.document()) for _ in range(QUERIES)]
        query_sigs = []
        for q in queries:
            shingle_set = text_shingles(q)
            query_sigs.append((signature(shingle_set), len(shingle_set)))

        def lookups() -> None:
            for values, n in query_sigs:
                likely_candidates(conn, values, n, DEFAULTS)

        def checks() -> None:
            for q in queries:
                shingle_set = text_shingles(q)
                likely_candidates(conn, signature(shingle_set), len(shingle_set), DEFAULTS)

        def best_of_3(run) -> float:
            """Seconds per query, best of three passes: the two cores are shared."""
            timings = []
            for _ in range(3):
                t0 = time.perf_counter()
                run()
                timings.append((time.perf_counter() - t0) / QUERIES)
            return min(timings)

        indexed = 0
        first: tuple[float, float] = (0.0, 0.0)
        t = time.perf_counter()
        for size in INDEX_SIZES:
            conn.execute("BEGIN")
            while indexed < size:
                shingle_set = text_shingles("\n".join(gen.document()))
                values = signature(shingle_set)
                indexed += 1
                conn.execute(
                    "INSERT INTO dedup_signatures VALUES (?, ?, ?)",
                    [indexed, signature_bytes(values), len(shingle_set)],
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO dedup_bands VALUES (?, ?)",
                    [(key, indexed) for key in band_keys(values)],
                )
            conn.execute("COMMIT")
            lookup, check = best_of_3(lookups), best_of_3(checks)
            colliding = sum(
                len(candidates(conn, band_keys(values), DEFAULTS)) for values, _ in query_sigs
            ) / len(query_sigs)
            if size == INDEX_SIZES[0]:
                first = (lookup, check)
            print(
                f"index of {size:>7,} documents: LSH lookup {lookup * 1e6:,.0f} µs per query "
                f"({lookup / first[0]:.2f}x the smallest); whole check of a new document "
                f"(normalise, sign, look up) {check * 1e3:.2f} ms ({check / first[1]:.2f}x); "
                f"{colliding:.2f} band-colliding candidates per query; "
                f"filled in {time.perf_counter() - t:.0f} s"
            )
        db_size = sum(f.stat().st_size for f in Path(tmp).glob("scale.db*")) / 2**20
        print(
            f"peak resident memory of the indexing process at {INDEX_SIZES[-1]:,} documents: "
            f"{rss_mib():,.0f} MiB; index database {db_size:,.0f} MiB",
            flush=True,
        )
        conn.close()


def main() -> None:
    # here, not at the top: benchmarks/scale.py imports the corpus generator from this module and
    # must not carry datasketch (and scipy) in its memory figure
    from datasketch import MinHash

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink every size (smoke test)")
    parser.add_argument("--scale-phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global CORPUS_SIZE, PLANTED, PREVIEWS, INDEX_SIZES
    CORPUS_SIZE, PLANTED, PREVIEWS = (int(n * args.scale) for n in (CORPUS_SIZE, PLANTED, PREVIEWS))
    INDEX_SIZES = tuple(int(n * args.scale) for n in INDEX_SIZES)
    if args.scale_phase:
        scale_phase(args.seed)
        return
    rng = random.Random(args.seed)
    sentences, chars = load_sentences()
    gen = Generator(rng, sentences, chars)
    s2t = opencc.OpenCC("s2t")
    started = time.perf_counter()

    # --- corpus: 20,000 documents, then 2,000 planted copies and 200 previews, shuffled in
    originals = [gen.document() for _ in range(CORPUS_SIZE)]
    texts = ["\n".join(s) for s in originals]
    planted: list[tuple[int, int, set[str]]] = []  # (original index, copy index, kinds)
    for source in rng.sample(range(CORPUS_SIZE), PLANTED + PREVIEWS):
        if len(planted) < PLANTED:
            text, kinds = plant(rng, gen, originals[source], s2t)
        else:
            full = texts[source]
            text, kinds = (
                full[: int(len(full) * rng.uniform(0.4, 0.7))] + "\n剩余内容已隐藏",
                {"preview"},
            )
        texts.append(text)
        planted.append((source, len(texts) - 1, kinds))
    order = list(range(len(texts)))
    rng.shuffle(order)  # copies arrive before or after their originals
    print(
        f"corpus: {CORPUS_SIZE} documents + {PLANTED} planted near duplicates + {PREVIEWS} previews "
        f"({time.perf_counter() - started:.0f} s to generate)"
    )

    # --- signature throughput, rensa vs datasketch, on the same shingles
    sample = texts[:500]  # 500 shingle sets already take ~150 MiB
    t = time.perf_counter()
    sample_shingles = [text_shingles(x) for x in sample]
    normalise_rate = len(sample) / (time.perf_counter() - t)
    t = time.perf_counter()
    for s in sample_shingles:
        signature(s)
    rensa_rate = len(sample) / (time.perf_counter() - t)
    t = time.perf_counter()
    for s in sample_shingles:
        m = MinHash(num_perm=DEFAULTS.num_perm, seed=1)
        m.update_batch([x.encode() for x in s])
    datasketch_rate = len(sample) / (time.perf_counter() - t)
    del sample_shingles
    print(
        f"normalise + shingle: {normalise_rate:,.0f} docs/s; MinHash {DEFAULTS.num_perm} perms: "
        f"rensa {rensa_rate:,.0f} docs/s, datasketch {datasketch_rate:,.0f} docs/s "
        f"(rensa {rensa_rate / datasketch_rate:.1f}x); end to end with rensa "
        f"{1 / (1 / normalise_rate + 1 / rensa_rate):,.0f} docs/s, with datasketch "
        f"{1 / (1 / normalise_rate + 1 / datasketch_rate):,.0f} docs/s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        # --- precision / recall through the crawl's own code path, on a SQLite archive
        conn = archive(Path(tmp) / "pr.db")
        t = time.perf_counter()
        found: set[tuple[int, int]] = set()
        conn.execute("BEGIN")
        for pos, doc in enumerate(order):
            # stored as the store stage stores it: the normalise stage's Simplified text (the
            # index reads stored candidates as such, and a Traditional copy stored raw would
            # never match its original)
            text = to_simplified(texts[doc]) or ""
            conn.execute(
                "INSERT INTO documents (id, text, content_hash, length) VALUES (?, ?, ?, ?)",
                [pos + 1, text, content_hash(text), len(text)],
            )
            for match in index_document(conn, pos + 1, text, DEFAULTS):
                found.add(tuple(sorted((order[pos], order[match.document_id - 1]))))
            if pos % 2000 == 1999:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - t
        exact: dict[str, int] = {}
        exact_found = set()
        for doc in order:
            first = exact.setdefault(content_hash(texts[doc]), doc)
            if first != doc:
                exact_found.add(tuple(sorted((first, doc))))
        truth = {tuple(sorted((a, b))) for a, b, k in planted if "preview" not in k}
        previews = {tuple(sorted((a, b))) for a, b, k in planted if "preview" in k}
        found_main = found - previews
        p, r = pr(found_main, truth)
        ep, er = pr(exact_found - previews, truth)
        print(
            f"indexed {len(order)} documents in {elapsed:.0f} s ({len(order) / elapsed:,.0f} docs/s, "
            "normalise + signature + LSH + exact check + clustering, SQLite)"
        )
        print(
            f"MinHash-LSH   precision {p:.3f}  recall {r:.3f}  ({len(found_main & truth)}/{len(truth)} "
            f"planted pairs, {len(found_main - truth)} other pairs reported)"
        )
        print(f"exact hash    precision {ep:.3f}  recall {er:.3f}")
        for kind in ("wrapper", "traditional", "renumbered"):
            pairs = {tuple(sorted((a, b))) for a, b, k in planted if kind in k}
            print(
                f"  recall with {kind:12s} {len(found & pairs) / len(pairs):.3f}  ({len(pairs)} pairs)"
            )
        print(
            f"  recall of truncated previews (containment) {len(found & previews) / len(previews):.3f}"
        )
        recycled = conn.execute("SELECT count(*) FROM dedup_links WHERE recycled").fetchone()[0]
        renumbered = sum(1 for _, _, k in planted if "renumbered" in k)
        print(f"  links flagged recycled: {recycled} (renumbered copies planted: {renumbered})")
        conn.close()
        print(f"[peak memory after precision/recall: {rss_mib():,.0f} MiB]")

    # --- query time against growing indexes, peak memory at 100,000: a fresh process
    command = [sys.executable, __file__, "--scale-phase", "--seed", str(args.seed)]
    command += ["--scale", str(args.scale)]
    sys.stdout.flush()
    subprocess.run(command, check=True)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
