"""The Dramatiq broker with harvest's settings, and the Redis client every role shares.

Settings that each broke a prototype once, and why they are what they are:

- worker prefetch = worker threads: Dramatiq's default (2x threads) lets the first worker to
  start grab every queued host and leave the others idle;
- the actor's time limit (hours, ``distributed.time_limit``) far above Dramatiq's 10-minute
  default: a polite crawl of one host takes long;
- heartbeat timeout and maintenance chance (``distributed.heartbeat_timeout``,
  ``maintenance_chance``): a dead worker's unacked messages are requeued by the maintenance
  that another process's broker command triggers once the heartbeat is that old.
"""

from __future__ import annotations

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from crawler.config import Distributed
from crawler.distributed.keys import DRAMATIQ_NAMESPACE

MAINTENANCE_SCALE = 1_000_000  # Dramatiq counts the maintenance chance per million commands


def redis_client(settings: Distributed) -> redis.Redis:
    """A client that retries a dropped connection for a while instead of failing at once."""
    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30
    )


def build_broker(settings: Distributed) -> RedisBroker:
    """A Redis broker with retries, time limit and heartbeat as ``settings`` say; also set as
    Dramatiq's global broker."""
    middleware = [
        AgeLimit(),
        TimeLimit(time_limit=int(settings.time_limit * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=settings.max_retries,
            min_backoff=int(settings.min_backoff * 1000),
            max_backoff=int(settings.max_backoff * 1000),
        ),
        CurrentMessage(),
    ]
    broker = RedisBroker(
        url=settings.redis_url,
        middleware=middleware,
        namespace=DRAMATIQ_NAMESPACE,
        heartbeat_timeout=int(settings.heartbeat_timeout * 1000),
        maintenance_chance=max(1, int(settings.maintenance_chance * MAINTENANCE_SCALE)),
    )
    dramatiq.set_broker(broker)
    return broker


def queue_keys(queue: str) -> dict[str, str]:
    """Dramatiq's Redis keys of ``queue``: the list of waiting message ids, the hash of every
    message not yet acked (waiting or being worked on), the same hash of the delay queue
    (retries waiting out their backoff, busy hosts) and the dead-letter sorted set + hash."""
    base = f"{DRAMATIQ_NAMESPACE}:{queue}"
    return {
        "waiting": base,
        "messages": f"{base}.msgs",
        "delayed": f"{base}.DQ.msgs",
        "dead": f"{base}.XQ",
        "dead_messages": f"{base}.XQ.msgs",
    }
