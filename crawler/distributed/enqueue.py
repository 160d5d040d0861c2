"""Enqueueing: what ``harvest schedule`` does in distributed mode, and ``harvest dist enqueue``.

A scheduled slot of a site is enqueued at most once: ``SET harvest:slot:<site>:<time> NX EX``
comes before the send, so a restarted scheduler, or a second one running by mistake, finds
the slot taken and sends nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from crawler.config import HarvestConfig, cron_trigger, load_config
from crawler.distributed.jobs import host_of, note, sites_by_host
from crawler.distributed.keys import slot

logger = logging.getLogger(__name__)

# How far back a firing looks for its slot beyond the jitter: a scheduler that fires late
# (restarted, machine asleep) still names the slot it is late for.
SLOT_LOOKBACK = 600.0


def enqueue_sites(actor, client: redis.Redis, config: HarvestConfig, names: list[str]) -> int:
    """Send one ``crawl_host`` message per host of the named sites (all enabled sites when
    none is named); return the number of messages sent."""
    grouped = sites_by_host(config.select(names))
    for host, sites in grouped.items():
        note(client, host, "queued", sites=sites)  # before the send: a worker may be quick
        actor.send(host, sites)
    return len(grouped)


def enqueue_slot(
    actor, client: redis.Redis, config: HarvestConfig, site: str, moment: datetime
) -> bool:
    """Send the crawl of ``site`` for the slot starting at ``moment`` unless it was sent
    already; return whether this call sent it."""
    key = slot(site, moment.isoformat(timespec="seconds"))
    if not client.set(key, "1", nx=True, ex=int(config.distributed.slot_ttl)):
        logger.info("site %s: slot %s already enqueued", site, moment.isoformat())
        return False
    host = host_of(config.site(site))
    note(client, host, "queued", sites=[site])
    actor.send(host, [site])
    logger.info("site %s: enqueued for host %s (slot %s)", site, host, moment.isoformat())
    return True


def last_slot(expression: str, timezone: str, now: datetime, window: float) -> datetime | None:
    """The latest fire time of a cron ``expression`` at or before ``now`` (looking back at most
    ``window`` seconds): the slot a run belongs to, the same however late or jittered the
    scheduler that fires it is."""
    zone = ZoneInfo(timezone)
    trigger = cron_trigger(expression, timezone=zone)
    now = now.astimezone(zone)
    fire = trigger.get_next_fire_time(None, now - timedelta(seconds=window))
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return last


class Enqueuer:
    """The job function of ``harvest schedule`` in distributed mode: enqueue, never crawl.
    Reads the config at each call, so a reload (SIGHUP) reaches it too."""

    def __init__(self, config_path: str) -> None:
        from crawler.distributed.broker import build_broker, redis_client
        from crawler.distributed.worker import declare_actor

        self.config_path = config_path
        settings = load_config(config_path).distributed
        self.client = redis_client(settings)
        self.actor = declare_actor(build_broker(settings), settings, None)

    def __call__(self, site: str) -> bool:
        config = load_config(self.config_path)
        window = config.jitter + SLOT_LOOKBACK
        moment = last_slot(config.site(site).schedule, config.timezone, datetime.now(UTC), window)
        if moment is None:  # fired far off its schedule: the slot is this moment's
            moment = datetime.now(UTC).replace(microsecond=0)
        return enqueue_slot(self.actor, self.client, config, site, moment)

    def stop(self) -> None:
        self.client.close()
