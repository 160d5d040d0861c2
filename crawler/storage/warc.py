"""The raw archive: every HTTP exchange as WARC 1.1 records, and reading them back.

In:  request and response of each fetch (URL, method, headers, status, body bytes as served,
     before any content decoding).
Out: gzip-compressed WARC files ``<archive>/warc/<site>-<UTC time>-<serial>.warc.gz`` holding,
     per exchange, a ``response`` record (or a ``revisit`` record when the same payload was
     archived before) followed by its ``request`` record; a sorted CDXJ index
     ``<same name>.cdxj`` beside each finished file (cdxj-indexer, for pywb); the table
     ``warc_payloads`` (payload digest -> original record) in the archive database; and for
     each response a :class:`RecordLocation` (file, offset, length, payload digest) that the
     crawl stores on its ``sources`` row.

Crash safety: each record is one gzip member and each exchange is written with one ``write``
call after it was fully built in memory, so a killed process leaves at most one cut-off
member at the end of its file. A file being written is named ``….warc.gz.open`` (Heritrix's
convention) and renamed when it is closed; locations already name the final file. When
:class:`WarcWriter` opens it repairs its site's files: every ``.open`` file left by a killed
crawl, and the newest closed file if its tail does not end on a whole record, is truncated to
its last whole gzip member (its last whole record), renamed and indexed.

Revisits follow WARC 1.1's identical-payload-digest profile: the revisit record carries the
new response's HTTP headers and points at the original by URI, date and record id.

Replay: point a pywb collection's ``archive_paths`` and ``index_paths`` at ``archive/warc/``
(pywb reads every ``*.cdxj`` of an index folder; pywb itself is not installed or tested here,
warcio's reader is).
"""

from __future__ import annotations

import base64
import hashlib
import http
import io
import json
import logging
import os
import re
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.limitreader import LimitReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from crawler.storage import transaction

logger = logging.getLogger(__name__)

WARC_DIR = "warc"
DEFAULT_MAX_BYTES = 1024**3
# zlib level 3 compresses a government page (~55 KB of HTML) in about half the time level 6
# takes, for records about 8% larger (the 116 saved pages of tests/fixtures/extraction and
# the shared real-page set: 1.53 -> 1.66 MB).
DEFAULT_GZIP_LEVEL = 3
WARC_VERSION = "1.1"
SOFTWARE = "harvest (Scrapy crawler of Chinese local-government reports)"

# Hop-by-hop framing that Scrapy already removed from the body: kept under another name so
# that readers do not try to de-chunk a body that is no longer chunked.
_RENAMED_HEADERS = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}
_FILE_NAME = re.compile(
    r"^(?P<site>.+)-(?P<time>\d{20})-(?P<serial>\d{5})\.warc\.gz(?P<open>\.open)?$"
)
OPEN_SUFFIX = ".open"
_READ_CHUNK = 1 << 20
_MIME_END = re.compile(r"[;\s]")
_LINE_BREAKS = re.compile(r"[\r\n]+")

# Where a response is kept: the fields a crawl carries in ``response.meta``, on the item and
# in its ``sources`` row (file relative to the archive folder, gzip member bounds, digest).
WARC_FIELDS = ("warc_file", "warc_offset", "warc_length", "payload_digest")
# What the spider knew about a document link (cb_kwargs of its request), kept as named fields
# of the WARC request record: extraction uses it, and re-extraction must see it again.
LISTING_FIELDS = {
    "list_url": "Harvest-List-URL",
    "list_title": "Harvest-List-Title",
    "list_date": "Harvest-List-Date",
}


@dataclass(frozen=True)
class RecordLocation:
    """Where a response went: file relative to the archive folder, gzip member bounds."""

    warc_file: str
    warc_offset: int
    warc_length: int
    payload_digest: str
    revisit: bool = False

    def meta(self) -> dict[str, Any]:
        """The :data:`WARC_FIELDS` the crawl carries in ``response.meta`` and on the item."""
        return {name: getattr(self, name) for name in WARC_FIELDS}


@dataclass(frozen=True)
class Original:
    """The first archived record of a payload (what revisit records point at)."""

    uri: str
    date: str
    record_id: str
    warc_file: str
    warc_offset: int
    warc_length: int


