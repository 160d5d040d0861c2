"""Is a fetched body a text page at all? Checked before extraction, so that a PDF or an image
served as ``text/html`` is recorded as such and never becomes a document.

In:  the body bytes and the declared Content-Type (may be missing or lying).
Out: ``(True, "")`` for a text page, else ``(False, reason)`` with a short reason such as
     ``"PDF file (magic bytes)"`` or ``"22% control bytes"``.

The checks, cheapest first: magic bytes of common binary formats, a declared type that is not
text, then the share of control bytes and of undecodable sequences in the first
:data:`SAMPLE_BYTES` (a text page has next to none of either, in any of the encodings Chinese
sites use).
"""

from __future__ import annotations

SAMPLE_BYTES = 8192
MAX_CONTROL_SHARE = 0.02
MAX_UNDECODABLE_SHARE = 0.05

# (leading bytes, what they are)
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF file"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive (DOCX/XLSX/ZIP)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 file (DOC/XLS/PPT)"),
    (b"\x1f\x8b", "gzip data"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"{\\rtf", "RTF document"),
    (b"ID3", "MP3 audio"),
)
_RIFF = b"RIFF"  # WAV/AVI/WEBP: "RIFF" + size + kind
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/json")
_WHITESPACE_CONTROLS = frozenset(b"\t\n\r\f\x0b")
_CONTROL_BYTES = frozenset(range(32)) - _WHITESPACE_CONTROLS | {0x7F}
# The encodings Chinese sites serve text in; a body none of them decodes is not text.
_ENCODINGS = ("utf-8", "gb18030", "big5")


def _magic(body: bytes) -> str | None:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
    for signature, kind in MAGIC:
        if head.startswith(signature):
            return kind
    if head.startswith(_RIFF):
        return "RIFF media file"
    return None


def _undecodable_share(sample: bytes) -> float:
    best = 1.0
    for encoding in _ENCODINGS:
        text = sample.decode(encoding, errors="replace")
        # the sample may end inside a multi-byte character: one replacement at the end is not
        # evidence
        bad = text.rstrip("\ufffd").count("\ufffd")
        best = min(best, bad / max(len(text), 1))
        if best == 0:
            break
    return best


def is_text_body(body: bytes, declared_type: str | None) -> tuple[bool, str]:
    """Whether ``body`` is a text page; the reason when it is not (see the module docstring)."""
    kind = _magic(body)
    if kind:
        return False, f"{kind} (magic bytes)"
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    if declared and not declared.startswith(_TEXT_TYPES):
        return False, f"declared as {declared}"
    sample = body[:SAMPLE_BYTES]
    if not sample:
        return True, ""
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES) / len(sample)
    if controls > MAX_CONTROL_SHARE:
        return False, f"{controls:.0%} control bytes"
    undecodable = _undecodable_share(sample)
    if undecodable > MAX_UNDECODABLE_SHARE:
        return False, f"{undecodable:.0%} undecodable bytes"
    return True, ""
