"""Which links of a document page are its attachments (the report as a PDF, DOC, WPS, XLS ...).

A link is an attachment when its URL or its text names a file type
(:data:`ATTACHMENT_EXTENSIONS`), when its URL is a TRS upload (``/P0…``, ``/W0…``) or a Hanweb
``downfile.jsp``, or when it stands under a 附件 label. Which file it really is, the response's
Content-Type and bytes decide later (``pipelines.sniff``), not this guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from parsel import Selector

ATTACHMENT_EXTENSIONS = (
    "pdf",
    "doc",
    "docx",
    "wps",
    "xls",
    "xlsx",
    "et",
    "ofd",
    "zip",
    "rar",
    "7z",
)
_EXTENSIONS = "|".join(ATTACHMENT_EXTENSIONS)
_FILE_IN_PATH = re.compile(rf"\.(?:{_EXTENSIONS})$", re.I)
_FILE_IN_TEXT = re.compile(rf"[^\s/\\]\.(?:{_EXTENSIONS})(?:$|[\s)）\]】])", re.I)
# TRS WCM names uploaded files P0<date><serial> (published copy) or W0… (the original upload).
_TRS_UPLOAD = re.compile(r"/[PW]0\d{12,}(?:\.\w+)?$")
# Hanweb JCMS serves every upload through one script: downfile.jsp?filename=…&classid=…
_HANWEB_DOWNLOAD = re.compile(r"/downfile\.jsp$", re.I)
_FILENAME_QUERY = re.compile(r"^(?:file_?name|fname|name)$", re.I)
_ATTACHMENT_LABEL = re.compile(r"^\s*(?:【\s*)?(?:相关)?附\s*件\s*\d*\s*(?:】\s*)?[:：]?")
_LABEL_PARENTS = "ancestor::*[self::p or self::li or self::div or self::td or self::span][1]"
_PAGE_PATH = re.compile(r"\.(?:s?html?|jsp|aspx?|php)$", re.I)


@dataclass(frozen=True)
class AttachmentLink:
    url: str
    text: str  # the link's text as shown (often the file name: 工作总结.doc)
    filename: str | None  # the file name as linked: from the text, the query or the path


def filename_of(url: str, text: str) -> str | None:
    """The file name a link gives: its text if that names a file, else ``filename=`` in the
    query, else the last path segment if it has a file extension."""
    if _FILE_IN_TEXT.search(text + " "):
        return text.strip().removeprefix("附件").lstrip("：: 0123456789")
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if _FILENAME_QUERY.match(key) and value:
            return unquote(value)
    last = unquote(parts.path.rsplit("/", 1)[-1])
    return last if "." in last and not _PAGE_PATH.search(last) else None


def is_attachment(url: str, text: str, node: Selector | None = None) -> bool:
    path = urlsplit(url).path
    if _FILE_IN_PATH.search(path) or _TRS_UPLOAD.search(path) or _HANWEB_DOWNLOAD.search(path):
        return True
    if _FILE_IN_TEXT.search(text + " "):
        return True
    if _ATTACHMENT_LABEL.match(text):
        return not _PAGE_PATH.search(path)
    if node is not None and not _PAGE_PATH.search(path) and path not in ("", "/"):
        label = node.xpath(_LABEL_PARENTS)
        if label and _ATTACHMENT_LABEL.match("".join(label[0].xpath(".//text()").getall())):
            return True
    return False


def attachment_links(
    links: Iterable[tuple[str, str, Selector | None]], limit: int
) -> list[AttachmentLink]:
    """The attachment links among ``(url, text, node)`` triples, in page order, each URL once,
    at most ``limit``."""
    found: list[AttachmentLink] = []
    seen: set[str] = set()
    for url, text, node in links:
        if url in seen or not url.startswith(("http://", "https://")):
            continue
        if is_attachment(url, text, node):
            seen.add(url)
            found.append(AttachmentLink(url=url, text=text, filename=filename_of(url, text)))
            if len(found) >= limit:
                break
    return found
