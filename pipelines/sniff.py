"""What a response body really is, decided from its bytes before anyone decodes it.

In:  the raw body and the declared ``Content-Type`` (or ``None``).
Out: :class:`Sniffed` with the ``kind`` (see :data:`KINDS`), the media type that kind implies,
     the declared type and whether the two disagree; ``is_text`` says whether the body may be
     decoded and extracted as a page.

Government sites serve PDFs as ``text/html``, Word files as ``application/octet-stream`` and
HTML error pages as ``application/pdf``, so the declared type is only a hint: magic bytes win,
then the declared type, then the share of control and replacement characters in the head of
the body. A leaf module: it imports nothing of ours.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

# Every kind sniff() may return; attachments are extracted per kind.
KINDS = (
    "html",
    "text",
    "pdf",
    "doc",  # OLE2 compound file: Word .doc, Excel .xls, WPS .wps/.et, PowerPoint .ppt
    "docx",
    "xlsx",
    "ofd",
    "zip",
    "rar",
    "7z",
    "gzip",
    "image",
    "binary",
)
TEXT_KINDS = frozenset({"html", "text"})

MEDIA_TYPES = {
    "html": "text/html",
    "text": "text/plain",
    "pdf": "application/pdf",
    "doc": "application/x-ole-storage",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "gzip": "application/gzip",
    "image": "image/*",
    "binary": "application/octet-stream",
}

# (prefix, kind, how far into the body the prefix may start). PDFs may carry a few bytes of junk
# (a BOM, whitespace, an HTTP header leaked by a broken CMS) before %PDF-; readers accept 1 KiB.
_MAGIC: tuple[tuple[bytes, str, int], ...] = (
    (b"%PDF-", "pdf", 1024),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc", 0),
    (b"PK\x03\x04", "zip", 0),
    (b"PK\x05\x06", "zip", 0),  # an empty archive
    (b"Rar!\x1a\x07", "rar", 0),
    (b"7z\xbc\xaf\x27\x1c", "7z", 0),
    (b"\x1f\x8b", "gzip", 0),
    (b"\x89PNG\r\n\x1a\n", "image", 0),
    (b"\xff\xd8\xff", "image", 0),
    (b"GIF87a", "image", 0),
    (b"GIF89a", "image", 0),
    (b"II*\x00", "image", 0),
    (b"MM\x00*", "image", 0),
)
_WEBP = re.compile(rb"\ARIFF....WEBP", re.S)

# Declared types that name a kind without magic of its own, or confirm one.
_DECLARED_KINDS = (
    ("html", re.compile(r"^(text/html|application/xhtml\+xml)")),
    ("text", re.compile(r"^(text/|application/(json|xml|javascript)|[a-z]+/[a-z.+-]*\+xml$)")),
    ("pdf", re.compile(r"^application/(x-)?pdf")),
    ("image", re.compile(r"^image/")),
)
_HTML_START = re.compile(
    rb"\A\s*(<!doctype\s+html|<html|<head|<body|<meta|<title|<!--|<script|<div)", re.I
)

_HEAD = 4096  # bytes judged for the control-character share: enough for a page's head
# Control characters other than tab, newline, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_REPLACEMENT_UTF8 = "\ufffd".encode()
_TAG = re.compile(rb"<(html|head|body|p|div|table|a|br|span|meta|title)\b", re.I)
# Text pages have next to none; a binary body read as text has them in every few bytes.
_MAX_CONTROL_SHARE = 0.02
_MAX_ZIP_NAMES = 2000  # enough to classify any office file; a zip bomb's list is not read whole


@dataclass(frozen=True)
class Sniffed:
    kind: str
    media_type: str
    declared_type: str | None
    mismatch: bool  # declared type names another kind than the bytes are
    reason: str  # how the kind was decided: magic | zip-members | declared | control-chars | markup

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def is_archive(self) -> bool:
        return self.kind in {"zip", "rar", "7z", "gzip"}


def sniff(body: bytes, declared_type: str | None) -> Sniffed:
    declared = _normalise_type(declared_type)
    kind, reason = _kind_from_magic(body)
    if kind == "zip":
        kind = _zip_kind(body)
        reason = "zip-members" if kind != "zip" else reason
    if kind is None:
        kind, reason = _kind_without_magic(body, declared)
    return Sniffed(
        kind=kind,
        media_type=MEDIA_TYPES[kind],
        declared_type=declared,
        mismatch=declared is not None and _declared_kind(declared) not in (None, kind),
        reason=reason,
    )


def _normalise_type(declared_type: str | None) -> str | None:
    if not declared_type:
        return None
    return declared_type.split(";", 1)[0].strip().lower() or None


def _declared_kind(declared: str) -> str | None:
    for kind, pattern in _DECLARED_KINDS:
        if pattern.match(declared):
            return kind
    for kind, media_type in MEDIA_TYPES.items():
        if declared == media_type:
            return kind
    return None


def _kind_from_magic(body: bytes) -> tuple[str | None, str]:
    for prefix, kind, window in _MAGIC:
        if body.startswith(prefix) or (window and prefix in body[:window]):
            return kind, "magic"
    if _WEBP.match(body[:12]):
        return "image", "magic"
    return None, ""


def _zip_kind(body: bytes) -> str:
    """docx, xlsx and ofd are zip containers told apart by the names of their members."""
    try:
        with zipfile.ZipFile(BytesIO(body)) as archive:
            names = [info.filename for info in archive.infolist()[:_MAX_ZIP_NAMES]]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"  # truncated or damaged: still a zip, the extractor reports why it fails
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names or "ofd.xml" in names:
        return "ofd"
    return "zip"


def _kind_without_magic(body: bytes, declared: str | None) -> tuple[str, str]:
    """No magic: binary if the head is full of control bytes, else text whatever the label says
    (an HTML error page served as application/pdf, a page saved from Word as .doc)."""
    head = body[:_HEAD]
    if _control_share(head) > _MAX_CONTROL_SHARE:
        return "binary", "control-chars"
    if _HTML_START.match(head):
        return "html", "markup"
    declared_kind = _declared_kind(declared) if declared else None
    if declared_kind in TEXT_KINDS:
        return declared_kind, "declared"
    return ("html" if _TAG.search(head) else "text"), "control-chars"


def _control_share(head: bytes) -> float:
    """Share of bytes that text never has. Latin-1 maps every byte to one character, so GB18030
    and Big5 pages (invalid UTF-8) count nothing; U+FFFD counts where it is already in the bytes
    (EF BF BD: text broken by an earlier lossy decode)."""
    if not head:
        return 0.0
    controls = len(_CONTROL.findall(head.decode("latin-1")))
    controls += head.count(_REPLACEMENT_UTF8) * len(_REPLACEMENT_UTF8)
    return min(1.0, controls / len(head))


# How a kind is named in a run's records and messages.
DESCRIPTIONS = {
    "pdf": "PDF file",
    "doc": "OLE2 file (DOC/XLS/WPS/PPT)",
    "docx": "DOCX document",
    "xlsx": "XLSX workbook",
    "ofd": "OFD document",
    "zip": "ZIP archive",
    "rar": "RAR archive",
    "7z": "7-Zip archive",
    "gzip": "gzip data",
    "image": "image",
    "binary": "binary data",
}


def is_text_body(body: bytes, declared_type: str | None) -> tuple[bool, str]:
    """``(True, "")`` for a body to extract as a page, else ``(False, reason)`` with a short
    reason for the run's records, such as ``"PDF file (magic bytes)"`` or
    ``"23% control bytes"``."""
    found = sniff(body, declared_type)
    if found.is_text:
        return True, ""
    if found.reason == "control-chars":
        return False, f"{_control_share(body[:_HEAD]):.0%} control bytes"
    how = "zip members" if found.reason == "zip-members" else "magic bytes"
    return False, f"{DESCRIPTIONS[found.kind]} ({how})"
