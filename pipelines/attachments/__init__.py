"""Attachment text: PDF, DOCX, DOC/WPS, XLSX, XLS/ET and ZIP files -> text, as library code.

In:  the downloaded bytes, the declared Content-Type and the :class:`Limits`.
Out: :class:`AttachmentText` (text, page count, method, media type, ``needs_ocr``, ``error``,
     archive ``members``). No Scrapy here: the crawl, ``harvest reextract`` and the benchmark
     all call :func:`read_attachment`.
"""

from __future__ import annotations

from pipelines.attachments.reader import read_attachment
from pipelines.attachments.result import AttachmentText, Limits, Member

__all__ = ["AttachmentText", "Limits", "Member", "read_attachment"]
