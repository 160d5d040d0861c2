"""PDF -> text with PDFium (pypdfium2).

Chosen over pdfminer.six, pdfplumber, pypdf and PyMuPDF by measurement (README, "Attachments"):
same text and order on LibreOffice and CID-font (STSong-Light) PDFs, 10-40x faster than the
pdfminer family, a few MB of memory, Apache/BSD licensed (PyMuPDF is AGPL), and it tells a wrong
password from a damaged file by error code instead of returning nothing.

Scanned reports are pages that carry an image and (almost) no text: flagged ``needs_ocr``.
"""

from __future__ import annotations

import re
from importlib.metadata import version

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from pipelines.attachments.layout import join_wrapped_lines
from pipelines.attachments.result import AttachmentText

METHOD = f"pypdfium2 {version('pypdfium2')}"
_MEDIA_TYPE = "application/pdf"
# A page with fewer visible characters than this and an image on it is a picture of text.
_MIN_CHARS_PER_TEXT_PAGE = 20
_VISIBLE = re.compile(r"\S")
_LOAD_ERRORS = {
    pdfium_raw.FPDF_ERR_PASSWORD: "encrypted: the PDF needs a password",
    pdfium_raw.FPDF_ERR_FORMAT: "broken: not a readable PDF (damaged or truncated)",
    pdfium_raw.FPDF_ERR_FILE: "broken: not a readable PDF (damaged or truncated)",
    pdfium_raw.FPDF_ERR_SECURITY: "encrypted: unsupported security handler",
}


def read_pdf(body: bytes) -> AttachmentText:
    result = AttachmentText(kind="pdf", media_type=_MEDIA_TYPE, method=METHOD)
    try:
        document = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        return result.with_error(
            _LOAD_ERRORS.get(code, f"broken: PDFium could not load it ({error})")
        )
    try:
        pages, scanned = _page_texts(document)
    except pdfium.PdfiumError as error:
        return result.with_error(f"broken: a page could not be read ({error})")
    finally:
        document.close()
    text = join_wrapped_lines("\n\n".join(pages))
    needs_ocr = scanned > 0 and scanned * 2 >= len(pages)
    return AttachmentText(
        kind="pdf",
        media_type=_MEDIA_TYPE,
        method=METHOD,
        text=text,
        page_count=len(pages),
        needs_ocr=needs_ocr,
        error="needs OCR: the pages are images without a text layer"
        if needs_ocr and not text
        else None,
    )


def _page_texts(document: pdfium.PdfDocument) -> tuple[list[str], int]:
    """Each page's text, and how many pages are images with (almost) no text."""
    pages: list[str] = []
    scanned = 0
    for index in range(len(document)):
        page = document[index]
        try:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            if len(_VISIBLE.findall(text)) < _MIN_CHARS_PER_TEXT_PAGE and _has_image(page):
                scanned += 1
        finally:
            page.close()
        pages.append(text)
    return pages, scanned


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(obj.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))
