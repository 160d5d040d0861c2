"""Every Redis key harvest uses besides Dramatiq's own (``harvest:dramatiq:*``)."""

from __future__ import annotations

PREFIX = "harvest"
DRAMATIQ_NAMESPACE = f"{PREFIX}:dramatiq"
JOBS = f"{PREFIX}:jobs"  # hash: host -> JSON state of its latest job (status reads it)
INGEST_GROUP = "ingesters"  # consumer group of the pages stream
INGEST_STATE = f"{PREFIX}:ingest"  # hash: last batch time, rows, entries applied


def host_lock(host: str) -> str:
    return f"{PREFIX}:lock:host:{host}"


HOST_LOCK_PATTERN = f"{PREFIX}:lock:host:*"


def delivered(site: str) -> str:
    """Set of the document URLs a job of ``site`` has put on the stream (cleared on success)."""
    return f"{PREFIX}:fetched:{site}"


def run_counts(job: str, site: str) -> str:
    """Hash of the store counts the ingester applied for one job's run of one site."""
    return f"{PREFIX}:runcounts:{job}:{site}"


def slot(site: str, moment: str) -> str:
    """Marker of one scheduled slot of one site (SET NX before enqueueing)."""
    return f"{PREFIX}:slot:{site}:{moment}"


def known(site: str) -> str:
    """Hash of the archive's document URLs of ``site`` -> JSON [etag, last_modified,
    next_fetch_after], published by the ingester so that crawls on other machines stay
    incremental (conditional requests, nothing fetched before it is due)."""
    return f"{PREFIX}:known:{site}"


def walked(site: str) -> str:
    """Set of the document links completed walks of ``site`` have seen (the archive's
    ``walked_links``), published by the ingester: the early stop of a crawl on another machine
    trusts only these, as on one machine."""
    return f"{PREFIX}:walked:{site}"
