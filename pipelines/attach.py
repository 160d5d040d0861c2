"""Attachment stage: read the files a document page links, and let a pointer page take its
report's text.

In:  an extracted item whose ``attachments`` the spider fetched (one dict per file: URL, link
     text, headers, body, WARC location, or the reason it could not be fetched); a page whose
     own body is a file (a PDF served where an article was expected) counts as its own
     attachment.
Out: each attachment dict gains what :func:`pipelines.attachments.read_attachment` found (kind,
     media type, text, page count, method, ``needs_ocr``, ``error``) plus its size, sha256,
     file name as served, and, when it has text, the normalised form and near-duplicate key the
     store stage files it under (the same file on three sites is one document with three
     sources). A page whose own text only points to its attachments (:func:`is_pointer`) takes
     the longest attachment text as its text; its own text is kept in ``article_text``.

Reading runs in a worker thread: a DOC conversion takes LibreOffice 1-2 s and must not stall
the crawl. Stats under ``harvest/attachments/``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import unquote

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.storage.warc import WARC_FIELDS
from pipelines.attachments import AttachmentText, Limits, read_attachment
from pipelines.dedup.settings import NearDupSettings
from pipelines.dedup.similarity import signature, text_shingles
from pipelines.normalise import normalise
from pipelines.sniff import sniff

STATS = "harvest/attachments"
# A page with fewer Han characters than this, besides its attachments' names, is a pointer:
# "附件：阳江市科学技术局2021年上半年工作总结.doc" and a line of greeting.
POINTER_MAX_HAN = 120
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CONTENT_DISPOSITION_NAME = re.compile(
    r"""filename\*\s*=\s*(?P<charset>[\w-]+)''(?P<encoded>[^;]+)|filename\s*=\s*"?(?P<plain>[^";]+)"?""",
    re.I,
)


def served_filename(headers: dict[str, str]) -> str | None:
    """The file name of ``Content-Disposition`` (RFC 6266 ``filename*`` first; a plain
    ``filename`` arrives as Latin-1 of whatever bytes the server sent, often GBK or UTF-8)."""
    match = None
    for found in _CONTENT_DISPOSITION_NAME.finditer(headers.get("content-disposition", "")):
        if found["encoded"]:
            return unquote(found["encoded"], encoding=found["charset"], errors="replace")
        match = match or found
    if match is None:
        return None
    raw = unquote(match["plain"].strip()).encode("latin-1", errors="ignore")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return match["plain"].strip()


def is_pointer(article_text: str, attachments: list[dict[str, Any]]) -> bool:
    """True when the page says little beyond naming its attachments."""
    names = [a.get("link_text") or "" for a in attachments] + [
        a.get("filename_linked") or "" for a in attachments
    ]
    rest = article_text
    for name in sorted(filter(None, names), key=len, reverse=True):
        rest = rest.replace(name, "")
    return len(_HAN.findall(rest)) < POINTER_MAX_HAN


def describe(record: dict[str, Any], result: AttachmentText) -> dict[str, Any]:
    """The record with what reading it found (members as names and reasons only)."""
    body = record.get("body") or b""
    described = {k: v for k, v in asdict(result).items() if k != "members"}
    described["text_original"] = described.pop("text")
    described["members"] = [
        {
            "name": m.name,
            "size": m.size,
            "kind": m.result.kind if m.result else None,
            "error": m.result.error if m.result else None,
        }
        for m in result.members
    ]
    record.update(
        described,
        bytes=len(body) if body else None,
        sha256=hashlib.sha256(body).hexdigest() if body else None,
        filename_served=served_filename(record.get("headers") or {}),
    )
    return record


