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
