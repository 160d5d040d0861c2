"""Near-duplicate index and clusters in a real SQLite archive: store_pages, the canonical rule,
the recycled flag, the dedup stage, rebuild and the ``harvest dedup`` command."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest
from click.testing import CliRunner
from scrapy.utils.test import get_crawler

from crawler.cli import cli
from crawler.storage import connect
from pipelines.dedup.canonical import Member, canonical_key
from pipelines.dedup.index import DedupSettingsMismatch, cluster_map, rebuild, save_settings
from pipelines.dedup.pipeline import DedupPipeline
from pipelines.dedup.settings import NearDupSettings
from pipelines.dedup.similarity import signature, text_shingles
from pipelines.normalise import normalise
from tests.helpers import store_linked

FIXTURES = Path(__file__).parents[1] / "fixtures" / "dedup"


def text_of(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def page(url: str, text: str, site: str, family: str, published: str | None = None, **extra):
    """A row in the shape the store stage hands to store_pages."""
    normalised = normalise(None, text)
    return {
        "url": url,
        "final_url": url,
        "site": site,
        "family": family,
        "primary_source": int(family == "gov"),
        "status": 200,
        "fetched_at": "2026-11-25T10:00:00+00:00",
        "title": url.rsplit("/", 1)[-1],
        "text": normalised["text"],
        "text_original": text,
        "content_hash": normalised["content_hash"],
        "script": normalised["script"],
        "published": published,
        **extra,
    }


def demo_pages() -> list[dict]:
    """The demo crawl in miniature: the government column (002, 003, 004), the 三七文档 copy
    of 001 with its header and trailer, and the Traditional mirror copies (000, 004) with
    pinyin annotations."""
    return [
        page("http://gov/kjj/t20180712.html", text_of("003"), "demo_gov", "gov", "2018-07-12"),
        page("http://gov/kjj/t20190628.html", text_of("004"), "demo_gov", "gov", "2019-06-28"),
        page("http://gov/kjj/t20190305.html", text_of("002"), "demo_gov", "gov", "2019-03-05"),
        page(
            "http://docs37/doc-1.html", text_of("001_seed"), "docshare1", "docshare", "2021-10-22"
        ),
        page(
            "http://mirror/news/1.html", text_of("000_seed"), "docshare2", "docshare", "2020-07-01"
        ),
        page(
            "http://mirror/news/2.html", text_of("004_seed"), "docshare2", "docshare", "2019-07-01"
        ),
    ]


def ids_by_url(db) -> dict[str, int]:
    return dict(db.execute("SELECT url, document_id FROM sources").fetchall())


def members(db, cluster_id: int) -> list[tuple]:
    return db.execute(
        "SELECT document_id, is_canonical, round(similarity, 3), recycled FROM clusters "
        "WHERE cluster_id = ? ORDER BY document_id",
        [cluster_id],
    ).fetchall()


@pytest.fixture
def demo(tmp_path):
    db = connect(tmp_path / "demo.db")
    rows = demo_pages()
    store_linked(db, rows[:3])  # two batches: the index must carry over between them
    store_linked(db, rows[3:])
    yield db
    db.close()


def test_demo_crawl_clusters(demo):
    ids = ids_by_url(demo)
    gov_004, mirror_004 = ids["http://gov/kjj/t20190628.html"], ids["http://mirror/news/2.html"]
    copy_001, mirror_000 = ids["http://docs37/doc-1.html"], ids["http://mirror/news/1.html"]
    # government original and its Traditional doc-share copy: one cluster, gov canonical
    cluster = demo.execute("SELECT cluster_id FROM documents WHERE id = ?", [gov_004]).fetchone()[0]
    assert [(m[0], m[1], m[3]) for m in members(demo, cluster)] == [
        (gov_004, 1, 0),
        (mirror_004, 0, 0),
    ]
    # 000 and 001: one report with 2020 and 2021 swapped, clustered and flagged recycled;
    # both doc-share, so the earlier published (000, 2020-07-01) is canonical
    cluster = demo.execute("SELECT cluster_id FROM documents WHERE id = ?", [copy_001]).fetchone()[
        0
    ]
    assert [(m[0], m[1], m[3]) for m in members(demo, cluster)] == [
        (copy_001, 0, 1),
        (mirror_000, 1, 0),
    ]
    assert demo.execute(
        "SELECT recycled FROM dedup_links WHERE document_id = ? AND other_id = ?",
        [mirror_000, copy_001],
    ).fetchone() == (1,)
    # different reports never share a cluster: 002 and 003 are alone, 4 clusters in all
    for url in ("http://gov/kjj/t20180712.html", "http://gov/kjj/t20190305.html"):
        cluster = demo.execute(
            "SELECT cluster_id FROM documents WHERE id = ?", [ids[url]]
        ).fetchone()[0]
        assert demo.execute(
            "SELECT document_id, is_canonical, similarity, recycled FROM document_clusters"
            " WHERE cluster_id = ?",
            [cluster],
        ).fetchall() == [(ids[url], 1, 1.0, 0)]
        assert members(demo, cluster) == []  # the clusters view lists groups of two or more
    assert demo.execute("SELECT count(DISTINCT cluster_id) FROM documents").fetchone() == (4,)
    assert demo.execute("SELECT count(*) FROM documents WHERE is_canonical").fetchone() == (4,)
    # copies keep their own text and source
    assert (
        "三七文档"
        in demo.execute("SELECT text FROM documents WHERE id = ?", [copy_001]).fetchone()[0]
    )


def test_clusters_view_shows_sites_and_similarity(demo):
    ids = ids_by_url(demo)
    row = demo.execute(
        "SELECT sites, similarity, jaccard, containment FROM clusters WHERE document_id = ?",
        [ids["http://mirror/news/2.html"]],
    ).fetchone()
    assert row[0] == "docshare2"
    assert 0.9 < row[1] <= 1.0 and row[2] <= row[1] and row[3] == row[1]


def test_rebuild_gives_the_same_clusters_and_links(demo, tmp_path):
    before = cluster_map(demo.conn)
    links = demo.execute("SELECT * FROM dedup_links ORDER BY 1, 2").fetchall()
    similarities = demo.execute("SELECT * FROM document_clusters ORDER BY 1").fetchall()
    demo.close()
    summary = rebuild(tmp_path / "demo.db", progress=False, settings=NearDupSettings())
    assert (summary.documents, summary.clusters, summary.clustered_documents) == (6, 4, 4)
    assert (summary.links, summary.recycled_links) == (2, 1)
    db = connect(tmp_path / "demo.db")
    assert cluster_map(db.conn) == before
    assert db.execute("SELECT * FROM dedup_links ORDER BY 1, 2").fetchall() == links
    assert db.execute("SELECT * FROM document_clusters ORDER BY 1").fetchall() == similarities
    db.close()


def test_dedup_command_rebuilds_with_a_summary(demo, tmp_path):
    demo.close()
    path = str(tmp_path / "demo.db")
    result = CliRunner().invoke(cli, ["dedup", "--rebuild", "--db", path, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "indexed 6 documents" in result.output
    assert "4 clusters; 4 documents share a cluster" in result.output
    assert "2 near-duplicate links, 1 flagged recycled" in result.output
    result = CliRunner().invoke(cli, ["dedup", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no archive yet" in result.output


def test_canonical_rule_order():
    """gov before doc-share, then earliest published, then longest text, then lowest id."""
    docshare_early_long = canonical_key(Member(1, "2019-01-01", 9000, False))
    gov_late_short = canonical_key(Member(2, "2020-01-01", 100, True))
    assert min(docshare_early_long, gov_late_short) == gov_late_short

    def key(primary: bool, published: str | None, length: int, document_id: int):
        return canonical_key(Member(document_id, published, length, primary))

    assert key(True, "2019-01-01", 100, 3) < key(True, "2020-01-01", 9000, 1)
    assert key(True, None, 9000, 1) > key(True, "2025-01-01", 10, 2)
    assert key(False, "2019-01-01", 5000, 9) < key(False, "2019-01-01", 4000, 1)
    assert key(False, None, 10, 1) < key(False, None, 10, 2)


def test_canonical_moves_to_a_government_copy_arriving_later(tmp_path):
    db = connect(tmp_path / "a.db")
    report = text_of("002")
    preview = report[: len(report) * 2 // 3]
    store_linked(db, [page("http://docs/1.html", report, "docs", "docshare", "2018-01-01")])
    store_linked(db, [page("http://docs/2.html", preview, "docs", "docshare", "2017-01-01")])
    ids = ids_by_url(db)
    full, partial = ids["http://docs/1.html"], ids["http://docs/2.html"]
    # both doc-share: the earlier date wins, even for the preview
    assert members(db, full)[1][:2] == (partial, 1)
    # an exact copy of the full text on a government site: same document, now canonical
    store_linked(db, [page("http://gov/1.html", report, "gov", "gov", "2019-01-01")])
    assert ids_by_url(db)["http://gov/1.html"] == full
    assert [m[:2] for m in members(db, full)] == [(full, 1), (partial, 0)]
    assert db.execute("SELECT is_canonical FROM documents WHERE id = ?", [partial]).fetchone() == (
        0,
    )
    db.close()


def test_traditional_copy_in_the_same_batch_joins_its_original(tmp_path):
    db = connect(tmp_path / "a.db")
    simplified = text_of("003")
    traditional = opencc.OpenCC("s2t").convert(simplified).replace("區", "區(qū)")
    store_linked(
        db,
        [
            page("http://mirror/3.html", traditional, "mirror", "docshare", "2018-07-12"),
            page("http://gov/3.html", simplified, "gov", "gov", "2018-07-12"),
        ],
    )
    ids = ids_by_url(db)
    rows = db.execute("SELECT id, cluster_id, is_canonical FROM documents ORDER BY id").fetchall()
    assert rows == [
        (ids["http://mirror/3.html"], ids["http://mirror/3.html"], 0),
        (ids["http://gov/3.html"], ids["http://mirror/3.html"], 1),
    ]
    db.close()


def item(url: str, text: str, **extra) -> dict:
    normalised = normalise(None, text)
    return {"url": url, "site": "docs", "family": "docshare", **normalised, **extra}


def test_dedup_stage_signs_texts_and_the_store_stage_counts_exact_copies(tmp_path):
    crawler = get_crawler(settings_dict={"HARVEST_DEDUP_SHINGLE_SIZE": 4})
    crawler.stats.open_spider()
    pipeline = DedupPipeline.from_crawler(crawler)
    signed = pipeline.process_item(item("http://docs37/doc-1.html", text_of("001_seed")))
    settings = NearDupSettings(shingle_size=4)
    assert signed["dedup_shingles"] == text_shingles(signed["text"], settings)
    assert signed["dedup_signature"] == signature(signed["dedup_shingles"], settings)
    assert crawler.stats.get_stats()["harvest/dedup/signed"] == 1

    path = tmp_path / "a.db"
    db = connect(path)
    store_linked(db, [page("http://mirror/news/1.html", text_of("000_seed"), "m", "docshare")])
    counts = store_linked(db, [page("http://gov/copy.html", text_of("000_seed"), "g", "gov")])
    assert (counts["new"], counts["copies"]) == (0, 1)
    # the same URL fetched again is no copy
    again = store_linked(db, [page("http://gov/copy.html", text_of("000_seed"), "g", "gov")])
    assert (again["new"], again["copies"], again["unchanged"]) == (0, 0, 1)
    db.close()
    # near duplicates are found once, inside the store transaction
    db = connect(path)
    counts = store_linked(
        db,
        [
            page("http://docs37/doc-1.html", text_of("001_seed"), "d", "docshare"),
            page("http://gov/2.html", text_of("002"), "g", "gov"),
        ],
    )
    assert (counts["new"], counts["near_duplicates"], counts["recycled"]) == (2, 1, 1)
    links = db.execute("SELECT document_id, other_id, recycled FROM dedup_links").fetchall()
    assert links == [(2, 1, 1)]
    db.close()


def test_index_refuses_other_shape_settings_until_rebuilt(demo, tmp_path):
    with pytest.raises(DedupSettingsMismatch, match="rebuild"):
        save_settings(demo.conn, NearDupSettings(shingle_size=4))
    save_settings(demo.conn, NearDupSettings(jaccard=0.7))  # a threshold needs no rebuild
    demo.close()
    summary = rebuild(
        tmp_path / "demo.db", progress=False, settings=NearDupSettings(shingle_size=4)
    )
    assert summary.clusters == 4
    db = connect(tmp_path / "demo.db")
    assert db.execute(
        "SELECT value FROM dedup_settings WHERE name = 'shingle_size'"
    ).fetchone() == ("4",)
    db.close()


def test_empty_texts_are_clustered_alone_and_not_indexed(tmp_path):
    db = connect(tmp_path / "a.db")
    store_linked(
        db,
        [
            page("http://gov/404.html", "", "gov", "gov"),
            page("http://docs/empty.html", "。 ", "docs", "docshare"),
            page("http://gov/2.html", text_of("002"), "gov", "gov"),
        ],
    )
    # the two empty pages are one (exact) document, in a cluster of its own
    assert db.execute("SELECT count(DISTINCT cluster_id) FROM documents").fetchone() == (2,)
    assert db.execute("SELECT count(DISTINCT document_id) FROM dedup_bands").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM dedup_links").fetchone() == (0,)
    db.close()
