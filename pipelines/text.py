"""Leaf helpers every stage shares; imports nothing of ours."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """Now as an ISO 8601 UTC timestamp to the second: how the archive writes every time."""
    return datetime.now(UTC).isoformat(timespec="seconds")
