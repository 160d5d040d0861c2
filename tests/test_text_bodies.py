"""Only text pages become documents: the body sniffer on real binary formats and real text in
the encodings Chinese sites use."""

from __future__ import annotations

import gzip
import random
import zlib

import pytest

from pipelines.sniff import is_text_body
from tests.conftest import FIXTURES


def png() -> bytes:
    raw = b"\x00" + b"\xff\x00\x00" * 4
    chunk = lambda kind, data: (  # noqa: E731
        len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    )
    header = chunk(b"IHDR", (4).to_bytes(4, "big") + (1).to_bytes(4, "big") + b"\x08\x02\0\0\0")
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("body", "declared", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/html", "PDF file (magic bytes)"),
        (png(), "text/html; charset=utf-8", "image (magic bytes)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
            None,
            "OLE2 file (DOC/XLS/WPS/PPT) (magic bytes)",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00", "text/html", "ZIP archive (magic bytes)"),
        (gzip.compress(b"<html></html>"), "text/html", "gzip data (magic bytes)"),
    ],
)
def test_binary_bodies_are_refused_with_a_reason(body, declared, reason):
    assert is_text_body(body, declared) == (False, reason)


def test_the_bytes_decide_not_the_label():
    # an HTML error page served as application/pdf is a page (tests/attachments: sniff())
    assert is_text_body(b"<html><body>404 Not Found</body></html>", "application/pdf") == (
        True,
        "",
    )


def test_random_bytes_without_magic_are_refused():
    noise = random.Random(7).randbytes(20000)
    ok, reason = is_text_body(b"<html>" + noise, "text/html")
    assert not ok and reason.endswith("control bytes")


@pytest.mark.parametrize(
    "page", ["demo_gov_article.html", "demo_docshare1_doc.html", "demo_docshare2_doc.html"]
)
def test_saved_pages_are_text(page):
    assert is_text_body((FIXTURES / "spiders" / page).read_bytes(), "text/html") == (True, "")


SIMPLIFIED = "<p>　　二〇二三年，全县科技工作紧紧围绕中心任务，稳步推进。</p>"
TRADITIONAL = "<p>　　二零二三年，全縣科技工作緊緊圍繞中心任務，穩步推進。</p>"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("utf-8", SIMPLIFIED), ("gb18030", SIMPLIFIED), ("big5", TRADITIONAL)],
)
def test_chinese_text_in_each_encoding_is_text(encoding, text):
    body = f"<html><body>{text * 50}</body></html>".encode(encoding)
    assert is_text_body(body, "text/html") == (True, "")
    assert is_text_body(body, None) == (True, "")
