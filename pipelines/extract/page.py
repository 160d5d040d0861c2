"""The parsed page every extraction step reads: tree, meta tags, ``<title>``, link texts, lines.

In:  the decoded (and repaired) HTML text.
Out: :class:`Page`, or None when the text is not HTML that lxml can parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from pipelines.extract.body import serialize
from pipelines.text import squash

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


@dataclass(frozen=True)
class Page:
    html_text: str
    tree: lxml.html.HtmlElement
    root: lxml.html.HtmlElement  # <body>, or the whole tree when there is none
    metas: dict[str, str]  # meta name/property/itemprop (lower case) -> first content
    title_tag: str | None
    anchors: frozenset[str]  # squashed texts of every link, before trafilatura prunes the tree
    lines: list[str]  # the whole page's text, one block per line
    text: str

    def meta(self, names: tuple[str, ...]) -> str | None:
        """The first of the named meta tags the page has, or None."""
        for name in names:
            if self.metas.get(name):
                return self.metas[name]
        return None


def _metas(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop") or ""
        name = key.strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content and name not in found:
            found[name] = content
    return found


def parse(text: str) -> lxml.html.HtmlElement | None:
    """The HTML tree of ``text``, or None for empty or unparseable text."""
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def read_page(html_text: str) -> Page | None:
    """Parse ``html_text`` and collect what the extraction steps share."""
    tree = parse(html_text)
    if tree is None:
        return None
    title_element = tree.find(".//title")
    title_tag = (
        " ".join(title_element.text_content().split()) if title_element is not None else None
    )
    anchors = frozenset(squash(a.text_content()) for a in tree.iter("a")) - {""}
    root = tree.find("body")
    root = root if root is not None else tree
    lines = serialize(root)
    return Page(html_text, tree, root, _metas(tree), title_tag, anchors, lines, "\n".join(lines))


@dataclass(frozen=True)
class Probe:
    """What the rules read: the page text, body text and title in Simplified Chinese (the
    rules are written in Simplified). On a Simplified page these are the originals."""

    page_text: str
    body_text: str
    title: str | None
