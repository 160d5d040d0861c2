"""What every family spider shares: reading its site entry from config.yaml, turning the
site's politeness and limits into Scrapy settings, and walking list pages.

A family spider subclasses :class:`SiteSpider`, sets ``name`` (the family, e.g. ``gov``) and
may extend :meth:`SiteSpider.pagination` (extra ways of finding the next list pages) and
:meth:`SiteSpider.parse_document`. List pages are parsed by :meth:`SiteSpider.parse`:

- links matching ``links.document`` become document requests, each carrying the list page URL,
  the link's title and the date shown next to it (into :meth:`page_item`);
- links matching ``links.next``, or whose text is 下一页/下页/尾页/末页, or which only change a
  ``?page=N``-style query parameter of the current page, are further pages of the same listing;
  each is given a 0-based page index and none at or beyond ``limits.max_list_pages`` is followed;
- links matching ``links.list`` open another listing (a category, a search), paginated afresh.

Later runs are incremental (``incremental:`` in config.yaml; ``harvest crawl --full`` turns it
off): document URLs already stored are skipped until their re-fetch time, and fetched with
If-None-Match / If-Modified-Since when due; a 304 is reported with the ``page_not_modified``
signal. List pages are always read, one after another, and pagination stops after
``max_known_pages_in_a_row`` list pages that brought no new document link.

Requests are deduplicated by Scrapy's dupefilter, offsite links by ``allowed_domains``. Stats go
under ``harvest/spider/``: ``list_pages``, ``documents_linked``, ``new_documents_linked``,
``next_pages``, ``list_links``, ``pages_beyond_limit``, ``empty_list_pages``, ``list_not_html``,
``documents``, ``not_due``, ``conditional_requests``, ``not_modified``, ``pagination_stopped``,
``http_error/<status>``.

Run one site: ``scrapy crawl gov -a site=NAME [-a config=FILE]`` or ``harvest crawl NAME``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.config import ResolvedSite, load_config
from crawler.items import PageItem
from crawler.signals import page_not_modified
from crawler.spiders import FAMILIES
from crawler.spiders.attachment_links import AttachmentLink, attachment_links
from crawler.storage.crawl import crawl_connection
from crawler.storage.pages import known_urls
from crawler.storage.warc import WARC_FIELDS
from pipelines.text import parse_date, utc_now

STATS = "harvest/spider"

# Link texts that point to a further page of the same listing.
NEXT_TEXTS = frozenset(
    {"下一页", "下页", "后页", "尾页", "末页", "最后一页", "next", ">", ">>", "»"}
)
# Query parameters that number list pages (1-based on every site seen).
_PAGE_QUERY = re.compile(r"^(?:page|pageno|pagenum|pageindex|p|pn)$", re.IGNORECASE)
# TRS-style file suffixes: index_3.html is the 4th page (index.html the 1st).
_TRS_SUFFIX = re.compile(r"/index_(\d+)\.s?html?$")
# Other numbered files: list_2.html, column-index-2.shtml are the 2nd page.
_NUMBERED_FILE = re.compile(r"[_-](\d+)\.s?html?$")
_SPACE = re.compile(r"\s+")


def attachment_record(
    response: Response | None, link: Any, error: str | None, url: str | None = None
) -> dict[str, Any]:
    """One fetched (or failed) attachment as the item carries it to the attachment stage."""
    record: dict[str, Any] = {
        "url": url or link.url,
        "link_text": link.text or None,
        "filename_linked": link.filename,
        "error": error,
        "fetched_at": utc_now(),
    }
    if response is not None:
        record.update(fetched_fields(response))
    return record


def fetched_fields(response: Response) -> dict[str, Any]:
    """What a response says about itself and where the WARC middleware archived it."""
    request = getattr(response, "request", None)  # unset on hand-built test responses
    return {
        "final_url": response.url,
        "status": response.status,
        "headers": {
            k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
        },
        "body": response.body,
        **{k: request.meta.get(k) for k in WARC_FIELDS if request is not None},
    }


def in_domains(url: str, domains: list[str]) -> bool:
    """``url``'s host is one of ``domains`` or below one (ports aside, as Scrapy's offsite
    check does)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def fetch_error(failure: Failure, max_bytes: int) -> str:
    """One short reason for a request that got no response."""
    if failure.check(IgnoreRequest):
        return f"not fetched: {failure.getErrorMessage() or 'forbidden by robots.txt'}"
    if failure.check(DownloadCancelledError):  # Scrapy stops a download past download_maxsize
        return f"oversize: larger than max_attachment_bytes ({max_bytes} bytes)"
    return f"fetch failed: {failure.type.__name__}: {failure.getErrorMessage()}"[:300]


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


