"""Body choice: which part of a page is the document, as lines of text.

In:  a parsed page (:class:`pipelines.extract.page.Page`).
Out: :class:`Body`: the body's lines (one paragraph per line) and the method that found them.

Order of trust: a known CMS container (:mod:`pipelines.extract.cms`); else trafilatura,
unless the dominant text region of the page (the smallest element holding most of its
non-link text) holds as much body text, in which case the region wins (trafilatura drops
folded or oddly nested paragraphs and turns ``<br>`` inside table cells into spaces); else,
when both are nearly empty, the whole page, for the line rules to clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import lxml.html
import trafilatura
from trafilatura.settings import use_config

from pipelines.extract.boilerplate import clean_lines
from pipelines.extract.cms import CONTAINER_MIN, find_container
from pipelines.text import han_count, squash

_REGION_SLACK = 0.97  # share of trafilatura's body text above which the region is taken
_REGION_SHARE = 0.85  # share of its parent's text a child must hold to be descended into
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "tbody",
        "thead",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "center",
        "dl",
        "dt",
        "dd",
        "form",
        "figure",
        "figcaption",
        "hr",
        "main",
        "aside",
        "nav",
    ]
)
_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "select",
        "option",
        "button",
        "textarea",
        "template",
        "svg",
    ]
)
# Hidden for good; "visibility: hidden" is not: WeChat articles hide the whole body that way
# until a script has laid it out.
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)

# trafilatura renders table rows as "| cell | cell |".
_TABLE_EDGES = re.compile(r"^\|\s*|\s*\|$")
# A link's text followed by the date a list shows beside it.
TRAILING_DATE = re.compile(r"[\s(（\[]*(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}[)）\]]?\s*$")
_LINK_LINE_MAX = 80
_ROW_CELLS_MIN = 2
_ROW_MAX = 200  # characters: a longer row is layout, its cells hold paragraphs
_ROW_RAW_MAX = (
    4 * _ROW_MAX
)  # characters before whitespace is collapsed  # a longer line is a paragraph, even when a link repeats it


@dataclass(frozen=True)
class Body:
    lines: list[str]
    method: str  # container | region | trafilatura | page


@cache
def _trafilatura_config():
    config = use_config()
    # Short Chinese pages hold a whole report in fewer characters than an English page needs.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "40")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
    config.set("DEFAULT", "MIN_EXTRACTED_COMM_SIZE", "10")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # signals break inside Scrapy's reactor
    return config


def _data_row(node: Any) -> str | None:
    """The text of a table row as one line, cells joined by spaces, when the row is data (a
    few short cells), not layout (a cell holding a whole article)."""
    cells = [c for c in node if isinstance(c.tag, str) and c.tag in ("td", "th")]
    if len(cells) < _ROW_CELLS_MIN:
        return None
    texts, total = [], 0
    for cell in cells:
        pieces = []
        for piece in cell.itertext():
            total += len(piece)
            if total > _ROW_RAW_MAX:  # stop early: a layout cell can hold a whole page
                return None
            pieces.append(piece)
        texts.append(" ".join("".join(pieces).split()))
    line = " ".join(t for t in texts if t)
    return line if len(line) <= _ROW_MAX else None


def serialize(element: lxml.html.HtmlElement) -> list[str]:
    """Text of an element, one line per block element or ``<br>``, whitespace collapsed; a
    data table keeps each row on one line."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is not None and tag not in _SKIP and not _HIDDEN.search(node.get("style") or ""):
            row = _data_row(node) if tag == "tr" else None
            if row is not None:
                parts.extend(("\n", row, "\n"))
            else:
                _walk_children(node, tag)
        if node.tail:
            parts.append(node.tail)

    def _walk_children(node: Any, tag: str) -> None:
        block = tag in _BLOCK
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        elif tag in ("td", "th"):
            parts.append(" ")

    walk(element)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _weights(root: lxml.html.HtmlElement) -> dict[Any, int]:
    """Text characters under each element, not counting link text or scripts (whitespace
    counts too; it is small next to a report's text and counting it is cheap)."""
    weights: dict[Any, int] = {}

    def walk(node: Any) -> int:
        tag = node.tag if isinstance(node.tag, str) else None
        total = 0
        if tag is not None and tag not in _SKIP:
            if node.text:
                total += len(node.text.strip())
            for child in node:
                total += walk(child)
                if child.tail:
                    total += len(child.tail.strip())
            if tag == "a":
                total = 0
        weights[node] = total
        return total

    walk(root)
    return weights


