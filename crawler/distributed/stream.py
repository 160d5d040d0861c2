"""The stream from the crawls to the ingester: how an entry is written and read back.

An entry is one of

``page``           a processed document page: its ``page_row`` as JSON, the WARC exchange bytes
                   (response + request gzip members, as the crawl archived them) and the body
                   (zlib), or instead of the two a ``spill`` file name when they exceed the
                   inline cap;
``not_modified``   a known URL answered 304 (url, checked_at);
``exchange``       the WARC exchange of a response that is not a document page (list pages,
                   robots.txt, errors), sent when the crawl ends, to go into the archive's WARC
                   files as one machine's crawl would have written it;
``run``            the crawl of one site ended: its ``runs`` row.

Each ``page`` is appended in the same MULTI that adds its URL to the job's delivered set
(:func:`crawler.distributed.keys.delivered`), so a URL is marked delivered exactly when its
page is on the stream.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from redis.exceptions import RedisError

from crawler.distributed.keys import delivered

logger = logging.getLogger(__name__)

SPILL_SUFFIX = ".spill"
_LENGTH_BYTES = 8  # a spill file: length of the WARC bytes, the WARC bytes, the zlib body
DELIVERY_ATTEMPTS = 6  # with 1, 2, 4, 8, 16 s between them: Redis restarting is not fatal

# A run entry's list of the document links its completed walk saw (empty when the walk did not
# complete); the ingester takes it out of the row and records the walk.
WALKED_LINKS = "walked_links"


class DeliveryFailed(RuntimeError):
    """Redis refused an entry DELIVERY_ATTEMPTS times; the job must fail and be retried."""


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


# Not sent: the shingles are several times the size of the text they come from, and cheap
# to compute again from it (the MinHash signature, the costly part, is sent).
NOT_SENT = ("dedup_shingles",)


def encode_row(row: dict[str, Any]) -> bytes:
    sent = {k: v for k, v in row.items() if k not in NOT_SENT}
    return json.dumps(sent, ensure_ascii=False, default=_json_default).encode("utf-8")


def decode_row(data: bytes) -> dict[str, Any]:
    return json.loads(data)


def write_spill(spill_dir: Path, warc: bytes, body: bytes) -> str:
    """Write a large page's bytes to a file of its own (atomically); return its name."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{SPILL_SUFFIX}"
    partial = spill_dir / (name + ".tmp")
    with partial.open("wb") as fh:
        fh.write(len(warc).to_bytes(_LENGTH_BYTES, "big"))
        fh.write(warc)
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(spill_dir / name)
    return name


def read_spill(spill_dir: Path, name: str) -> tuple[bytes, bytes]:
    """(WARC bytes, zlib body) of a spill file."""
    data = (spill_dir / name).read_bytes()
    length = int.from_bytes(data[:_LENGTH_BYTES], "big")
    return data[_LENGTH_BYTES : _LENGTH_BYTES + length], data[_LENGTH_BYTES + length :]


@dataclass
class Entry:
    """One stream entry as the ingester reads it."""

    id: str
    kind: str
    site: str
    job: str
    fields: dict[bytes, bytes]

    @classmethod
    def parse(cls, entry_id: bytes | str, fields: dict[bytes, bytes]) -> Entry:
        text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        return cls(
            text,
            fields[b"kind"].decode(),
            fields[b"site"].decode(),
            fields.get(b"job", b"").decode(),
            fields,
        )

    def data(self) -> dict[str, Any]:
        return decode_row(self.fields[b"data"])

    def page_bytes(self, spill_dir: Path) -> tuple[bytes, bytes]:
        """(WARC exchange bytes, body) of a page entry, from the entry or its spill file."""
        spill = self.fields.get(b"spill")
        if spill:
            warc, body = read_spill(spill_dir, spill.decode())
        else:
            warc, body = self.fields.get(b"warc", b""), self.fields[b"body"]
        return warc, zlib.decompress(body)

    @property
    def spill_name(self) -> str | None:
        spill = self.fields.get(b"spill")
        return spill.decode() if spill else None


class StreamWriter:
    """Appends a crawl's entries; retries while Redis is briefly away."""

    def __init__(
        self,
        client: redis.Redis,
        stream: str,
        job: str,
        inline_cap: int,
        spill_dir: Path,
        delivered_ttl: float,
    ) -> None:
        self.client = client
        self.stream = stream
        self.job = job
        self.inline_cap = inline_cap
        self.spill_dir = spill_dir
        self.delivered_ttl = int(delivered_ttl)
        self.spilled = 0

    def _send(self, fields: dict[str, Any], delivered_url: tuple[str, str] | None) -> None:
        for attempt in range(DELIVERY_ATTEMPTS):
            try:
                with self.client.pipeline(transaction=True) as multi:
                    multi.xadd(self.stream, fields)
                    if delivered_url is not None:
                        key = delivered(delivered_url[0])
                        multi.sadd(key, delivered_url[1])
                        multi.expire(key, self.delivered_ttl)
                    multi.execute()
                return
            except RedisError as exc:
                logger.warning("cannot append to stream %s: %s", self.stream, exc)
                if attempt + 1 < DELIVERY_ATTEMPTS:
                    time.sleep(2**attempt)
        raise DeliveryFailed(f"Redis stream {self.stream}: giving up after {DELIVERY_ATTEMPTS}")

    def page(self, row: dict[str, Any], warc: bytes, body: bytes) -> None:
        site = row["site"]
        fields: dict[str, Any] = {"kind": "page", "site": site, "job": self.job}
        fields["data"] = encode_row(row)
        packed = zlib.compress(body, 1)
        if len(warc) + len(packed) > self.inline_cap:
            fields["spill"] = write_spill(self.spill_dir, warc, packed)
            self.spilled += 1
        else:
            fields["warc"], fields["body"] = warc, packed
        self._send(fields, (site, row["url"]))

    def exchange(self, site: str, warc: bytes, response_length: int) -> None:
        fields: dict[str, Any] = {"kind": "exchange", "site": site, "job": self.job}
        fields["data"] = encode_row({"response_length": response_length})
        if len(warc) > self.inline_cap:
            fields["spill"] = write_spill(self.spill_dir, warc, zlib.compress(b""))
            self.spilled += 1
        else:
            fields["warc"], fields["body"] = warc, zlib.compress(b"")
        self._send(fields, None)

    def not_modified(self, site: str, url: str, checked_at: str) -> None:
        data = encode_row({"url": url, "checked_at": checked_at})
        self._send({"kind": "not_modified", "site": site, "job": self.job, "data": data}, None)

    def run(self, site: str, run: dict[str, Any]) -> None:
        data = encode_row(run)
        self._send({"kind": "run", "site": site, "job": self.job, "data": data}, None)
