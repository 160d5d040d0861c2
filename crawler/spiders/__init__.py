"""One spider per site family; each reads its sites from config.yaml.

:data:`FAMILIES` is the one list of families: config.yaml's ``family:`` is checked against it,
and the traits a family declares are what the rest of harvest knows about it (the canonical
rule of :mod:`pipelines.dedup.canonical` prefers copies from a ``primary_source`` family).
A new family is a spider module here plus an entry below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    spider: str  # dotted path of the spider class; its ``name`` is the family's name
    primary_source: bool  # its sites publish originals (the agency's own site)
    description: str


FAMILIES: dict[str, Family] = {
    "gov": Family(
        spider="crawler.spiders.gov.GovSpider",
        primary_source=True,
        description="a column of a government website (TRS WCM, Hanweb JCMS, table layouts)",
    ),
    "docshare": Family(
        spider="crawler.spiders.docshare.DocshareSpider",
        primary_source=False,
        description="a document-sharing site (三七文档, 公文素材库 and the like)",
    ),
}
