"""What every family spider shares: reading its site entry from config.yaml and turning the
site's politeness and limits into Scrapy settings.

A family spider subclasses :class:`SiteSpider`, sets ``name`` (the family, e.g. ``gov``) and
implements ``parse`` for list pages; it builds each document's item with :meth:`page_item`.

Run one site: ``scrapy crawl gov -a site=NAME [-a config=FILE]`` or ``harvest crawl NAME``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.config import ResolvedSite, load_config
from crawler.items import PageItem


def site_settings(site: ResolvedSite) -> dict[str, Any]:
    """Scrapy settings for one site, from its (defaults-merged) config entry."""
    polite, limits = site.politeness, site.limits
    return {
        "DOWNLOAD_DELAY": polite.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrent_requests_per_domain,
        "ROBOTSTXT_OBEY": polite.obey_robots_txt,
        "AUTOTHROTTLE_ENABLED": polite.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(polite.download_delay, 0.1),
        "USER_AGENT": polite.user_agent,
        "CLOSESPIDER_PAGECOUNT": limits.max_pages,
        "DOWNLOAD_TIMEOUT": limits.download_timeout,
        "DOWNLOAD_MAXSIZE": limits.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(limits.max_page_bytes, 2 * 1024 * 1024),
        "RETRY_TIMES": limits.retry_times,
        "REDIRECT_MAX_TIMES": limits.redirect_max_times,
    }


class SiteSpider(scrapy.Spider):
    """Base for family spiders: ``-a site=NAME`` picks the config entry (``-a config=FILE``)."""

    site: ResolvedSite

    @classmethod
    def from_crawler(
        cls,
        crawler,
        *args: Any,
        site: ResolvedSite | str | None = None,
        config: str | None = None,
        **kwargs: Any,
    ):
        if site is None:
            raise ValueError(
                f"spider {cls.name!r} needs a site: scrapy crawl {cls.name} -a site=NAME"
            )
        if isinstance(site, str):
            site = load_config(config).site(site)
        if site.family != cls.name:
            raise ValueError(f"site {site.name!r} is of family {site.family!r}, not {cls.name!r}")
        # Scrapy (>= 2.11) applies settings after from_crawler, so per-site values land here.
        crawler.settings.setdict(site_settings(site), priority="spider")
        spider = super().from_crawler(crawler, *args, site=site, **kwargs)
        return spider

    def __init__(self, *args: Any, site: ResolvedSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        self.allowed_domains = list(site.allowed_domains)
        self.start_urls = list(site.start_urls)
        self.max_list_pages = site.limits.max_list_pages

    def page_item(self, response: Response, **listing: Any) -> PageItem:
        """The fetched half of an item; ``listing`` carries list_url/list_title/list_date."""
        request = getattr(response, "request", None)  # unset on hand-built test responses
        redirects = request.meta.get("redirect_urls", []) if request is not None else []
        return PageItem(
            site=self.site.name,
            family=self.name,
            url=redirects[0] if redirects else response.url,
            final_url=response.url,
            status=response.status,
            headers={
                k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                for k, v in response.headers.items()
            },
            body=response.body,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            list_url=listing.get("list_url"),
            list_title=listing.get("list_title"),
            list_date=listing.get("list_date"),
        )
