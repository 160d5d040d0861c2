"""sniff(): bodies made by real tools and saved real pages, under honest and lying labels."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crawler.demo.files import png
from pipelines.sniff import sniff

PAGES = Path(__file__).parents[1] / "fixtures" / "extraction" / "pages"


@pytest.mark.parametrize(
    ("name", "declared", "kind"),
    [
        ("pdf", "application/pdf", "pdf"),
        ("pdf", "text/html; charset=utf-8", "pdf"),  # a PDF served as a page (issue 12)
        ("doc", "application/msword", "doc"),
        ("wps", "application/octet-stream", "doc"),  # WPS is OLE2 like Word
        ("xls", "application/vnd.ms-excel", "doc"),
        ("et", None, "doc"),
        ("docx", "application/octet-stream", "docx"),
        ("xlsx", "application/zip", "xlsx"),
        ("zip", "application/x-zip-compressed", "zip"),
        ("zip_bomb", "application/zip", "zip"),
        ("scanned_pdf", "application/pdf", "pdf"),
        ("encrypted_pdf", "application/pdf", "pdf"),
        ("truncated_pdf", "application/pdf", "pdf"),
        ("gzip_html", "text/html", "gzip"),
    ],
)
def test_files_made_by_real_tools_are_known_by_their_bytes(
    attachment_files: dict[str, Path], name: str, declared: str | None, kind: str
) -> None:
    sniffed = sniff(attachment_files[name].read_bytes(), declared)
    assert sniffed.kind == kind
    assert not sniffed.is_text


def test_a_truncated_docx_is_still_a_zip_for_the_extractor_to_reject(
    attachment_files: dict[str, Path],
) -> None:
    # The central directory is at the end of a zip: cut off, the members cannot be listed.
    assert sniff(attachment_files["truncated_docx"].read_bytes(), None).kind == "zip"


def test_a_pdf_labelled_as_html_is_a_mismatch() -> None:
    sniffed = sniff(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/html")
    assert (sniffed.kind, sniffed.mismatch, sniffed.reason) == ("pdf", True, "magic")
    assert sniffed.media_type == "application/pdf"
    assert sniffed.declared_type == "text/html"


def test_junk_before_the_pdf_header_is_tolerated_like_readers_do() -> None:
    assert sniff(b"\r\n\r\n%PDF-1.7\n...", "application/octet-stream").kind == "pdf"


@pytest.mark.parametrize("page", ["newsgov_004.html", "big5_001.html", "table_000.html"])
def test_saved_gbk_and_big5_pages_are_text(page: str) -> None:
    body = (PAGES / page).read_bytes()
    assert body.decode("utf-8", errors="replace").count("\ufffd") > 10  # not UTF-8: still text
    for declared in ("text/html", None, "application/octet-stream"):
        sniffed = sniff(body, declared)
        assert (sniffed.kind, sniffed.is_text) == ("html", True), declared


def test_an_html_error_page_served_as_a_pdf_is_html() -> None:
    body = "<!DOCTYPE html><html><head><title>404 页面不存在</title></head></html>".encode()
    sniffed = sniff(body, "application/pdf")
    assert (sniffed.kind, sniffed.mismatch, sniffed.reason) == ("html", True, "markup")


def test_plain_text_without_markup_is_text() -> None:
    sniffed = sniff("附件：工作总结\r\n一、主要工作\r\n".encode("gb18030"), "text/plain")
    assert (sniffed.kind, sniffed.is_text, sniffed.mismatch) == ("text", True, False)


def test_unknown_binary_is_binary_whatever_the_label() -> None:
    body = gzip.compress("正文".encode() * 500)[10:]  # deflate data without the gzip header
    sniffed = sniff(body, "text/html")
    assert (sniffed.kind, sniffed.reason, sniffed.is_text) == ("binary", "control-chars", False)


def test_text_broken_by_an_earlier_lossy_decode_is_not_text() -> None:
    body = ("抎摍殏" + "\ufffd" * 40 + "ｊ").encode() * 20
    assert sniff(body, "text/html").kind == "binary"


def test_images_and_archives_by_magic() -> None:
    assert sniff(png(8, 8, []), "text/html").kind == "image"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "text/html").kind == "image"
    assert sniff(b"Rar!\x1a\x07\x01\x00" + bytes(32), None).kind == "rar"
    assert sniff(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(32), None).is_archive


def test_empty_body_is_text_so_the_page_stage_reports_it_empty() -> None:
    assert sniff(b"", None).kind == "text"
