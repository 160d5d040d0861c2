"""ZIP and gzip attachments: members listed and read like any attachment, within bounds.

A zip bomb is refused before it is unpacked, from the sizes in its central directory (member
count, total unpacked bytes, compression ratio per member), and again while unpacking, because
those sizes are written by whoever made the file: a member is never read past the bytes left in
the budget. Members are read by the same reader as a downloaded file (passed in as ``read``, so
this module does not import the dispatcher that imports it).
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Callable

from pipelines.attachments.result import AttachmentText, Limits, Member
from pipelines.sniff import MEDIA_TYPES

Reader = Callable[[bytes, Limits, int], AttachmentText]
ZIP_METHOD = "zipfile"
_UTF8_NAMES = 0x800  # general purpose flag bit 11: names are UTF-8
_ENCRYPTED = 0x1
_READ_CHUNK = 1024 * 1024


class _Refused(Exception):
    pass


def read_zip(body: bytes, limits: Limits, depth: int, read: Reader) -> AttachmentText:
    result = AttachmentText(kind="zip", media_type=MEDIA_TYPES["zip"], method=ZIP_METHOD)
    if depth >= limits.max_depth:
        return result.with_error(f"refused: archive nested deeper than {limits.max_depth} levels")
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            _check_directory(infos, limits)
            members = _read_members(archive, infos, limits, depth, read)
    except _Refused as refusal:
        return result.with_error(f"refused: {refusal}")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        return result.with_error(f"broken: not a readable ZIP ({error})")
    texts = [
        f"{member.name}\n{member.result.text}"
        for member in members
        if member.result is not None and member.result.text
    ]
    return AttachmentText(
        kind="zip",
        media_type=MEDIA_TYPES["zip"],
        method=ZIP_METHOD,
        text="\n\n".join(texts),
        page_count=sum(m.result.page_count or 0 for m in members if m.result is not None) or None,
        needs_ocr=any(m.result is not None and m.result.needs_ocr for m in members),
        error=None if texts else "no text: no member of the archive had any",
        members=tuple(members),
    )


def read_gzip(body: bytes, limits: Limits, depth: int, read: Reader) -> AttachmentText:
    result = AttachmentText(kind="gzip", media_type=MEDIA_TYPES["gzip"], method="gzip")
    if depth >= limits.max_depth:
        return result.with_error(f"refused: archive nested deeper than {limits.max_depth} levels")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            inner = _bounded_read(stream, limits.max_unpacked_bytes, "gzip content")
    except _Refused as refusal:
        return result.with_error(f"refused: {refusal}")
    except (OSError, EOFError, zlib.error) as error:
        return result.with_error(f"broken: not a readable gzip file ({error})")
    member = read(inner, limits, depth + 1)
    return AttachmentText(
        kind="gzip",
        media_type=MEDIA_TYPES["gzip"],
        method=f"gzip+{member.method}",
        text=member.text,
        page_count=member.page_count,
        needs_ocr=member.needs_ocr,
        error=member.error,
        members=(Member(name="", size=len(inner), result=member),),
    )


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise _Refused(f"{len(infos)} members, more than {limits.max_members}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise _Refused(f"{total} bytes unpacked, more than {limits.max_unpacked_bytes} (zip bomb?)")
    for info in infos:
        if info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _Refused(f"member {member_name(info)!r} compressed {ratio}:1 (zip bomb?)")


def _read_members(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: Limits, depth: int, read: Reader
) -> list[Member]:
    budget = limits.max_unpacked_bytes
    members = []
    for info in infos:
        name = member_name(info)
        if info.flag_bits & _ENCRYPTED:
            encrypted = AttachmentText(
                kind="binary", media_type=MEDIA_TYPES["binary"], method=ZIP_METHOD
            )
            members.append(
                Member(
                    name,
                    info.file_size,
                    encrypted.with_error("encrypted: the member needs a password"),
                )
            )
            continue
        with archive.open(info) as stream:
            data = _bounded_read(stream, budget, f"member {name!r}")
        budget -= len(data)
        members.append(Member(name, len(data), read(data, limits, depth + 1)))
    return members


def _bounded_read(stream: io.BufferedIOBase, budget: int, what: str) -> bytes:
    """Read at most ``budget`` bytes; more than that is refused, whatever the header said."""
    chunks = []
    size = 0
    while chunk := stream.read(_READ_CHUNK):
        size += len(chunk)
        if size > budget:
            raise _Refused(f"{what} unpacks to more than {budget} bytes (zip bomb?)")
        chunks.append(chunk)
    return b"".join(chunks)


def member_name(info: zipfile.ZipInfo) -> str:
    """Chinese Windows zips store GBK names without the UTF-8 flag; zipfile reads those as
    cp437, which turns 工作总结 into box-drawing noise. Undo that and read them as GB18030."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename
