"""The canonical rule: which member of a cluster of copies stands for the report.

In:  the members of one cluster, each as (document id, published, text length, whether any of
     its sources is a primary source: a site whose family publishes originals, see
     ``crawler.spiders.FAMILIES``).
Out: the canonical member's document id.

This is the one place to change what "the original" means.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

NO_DATE = "9999-99-99"  # sorts after every real date: undated copies come last


class Member(NamedTuple):
    document_id: int
    published: str | None
    length: int | None
    primary_source: bool
    is_canonical: bool = False


def canonical_key(member: Member) -> tuple[int, str, int, int]:
    """Sort key of the canonical rule; the smallest key is the canonical member.

    1. a document seen on a primary source (a government site) before one seen only on
       document-sharing sites: the agency's own publication is the original;
    2. then the earliest ``published`` date (documents without a date come last);
    3. then the longest clean text (a doc-share preview is a truncated copy);
    4. then the lowest document id, so that the choice is always the same.
    """
    return (
        0 if member.primary_source else 1,
        member.published or NO_DATE,
        -(member.length or 0),
        member.document_id,
    )


def choose_canonical(members: Iterable[Member]) -> int:
    """The document id of the canonical member."""
    return min(members, key=canonical_key).document_id
