"""Shared test helpers: saved pages and spiders built the way Scrapy builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.config import parse_config

FIXTURES = Path(__file__).parent / "fixtures"
# The user's own archive in the checkout: tests write only under tmp paths, never here.
USER_ARCHIVE = Path(__file__).resolve().parent.parent / "archive"


def _files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


@pytest.fixture(scope="session", autouse=True)
def user_archive_is_left_alone() -> Iterator[None]:
    """Fails the run (an error at the last teardown) when the tests added files to the
    checkout's ``archive/``: a crawl, WARC writer or log that forgot its tmp path."""
    before = _files_under(USER_ARCHIVE)
    yield
    gained = sorted(_files_under(USER_ARCHIVE) - before)
    if gained:
        shown = ", ".join(gained[:10]) + (f" and {len(gained) - 10} more" if len(gained) > 10 else "")
        pytest.fail(f"the tests wrote into the user's {USER_ARCHIVE}: {shown}", pytrace=False)


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