@dataclass(frozen=True)
class Link:
    """One ``<a href>`` of a page: absolute URL, its text (or title attribute), its node."""

    url: str
    text: str
    node: Selector


def clean_text(parts: Iterable[str]) -> str:
    """Join text nodes and collapse whitespace (list titles are often split across tags)."""
    return _SPACE.sub(" ", "".join(parts)).strip()


def list_date(node: Selector) -> str | None:
    """The date a list page shows next to a link.

    Sites put it in a sibling (``<a>…</a><span>2019-06-28</span>``), before the link, or in
    another cell of the same row; the link's own text is skipped because titles contain years.
    """
    for axis in ("following-sibling", "preceding-sibling"):
        for sibling in node.xpath(f"{axis}::*[not(self::a)]"):
            found = parse_date(clean_text(sibling.xpath(".//text()").getall()))
            if found:
                return found
    for tail in node.xpath("following-sibling::text()").getall():
        found = parse_date(tail)
        if found:
            return found
    row = node.xpath("ancestor::*[self::li or self::tr or self::dd or self::dl][1]")
    if row:
        texts = row[0].xpath(".//text()[not(ancestor::a)]").getall()
        return parse_date(clean_text(texts))
    return None


def page_index(url: str) -> int | None:
    """The 0-based position of a list page in its listing, read from its URL if it says so."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if _PAGE_QUERY.match(key) and value.isdigit():
            return max(int(value) - 1, 0)
    match = _TRS_SUFFIX.search(parts.path)
    if match:
        return int(match.group(1))
    match = _NUMBERED_FILE.search(parts.path)
    if match:
        return max(int(match.group(1)) - 1, 0)
    return None


def _same_page_but_query(url: str, current: str) -> bool:
    """True for ``current`` with a different page-number query parameter (``?page=2``)."""
    a, b = urlsplit(url), urlsplit(current)
    if (a.netloc, a.path) != (b.netloc, b.path):
        return False
    return any(_PAGE_QUERY.match(key) and value.isdigit() for key, value in parse_qsl(a.query))


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
        # A crawler whose settings are already frozen was configured by a test harness
        # (scrapy.utils.test.get_crawler); there is nothing left to apply them to.
        if not crawler.settings.frozen:
            crawler.settings.setdict(site_settings(site), priority="spider")
        spider = super().from_crawler(crawler, *args, site=site, **kwargs)
        return spider

    def __init__(self, *args: Any, site: ResolvedSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        self.allowed_domains = list(site.allowed_domains)
        self.start_urls = list(site.start_urls)
        self.max_list_pages = site.limits.max_list_pages
        self.known: dict[str, dict[str, Any]] = {}
        self.full = True

    # --- crawling ---------------------------------------------------------------------------

    def load_known(self) -> None:
        """What earlier runs stored for this site; an empty archive means a full first walk."""
        settings = self.crawler.settings
        db_path = settings.get("HARVEST_DB")
        if db_path and Path(db_path).exists():
            self.known = known_urls(crawl_connection(self.crawler), self.site.name)
        self.full = settings.getbool("HARVEST_FULL") or not self.known

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"list_page": 0})

    def document_request(self, url: str, **listing: Any) -> scrapy.Request | None:
        """The request for a linked document, or None when a known one is not due yet."""
        known = self.known.get(url)
        headers = {}
        if known and not self.full:
            due = known.get("next_fetch_after")
            if due and due > utc_now():
                self._inc("not_due")
                return None
            if self.site.incremental.conditional_requests:
                if known.get("etag"):
                    headers["If-None-Match"] = known["etag"]
                if known.get("last_modified"):
                    headers["If-Modified-Since"] = known["last_modified"]
                if headers:
                    self._inc("conditional_requests")
        return scrapy.Request(
            url, callback=self.parse_document, cb_kwargs=listing, headers=headers or None
        )

    def parse(
        self, response: Response, list_page: int = 0, known_streak: int = 0
    ) -> Iterator[scrapy.Request]:
        """A list page: document requests, then further list pages."""
        if not self._ok(response, "list"):
            return
        if not isinstance(response, TextResponse):  # a PDF or an image where a list should be
            self._inc("list_not_html")
            self.logger.warning(
                "site %s: list page is not HTML (%s): %s",
                self.site.name,
                response.headers.get("Content-Type", b"?").decode("latin-1"),
                response.url,
            )
            return
        self._inc("list_pages")
        links = self.links(response)
        documents = [link for link in links if self.site.links.matches("document", link.url)]
        if not documents:
            self._inc("empty_list_pages")
            self.logger.warning(
                "site %s: list page without document links: %s", self.site.name, response.url
            )
        seen: set[str] = set()
        new_links = 0
        for link in documents:
            if link.url in seen:  # a title link and a "more" link to the same document
                continue
            seen.add(link.url)
            self._inc("documents_linked")
            if link.url not in self.known:
                new_links += 1
                self._inc("new_documents_linked")
            request = self.document_request(
                link.url,
                list_url=response.url,
                list_title=link.text or None,
                list_date=list_date(link.node),
            )
            if request is not None:
                yield request
        known_streak = 0 if new_links else known_streak + 1
        yield from self.next_list_pages(response, links, list_page, known_streak)
        seen.add(response.url)
        for link in links:
            if self.site.links.matches("list", link.url) and link.url not in seen:
                seen.add(link.url)
                self._inc("list_links")
                yield scrapy.Request(link.url, callback=self.parse, cb_kwargs={"list_page": 0})

    def next_list_pages(
        self, response: Response, links: list[Link], list_page: int, known_streak: int
    ) -> Iterator[scrapy.Request]:
        """Requests for the further pages of this listing.

        A full walk requests every page the pager shows (the dupefilter drops repeats); an
        incremental one only the next page, and none once ``known_streak`` list pages in a row
        brought nothing new, so a daily run over a long column reads one or two pages.
        """
        pages = []
        for url, index in self.pagination(response, links, list_page):
            if url == response.url:  # pagers link the current page too
                continue
            if index >= self.max_list_pages:
                self._inc("pages_beyond_limit")
                continue
            pages.append((index, url))
        if not self.full:
            if known_streak >= self.site.incremental.max_known_pages_in_a_row:
                if pages:
                    self._inc("pagination_stopped")
                    self.logger.info(
                        "site %s: %d list page(s) in a row without new documents; "
                        "not reading further pages (use --full to walk them all)",
                        self.site.name,
                        known_streak,
                    )
                return
            later = [page for page in pages if page[0] > list_page]
            pages = [min(later)] if later else []
        for index, url in pages:
            self._inc("next_pages")
            yield scrapy.Request(
                url,
                callback=self.parse,
                cb_kwargs={"list_page": index, "known_streak": known_streak},
            )

    def parse_document(self, response: Response, **listing: Any) -> Iterator[PageItem]:
        """A document page: one item carrying the raw page for the pipelines."""
        if response.status == 304:  # answered our conditional request: nothing changed
            self._inc("not_modified")
            self.crawler.signals.send_catch_log(
                page_not_modified,
                url=response.url,
                checked_at=utc_now(),
            )
            return
        if not self._ok(response, "document"):
            return
        self._inc("documents")
        item = self.page_item(response, **listing)
        links = self.attachments_of(response)
        if not links:
            yield item
            return
        item["attachments"] = []
        yield self.attachment_request(item, links)

    # --- attachments ------------------------------------------------------------------------

    def attachments_of(self, response: Response) -> list[AttachmentLink]:
        """The files a document page links to, within the site's domains (robots.txt and the
        politeness delay apply to them like to any request)."""
        limits = self.site.limits
        if not limits.follow_attachments or not isinstance(response, TextResponse):
            return []
        candidates = [
            (link.url, link.text, link.node)
            for link in self.links(response)
            if in_domains(link.url, self.allowed_domains)
            and not self.site.links.matches("document", link.url)
        ]
        return attachment_links(candidates, limits.max_attachments_per_page)

    def attachment_request(self, item: PageItem, links: list[AttachmentLink]) -> scrapy.Request:
        """The next attachment of ``item``. Attachments are fetched one after another and the
        page's item leaves only with all of them, so the stages see the page and its files
        together (a page that only points to its report takes the report's text)."""
        link, rest = links[0], links[1:]
        self._inc("attachments_requested")
        return scrapy.Request(
            link.url,
            callback=self.parse_attachment,
            errback=self.attachment_failed,
            # Two pages may link one file: each needs its answer, so no dupefilter here.
            dont_filter=True,
            meta={
                "download_maxsize": self.site.limits.max_attachment_bytes,
                "download_warnsize": 0,
            },
            cb_kwargs={"item": item, "link": link, "rest": rest, "list_url": item["url"]},
        )

    def parse_attachment(
        self, response: Response, item: PageItem, link: AttachmentLink, rest: list, list_url: str
    ) -> Iterator[PageItem | scrapy.Request]:
        error = None if response.status == 200 else f"HTTP {response.status}"
        if error:
            self._inc(f"attachment_http_error/{response.status}")
        item["attachments"].append(attachment_record(response, link, error))
        yield self.attachment_request(item, rest) if rest else item

    def attachment_failed(self, failure: Failure) -> Iterator[PageItem | scrapy.Request]:
        """A file that could not be fetched (robots.txt, too large, network) is recorded with
        the reason; the page goes on without it."""
        kwargs = failure.request.cb_kwargs
        item, link, rest = kwargs["item"], kwargs["link"], kwargs["rest"]
        error = fetch_error(failure, self.site.limits.max_attachment_bytes)
        self._inc(f"attachment_failed/{error.split(':', 1)[0]}")
        self.logger.warning("site %s: attachment %s: %s", self.site.name, link.url, error)
        item["attachments"].append(attachment_record(None, link, error, url=link.url))
        yield self.attachment_request(item, rest) if rest else item

    def pagination(
        self, response: Response, links: list[Link], list_page: int
    ) -> Iterator[tuple[str, int]]:
        """Further pages of this listing as ``(url, 0-based index)``; families add their own."""
        for link in links:
            if self.site.links.matches("document", link.url):
                continue
            if (
                self.site.links.matches("next", link.url)
                or link.text.lower() in NEXT_TEXTS
                or _same_page_but_query(link.url, response.url)
            ):
                index = page_index(link.url)
                # A link that does not number its page is the one after this one.
                yield link.url, list_page + 1 if index is None else index

    # --- helpers ----------------------------------------------------------------------------

    def links(self, response: Response) -> list[Link]:
        """Every followable link of a page, in document order, with absolute URLs."""
        found = []
        for node in response.css("a[href]"):
            href = (node.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = response.urljoin(href).split("#", 1)[0]
            text = clean_text(node.xpath(".//text()").getall()) or node.attrib.get("title", "")
            found.append(Link(url=url, text=text.strip(), node=node))
        return found

    def _ok(self, response: Response, kind: str) -> bool:
        # The project lets every status through (HTTPERROR_ALLOW_ALL) so that errors are seen
        # here and counted per site instead of vanishing in a middleware.
        if response.status == 200:
            return True
        self._inc(f"http_error/{response.status}")
        self.logger.warning(
            "site %s: HTTP %s on %s page %s", self.site.name, response.status, kind, response.url
        )
        return False

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)

    def page_item(self, response: Response, **listing: Any) -> PageItem:
        """The fetched half of an item; ``listing`` carries list_url/list_title/list_date."""
        request = getattr(response, "request", None)  # unset on hand-built test responses
        redirects = request.meta.get("redirect_urls", []) if request is not None else []
        return PageItem(
            site=self.site.name,
            family=self.name,
            primary_source=FAMILIES[self.name].primary_source,
            site_region=self.site.region,
            url=redirects[0] if redirects else response.url,
            fetched_at=utc_now(),
            list_url=listing.get("list_url"),
            list_title=listing.get("list_title"),
            list_date=listing.get("list_date"),
            **fetched_fields(response),
        )
