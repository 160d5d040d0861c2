"""Shared test helpers: saved pages and spiders built the way Scrapy builds them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.config import parse_config

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ARCHIVE = Path(__file__).resolve().parent.parent / "archive"


def _archive_listing() -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(PROJECT_ARCHIVE)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in PROJECT_ARCHIVE.rglob("*")
        if path.is_file()
    }


@pytest.fixture(autouse=True, scope="session")
def project_archive_untouched():
    """Tests never write into the user's own archive/ (database, WARC files, logs, locks):
    a later `harvest reextract` would turn a test's WARC records into the user's rows."""
    before = _archive_listing()
    yield
    after = _archive_listing()
    changed = sorted(
        name for name in set(before) | set(after) if before.get(name) != after.get(name)
    )
    assert not changed, f"tests wrote into {PROJECT_ARCHIVE}: {changed[:10]}"


@pytest.fixture
def saved_page() -> Callable[..., HtmlResponse]:
    """``saved_page(name, url, status=200)``: a response for ``tests/fixtures/spiders/<name>``
    as if fetched from its original ``url`` (no charset header, as the demo server sends);
    ``name=None`` gives an empty body (an error page)."""

    def make(name: str | None, url: str, status: int = 200, **cb_kwargs: Any) -> HtmlResponse:
        body = (FIXTURES / "spiders" / name).read_bytes() if name else b""
        request = Request(url, cb_kwargs=cb_kwargs)
        return HtmlResponse(
            url=url,
            status=status,
            body=body,
            headers={"Content-Type": "text/html"},
            request=request,
        )

    return make


@pytest.fixture
def make_spider() -> Callable[..., Spider]:
    """``make_spider(SpiderClass, **site_entry)``: a spider for one inline config entry."""

    def make(spider_cls: type[Spider], **entry: Any) -> Spider:
        entry.setdefault("name", "test_site")
        entry.setdefault("family", spider_cls.name)
        site = parse_config({"sites": [entry]}, "<test>").sites[0]
        return spider_cls.from_crawler(get_crawler(spider_cls), site=site)

    return make