def dominant_region(root: lxml.html.HtmlElement, share: float = 0.85) -> lxml.html.HtmlElement:
    """The smallest element holding ``share`` of the page's non-link text: descend from
    ``root`` while one child holds that much of its parent's text."""
    weights = _weights(root)
    node = root
    while True:
        total = weights.get(node, 0)
        children = [c for c in node if isinstance(c.tag, str)]
        if not total or not children:
            return node
        best = max(children, key=lambda c: weights.get(c, 0))
        if weights.get(best, 0) < share * total:
            return node
        node = best


def _trafilatura_lines(tree: lxml.html.HtmlElement, url: str | None) -> list[str]:
    try:
        extracted = trafilatura.extract(
            tree,
            url=url,
            output_format="txt",
            include_tables=True,
            include_comments=False,
            include_images=False,
            deduplicate=False,
            # The dominant-region check replaces trafilatura's readability/jusText fallbacks,
            # which would double its cost.
            fast=True,
            config=_trafilatura_config(),
        )
    except Exception:  # one odd page must not stop a crawl; the region or page text remain
        extracted = None
    lines = [
        _TABLE_EDGES.sub("", " ".join(x.split())).replace("\\|", "|")
        for x in (extracted or "").split("\n")
    ]
    return [x for x in lines if x]


def _body_han(lines: list[str]) -> int:
    return han_count("\n".join(clean_lines(lines)[0]))


def choose_body(
    tree: lxml.html.HtmlElement,
    page_root: lxml.html.HtmlElement,
    page_lines: list[str],
    url: str | None = None,
) -> Body:
    """The page's body lines and how they were found (see the module docstring)."""
    container = find_container(tree)
    if container is not None:
        return Body(serialize(container), "container")
    region = dominant_region(page_root, _REGION_SHARE)
    region_lines = serialize(region) if region is not page_root else []
    lines = _trafilatura_lines(tree, url)
    body = Body(lines, "trafilatura")
    # The region also wins near-ties: trafilatura's extra characters are often the title.
    if region_lines and _body_han(region_lines) >= _REGION_SLACK * _body_han(lines):
        body = Body(region_lines, "region")
    if sum(len(x) for x in body.lines) < CONTAINER_MIN:
        body = Body(page_lines, "page")
    return body


def drop_link_lines(lines: list[str], anchors: set[str]) -> tuple[list[str], int]:
    """Drop lines that are nothing but a link's text (optionally with a date): related-article
    lists, breadcrumbs and prev/next rows that the extractor kept."""
    kept = []
    for line in lines:
        if len(line) <= _LINK_LINE_MAX and squash(TRAILING_DATE.sub("", line)) in anchors:
            continue
        kept.append(line)
    return kept, len(lines) - len(kept)


# A list marker (一、 / (一) / 1、) right after a sentence end starts a new paragraph.
_MARKER_BREAK = re.compile(
    r"(?<=[。；;！!？?：:])\s*(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）]"
    r"|\d{1,2}[、．](?!\d))"
)
FLAT_MIN = 1000  # characters: longer than any real paragraph, so a flattened body


def resplit(lines: list[str]) -> list[str]:
    """Split bodies flattened into one line (doc-share sites) back into paragraphs at list
    markers that follow a sentence end. Lines of ordinary length are left alone."""
    out: list[str] = []
    for line in lines:
        if len(line) < FLAT_MIN:
            out.append(line)
        else:
            out.extend(part for part in _MARKER_BREAK.split(line) if part)
    return out
