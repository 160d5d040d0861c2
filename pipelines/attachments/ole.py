"""OLE2 compound files: Word DOC, WPS (Kingsoft saves Word's format), Excel XLS, WPS ET, and
password-protected DOCX/XLSX (Office wraps those in OLE2 too).

olefile names the streams, which say what the file is before any converter is started: a
``WordDocument`` stream is Word (its FIB says whether it is encrypted), ``Workbook``/``Book`` is
Excel, ``EncryptionInfo`` + ``EncryptedPackage`` is an encrypted Office Open XML file.
"""

from __future__ import annotations

import io
import struct
from dataclasses import replace

import olefile

from pipelines.attachments.docx import read_docx
from pipelines.attachments.libreoffice import ConversionError, convert_to_docx
from pipelines.attachments.result import AttachmentText, Limits
from pipelines.attachments.xlsx import read_xls

WORD_MEDIA_TYPE = "application/msword"
_OLE_MEDIA_TYPE = "application/x-ole-storage"
_FIB_FLAGS = struct.Struct("<H")
_FIB_FLAGS_OFFSET = 0x0A
_FIB_ENCRYPTED = 0x0100  # fEncrypted in FibBase ([MS-DOC] 2.5.2)


def read_ole(body: bytes, limits: Limits) -> AttachmentText:
    unknown = AttachmentText(kind="doc", media_type=_OLE_MEDIA_TYPE, method="olefile")
    try:
        with olefile.OleFileIO(io.BytesIO(body)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
            word_flags = _word_flags(ole) if "WordDocument" in streams else None
    except (OSError, ValueError, struct.error, IndexError) as error:
        return unknown.with_error(f"broken: not a readable OLE2 file ({error})")
    if {"EncryptionInfo", "EncryptedPackage"} <= streams:
        return unknown.with_error("encrypted: a password-protected Office file")
    if word_flags is not None:
        return _read_word(body, word_flags, limits)
    if "Workbook" in streams or "Book" in streams:
        return read_xls(body)
    names = ", ".join(sorted(streams)[:5])
    return unknown.with_error(f"unsupported: OLE2 file that is neither Word nor Excel ({names})")


def _word_flags(ole: olefile.OleFileIO) -> int:
    with ole.openstream("WordDocument") as stream:
        head = stream.read(_FIB_FLAGS_OFFSET + _FIB_FLAGS.size)
    if len(head) < _FIB_FLAGS_OFFSET + _FIB_FLAGS.size:
        return 0
    return _FIB_FLAGS.unpack_from(head, _FIB_FLAGS_OFFSET)[0]


def _read_word(body: bytes, flags: int, limits: Limits) -> AttachmentText:
    result = AttachmentText(kind="doc", media_type=WORD_MEDIA_TYPE, method="libreoffice")
    if flags & _FIB_ENCRYPTED:
        return result.with_error("encrypted: the Word document needs a password")
    try:
        converted = convert_to_docx(body, ".doc", limits.convert_timeout)
    except ConversionError as error:
        return result.with_error(str(error))
    docx = read_docx(converted)
    return replace(
        docx, kind="doc", media_type=WORD_MEDIA_TYPE, method=f"libreoffice+{docx.method}"
    )
