"""Browsing the archive in Datasette: pages, canned queries, Chinese search, safety.

Drives the Datasette app that ``harvest serve`` runs (``crawler.serve.build_datasette``) with
Datasette's own test client against a small demo-like archive built in ``tmp_path``.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crawler.browse.serve import build_datasette
from crawler.storage import connect
from pipelines.normalise import content_hash
from tests.helpers import store_linked

GOV_2019 = (
    "一、上半年工作情况\n"
    "今年以来，我局认真开展科技创新工作，新认定高新技术企业12家。\n"
    "二、下半年工作计划\n"
    "加快培育高新技术企业，推动科技成果转化。"
)
# What the page said before Traditional -> Simplified conversion.
GOV_2019_ORIGINAL = (
    "一、上半年工作情況\n"
    "今年以來，我局認真開展科技創新工作，新認定高新技術企業12家。\n"
    "二、下半年工作計劃\n"
    "加快培育高新技術企業，推動科技成果轉化。"
)
# A doc-share copy that lost its last paragraph: a near copy, not an exact one.
DOCSHARE_PREVIEW = (
    "一、上半年工作情况\n今年以来，我局认真开展科技创新工作，新认定高新技术企业12家。"
)
EDU_PLAN = (
    "一、总体目标\n推进义务教育均衡发展，改善乡村学校办学条件。\n二、主要措施\n落实教师培训计划。"
)
RECYCLED = "一、工作回顾\n2021年，我局围绕中心工作，扎实推进各项任务落实。\n二、存在问题\n工作作风有待改进。"

GOV = "http://www.kjj.example.gov.cn/xxgk/201906/t20190628_1.html"
GOV_COPY = "http://www.kjj.example.gov.cn/zwgk/201906/t20190628_1.html"
DOCS = "http://docs.example.com/doc-42.html"


def page(url: str, site: str, title: str, text: str, **fields: Any) -> dict[str, Any]:
    """One stored page in the shape ``store_pages`` takes (see tests/storage/test_pages.py)."""
    row = {
        "url": url,
        "final_url": url,
        "site": site,
        "status": 200,
        "fetched_at": "2026-11-25T10:00:00+00:00",
        "encoding": "gb2312" if site == "demo_gov" else "utf-8",
        "title": title,
        "source_title": title,
        "title_original": title,
        "text": text,
        "text_original": text,
        "content_hash": content_hash(text),
        "script": "hans",
        "doc_type": "工作总结",
    }
    row.update(fields)
    return row


def build_archive(path: Path, clusters: bool = False) -> dict[str, int]:
    """A demo-like archive at ``path``; returns document ids by name.

    Its texts are too short for the near-duplicate index to link, so every document is a
    cluster of its own; ``clusters=True`` then puts the government report and its doc-share
    preview in one cluster (similarity 0.87), as the index does for longer texts.
    """
    db = connect(path)
    kj = {"agency": "科技局", "region": "某市", "year": 2019, "period": "上半年"}
    store_linked(
        db,
        [
            page(
                GOV,
                "demo_gov",
                "科技局2019年上半年工作总结",
                GOV_2019,
                published="2019-06-28",
                text_original=GOV_2019_ORIGINAL,
                script="hant",
                **kj,
            ),
            page(
                GOV_COPY,
                "demo_gov",
                "科技局2019年上半年工作总结",
                GOV_2019,
                published="2019-06-28",
                text_original=GOV_2019_ORIGINAL,
                script="hant",
                **kj,
            ),
            page(
                DOCS,
                "demo_docs",
                "科技局2019年上半年工作总结范文",
                DOCSHARE_PREVIEW,
                published="2021-10-22",
                partial=1,
                **kj,
            ),
            page(
                "http://www.jyj.example.gov.cn/art/2020/1/5/art_1_2.html",
                "demo_gov",
                "教育局2020年工作计划",
                EDU_PLAN,
                published="2020-01-05",
                agency="教育局",
                region="某市",
                year=2020,
                period="全年",
                doc_type="工作计划",
            ),
            page(
                "http://wenku.example.net/p/77.html",
                "demo_wenku",
                "2022年住建局工作总结",
                RECYCLED,
                published="2021-12-30",
                agency="住建局",
                region="某县",
                year=2021,
                period="全年",
            ),
        ],
    )
    db.execute(
        "INSERT INTO runs (site, started, finished, status, pages_fetched, errors) VALUES "
        "('demo_gov', '2026-11-25T09:00:00+00:00', '2026-11-25T09:01:00+00:00', 'ok', 12, 0), "
        "('demo_docs', '2026-11-25T09:02:00+00:00', '2026-11-25T09:02:30+00:00', 'failed', 0, 1)"
    )
    ids = {
        name: db.execute(
            "SELECT id FROM documents WHERE content_hash = ?", [content_hash(t)]
        ).fetchone()[0]
        for name, t in [
            ("gov", GOV_2019),
            ("docs", DOCSHARE_PREVIEW),
            ("edu", EDU_PLAN),
            ("recycled", RECYCLED),
        ]
    }
    if clusters:
        cluster(db.conn, canonical=ids["gov"], member=ids["docs"], similarity=0.87)
    db.close()
    return ids


def cluster(conn: sqlite3.Connection, canonical: int, member: int, similarity: float) -> None:
    """Put ``member`` in ``canonical``'s cluster, as :mod:`pipelines.dedup.index` records it."""
    conn.execute(
        "UPDATE document_clusters SET cluster_id = ?, is_canonical = 0, similarity = ?"
        " WHERE document_id = ?",
        [canonical, similarity, member],
    )
    conn.execute(
        "UPDATE documents SET cluster_id = ?, is_canonical = (id = ?) WHERE id IN (?, ?)",
        [canonical, canonical, canonical, member],
    )


