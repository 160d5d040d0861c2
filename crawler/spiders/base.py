"""What every family spider shares: reading its site entry from config.yaml, turning the
site's politeness and limits into Scrapy settings, and walking list pages.

A family spider subclasses :class:`SiteSpider`, sets ``name`` (the family, e.g. ``gov``) and
may extend :meth:`SiteSpider.pagination` (extra ways of finding the next list pages) and
:meth:`SiteSpider.parse_document`. List pages are parsed by :meth:`SiteSpider.parse`:

- links matching ``links.document`` become document requests, each carrying the list page URL,
  the link's title and the date shown next to it (into :meth:`page_item`);
- links matching ``links.next``, or whose text is 下一页/下页/尾页/末页, or which only change a
  ``?page=N``-style query parameter of the current page, are further pages of the same listing,
  as are the pages a pager states (:mod:`crawler.spiders.pagers`); each is given a 0-based page
  index, and a listing never gets more than ``limits.max_list_pages`` pages, whatever shape
  its page parameter has (calendar archives, ``?ym=202101&page=1``);
- links matching ``links.list`` open another listing (a category, a search), paginated afresh.

Later runs are incremental (``incremental:`` in config.yaml; ``harvest crawl --full`` turns it
off): document URLs already stored are skipped until their re-fetch time, and fetched with
If-None-Match / If-Modified-Since when due; a 304 is reported with the ``page_not_modified``
signal. List pages are always read, one after another, and pagination stops after
``max_known_pages_in_a_row`` list pages that brought no link a *completed* walk has not seen
(:mod:`crawler.storage.walks`): after a run that was killed, interrupted or cut short, the next
one walks on past the links that run stored until it reaches what a completed walk saw. With no
completed walk at all, every list page is read. Links known to be dead are not requested again
before they are due, and do not count as new.

A document link that gives no document (an HTTP error, robots.txt, a body that is not a text
page, a request that finally failed) is sent as the ``link_dead`` signal. A body is checked with
:func:`pipelines.sniff.is_text_body` before it becomes an item.

Requests are deduplicated by Scrapy's dupefilter (a list page another listing requested
already is not even built), offsite links by ``allowed_domains``. Stats go
under ``harvest/spider/``: ``list_pages``, ``documents_linked``, ``new_documents_linked``,
``untrusted_links``, ``next_pages``, ``list_links``, ``pages_beyond_limit``,
``page_count_unknown``, ``empty_list_pages``, ``list_not_html``, ``documents``,
``not_text``, ``not_due``, ``dead_links_skipped``, ``conditional_requests``, ``not_modified``,
``pagination_stopped``, ``attempts`` (list and document requests answered or finally failed),
``error/<cause>`` (one per failed one, e.g. ``error/HTTP 404 on document pages``),
``robots_disallowed``, ``http_error/<status>``.

Run one site: ``scrapy crawl gov -a site=NAME [-a config=FILE]`` or ``harvest crawl NAME``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.config import ResolvedSite, load_config
from crawler.items import PageItem
from crawler.signals import link_dead, page_not_modified
from crawler.spiders import FAMILIES
from crawler.spiders.attachment_links import AttachmentLink, attachment_links
from crawler.spiders.pagers import (
    PAGE_QUERY,
    numbered_listing,
    page_count_in_text,
    page_index,
    shows_a_pager,
    trs_pages,
)
from crawler.storage.crawl import crawl_connection
from crawler.storage.pages import known_urls
from crawler.storage.walks import GIVE_UP_ATTEMPTS, WalkState, load_walk_state
from crawler.storage.warc import WARC_FIELDS
from pipelines.sniff import is_text_body
from pipelines.text import parse_date, utc_now

__all__ = ["Link", "SiteSpider", "page_index", "site_settings"]

STATS = "harvest/spider"

# Link texts that point to a further page of the same listing.
NEXT_TEXTS = frozenset(
    {"下一页", "下页", "后页", "尾页", "末页", "最后一页", "next", ">", ">>", "»"}
)
LAST_TEXTS = frozenset({"尾页", "末页", "最后一页", "last", ">>|"})
# A link with one of these texts is the page after this one, whatever number its URL carries
# (a calendar archive's ?ym=202102&page=1 is page 1 of the next month, not page 0).
FOLLOWING_TEXTS = frozenset({"下一页", "下页", "后页", "next", ">", "»"})
_SPACE = re.compile(r"\s+")
# A client error on a document link will not go away by asking again tomorrow.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
# Why a request got no answer, as the terminal and the run's error causes say it.
_FAILURE_NAMES = {
    # Scrapy's own (2.13+) and Twisted's names for the same failures
    "DownloadTimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection refused",
    "CannotResolveHostError": "DNS lookup failed",
    "DownloadFailedError": "download failed",
    "DownloadCancelledError": "download cancelled",
    "ResponseDataLossError": "response cut short",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DNSLookupError": "DNS lookup failed",
    "ConnectionRefusedError": "connection refused",
    "ConnectError": "cannot connect",
    "ConnectionLost": "connection lost",
    "ResponseNeverReceived": "no response",
    "ResponseFailed": "response failed",
}


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


def _same_page_but_query(url: str, current: str) -> bool:
    """True for ``current`` with a different page-number query parameter (``?page=2``)."""
    a, b = urlsplit(url), urlsplit(current)
    if (a.netloc, a.path) != (b.netloc, b.path):
        return False
    return any(PAGE_QUERY.match(key) and value.isdigit() for key, value in parse_qsl(a.query))


def failure_cause(failure: Failure) -> str:
    """A short name for why a request got no answer (``timeout``, ``DNS lookup failed``)."""
    name = type(failure.value).__name__
    return _FAILURE_NAMES.get(name, name)


def is_robots_refusal(failure: Failure) -> bool:
    return failure.check(IgnoreRequest) is not None and "robots.txt" in str(failure.value)


@dataclass
class Walk:
    """What this run's walk of the site has seen, for the pagination state it leaves behind."""

    links: dict[str, str] = field(default_factory=dict)  # document link -> its list page
    unresolved: set[str] = field(default_factory=set)  # links that failed, to retry next run
    list_failures: int = 0  # list pages that failed for a reason that may pass
    listings: dict[str, set[str]] = field(default_factory=dict)  # listing -> its pages
    list_pages: set[str] = field(default_factory=set)  # every list page requested, any listing
    beyond: set[str] = field(default_factory=set)  # list pages not followed: max_list_pages

    def resolved_links(self) -> list[str]:
        return [url for url in self.links if url not in self.unresolved]


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
        crawler.signals.connect(spider.item_failed, signal=signals.item_error)
        return spider

    def __init__(self, *args: Any, site: ResolvedSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        self.allowed_domains = list(site.allowed_domains)
        self.start_urls = list(site.start_urls)
        self.max_list_pages = site.limits.max_list_pages
        self.known: dict[str, dict[str, Any]] = {}
        self.state = WalkState()
        self.walk = Walk()
        self.refetch_all = True  # --full, or nothing stored yet: fetch every document
        self.walk_all = True  # --full, or no completed walk yet: read every list page

    # --- crawling ---------------------------------------------------------------------------

    def load_known(self) -> None:
        """What earlier runs stored and walked for this site; an empty archive means a full
        first walk."""
        settings = self.crawler.settings
        db_path = settings.get("HARVEST_DB")
        if db_path and Path(db_path).exists():
            db = crawl_connection(self.crawler)
            self.known = known_urls(db, self.site.name)
            self.state = load_walk_state(db, self.site.name)
        full = settings.getbool("HARVEST_FULL")
        self.refetch_all = full or not self.known
        self.walk_all = full or not self.state.trusted
        if self.known and not self.state.trusted and not full:
            self.logger.warning(
                "site %s: no earlier walk of this site completed; reading every list page "
                "(stored documents are not fetched again)",
                self.site.name,
            )

    def walk_completed(self, reason: str) -> bool:
        """True when this run saw the whole site as far as it is configured to: it finished,
        every list page answered and every linked document gave an answer that will not change
        by asking again. Only then does the early stop of later runs trust what it saw."""
        return reason == "finished" and not self.walk.list_failures and not self.walk.unresolved

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.start_urls:
            yield self.list_request(url, 0, url)

    def list_request(
        self, url: str, index: int, listing: str, known_streak: int = 0
    ) -> scrapy.Request:
        self.walk.listings.setdefault(listing, set()).add(url)
        self.walk.list_pages.add(url)
        kwargs = {"list_page": index}
        if known_streak:
            kwargs["known_streak"] = known_streak
        if listing != url:
            kwargs["listing"] = listing
        return scrapy.Request(
            url,
            callback=self.parse,
            cb_kwargs=kwargs,
            errback=self.request_failed,
            meta={"harvest_kind": "list"},
        )

    def document_request(self, url: str, **listing: Any) -> scrapy.Request | None:
        """The request for a linked document, or None when a known one is not due yet."""
        dead = self.state.dead.get(url)
        recheck_days = self.site.incremental.max_refetch_days
        if dead and not self.refetch_all and not dead.due(utc_now(), recheck_days):
            self._inc("dead_links_skipped")
            return None
        known = self.known.get(url)
        headers = {}
        if known and not self.refetch_all:
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
            url,
            callback=self.parse_document,
            cb_kwargs=listing,
            headers=headers or None,
            errback=self.request_failed,
            meta={"harvest_kind": "document"},
        )

    def parse(
        self, response: Response, list_page: int = 0, known_streak: int = 0, listing: str = ""
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
        untrusted = 0
        requests = []
        for link in self.document_links(response, links):
            if link.url not in self.state.trusted:
                untrusted += 1
            request = self.document_request(
                link.url,
                list_url=response.url,
                list_title=link.text or None,
                list_date=list_date(link.node),
            )
            if request is not None:
                requests.append(request)
        yield from requests
        if untrusted:
            self._inc("untrusted_links", untrusted)
        known_streak = 0 if untrusted else known_streak + 1
        listing = listing or response.url
        yield from self.next_list_pages(response, links, list_page, known_streak, listing)
        yield from self.listing_links(response, links)

    def document_links(self, response: Response, links: list[Link]) -> list[Link]:
        """This list page's document links, each once, counted and remembered for the walk."""
        documents = [link for link in links if self.site.links.matches("document", link.url)]
        if not documents:
            self._inc("empty_list_pages")
            self.logger.warning(
                "site %s: list page without document links: %s", self.site.name, response.url
            )
        seen: set[str] = set()
        out = []
        for link in documents:
            if link.url in seen:  # a title link and a "more" link to the same document
                continue
            seen.add(link.url)
            out.append(link)
            self._inc("documents_linked")
            if link.url not in self.known:
                self._inc("new_documents_linked")
            self.walk.links.setdefault(link.url, response.url)
        return out

    def listing_links(self, response: Response, links: list[Link]) -> Iterator[scrapy.Request]:
        """Other listings this page opens (``links.list``), each paginated afresh."""
        seen = {response.url}
        for link in links:
            if self.site.links.matches("list", link.url) and link.url not in seen:
                seen.add(link.url)
                self._inc("list_links")
                yield self.list_request(link.url, 0, link.url)

    def bounded_pages(
        self, response: Response, links: list[Link], list_page: int, listing: str
    ) -> list[tuple[int, str]]:
        """The pager's pages not requested yet for ``listing``, within ``max_list_pages``: by
        their index where the URL numbers them, and by the listing's page count in any case."""
        pages_of_listing = self.walk.listings.setdefault(listing, {listing})
        pages: dict[str, int] = {}
        for url, index in self.pagination(response, links, list_page):
            if url == response.url or url in pages_of_listing:
                continue  # pagers link the current page too; other pages list the same pages
            pages.setdefault(url, index)
        out = []
        for url, index in sorted(pages.items(), key=lambda kv: kv[1]):
            if index >= self.max_list_pages or len(pages_of_listing) >= self.max_list_pages:
                if url not in self.walk.beyond:
                    self.walk.beyond.add(url)
                    self._inc("pages_beyond_limit")
                continue
            if self.walk_all:
                pages_of_listing.add(url)  # reserved: the walk requests every page at once
            out.append((index, url))
        if list_page == 0 and not out and not pages:
            self.pager_unread(response)
        return out

    def next_list_pages(
        self,
        response: Response,
        links: list[Link],
        list_page: int,
        known_streak: int,
        listing: str,
    ) -> Iterator[scrapy.Request]:
        """Requests for the further pages of this listing.

        A full walk requests every page the pager shows; an incremental one only the next
        page, and none once ``known_streak`` list pages in a row brought no link a completed
        walk has not seen, so a daily run over a long column reads one or two pages.
        """
        pages = self.bounded_pages(response, links, list_page, listing)
        if not self.walk_all:
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
            if url in self.walk.list_pages:
                # Requested for another listing (start URLs that are pages of one pager):
                # the dupefilter would drop it, after every spider middleware had seen it.
                continue
            self._inc("next_pages")
            yield self.list_request(url, index, listing, known_streak)

    def pager_unread(self, response: Response) -> None:
        """A first list page that shows a pager whose pages could not be read: say so."""
        scripts = "\n".join(response.xpath("//script/text()").getall())
        text = clean_text(response.xpath("//body//text()[not(ancestor::script)]").getall())
        trs = trs_pages(scripts)
        if (trs is not None and trs[0] <= 1) or page_count_in_text(text) == 1:
            return  # a pager that says the listing has one page: nothing was missed
        if shows_a_pager(scripts, text):
            self._inc("page_count_unknown")
            self.logger.warning(
                "site %s: list page shows a pager but its page count could not be read; "
                "only this page is read: %s",
                self.site.name,
                response.url,
            )

    def parse_document(self, response: Response, **listing: Any) -> Iterator[PageItem]:
        """A document page: one item carrying the raw page for the pipelines."""
        if response.status == 304:  # answered our conditional request: nothing changed
            self._inc("attempts")
            self._inc("not_modified")
            self.crawler.signals.send_catch_log(
                page_not_modified,
                url=response.url,
                checked_at=utc_now(),
            )
            return
        if not self._ok(response, "document", listing.get("list_url")):
            return
        declared = response.headers.get("Content-Type", b"").decode("latin-1") or None
        text, why = is_text_body(response.body, declared)
        if not text and self.site.limits.follow_attachments:
            # A report linked as a page but served as a file (a PDF, a DOC): the attachment
            # stage reads it as one; what it cannot read is dropped there, never stored.
            self._inc("not_text")
            self._inc("documents")
            yield self.page_item(response, **listing)
            return
        if not text:
            self._inc("not_text")
            self.logger.warning(
                "site %s: not a text page (%s), kept in WARC only: %s",
                self.site.name,
                why,
                response.url,
            )
            self.dead_link(response.url, response.status, f"not a text page: {why}", True, listing)
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
        """Further pages of this listing as ``(url, 0-based index)``; families add their own.

        Pager links (``links.next``, 下一页/尾页 texts, ``?page=N`` variants of this page), and
        when the pager states a page count (``共15页``) or links its last page (尾页), every
        page up to it in the shape of the pager's numbered links."""
        numbered: list[str] = []
        last = None
        for link in links:
            if self.site.links.matches("document", link.url):
                continue
            if (
                self.site.links.matches("next", link.url)
                or link.text.lower() in NEXT_TEXTS
                or _same_page_but_query(link.url, response.url)
            ):
                index = page_index(link.url)
                if index is not None:
                    numbered.append(link.url)
                    if link.text.lower() in LAST_TEXTS:
                        last = index
                # A link that does not number its page is the one after this one.
                if index is None or (link.text.lower() in FOLLOWING_TEXTS and index <= list_page):
                    index = list_page + 1
                yield link.url, index
        if not numbered:
            return
        text = clean_text(response.xpath("//body//text()[not(ancestor::script)]").getall())
        total = page_count_in_text(text) or (last + 1 if last is not None else None)
        if total:
            yield from numbered_listing(numbered, total)

    # --- failures ---------------------------------------------------------------------------

    def item_failed(self, item: Any, response: Any = None, **_: Any) -> None:
        """A page a pipeline failed on (not dropped: an error) is not stored: the walk stays
        open so that the next run asks for it again."""
        url = item.get("url") if hasattr(item, "get") else None
        if url:
            self.walk.unresolved.add(url)

    def request_failed(self, failure: Failure) -> None:
        """Errback of list and document requests: a robots.txt refusal is counted apart; any
        other failure (after the retries) is an error of the run, one line on the terminal."""
        request = failure.request
        kind = request.meta.get("harvest_kind", "document")
        listing = request.cb_kwargs
        if is_robots_refusal(failure):
            self._inc("robots_disallowed")
            if kind == "document":
                self.dead_link(request.url, None, "disallowed by robots.txt", True, listing)
            return
        cause = failure_cause(failure)
        self._inc("attempts")
        self._inc(f"error/{cause} on {kind} pages")
        self.logger.warning("site %s: %s on %s page %s", self.site.name, cause, kind, request.url)
        if kind == "list":
            self.walk.list_failures += 1
        else:
            self.dead_link(request.url, None, cause, False, listing)

    def dead_link(
        self,
        url: str,
        status: int | None,
        reason: str,
        permanent: bool,
        listing: dict[str, Any],
    ) -> None:
        """Report a document link that gave no document; a failure that may pass keeps the
        walk open (the next run tries again) until it has failed often enough."""
        previous = self.state.dead.get(url)
        attempts = (previous.attempts if previous else 0) + 1
        if not permanent and attempts < GIVE_UP_ATTEMPTS:
            self.walk.unresolved.add(url)
        self.crawler.signals.send_catch_log(
            link_dead,
            link={
                "url": url,
                "status": status,
                "reason": reason,
                "permanent": permanent,
                "checked": utc_now(),
                "list_url": listing.get("list_url"),
            },
        )

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

    def _ok(self, response: Response, kind: str, list_url: str | None = None) -> bool:
        # The project lets every status through (HTTPERROR_ALLOW_ALL) so that errors are seen
        # here and counted per site instead of vanishing in a middleware.
        self._inc("attempts")
        if response.status == 200:
            return True
        self._inc(f"http_error/{response.status}")
        self._inc(f"error/HTTP {response.status} on {kind} pages")
        self.logger.warning(
            "site %s: HTTP %s on %s page %s", self.site.name, response.status, kind, response.url
        )
        transient = response.status >= 500 or response.status in _TRANSIENT_STATUSES
        if kind == "list":
            self.walk.list_failures += transient
        else:
            reason = f"HTTP {response.status}"
            self.dead_link(
                response.url, response.status, reason, not transient, {"list_url": list_url}
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
