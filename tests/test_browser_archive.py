"""The archive's pages as a researcher sees them, in Debian's chromium, on a real crawl of the
demo site (WARC records, a Traditional copy, a recycled near copy, a 阳江 report): the home page
and charts, a two-character, a Traditional and a phrase search, a province facet, the compare
view, the archived page, the folded runs and the clusters table. Screenshots are kept in
``test-artifacts/browser/`` (git-ignored) under the names used below."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.demo import serve_directory
from tests.helpers import crawl_demo, query_archive
from tests.test_browser import harvest_serve, shot
from tests.test_browser import page as chromium_page  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(chromium_page):  # noqa: F811  (the imported fixture, requested by name)
    """test_browser.py's chromium page (it fails, never skips, without Debian's chromium)."""
    return chromium_page


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A crawl of the demo site served by `harvest serve`; yields the server's base URL."""
    db = tmp_path_factory.mktemp("demo") / "harvest.db"
    with serve_directory() as site:
        result = crawl_demo(db, site)
        assert result.returncode in (0, 1), result.stderr  # docshare1 has a dead link
    with harvest_serve(db) as base:
        yield base, db


def search(page, base: str, typed: str) -> list[str]:
    page.goto(f"{base}/harvest/-/search?q={quote(typed)}")
    return page.locator(".harvest-results li .harvest-doc-link").all_inner_texts()


def test_home_page_and_charts(archive, page):
    base, db = archive
    page.goto(f"{base}/")
    numbers = page.locator(".harvest-overview .harvest-number").all_inner_texts()
    # documents, URLs, sites: the demo's four sites, the attachment column's files among the URLs
    assert numbers[:3] == ["15", "20", "4"]
    assert page.locator(".harvest-runs tbody tr").count() == 4  # one last run per site
    shot(page, "10-home-overview")
    page.goto(f"{base}/-/dashboards/overview")
    # Vega-Lite draws each chart as an SVG or a canvas once its data arrived.
    page.wait_for_selector("#card-per-year canvas, #card-per-year svg", timeout=20_000)
    page.wait_for_selector("#card-runs-over-time canvas, #card-runs-over-time svg")
    assert page.locator("text=Documents per year 各年度文档数").count() == 1
    shot(page, "11-charts")


def test_two_character_search(archive, page):
    base, db = archive
    titles = search(page, base, "科技")
    expected = query_archive(
        db,
        "SELECT count(*) FROM documents WHERE title LIKE '%科技%' OR text LIKE '%科技%'"
        " OR text_original LIKE '%科技%'",
    )[0][0]
    assert len(titles) == expected == 11
    assert page.locator(".harvest-results mark").first.inner_text() == "科技"
    assert "11 documents" in page.locator(".harvest-count").inner_text()
    shot(page, "12-search-two-characters")


def test_traditional_search(archive, page):
    base, db = archive
    titles = search(page, base, "工作總結")
    expected = query_archive(
        db, "SELECT count(*) FROM documents WHERE title LIKE '%工作总结%' OR text LIKE '%工作总结%'"
    )[0][0]
    assert len(titles) == expected == 8
    assert "“工作总结” (typed 工作總結)" in page.locator(".harvest-count").inner_text()
    assert page.locator(".harvest-results mark").first.inner_text() == "工作总结"
    shot(page, "13-search-traditional")


def test_phrase_search_and_an_error(archive, page):
    base, _ = archive
    assert len(search(page, base, '"实施知识产权战略"')) == 1
    shot(page, "14-search-phrase")
    search(page, base, " ".join("一二三四五六七八九"))
    assert "the search takes at most 8" in page.locator(".harvest-search-error").inner_text()


def test_province_facet(archive, page):
    base, _ = archive
    page.goto(f"{base}/harvest/documents")
    facet = page.locator(".facet-info[data-column=province]")
    facet.locator("a", has_text="广东省").click()
    page.wait_for_url("**province=*")
    titles = page.locator("table.rows-and-columns td.col-title a").all_inner_texts()
    assert titles == ["阳江市科学技术局2019年上半年工作总结"]
    shot(page, "15-facet-province")


def test_compare_view_of_a_recycled_copy(archive, page):
    base, db = archive
    (recycled,) = query_archive(db, "SELECT document_id FROM clusters WHERE recycled = 1")[0]
    page.goto(f"{base}/harvest/documents/{recycled}")
    assert "similarity to this page" in page.locator(".harvest-cluster").inner_text()
    page.click(".harvest-compare-link")
    page.wait_for_url("**/harvest/-/compare/**")
    assert page.locator("ins.year").count() >= 1  # the re-dated years stand out
    assert page.locator(".harvest-compare tbody tr").count() > 10
    shot(page, "16-compare")


def test_archived_page_from_the_warc_record(archive, page):
    base, db = archive
    (document,) = query_archive(
        db, "SELECT document_id FROM sources WHERE url LIKE '%t20190628_358021%'"
    )[0]
    page.goto(f"{base}/harvest/documents/{document}")
    assert "政府原件 government original" in page.locator(".harvest-sources").inner_text()
    assert "北京时间" in page.locator(".harvest-sources").inner_text()
    page.locator(".harvest-archived-link").first.click()
    page.wait_for_url("**/harvest/-/archived/*")
    assert "Archived page" in page.locator("body").inner_text()
    assert "阳江市科学技术局" in page.locator("body").inner_text()  # the gb2312 page, decoded
    shot(page, "17-archived-page")


def test_runs_folded_and_clusters_of_two_or_more(archive, page):
    base, _ = archive
    page.goto(f"{base}/harvest/runs")
    shot(page, "18-runs")
    stats = page.locator("details.harvest-stats").first
    assert not stats.evaluate("d => d.open")
    assert page.locator("td.col-stats").first.bounding_box()["height"] < 80
    assert page.locator("details.harvest-columns").count() == 1  # column notes folded
    page.goto(f"{base}/harvest/clusters")
    cells = page.locator("td.col-similarity").all_inner_texts()
    assert sorted(cells) == ["0.97", "1.00"]  # the canonical member and its recycled copy
    shot(page, "19-clusters")