def get(ds, path: str):
    """One request through Datasette's test client (pytest-asyncio is not needed)."""
    return asyncio.run(ds.client.get(path))


def search_rows(ds, typed: str) -> list[dict[str, Any]]:
    response = get(ds, f"/harvest/-/search.json?q={typed}")
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def json_rows(ds, path: str) -> list[dict[str, Any]]:
    base, _, query = path.partition("?")
    response = get(ds, f"{base}.json?{query}&_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "archive.db"
    return path, build_archive(path)


@pytest.fixture
def clustered(tmp_path):
    path = tmp_path / "clustered.db"
    return path, build_archive(path, clusters=True)


def test_pages_answer_200_with_chinese_labels(archive):
    path, ids = archive
    ds = build_datasette(path)
    for url in ("/", "/harvest", "/harvest/documents", "/harvest/sources", "/harvest/runs"):
        assert get(ds, url).status_code == 200, url
    index = get(ds, "/harvest").text
    assert 'href="/harvest/documents"' in index
    # the index tables and their shadow tables are hidden
    assert "documents_fts" not in index and "documents_chars" not in index
    documents = get(ds, "/harvest/documents").text
    assert 'name="_q"' in documents  # our search box …
    assert 'name="_search"' not in documents  # … instead of Datasette's own
    assert "发布机构 Publishing agency" in documents
    # Facets by site (through sources), province, city, county, agency, year, period, doc_type.
    facets = get(ds, "/harvest/documents.json?_size=0").json()["facet_results"]
    assert set(facets) == {
        "site", "province", "city", "county", "agency", "year", "period", "doc_type"
    }  # fmt: skip
    sites = {r["value"]: r["count"] for r in facets["site"]["results"]}
    assert sites == {"demo_gov": 2, "demo_docs": 1, "demo_wenku": 1}


def test_documents_newest_first_and_site_filter(archive):
    path, ids = archive
    ds = build_datasette(path)
    rows = json_rows(ds, "/harvest/documents")
    assert [r["published"] for r in rows] == [
        "2021-12-30",
        "2021-10-22",
        "2020-01-05",
        "2019-06-28",
    ]
    rows = json_rows(ds, "/harvest/documents?_site=demo_docs")
    assert [r["id"] for r in rows] == [ids["docs"]]


def test_two_and_four_character_chinese_queries(archive):
    path, ids = archive
    ds = build_datasette(path)
    # two characters and four go through the same index of character pairs
    assert {r["id"] for r in json_rows(ds, "/harvest/documents?_q=科技")} == {
        ids["gov"],
        ids["docs"],
    }
    assert [r["id"] for r in json_rows(ds, "/harvest/documents?_q=成果转化")] == [ids["gov"]]
    assert [r["id"] for r in json_rows(ds, "/harvest/documents?_q=教育")] == [ids["edu"]]
    # Two terms: both must match; facets still narrow the results.
    assert [r["id"] for r in json_rows(ds, "/harvest/documents?_q=科技+转化")] == [ids["gov"]]
    assert json_rows(ds, "/harvest/documents?_q=科技&_site=demo_wenku") == []
    assert json_rows(ds, "/harvest/documents?_q=区块链") == []
    # FTS5 syntax in a query is text, not an error.
    assert get(ds, '/harvest/documents?_q="科技 OR*').status_code == 200
    # The search box keeps the query and facet selections.
    html = get(ds, "/harvest/documents?_q=科技&_site=demo_gov").text
    assert 'value="科技"' in html and 'name="_site" value="demo_gov"' in html
    # The same search, ranked, on the search page's JSON.
    assert {r["id"] for r in search_rows(ds, "科技")} == {ids["gov"], ids["docs"]}
    assert {r["id"] for r in search_rows(ds, "高新技术企业")} == {ids["docs"], ids["gov"]}
    assert search_rows(ds, "") == []


def test_document_page_is_readable(archive):
    path, ids = archive
    ds = build_datasette(path)
    html = get(ds, f"/harvest/documents/{ids['gov']}").text
    assert "<h1" in html and "科技局2019年上半年工作总结</h1>" in html
    assert "<p>二、下半年工作计划</p>" in html  # one paragraph a line
    assert GOV in html and GOV_COPY in html and "demo_gov" in html
    assert "2026-11-25 18:00 北京时间 (UTC+8)" in html  # fetched 10:00 UTC
    assert "Near copies" not in html  # a cluster of its own: no near copies to list
    partial = get(ds, f"/harvest/documents/{ids['docs']}").text
    assert "不完整 Partial" in partial
    assert get(ds, "/harvest/documents/999999").status_code == 404


def test_document_page_links_cluster_members(clustered):
    path, ids = clustered
    ds = build_datasette(path)
    html = get(ds, f"/harvest/documents/{ids['gov']}").text
    assert f'href="/harvest/documents/{ids["docs"]}"' in html
    assert "科技局2019年上半年工作总结范文" in html
    other = get(ds, f"/harvest/documents/{ids['docs']}").text
    assert f'href="/harvest/documents/{ids["gov"]}"' in other and "canonical 主版本" in other


def test_canned_queries_answer_with_expected_rows(archive):
    path, ids = archive
    ds = build_datasette(path)
    latest = json_rows(ds, "/harvest/latest_documents")
    assert [r["id"] for r in latest] == [ids["recycled"], ids["docs"], ids["edu"], ids["gov"]]
    assert latest[-1]["sites"] == "demo_gov"
    rows = json_rows(ds, "/harvest/documents_by_agency_and_year?agency=科技&year=2019")
    assert {r["id"] for r in rows} == {ids["gov"], ids["docs"]}
    assert json_rows(ds, "/harvest/documents_by_agency_and_year?agency=科技&year=2020") == []
    assert len(json_rows(ds, "/harvest/documents_by_agency_and_year?agency=局&year=")) == 4
    copies = json_rows(ds, "/harvest/copies_of_a_report")
    assert [(r["id"], r["copies"]) for r in copies] == [(ids["gov"], 2)]
    # every document is a cluster of its own: nothing is recycled, no cluster to list
    assert json_rows(ds, "/harvest/recycled_reports") == []
    runs = json_rows(ds, "/harvest/runs_with_errors")
    assert [(r["site"], r["status"]) for r in runs] == [("demo_docs", "failed")]
    assert json_rows(ds, "/harvest/near_duplicate_clusters") == []
    assert json_rows(ds, "/harvest/current_alerts") == []
    for name in ("latest_documents", "-/search?q=科技", "copies_of_a_report", "runs_with_errors"):
        assert get(ds, f"/harvest/{name}").status_code == 200, name


def test_cluster_and_alert_queries(clustered):
    path, ids = clustered
    ds = build_datasette(path)
    clusters = json_rows(ds, "/harvest/near_duplicate_clusters")
    assert [(r["cluster_id"], r["documents"]) for r in clusters] == [(ids["gov"], 2)]
    assert clusters[0]["title"] == "科技局2019年上半年工作总结"  # the canonical member's
    assert json_rows(ds, "/harvest/current_alerts") == []
    # A crawl raises alerts while the server runs: the query shows the latest run's.
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO runs (id, site, started, status, errors) "
        "VALUES (3, 'demo_gov', '2026-11-25T11:00:00+00:00', 'ok', 0)"
    )
    conn.execute(
        "INSERT INTO alerts (site, run_id, created, kind, message) VALUES "
        "('demo_gov', 1, '2026-11-25T09:01:00+00:00', 'slow', 'old news'), "
        "('demo_docs', 2, '2026-11-25T09:02:30+00:00', 'empty', 'fetched nothing')"
    )
    conn.commit()
    conn.close()
    alerts = json_rows(ds, "/harvest/current_alerts")
    assert [r["message"] for r in alerts] == ["fetched nothing"]
    # Same year in the one cluster: nothing recycled there.
    assert json_rows(ds, "/harvest/recycled_reports") == []


