"""One attachment's bytes -> :class:`AttachmentText`, whatever the file turns out to be.

The kind comes from :func:`pipelines.sniff.sniff` (bytes first, labels second); each kind has one
reader. Every failure is a short ``error`` on the result, never an exception: a crawl must go on
past an encrypted, broken, oversize or unsupported file, and say which it was.
"""

from __future__ import annotations

from pipelines.attachments.archives import read_gzip, read_zip
from pipelines.attachments.docx import read_docx
from pipelines.attachments.ole import read_ole
from pipelines.attachments.pdf import read_pdf
from pipelines.attachments.result import AttachmentText, Limits
from pipelines.attachments.xlsx import read_xlsx
from pipelines.sniff import sniff

# Kinds read without more than their bytes.
_READERS = {"pdf": read_pdf, "docx": read_docx, "xlsx": read_xlsx}
_UNSUPPORTED = {
    "ofd": "unsupported: OFD (no maintained reader without an AGPL dependency; listed only)",
    "rar": "unsupported: RAR archives cannot be unpacked with free tools here",
    "7z": "unsupported: 7z archives",
    "binary": "unsupported: not a document format harvest reads",
}


def read_attachment(
    body: bytes,
    declared_type: str | None = None,
    limits: Limits | None = None,
    depth: int = 0,
) -> AttachmentText:
    """The text of one downloaded attachment (or archive member) and how it was read."""
    limits = limits or Limits()
    sniffed = sniff(body, declared_type)
    base = AttachmentText(kind=sniffed.kind, media_type=sniffed.media_type, method="sniff")
    if len(body) > limits.max_bytes:
        return base.with_error(
            f"oversize: {len(body)} bytes, more than the limit of {limits.max_bytes}"
        )
    if not body:
        return base.with_error("empty: the response had no body")
    if sniffed.kind in _READERS:
        return _READERS[sniffed.kind](body)
    if sniffed.kind == "doc":
        return read_ole(body, limits)
    if sniffed.kind == "zip":
        return read_zip(body, limits, depth, _read_member)
    if sniffed.kind == "gzip":
        return read_gzip(body, limits, depth, _read_member)
    if sniffed.kind == "image":
        return AttachmentText(
            kind="image",
            media_type=sniffed.media_type,
            method="sniff",
            needs_ocr=True,
            error="needs OCR: the attachment is an image",
        )
    if sniffed.is_text:
        return base.with_error("not an attachment: a text page, read as a page")
    return base.with_error(_UNSUPPORTED[sniffed.kind])


def _read_member(body: bytes, limits: Limits, depth: int) -> AttachmentText:
    return read_attachment(body, None, limits, depth)