@dataclass
class StoredResponse:
    """A response read back from the archive, with its payload content-decoded."""

    url: str
    date: str
    status: int
    headers: dict[str, str]  # lower-case names, repeated values joined with ", "
    body: bytes
    record_type: str  # response | revisit


def payload_digest(body: bytes) -> str:
    """``sha1:<base32>``, the form of WARC-Payload-Digest warcio and pywb use."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime | None = None) -> str:
    """WARC 1.1 date: UTC with microseconds."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def archive_root_of(db_path: str | Path) -> Path:
    """The archive folder is the database's parent; WARC files live in its ``warc/``."""
    return Path(db_path).resolve().parent


# --- payload index ------------------------------------------------------------------------


class PayloadIndex:
    """Payload digest -> first record holding it, in the archive database.

    New digests are buffered and written in batches (one transaction each); a crash loses at
    most the unwritten batch, which only means those payloads get archived in full once more.
    """

    def __init__(self, conn: sqlite3.Connection, batch_size: int = 200) -> None:
        self.conn = conn  # the archive connection of the crawl (crawler.storage.connect)
        self.batch_size = batch_size
        self.pending: dict[str, Original] = {}

    def get(self, digest: str) -> Original | None:
        if digest in self.pending:
            return self.pending[digest]
        row = self.conn.execute(
            "SELECT uri, date, record_id, warc_file, warc_offset, warc_length"
            " FROM warc_payloads WHERE digest = ?",
            [digest],
        ).fetchone()
        return Original(*row) if row else None

    def add(self, digest: str, original: Original) -> None:
        self.pending.setdefault(digest, original)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        rows = [
            (d, o.uri, o.date, o.record_id, o.warc_file, o.warc_offset, o.warc_length)
            for d, o in self.pending.items()
        ]
        with transaction(self.conn) as conn:
            # First archived copy wins: revisits written elsewhere already point at it.
            conn.executemany(
                "INSERT OR IGNORE INTO warc_payloads VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )
        self.pending.clear()

    def forget_beyond(self, warc_file: str, size: int) -> int:
        """Drop entries whose record was cut off a repaired file."""
        cursor = self.conn.execute(
            "DELETE FROM warc_payloads WHERE warc_file = ? AND warc_offset + warc_length > ?",
            [warc_file, size],
        )
        return cursor.rowcount

    def close(self) -> None:
        """Write what is pending; the connection stays open (its owner closes it)."""
        self.flush()


# --- repair and index ---------------------------------------------------------------------


def whole_members(path: Path, start: int = 0) -> Iterator[tuple[int, int]]:
    """``(offset, length)`` of each complete gzip member of ``path`` from offset ``start``;
    stops at the first member that is cut off or corrupt (a complete member has a valid CRC
    trailer, and every record is written as exactly one member, so a whole member is a whole
    record)."""
    with path.open("rb") as fh:
        fh.seek(start)
        position = start  # file offset of the first byte not yet fed
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        pending = b""
        while True:
            chunk = pending or fh.read(_READ_CHUNK)
            pending = b""
            if not chunk:
                return
            try:
                inflater.decompress(chunk)
            except zlib.error:
                return
            position += len(chunk)
            if inflater.eof:
                unused = inflater.unused_data
                end = position - len(unused)
                yield start, end - start
                start = position = end
                inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                pending = unused


def ends_whole(path: Path, start: int) -> bool:
    """True when the members from ``start`` (a known record) run whole to the end of file:
    a cheap check of a closed file's tail."""
    end = None
    for offset, length in whole_members(path, start):
        end = offset + length
    return end == path.stat().st_size


def repair(path: Path) -> int:
    """Truncate ``path`` to its last whole record; return the number of bytes cut off."""
    size = path.stat().st_size
    end = 0
    for offset, length in whole_members(path):
        end = offset + length
    if end < size:
        with path.open("r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        logger.warning("%s: cut off after %d bytes; truncated %d bytes", path, end, size - end)
    return size - end


def cdxj_path(warc_path: Path) -> Path:
    name = warc_path.name.removesuffix(OPEN_SUFFIX).removesuffix(".warc.gz")
    return warc_path.with_name(name + ".cdxj")


def is_sealed(warc_path: Path) -> bool:
    """Closed cleanly: renamed from ``.open`` and indexed."""
    return not warc_path.name.endswith(OPEN_SUFFIX) and cdxj_path(warc_path).exists()


def last_indexed_offset(warc_path: Path) -> int:
    """Offset of the last response/revisit record the file's CDXJ index lists (0 if none)."""
    last = 0
    with cdxj_path(warc_path).open(encoding="utf-8") as lines:
        for line in lines:
            last = max(last, int(json.loads(line.split(" ", 2)[2])["offset"]))
    return last


def cdxj_line(
    url: str,
    date: str,
    kind: str,
    status: int,
    content_type: str | None,
    digest: str,
    offset: int,
    length: int,
    filename: str,
) -> str:
    """The index line cdxj-indexer writes for a response or revisit record (same keys, same
    order, same SURT key and timestamp), built while writing instead of re-reading the file."""
    try:
        urlkey = surt.surt(url)
    except Exception:  # cdxj-indexer falls back the same way on URLs surt cannot parse
        urlkey = url
    mime = "warc/revisit" if kind == "revisit" else _MIME_END.split(content_type or "", 1)[0]
    entry = {"url": url, "mime": mime.strip() or None, "status": str(status), "digest": digest}
    entry.update(length=str(length), offset=str(offset), filename=filename)
    fields = {k: v for k, v in entry.items() if v is not None}
    return f"{urlkey} {iso_date_to_timestamp(date)} {json.dumps(fields)}"


def _write_atomically(path: Path, lines: list[str]) -> None:
    partial = path.with_suffix(path.suffix + ".tmp")
    with partial.open("w", encoding="utf-8") as fh:
        fh.writelines(line + "\n" for line in lines)
    partial.replace(path)


def write_cdxj(warc_path: Path) -> Path:
    """(Re)build the sorted CDXJ index of one WARC file beside it with cdxj-indexer (for files
    whose writer did not close them), atomically."""
    from cdxj_indexer.main import write_cdx_index

    index = cdxj_path(warc_path)
    partial = index.with_suffix(".cdxj.tmp")
    write_cdx_index(str(partial), [str(warc_path)], {"sort": True})
    partial.replace(index)
    return index


# --- writing ------------------------------------------------------------------------------


def _status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _field_value(value: object) -> str:
    # A named field is one line: a newline in a link title would end the record's headers.
    return _LINE_BREAKS.sub(" ", str(value))


def _header_pairs(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(_RENAMED_HEADERS.get(name.lower(), name), value) for name, value in headers]


def _response_record(
    builder: WARCWriter,
    url: str,
    body: bytes,
    digest: str,
    http_headers: StatusAndHeaders,
    warc_headers: dict[str, str],
    original: Original | None,
) -> Any:
    """A response record, or a revisit record when ``original`` already holds the payload."""
    if original is not None:
        return builder.create_revisit_record(
            url,
            digest,
            original.uri,
            original.date,
            http_headers=http_headers,
            warc_headers_dict={**warc_headers, "WARC-Refers-To": original.record_id},
        )
    return builder.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict={**warc_headers, "WARC-Payload-Digest": digest},
    )


def _request_record(
    builder: WARCWriter,
    url: str,
    method: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    protocol: str,
    warc_headers: dict[str, str],
) -> Any:
    """The request record of an exchange (a Host header added when the request had none)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pairs = _header_pairs(headers)
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", parts.netloc))
    return builder.create_warc_record(
        url,
        "request",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(
            f"{method} {path} {protocol or 'HTTP/1.1'}", pairs, is_http_request=True
        ),
        warc_headers_dict=warc_headers,
    )


class WarcWriter:
    """Appends exchanges of one site to rotating WARC files under ``<archive>/warc/``.

    ``payloads`` (optional) turns repeated payloads into revisit records. Use as a context
    manager or call :meth:`close`, which seals the current file (CDXJ index).
    """

    def __init__(
        self,
        archive_root: str | Path,
        site: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        payloads: PayloadIndex | None = None,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
    ) -> None:
        self.root = Path(archive_root)
        self.directory = self.root / WARC_DIR
        self.site = site
        self.max_bytes = max_bytes
        self.payloads = payloads
        self.gzip_level = gzip_level
        self.path: Path | None = None
        self.fh: io.BufferedWriter | None = None
        self.size = 0
        self.serial = 0
        self.index_lines: list[str] = []  # CDXJ lines of the open file
        self.counts = {"responses": 0, "revisits": 0, "requests": 0, "bytes": 0, "files": 0}
        # One warcio writer builds and serialises every record (into ``_record_bytes``): a
        # new one per record cost a gethostname() call and a header parser each time.
        self._record_bytes = io.BytesIO()
        self._records = WARCWriter(self._record_bytes, gzip=False, warc_version=WARC_VERSION)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.repaired = self.recover()

    # -- files --

    def site_files(self) -> list[Path]:
        """This site's files, closed or not, oldest first."""
        found = []
        for path in self.directory.glob("*.warc.gz*"):
            match = _FILE_NAME.match(path.name)
            if match and match["site"] == self.site:
                found.append(path)
        return sorted(found, key=lambda p: p.name.removesuffix(OPEN_SUFFIX))

    def recover(self) -> list[Path]:
        """Repair, close and index this site's files left open by a killed crawl, and the newest
        closed file if its tail is cut (only the newest: older files were checked when they
        were newest, and a full check of every file would read the whole archive)."""
        repaired = []
        files = self.site_files()
        closed = [p for p in files if is_sealed(p)]
        for path in files:
            needs_repair = (
                not is_sealed(path)  # left open, or killed before its index was written
                or (path == closed[-1] and not ends_whole(path, last_indexed_offset(path)))
            )
            if not needs_repair:
                continue
            cut = repair(path)
            final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
            if final != path:
                path.replace(final)
            if self.payloads is not None and cut:
                self.payloads.forget_beyond(self.relative(final), final.stat().st_size)
            write_cdxj(final)
            repaired.append(final)
        return repaired

    def relative(self, path: Path) -> str:
        """The name stored in locations: relative to the archive, without ``.open``."""
        return path.relative_to(self.root).as_posix().removesuffix(OPEN_SUFFIX)

    def _open_next(self) -> None:
        self._seal()
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        name = f"{self.site}-{stamp}-{self.serial:05d}.warc.gz"
        self.path = self.directory / (name + OPEN_SUFFIX)
        self.serial += 1
        self.fh = self.path.open("xb")
        self.size = 0
        self.counts["files"] += 1
        info = self._records.create_warcinfo_record(
            name,
            {"software": SOFTWARE, "format": "WARC File Format 1.1", "isPartOf": self.site},
        )
        self._append([info])

    def _seal(self) -> None:
        if self.fh is None:
            return
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        self.fh = None
        final = self.path.with_name(self.path.name.removesuffix(OPEN_SUFFIX))
        self.path.replace(final)
        self.path = final
        # Renamed first: a kill between the two leaves a closed file without an index, which
        # the next open indexes (with cdxj-indexer).
        _write_atomically(cdxj_path(final), sorted(self.index_lines))
        self.index_lines = []

    def close(self) -> None:
        """Seal the current file (flush, fsync, CDXJ index) and write pending digests."""
        self._seal()
        if self.payloads is not None:
            self.payloads.flush()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- records --

    def _member(self, record: Any) -> bytes:
        self._record_bytes.seek(0)
        self._record_bytes.truncate()
        self._records.write_record(record)
        # One gzip member per record: readers can seek straight to any record.
        compressor = zlib.compressobj(self.gzip_level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return compressor.compress(self._record_bytes.getvalue()) + compressor.flush()

    def _append(self, records: list[Any]) -> list[tuple[int, int]]:
        members = [self._member(r) for r in records]
        data = b"".join(members)
        start = self.size
        # One write per exchange: a kill leaves it whole or cut at the end, never interleaved.
        self.fh.write(data)
        self.fh.flush()
        self.size += len(data)
        self.counts["bytes"] += len(data)
        bounds, offset = [], start
        for member in members:
            bounds.append((offset, len(member)))
            offset += len(member)
        return bounds

    def write_exchange(
        self,
        url: str,
        status: int,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
        method: str = "GET",
        request_headers: Iterable[tuple[str, str]] = (),
        request_body: bytes = b"",
        protocol: str = "HTTP/1.1",
        ip_address: str | None = None,
        date: str | None = None,
        request_fields: dict[str, str] | None = None,
    ) -> RecordLocation:
        """Archive one response (``body`` exactly as received) and its request.

        ``request_fields`` become extra named fields of the request record (the crawl keeps
        there what its spider knew about the link, which re-extraction needs again).
        """
        if self.fh is None or self.size >= self.max_bytes:
            self._open_next()
        builder = self._records
        date = date or warc_date()
        digest = payload_digest(body)
        original = self.payloads.get(digest) if self.payloads is not None and body else None
        http_headers = StatusAndHeaders(
            _status_line(status), _header_pairs(response_headers), protocol=protocol or "HTTP/1.1"
        )
        extra = {"WARC-Date": date}
        if ip_address:
            extra["WARC-IP-Address"] = ip_address
        record = _response_record(builder, url, body, digest, http_headers, extra, original)
        request = _request_record(
            builder,
            url,
            method,
            request_headers,
            request_body,
            protocol,
            {
                "WARC-Date": date,
                "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID"),
                **{k: _field_value(v) for k, v in (request_fields or {}).items() if v},
            },
        )
        (offset, length), _ = self._append([record, request])
        self.counts["requests"] += 1
        location = RecordLocation(
            self.relative(self.path), offset, length, digest, revisit=original is not None
        )
        self.index_lines.append(
            cdxj_line(
                url,
                date,
                record.rec_type,
                status,
                http_headers.get_header("Content-Type"),
                digest,
                offset,
                length,
                Path(location.warc_file).name,
            )
        )
        if original is not None:
            self.counts["revisits"] += 1
        else:
            self.counts["responses"] += 1
            if self.payloads is not None and body:
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                self.payloads.add(
                    digest, Original(url, date, record_id, location.warc_file, offset, length)
                )
        return location

    def append_exchange(self, data: bytes, response_length: int) -> RecordLocation:
        """Append an exchange archived by another process (a distributed crawl): ``data`` is
        its response member (``response_length`` bytes) followed by its request member, as
        :func:`exchange_bytes` read them. Written as is; the record is indexed here."""
        if self.fh is None or self.size >= self.max_bytes:
            self._open_next()
        head = _record_head(data[:response_length])
        start = self.size
        self.fh.write(data)
        self.fh.flush()
        self.size += len(data)
        self.counts["bytes"] += len(data)
        revisit = head["type"] == "revisit"
        self.counts["revisits" if revisit else "responses"] += 1
        location = RecordLocation(
            self.relative(self.path), start, response_length, head["digest"], revisit
        )
        self.index_lines.append(
            cdxj_line(
                head["url"],
                head["date"],
                head["type"],
                head["status"],
                head["content_type"],
                head["digest"],
                start,
                response_length,
                Path(location.warc_file).name,
            )
        )
        return location


def _record_head(member: bytes) -> dict[str, Any]:
    """What the CDXJ line needs from a response/revisit record's gzip member: its WARC
    headers and HTTP status line and Content-Type (read directly: warcio's full record
    parser costs a millisecond a record, the single ingester's main cost)."""
    text = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(member)
    warc_block, _, rest = text.partition(b"\r\n\r\n")
    http_block = rest.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    fields = {}
    for line in warc_block.decode("utf-8", "replace").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    content_type = next(
        (
            v.strip()
            for n, _, v in (h.partition(":") for h in http_block[1:])
            if n.strip().lower() == "content-type"
        ),
        None,
    )
    status_line = http_block[0].split()
    return {
        "url": fields.get("warc-target-uri", ""),
        "date": fields.get("warc-date", ""),
        "type": fields.get("warc-type", "response"),
        "digest": fields.get("warc-payload-digest", ""),
        "status": int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0,
        "content_type": content_type,
    }


def exchange_bytes(archive_root: str | Path, warc_file: str, offset: int, length: int) -> bytes:
    """The response member at ``offset`` (``length`` bytes) and the request member after it,
    read from a file that may still be open for writing (``.open``)."""
    path = Path(archive_root) / warc_file
    if not path.exists():
        path = path.with_name(path.name + OPEN_SUFFIX)
    request = next(whole_members(path, offset + length), None)
    end = offset + length + (request[1] if request else 0)
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(end - offset)


# --- reading ------------------------------------------------------------------------------


def _headers_dict(http_headers: StatusAndHeaders | None) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in http_headers.headers if http_headers else []:
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


class PayloadTooLarge(ValueError):
    """A stored payload is larger, once decoded, than the reader accepts (a gzip bomb the
    crawl refused is still archived as the site sent it)."""


def read_bounded(stream: Any, max_bytes: int | None, where: str) -> bytes:
    """At most ``max_bytes`` of ``stream`` (decoded by warcio as it is read); more raises
    :class:`PayloadTooLarge` without reading on."""
    if max_bytes is None:
        return stream.read()
    chunks, size = [], 0
    while size <= max_bytes:
        chunk = stream.read(min(65536, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise PayloadTooLarge(f"{where}: payload larger than {max_bytes} bytes once decompressed")


class WarcReader:
    """Reads single records at stored offsets, following revisits to their original payload.

    Keeps files open between reads (re-extraction reads thousands of records in file order).
    ``max_bytes`` bounds a payload as the crawl bounds a body (``DOWNLOAD_MAXSIZE``), after
    the Content-Encoding is undone.
    """

    def __init__(
        self,
        archive_root: str | Path,
        payloads: PayloadIndex | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.root = Path(archive_root)
        self.payloads = payloads
        self.max_bytes = max_bytes
        self._files: dict[str, Any] = {}

    def _file(self, warc_file: str):
        fh = self._files.get(warc_file)
        if fh is None:
            if len(self._files) >= 32:
                self.close()
            path = self.root / warc_file
            if not path.exists():  # still being written, or left open by a killed crawl
                path = path.with_name(path.name + OPEN_SUFFIX)
            fh = self._files[warc_file] = path.open("rb")
        return fh

    def record(self, warc_file: str, offset: int, length: int | None = None):
        """The parsed record at ``offset`` (its content stream must be read before the next
        call on the same file)."""
        fh = self._file(warc_file)
        fh.seek(offset)
        stream = LimitReader(fh, length) if length else fh
        return next(iter(ArchiveIterator(stream)))

    def request_fields(self, warc_file: str, offset: int, length: int) -> dict[str, str]:
        """The named fields of the request record written right after the response at
        ``offset`` (empty when there is none, e.g. the file was cut between the two)."""
        try:
            record = self.record(warc_file, offset + length)
        except (StopIteration, OSError, ValueError):
            return {}
        if record.rec_type != "request":
            return {}
        return dict(record.rec_headers.headers)

    def response(self, warc_file: str, offset: int, length: int | None = None) -> StoredResponse:
        """The response at a stored location; a revisit gets its original's payload."""
        record = self.record(warc_file, offset, length)
        kind = record.rec_type
        headers = record.http_headers
        url = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date")
        if kind == "revisit":
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            original = self.payloads.get(digest) if self.payloads is not None else None
            if original is None:
                raise LookupError(f"{warc_file}@{offset}: revisit of unknown payload {digest}")
            stream = self.record(
                original.warc_file, original.warc_offset, original.warc_length
            ).content_stream()
            body = read_bounded(stream, self.max_bytes, f"{warc_file}@{offset}")
        elif kind == "response":
            body = read_bounded(record.content_stream(), self.max_bytes, f"{warc_file}@{offset}")
        else:
            raise ValueError(f"{warc_file}@{offset}: a {kind} record, not a response")
        return StoredResponse(
            url=url,
            date=date,
            status=int(headers.get_statuscode()) if headers else 0,
            headers=_headers_dict(headers),
            body=body,
            record_type=kind,
        )

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()

    def __enter__(self) -> WarcReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def site_of(warc_name: str) -> str | None:
    """The site a WARC file (or its index) belongs to, from its name."""
    name = Path(warc_name).name.removesuffix(".cdxj")
    match = _FILE_NAME.match(name if name.endswith((".gz", OPEN_SUFFIX)) else name + ".warc.gz")
    return match["site"] if match else None


def iter_index(archive_root: str | Path, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Every line of the CDXJ indexes under ``<archive_root>/warc/`` (of one site), as its JSON
    fields plus ``timestamp`` (14 digits), file by file."""
    for index in sorted((Path(archive_root) / WARC_DIR).glob("*.cdxj")):
        if site is not None and site_of(index.name) != site:
            continue
        with index.open(encoding="utf-8") as lines:
            for line in lines:
                _, timestamp, fields = line.split(" ", 2)
                yield {**json.loads(fields), "timestamp": timestamp}


def iter_records(path: Path) -> Iterator[tuple[str, str | None, int, int]]:
    """``(type, target URI, offset, length)`` of every record of one WARC file."""
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            kind = record.rec_type
            uri = record.rec_headers.get_header("WARC-Target-URI")
            offset = iterator.get_record_offset()
            iterator.read_to_end(record)
            yield kind, uri, offset, iterator.get_record_length()