def test_no_sql_refuses_custom_queries_but_keeps_browsing(archive):
    path, ids = archive
    sql = "/harvest.json?sql=select+count(*)+from+documents"
    assert get(build_datasette(path), sql).status_code == 200
    ds = build_datasette(path, allow_sql=False)
    assert get(ds, sql).status_code == 403
    assert get(ds, "/harvest/documents?_where=1").status_code == 403
    assert len(json_rows(ds, "/harvest/documents?_q=科技")) == 2
    assert len(json_rows(ds, "/harvest/latest_documents")) == 4


def test_serving_does_not_write_to_the_archive(archive):
    path, ids = archive
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    watcher = sqlite3.connect(path)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    ds = build_datasette(path)
    for url in (
        "/harvest/documents?_q=科技",
        f"/harvest/documents/{ids['gov']}",
        "/harvest/latest_documents",
        "/harvest/recycled_reports",
    ):
        assert get(ds, url).status_code == 200
    # Even SQL that tries to write is refused: the connections are read-only.
    response = get(ds, "/harvest.json?sql=update+documents+set+title%3D%27x%27")
    assert response.status_code == 400
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
    watcher.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_robots_are_told_to_stay_away(archive):
    path, _ = archive
    response = get(build_datasette(path), "/robots.txt")
    assert response.status_code == 200 and "Disallow: /" in response.text


def test_recycled_reports_use_the_dedup_flag_when_present(clustered):
    path, ids = clustered
    conn = sqlite3.connect(path)
    conn.execute("UPDATE document_clusters SET recycled = (document_id = ?)", [ids["docs"]])
    conn.commit()
    conn.close()
    rows = json_rows(build_datasette(path), "/harvest/recycled_reports")
    assert [(r["id"], r["recycled"]) for r in rows] == [(ids["gov"], 0), (ids["docs"], 1)]


def test_flattened_doc_share_text_is_shown_in_paragraphs(tmp_path):
    path = tmp_path / "flat.db"
    build_archive(path)
    flat = (
        "具体工作总结如下：一、抓好科技创新。"
        + "推进项目建设，" * 60
        + "成效明显。二、存在问题。（一）人才不足。"
    )
    db = connect(path)
    store_linked(db, [page("http://docs.example.com/flat.html", "demo_docs", "扁平文本", flat)])
    document_id = db.execute("SELECT id FROM documents WHERE title = '扁平文本'").fetchone()[0]
    db.close()
    html = get(build_datasette(path), f"/harvest/documents/{document_id}").text
    assert "<p>具体工作总结如下：</p>" in html
    assert "<p>二、存在问题。</p>" in html and "<p>（一）人才不足。</p>" in html


def test_query_titles_link_to_documents_and_no_memory_database(archive):
    path, ids = archive
    ds = build_datasette(path)
    html = get(ds, "/harvest/latest_documents").text
    assert f'<a href="/harvest/documents/{ids["gov"]}">科技局2019年上半年工作总结</a>' in html
    assert [d["name"] for d in get(ds, "/.json").json().values()] == ["harvest"]


def test_document_page_shows_recycled_flag_and_similarity(clustered):
    path, ids = clustered
    conn = sqlite3.connect(path)
    conn.execute("UPDATE document_clusters SET recycled = (document_id = ?)", [ids["docs"]])
    conn.commit()
    conn.close()
    ds = build_datasette(path)
    html = get(ds, f"/harvest/documents/{ids['docs']}").text
    assert "套用旧稿 Recycled" in html
    assert 'similarity to this page 与本页相似度 <span class="harvest-similarity">1.00</span>' in html
    assert "套用旧稿 Recycled" not in get(ds, f"/harvest/documents/{ids['gov']}").text


def test_serve_command_binds_localhost_and_passes_no_sql(archive, monkeypatch):
    from click.testing import CliRunner

    from crawler.browse import serve
    from crawler.cli import cli

    calls = []
    monkeypatch.setattr(serve, "run", lambda *args, **kwargs: calls.append((args, kwargs)) or 0)
    path, _ = archive
    result = CliRunner().invoke(cli, ["serve", "--db", str(path)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["serve", "--db", str(path), "--no-sql", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert calls == [
        ((str(path), "127.0.0.1", 8001), {"allow_sql": True}),
        ((str(path), "0.0.0.0", 8001), {"allow_sql": False}),
    ]


def test_only_read_only_plugins_are_loaded(archive):
    """A write plugin (datasette-write, -upload-csvs, …) installed by accident would show here."""
    path, _ = archive
    plugins = get(build_datasette(path), "/-/plugins.json").json()
    assert sorted(p["name"] for p in plugins) == [
        "datasette-block-robots",
        "datasette-dashboards",
        "datasette-leaflet",
        "datasette-pretty-json",
        "datasette-render-markdown",
        "harvest_browse.py",
    ]


def test_serve_says_when_an_archive_predates_this_harvest(tmp_path):
    from crawler.browse.serve import schema_behind
    from crawler.storage import connect
    from crawler.storage.schema import SCHEMA_VERSION
    from tests.storage.test_archive_scale import old_layout_archive

    old_layout_archive(tmp_path / "old.db")
    assert schema_behind(tmp_path / "old.db") == f"schema 2, this harvest writes {SCHEMA_VERSION}"
    connect(tmp_path / "old.db").close()  # what any command that writes does first
    assert schema_behind(tmp_path / "old.db") == ""