@dataclass
class AttachmentReader:
    """The stage's work on one item, without Scrapy: the crawl runs it in a worker thread,
    ``harvest reextract`` on items rebuilt from the WARC archive."""

    limits: Limits
    dedup: NearDupSettings
    count: Callable[[str], None] = lambda key: None

    def process(self, adapter: ItemAdapter) -> None:
        """Read the item's files (and the page itself when it is one), take a pointed-to text;
        raise DropItem when neither the page nor a file has any text."""
        records = list(adapter.get("attachments") or [])
        page_is_file = not sniff(
            adapter["body"], (adapter.get("headers") or {}).get("content-type")
        ).is_text
        if page_is_file:
            records.insert(0, self_record(adapter))
        for record in records:
            self.read(record)
        adapter["attachments"] = records
        self.take_pointed_text(adapter, records, page_is_file)
        article = adapter.get("text_original") or ""
        if (
            records
            and not page_is_file
            and not adapter.get("text_source")
            and is_pointer(article, records)
        ):
            # A pointer page none of whose files could be read. The extractor dropped the 附件
            # lines as boilerplate and kept crumbs ("> 正文"); what the page says is its list of
            # files, so that is its text: the page and its files' rows (each with its reason)
            # are stored, and two such pages are not taken for copies of one another.
            adapter["article_text"] = article or None
            adapter["text_original"] = "\n".join(attachment_lines(records))
        if not (adapter.get("text_original") or "").strip():
            self.count("no_text")
            reasons = "; ".join(f"{r['url']}: {r.get('error')}" for r in records) or "none"
            raise DropItem(f"no text in {adapter['url']} nor its attachments ({reasons})")

    def read(self, record: dict[str, Any]) -> None:
        if record.get("error") or not record.get("body"):
            self.count("not_fetched")
            reason = record.get("error") or "empty: the response had no body"
            describe(
                record, AttachmentText(kind="binary", media_type="", method="none", error=reason)
            )
            return
        # A file already archived was within the crawl's limit then: re-reading never refuses it.
        limits = replace(self.limits, max_bytes=max(self.limits.max_bytes, len(record["body"])))
        content_type = (record.get("headers") or {}).get("content-type")
        result = read_attachment(record["body"], content_type, limits)
        describe(record, result)
        self.count(f"kind/{result.kind}")
        self.count("read" if result.ok else f"error/{(result.error or '').split(':', 1)[0]}")
        if result.text:
            record.update(self.document_fields(record))

    def document_fields(self, record: dict[str, Any]) -> dict[str, Any]:
        """The normalised text and near-duplicate key the store stage files the text under."""
        fields = normalise(record_title(record), record["text_original"])
        shingles = text_shingles(fields["text"] or "", self.dedup)
        return {
            **fields,
            "dedup_shingles": shingles,
            "dedup_signature": signature(shingles, self.dedup),
        }

    def take_pointed_text(
        self, adapter: ItemAdapter, records: list[dict[str, Any]], page_is_file: bool
    ) -> None:
        readable = [r for r in records if r.get("text_original")]
        article = adapter.get("text_original") or ""
        if not readable or not (page_is_file or is_pointer(article, records)):
            return
        chosen = max(readable, key=lambda r: len(r["text_original"]))
        adapter["article_text"] = article or None
        adapter["text_original"] = chosen["text_original"]
        adapter["text_source"] = chosen["url"]
        if not adapter.get("title_original"):
            adapter["title_original"] = record_title(chosen)
        self.count("pointer_pages")


class AttachmentPipeline:
    """Reads each item's attachments; see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.reader = AttachmentReader(
            Limits(), NearDupSettings.from_settings(crawler.settings), self._inc
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if site is not None:
            self.reader.limits = Limits(max_bytes=site.limits.max_attachment_bytes)

    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}")

    async def process_item(self, item):
        # A DOC takes LibreOffice 1-2 s: off the reactor's thread, so the crawl goes on.
        await asyncio.to_thread(self.reader.process, ItemAdapter(item))
        return item


def self_record(adapter: ItemAdapter) -> dict[str, Any]:
    """A page whose body is a file, as an attachment of itself."""
    fields = ("url", "final_url", "status", "headers", "body", "fetched_at", *WARC_FIELDS)
    return {
        **{k: adapter.get(k) for k in fields},
        "link_text": adapter.get("list_title"),
        "filename_linked": None,
        "error": None,
        "is_page": True,
    }


def attachment_lines(records: list[dict[str, Any]]) -> list[str]:
    """One line per file as the page names it: its link text, and its file name when the text
    does not give it (点击下载)."""
    lines = []
    for record in records:
        text = record.get("link_text") or ""
        name = record.get("filename_linked") or record["url"].rsplit("/", 1)[-1]
        lines.append(f"附件：{text}（{name}）" if name not in text else f"附件：{text}")
    return lines


def record_title(record: dict[str, Any]) -> str | None:
    """A file's own name, without extension, when it reads as a title (has Han characters)."""
    for name in (
        record.get("filename_served"),
        record.get("filename_linked"),
        record.get("link_text"),
    ):
        if name and _HAN.search(name):
            stem = name.rsplit("/", 1)[-1]
            return stem.rsplit(".", 1)[0] if "." in stem else stem
    return None
