"""``harvest ingest``: the one writer of the archive in distributed mode.

In:  the pages stream (:mod:`.stream`), read in a consumer group; after a restart the
     ingester first replays the entries it had read but not acknowledged.
Out: the same rows as a single-machine crawl writes, through the same storage code:
     :func:`crawler.storage.pages.store_pages` with the near-duplicate index linking inside
     its transaction, one transaction per site and batch; WARC records appended to this
     archive's files (:meth:`crawler.storage.warc.WarcWriter.append_exchange`); raw pages;
     ``runs`` rows checked against each site's history (alerts). Entries are acknowledged
     and deleted only after the commit.

Idempotent: a page whose URL is stored with the same fetch time was committed before a kill
that came ahead of the acknowledgement and is skipped, as is a run already recorded. A kill
between a WARC append and the commit leaves an unreferenced record in the WARC file (the
replay appends it again and the row points at the second copy).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from redis.exceptions import ResponseError

from crawler.config import HarvestConfig
from crawler.distributed.keys import INGEST_GROUP, INGEST_STATE, known, run_counts, walked
from crawler.distributed.stream import WALKED_LINKS, Entry
from crawler.storage import connect
from crawler.storage.pages import Refetch, body_sha1, store_pages, touch_unchanged
from crawler.storage.runs import record_run
from crawler.storage.walks import load_walk_state, record_walk
from crawler.storage.warc import WarcWriter, archive_root_of
from pipelines.dedup.index import NearDuplicateIndex
from pipelines.dedup.similarity import text_shingles
from pipelines.text import utc_now

logger = logging.getLogger(__name__)

BLOCK_MS = 1000  # how long one read waits for new entries
RECONNECT = 5  # seconds between attempts while Redis is unreachable
CLAIM_IDLE_MS = 60_000  # entries another (dead) ingester read this long ago are taken over
REJECTED_SUFFIX = ":rejected"  # entries that cannot be applied are copied to <stream>:rejected
# store_pages counts -> the runs columns the worker could not know
RUN_COUNT_COLUMNS = {
    "new": "documents_new",
    "updated": "documents_updated",
    "changed": "documents_changed",
    "unchanged": "documents_unchanged",
    "copies": "duplicates",
    "shrunk": "documents_shrunk",
}


@dataclass
class Batch:
    """What one read brought, sorted by kind."""

    pages: dict[str, list[tuple[Entry, dict[str, Any]]]] = field(default_factory=dict)
    not_modified: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    runs: list[Entry] = field(default_factory=list)
    exchanges: list[Entry] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    spills: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


class Ingester:
    def __init__(
        self, config: HarvestConfig, db_path: str | Path, client: redis.Redis, name: str
    ) -> None:
        self.config = config
        self.settings = config.distributed
        self.client = client
        self.name = name
        self.stream = self.settings.stream
        self.db = connect(db_path)
        self.near_dup = config.near_dup_settings()
        self.index = NearDuplicateIndex(self.near_dup).open(self.db.conn)
        self.archive_root = archive_root_of(db_path)
        self.spill_dir = Path(self.settings.spill_dir).resolve()
        self.writers: dict[str, WarcWriter] = {}
        self.rows = 0

    # -- reading --

    def ensure_group(self) -> None:
        try:  # from the stream's start: entries appended before the first ingester count too
            self.client.xgroup_create(self.stream, INGEST_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, block_ms: int = BLOCK_MS) -> list[tuple[bytes, dict | None]]:
        """This consumer's unacknowledged entries first (a restart), then ones taken over
        from a dead consumer, then new ones."""
        count = self.settings.ingest_batch
        reply = self.client.xreadgroup(INGEST_GROUP, self.name, {self.stream: "0"}, count=count)
        if reply and reply[0][1]:
            return reply[0][1]
        claimed = self.client.xautoclaim(
            self.stream, INGEST_GROUP, self.name, CLAIM_IDLE_MS, "0-0", count=count
        )
        if claimed[1]:
            return claimed[1]
        reply = self.client.xreadgroup(
            INGEST_GROUP, self.name, {self.stream: ">"}, count=count, block=block_ms
        )
        return reply[0][1] if reply else []

    def sort(self, raw: list[tuple[bytes, dict | None]]) -> Batch:
        batch = Batch()
        for entry_id, fields in raw:
            batch.ids.append(entry_id.decode())
            if not fields:  # deleted after it was read: nothing left to apply
                continue
            try:
                entry = Entry.parse(entry_id, fields)
                if entry.kind == "page":
                    batch.pages.setdefault(entry.site, []).append((entry, entry.data()))
                    if entry.spill_name:
                        batch.spills.append(entry.spill_name)
                elif entry.kind == "not_modified":
                    data = entry.data()
                    pair = (data["url"], data["checked_at"])
                    batch.not_modified.setdefault(entry.site, []).append(pair)
                elif entry.kind == "run":
                    batch.runs.append(entry)
                elif entry.kind == "exchange":
                    batch.exchanges.append(entry)
                    if entry.spill_name:
                        batch.spills.append(entry.spill_name)
                else:
                    raise ValueError(f"unknown kind {entry.kind!r}")
            except (KeyError, ValueError) as exc:
                logger.error("stream entry %s rejected: %s", entry_id.decode(), exc)
                batch.rejected.append(fields)
        return batch

    # -- writing --

    def refetch(self, site: str) -> Refetch:
        for entry in self.config.sites:
            if entry.name == site:
                incremental = entry.incremental
                return Refetch(
                    minimum=incremental.min_refetch_hours * 3600,
                    maximum=incremental.max_refetch_days * 86400,
                )
        return Refetch()

    def writer(self, site: str) -> WarcWriter:
        if site not in self.writers:
            self.writers[site] = WarcWriter(self.archive_root, site)
        return self.writers[site]

    def _stored(self, row: dict[str, Any]) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM sources WHERE url = ? AND fetched_at = ?",
            [row["url"], row["fetched_at"]],
        ).fetchone()
        return found is not None

    def _prepare(
        self, site: str, pages: list[tuple[Entry, dict[str, Any]]], batch: Batch
    ) -> list[dict]:
        """Rows not yet stored, with their WARC exchange appended here."""
        rows = []
        for entry, row in pages:
            if self._stored(row):
                continue
            try:
                warc, body = entry.page_bytes(self.spill_dir)
            except (OSError, zlib.error) as exc:  # a spill file gone or damaged
                logger.error("stream entry %s (%s) rejected: %s", entry.id, row["url"], exc)
                batch.rejected.append(entry.fields)
                continue
            if warc:
                location = self.writer(site).append_exchange(warc, row["warc_length"])
                row.update(location.meta())
            # the WARC record is the raw page: no second copy beside it
            row["raw_path"], row["body_sha1"] = row.get("warc_file"), body_sha1(body)
            if row.get("dedup_signature") is not None:  # see stream.NOT_SENT
                row["dedup_shingles"] = text_shingles(row["text"] or "", self.near_dup)
            rows.append(row)
        return rows

    def _sync_warc(self) -> None:
        for writer in self.writers.values():
            if writer.fh is not None:
                os.fsync(writer.fh.fileno())

    def apply(self, batch: Batch) -> Counter[tuple[str, str, str]]:
        """Store a batch's pages (one transaction per site and job) and 304s; return the
        store counts per (job, site, count name)."""
        per_run: Counter[tuple[str, str, str]] = Counter()
        groups: dict[tuple[str, str], list[tuple[Entry, dict[str, Any]]]] = {}
        for site, pages in batch.pages.items():
            for entry, row in pages:
                groups.setdefault((site, entry.job), []).append((entry, row))
        prepared = {key: self._prepare(key[0], pages, batch) for key, pages in groups.items()}
        for entry in batch.exchanges:  # responses that are no document page: WARC only
            try:
                warc, _ = entry.page_bytes(self.spill_dir)
            except (OSError, zlib.error) as exc:
                logger.error("stream entry %s rejected: %s", entry.id, exc)
                batch.rejected.append(entry.fields)
                continue
            self.writer(entry.site).append_exchange(warc, entry.data()["response_length"])
        self._sync_warc()  # the records are on disk before any row points at them
        for (site, job), rows in prepared.items():
            if not rows:
                continue
            counts = store_pages(self.db, rows, self.refetch(site), link=self.index)
            self.rows += len(rows)
            for key, value in counts.items():
                per_run[(job, site, key)] += value
            self.publish_known(site, [row["url"] for row in rows])
        for site, pairs in batch.not_modified.items():
            touch_unchanged(self.db, pairs, self.refetch(site))
            self.publish_known(site, [url for url, _ in pairs])
        return per_run

    def publish_known(self, site: str, urls: list[str] | None = None) -> None:
        """Copy the validators and next due time of ``urls`` (all of the site's when None)
        from the archive to Redis, where the workers' crawls read them."""
        sql = "SELECT url, etag, last_modified, next_fetch_after FROM sources WHERE site = ?"
        params: list[Any] = [site]
        if urls is not None:
            sql += f" AND url IN ({', '.join('?' for _ in urls)})"
            params += urls
        mapping = {
            url: json.dumps([etag, modified, due])
            for url, etag, modified, due in self.db.execute(sql, params).fetchall()
        }
        if mapping:
            self.client.hset(known(site), mapping=mapping)

    def publish_all_known(self) -> None:
        """At start: publish each configured site's URLs and walked links when Redis has none
        (a new Redis)."""
        for site in self.config.sites:
            if not self.client.exists(known(site.name)):
                self.publish_known(site.name)
            if not self.client.exists(walked(site.name)):
                trusted = load_walk_state(self.db, site.name).trusted
                if trusted:
                    self.client.sadd(walked(site.name), *trusted)

    def record_runs(self, runs: list[Entry]) -> None:
        """Record each finished run with the counts the ingester applied for it."""
        for entry in runs:
            run = entry.data()
            known = self.db.execute(
                "SELECT 1 FROM runs WHERE site = ? AND started = ?", [run["site"], run["started"]]
            ).fetchone()
            if known:
                continue
            walk = run.pop(WALKED_LINKS, None) or []
            counts = self.client.hgetall(run_counts(entry.job, entry.site))
            for key, column in RUN_COUNT_COLUMNS.items():
                run[column] = int(counts.get(key.encode(), 0))
            _, alerts = record_run(self.db, run)
            if walk:
                record_walk(self.db, run["site"], walk, utc_now())
                self.client.sadd(walked(run["site"]), *walk)
            for alert in alerts:
                logger.warning("ALERT %s: %s: %s", alert.site, alert.kind, alert.message)

    def _add_counts(self, multi: Any, per_run: Counter[tuple[str, str, str]]) -> None:
        for (job, site, key), value in per_run.items():
            multi.hincrby(run_counts(job, site), key, value)
            multi.expire(run_counts(job, site), int(self.settings.fetched_ttl))

    def acknowledge(self, batch: Batch, per_run: Counter[tuple[str, str, str]]) -> None:
        """After the commit: counts for the runs still to come, then ack and delete the
        entries (one MULTI), then the spill files."""
        with self.client.pipeline(transaction=True) as multi:
            self._add_counts(multi, per_run)
            for entry in batch.runs:
                multi.delete(run_counts(entry.job, entry.site))
            for fields in batch.rejected:
                multi.xadd(self.stream + REJECTED_SUFFIX, fields)
            if batch.ids:
                multi.xack(self.stream, INGEST_GROUP, *batch.ids)
                multi.xdel(self.stream, *batch.ids)
            multi.hset(INGEST_STATE, mapping={"last_batch": time.time(), "rows": self.rows})
            multi.execute()
        for name in batch.spills:
            (self.spill_dir / name).unlink(missing_ok=True)

    def step(self, block_ms: int = BLOCK_MS) -> int:
        """Read and apply one batch; return the number of entries it held."""
        raw = self.read(block_ms)
        if not raw:
            return 0
        batch = self.sort(raw)
        per_run = self.apply(batch)
        if batch.runs:  # the pages' counts must be in Redis before a run reads them
            with self.client.pipeline(transaction=True) as multi:
                self._add_counts(multi, per_run)
                multi.execute()
            per_run = Counter()
            self.record_runs(batch.runs)
        self.acknowledge(batch, per_run)
        return len(raw)

    def run(self, stop: threading.Event, until_idle: bool = False) -> None:
        """Apply batches until ``stop`` is set (or, with ``until_idle``, the stream is empty)."""
        self.ensure_group()
        self.publish_all_known()
        while not stop.is_set():
            try:
                applied = self.step()
            except redis.ConnectionError as exc:
                # what was read and not acknowledged is replayed once Redis is back
                logger.warning("Redis unreachable (%s); trying again in %ss", exc, RECONNECT)
                stop.wait(RECONNECT)
                continue
            if not applied and until_idle:
                break

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
        self.db.close()
