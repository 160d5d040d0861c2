"""``harvest dist status``: what the distributed harvest is doing, read from Redis only."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.exceptions import ResponseError

from crawler.config import Distributed
from crawler.distributed.broker import queue_keys
from crawler.distributed.keys import HOST_LOCK_PATTERN, INGEST_GROUP, INGEST_STATE, JOBS, host_lock


@dataclass
class DistStatus:
    queue: dict[str, int]
    locked: list[tuple[str, float]]  # host, seconds left
    jobs: dict[str, dict[str, Any]]
    ingest: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        q = self.queue
        out = [
            f"queue: {q['waiting']} waiting, {q['in_flight']} running or prefetched, "
            f"{q['delayed']} delayed (retry backoff or busy host), {q['dead']} dead"
        ]
        hosts = ", ".join(f"{host} ({left:.0f}s)" for host, left in self.locked) or "none"
        out.append(f"hosts locked: {hosts}")
        out.append(f"{'host':22s} {'state':9s} {'try':>3s} {'since':>8s}  sites / worker / error")
        now = time.time()
        for host, job in sorted(self.jobs.items()):
            since = f"{now - job.get('updated', now):.0f}s"
            detail = ",".join(job.get("sites", []))
            if job.get("worker"):
                detail += f" / {job['worker']}"
            if job.get("error"):
                detail += f" / {job['error']}"
            out.append(
                f"{host:22s} {job['state']:9s} {job.get('attempt', 0):3d} {since:>8s}  {detail}"
            )
        i = self.ingest
        if i:
            last = i.get("last_batch")
            ago = f"{now - last:.0f}s ago" if last else "never"
            out.append(
                f"ingester: {i['length']} entries in the stream, lag {i['lag']}, "
                f"{i['pending']} read but not committed; last batch {ago}, {i['rows']} rows"
            )
        else:
            out.append("ingester: no ingester has read the stream yet")
        return out


def _ingest_state(client: redis.Redis, stream: str) -> dict[str, Any]:
    try:
        groups = client.xinfo_groups(stream)
    except ResponseError:  # no stream yet
        return {}
    group = next((g for g in groups if g["name"] in (INGEST_GROUP, INGEST_GROUP.encode())), None)
    if group is None:
        return {}
    state = client.hgetall(INGEST_STATE)
    return {
        "length": client.xlen(stream),
        "lag": group.get("lag"),
        "pending": group.get("pending", 0),
        "last_batch": float(state[b"last_batch"]) if b"last_batch" in state else None,
        "rows": int(state.get(b"rows", 0)),
    }


def dist_status(client: redis.Redis, settings: Distributed) -> DistStatus:
    keys = queue_keys(settings.queue)
    waiting = client.llen(keys["waiting"])
    queue = {
        "waiting": waiting,
        "in_flight": max(client.hlen(keys["messages"]) - waiting, 0),
        "delayed": client.hlen(keys["delayed"]),
        "dead": client.zcard(keys["dead"]),
    }
    locked = []
    for key in client.scan_iter(HOST_LOCK_PATTERN):
        host = key.decode().removeprefix(host_lock(""))
        locked.append((host, max(client.pttl(key), 0) / 1000))
    jobs = {k.decode(): json.loads(v) for k, v in client.hgetall(JOBS).items()}
    return DistStatus(queue, sorted(locked), jobs, _ingest_state(client, settings.stream))
