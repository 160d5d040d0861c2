"""Extract stage: raw page bytes -> the document's title, clean text and metadata.

In:  the page body (bytes), its URL and response headers, and the spider's listing hints
     (``list_title``, ``list_date``, ``list_url``).
Out: :class:`Extraction`: ``title_original``, ``text_original`` (page script, pinyin
     annotations removed, one paragraph per line), ``published`` and everything else the
     steps learnt (encoding, agency, region, doc_type, quality, ...).

Steps, each in its own module: decode the bytes ourselves and undo lossless double encodings
(:mod:`.decode`); parse (:mod:`.page`); choose the body (:mod:`.body`: a known CMS container
from :mod:`.cms`, else trafilatura or the dominant text region); strip pinyin annotations and
drop boilerplate lines (:mod:`.boilerplate`); choose the title and remove its copies from the
body (:mod:`.titles`); date the document (:mod:`.dates`); read the metadata (:mod:`.metadata`)
and rate the result (:mod:`.quality`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from pipelines.extract import dates, metadata, quality
from pipelines.extract.body import choose_body, drop_link_lines, resplit
from pipelines.extract.boilerplate import boilerplate_rule, clean_lines, is_boilerplate
from pipelines.extract.decode import decode, repair
from pipelines.extract.furniture import remove_furniture
from pipelines.extract.page import Page, Probe, read_page
from pipelines.extract.titles import choose_title, remove_titles
from pipelines.extract.vocabulary import META_SOURCE_NAMES
from pipelines.text import squash, strip_pinyin, to_simplified

_SCRIPT_SAMPLE = 3000  # characters converted to tell a Traditional page


@dataclass
class Extraction:
    """What extraction learnt about one page (the ``extraction`` of an item, plus the four
    fields the item carries itself: title_original, text_original, published, encoding)."""

    title_original: str | None = None
    text_original: str = ""
    published: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None  # bom | header | meta | sniffed
    declared_charsets: dict[str, str] = field(default_factory=dict)
    title_source: str | None = None  # meta | comment | doc-share | heading | title-tag | ...
    published_source: str | None = None  # meta | info-bar | near-title | list | url | signature
    method: str | None = None  # container | region | trafilatura | page
    agency: str | None = None
    region: str | None = None
    year: int | None = None
    period: str | None = None
    doc_type: str | None = None
    mojibake_spots: int = 0
    mojibake_repaired: list[str] = field(default_factory=list)
    quality: float = 0.0
    quality_flags: list[str] = field(default_factory=list)  # see quality.flags
    partial: bool = False
    pinyin_removed: int = 0
    digits_lost: list[str] = field(default_factory=list)
    lines_dropped: int = 0
    dropped_by_rule: dict[str, int] = field(default_factory=dict)
    title_lines_removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The fields by name. Shallow: the lists and dicts are handed over, not copied
        (``dataclasses.asdict`` copied them: 7% of the cost of extraction in a crawl)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def extract(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    hints: Mapping[str, Any] | None = None,
) -> Extraction:
    """Extract one page (see the module docstring for the steps)."""
    hints = hints or {}
    # The rule cache serves the steps of one page (they ask about the same lines); kept
    # across pages it would make repeated pages look cheaper than a crawl's new ones.
    boilerplate_rule.cache_clear()
    decoded = decode(body, headers)
    result = Extraction(
        encoding=decoded.encoding, encoding_source=decoded.source, declared_charsets=decoded.labels
    )
    # Text misread before it reached the page (UTF-8 or GBK stored through a Latin-1
    # connection) is turned back where no byte was lost; before parsing, because whitespace
    # normalisation would eat the C1 control characters such text contains.
    html_text, result.mojibake_repaired = repair(decoded.text)
    page = read_page(html_text)
    if page is None:
        return result
    # The whole page's lines are kept (info bars, dates near the title); the tree the body
    # is chosen from loses its feeds, comment threads, widgets and link lists.
    remove_furniture(page.tree)
    chosen = choose_body(page.tree, page.root, page.lines, url)
    result.method = chosen.method
    lines, traditional = _clean(chosen.lines, result)
    title, result.title_source = choose_title(
        page, lines[0] if lines else None, hints.get("list_title")
    )
    if title:
        title, title_pinyin = strip_pinyin(title)
        result.pinyin_removed += title_pinyin
    result.title_original = title
    # Before title removal: a digit-less copy of the title is itself the evidence.
    result.digits_lost = quality.digits_lost(title, lines)
    lines = _without_titles(lines, title, page, result)
    result.text_original = "\n".join(lines)
    probe = _probe(page, result.text_original, title, traditional)
    _describe(result, page, probe, lines, hints, url)
    return result


def _clean(lines: list[str], result: Extraction) -> tuple[list[str], bool]:
    """Strip pinyin annotations and boilerplate lines; return the lines and whether the page
    is Traditional."""
    text, result.pinyin_removed = strip_pinyin("\n".join(lines))
    lines = text.split("\n")
    # Rules are written in Simplified; a Traditional page is matched through a converted
    # copy. A sample decides: converting every Simplified page in full would be wasted work.
    sample = text[:_SCRIPT_SAMPLE]
    traditional = (to_simplified(sample) or "") != sample
    shadow = (to_simplified(text) or "").split("\n") if traditional else None
    if shadow is not None and len(shadow) != len(lines):
        shadow = None
    lines, result.lines_dropped = clean_lines(lines, shadow, result.dropped_by_rule)
    return lines, traditional


def _without_titles(
    lines: list[str], title: str | None, page: Page, result: Extraction
) -> list[str]:
    """The body without link-text lines and copies of the title, flattened bodies re-split."""
    rules = result.dropped_by_rule
    lines, link_lines = drop_link_lines(lines, page.anchors - ({squash(title)} if title else set()))
    if link_lines:
        rules["link-text"] = link_lines
    result.lines_dropped += link_lines
    result.dropped_by_rule = dict(sorted(rules.items()))
    lines, result.title_lines_removed = remove_titles(lines, title)
    lines = resplit(lines)
    # Removing a trailing title copy can leave a boilerplate line last (a lone "." or "|").
    while lines and is_boilerplate(lines[-1]):
        lines.pop()
    return lines


def _probe(page: Page, body_text: str, title: str | None, traditional: bool) -> Probe:
    if not traditional:
        return Probe(page.text, body_text, title)
    return Probe(
        to_simplified(page.text) or "", to_simplified(body_text) or "", to_simplified(title)
    )


def _describe(
    result: Extraction,
    page: Page,
    probe: Probe,
    lines: list[str],
    hints: Mapping[str, Any],
    url: str | None,
) -> None:
    """Fill in the date, the metadata and the quality of an extracted body."""
    title = result.title_original
    sign_agency, sign_date = metadata.signature(lines)
    result.published, result.published_source = dates.published(
        page, probe, title, hints.get("list_date"), url, sign_date
    )
    source_meta = page.meta(META_SOURCE_NAMES)
    result.agency = (
        sign_agency
        or (source_meta if metadata.is_agency_name(source_meta) else None)
        or metadata.labelled_agency(page.text)  # the page's own script; labels come in both
        or metadata.title_agency(title)
    )
    result.region = metadata.region_of(result.agency, title)
    result.year = metadata.year_of(title, lines)
    result.period = metadata.period_of(title, lines)
    result.doc_type = metadata.doc_type_of(probe.title, lines, page.title_tag)
    result.mojibake_spots = quality.mojibake_spots(result.text_original)
    result.partial = quality.is_partial(probe.page_text)
    result.quality_flags = quality.flags(result.text_original, result.method, result.lines_dropped)
    result.quality = quality.score(
        result.text_original,
        result.mojibake_spots,
        result.digits_lost,
        result.partial,
        result.quality_flags,
    )
