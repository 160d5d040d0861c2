"""Page furniture: blocks around an article that are not part of it, removed before the body
is chosen.

In:  a parsed page tree (changed in place).
Out: how many blocks were removed.

Feeds ("加载更多新闻"), comment threads (跟贴, 热门评论), share and QR widgets, recommended and
related lists, rankings and login boxes sit beside or below the article, often inside the
same wrapper, and would be swallowed by a region that holds "most of the text". Two signals
find them, each enough on its own:

- the block's class or id names it (comment, recommend, related, feed, share, hot, rank …,
  in English or pinyin: pinglun, tuijian, xgwz);
- the block is a list of links: many anchors, and most of its text is link text.

Replies of a forum thread go too: three or more sibling blocks built alike, each stamped with
a date and a time, are posts; the first is the article.

A block that holds the page's headline (``<h1>``) or a known CMS content container is never
removed (wrappers named "main-side" can hold the article); nor is one that holds the page's
longest paragraph for its link share (on a page made mostly of links, the article's wrapper
is a "list of links" too).
"""

from __future__ import annotations

import re

import lxml.html

from pipelines.extract.cms import CONTAINER_CLASSES, CONTAINER_IDS

# Class/id words of furniture, matched against each class token and the id.
_FURNITURE_NAME = re.compile(
    r"comment|recommend|recom(?:[-_]|$)|related|relate[-_]|(?:^|[-_])rel(?:$|[-_])|feed"
    r"|share|(?:^|[-_])tie(?:$|[-_])|gentie|(?:^|[-_])hot(?:$|[-_]|news|list|post)|rank|paihang"
    r"|sidebar|(?:^|[-_])side(?:$|[-_])|aside|login|reply|replies|qrcode|erweima|(?:^|[-_])ewm"
    r"|tuijian|xgwz|xgxw|xgyd|pinglun|advert|(?:^|[-_])ads?(?:$|[-_])|banner|loadmore"
    r"|load[-_]more|morenews|more[-_]news|guess|popular|statement|disclaimer|(?:^|[-_])nav"
    r"|navbar|(?:^|[-_])menu|footer|(?:^|[-_])foot(?:$|[-_])|copyright|toolbar|(?:^|[-_])tools?$"
    r"|(?:^|[-_])header(?:$|[-_])|search|carousel|slider|swiper|author[-_]?info|(?:^|[-_])flow(?:$|[-_])"
    # encyclopaedia furniture: fact boxes, notices, contents, references, edit links
    r"|infobox|navbox|(?:^|[-_])mbox|basic[-_]?info|(?:^|[-_])toc(?:$|[-_])|reflist"
    r"|(?:^|[-_])references?(?:$|[-_])|lemma[-_]?reference|catlinks|editsection",
    re.I,
)
_STRUCTURE = frozenset(
    ["div", "ul", "ol", "dl", "table", "section", "aside", "nav", "footer", "header", "form"]
)
# HTML5 elements that are furniture by their name alone.
_FURNITURE_TAGS = frozenset(["nav", "aside", "footer", "header"])
_SKIP = frozenset(["script", "style", "noscript", "template"])
_LINK_LIST_MIN_LINKS = 5  # anchors a block needs before its link share counts
_LINK_LIST_SHARE = 0.6  # share of a block's text that is link text in a list of links
# A thread: sibling posts built alike, each with its date and time.
_POST_TAGS = frozenset(["table", "div", "li", "dl", "tr"])
_THREAD_MIN = 3
_POST_STAMP = re.compile(r"(?:(?:19|20)\d{2}[-/.年])?\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}:\d{2}")
_UNIQUE_ATTRIBUTES = frozenset(["id", "href", "src", "name", "title", "alt", "onclick", "style"])
_NOTHING = (0, 0, 0)
# Names that say "comments" outright: such a block goes even when it holds most of the text.
_COMMENTS = re.compile(r"comment|reply|replies|pinglun|gentie|(?:^|[-_\s])tie(?:$|[-_\s])", re.I)
_TEASER_SHARE = 0.5  # of the page's text: a named block smaller than this is no wrapper
_PROTECTED = frozenset(CONTAINER_CLASSES) | frozenset(CONTAINER_IDS)


def _names(element: lxml.html.HtmlElement) -> list[str]:
    return (element.get("class") or "").split() + [element.get("id") or ""]


def _named_by_class(element: lxml.html.HtmlElement) -> bool:
    return any(name and _FURNITURE_NAME.search(name) for name in _names(element))


def _named_furniture(element: lxml.html.HtmlElement) -> bool:
    return element.tag in _FURNITURE_TAGS or _named_by_class(element)


def _around(elements: list[lxml.html.HtmlElement]) -> set[lxml.html.HtmlElement]:
    """The elements and all their ancestors."""
    found: set[lxml.html.HtmlElement] = set()
    for element in elements:
        found.add(element)
        found.update(element.iterancestors())
    return found


class _Survey:
    """One walk over the page: text sizes of the structural blocks, the longest paragraph
    outside links, the known content containers and the groups of sibling posts."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.sizes: dict[lxml.html.HtmlElement, tuple[int, int, int]] = {}
        self.containers: list[lxml.html.HtmlElement] = []
        self.longest: lxml.html.HtmlElement | None = None
        self.longest_size = 0
        self.post_groups: list[list[lxml.html.HtmlElement]] = []
        self.visit(tree)

    def _group_posts(self, siblings: list[lxml.html.HtmlElement]) -> None:
        groups: dict[tuple, list[lxml.html.HtmlElement]] = {}
        for sibling in siblings:
            groups.setdefault(_signature(sibling), []).append(sibling)
        self.post_groups += [g for g in groups.values() if len(g) >= _THREAD_MIN]

    def visit(self, node: lxml.html.HtmlElement) -> tuple[int, int, int]:
        """(text characters, link-text characters, anchors) under ``node``."""
        if (node.get("class") or node.get("id")) and _PROTECTED.intersection(_names(node)):
            self.containers.append(node)
        is_link = node.tag == "a"
        text = len(node.text.strip()) if node.text else 0
        longest = 0 if is_link else text  # the longest run of text directly in this node
        linked, anchors = (text, 1) if is_link else (0, 0)
        posts: list[lxml.html.HtmlElement] = []
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIP:
                child_text, child_linked, child_anchors = self.visit(child)
                text += child_text
                linked += child_text if is_link else child_linked
                anchors += child_anchors
                if child.tag in _POST_TAGS:
                    posts.append(child)
            if child.tail:
                tail = len(child.tail.strip())
                text += tail
                linked += tail if is_link else 0
                longest = max(longest, 0 if is_link else tail)
        if longest > self.longest_size:
            self.longest, self.longest_size = node, longest
        if len(posts) >= _THREAD_MIN:
            self._group_posts(posts)
        if node.tag in _STRUCTURE or node.getparent() is None:
            self.sizes[node] = (text, linked, anchors)
        return text, linked, anchors


def _link_list(sizes: tuple[int, int, int]) -> bool:
    text, linked, anchors = sizes
    return anchors >= _LINK_LIST_MIN_LINKS and linked >= _LINK_LIST_SHARE * max(1, text)


def _headlines(tree: lxml.html.HtmlElement, sizes: dict) -> list[lxml.html.HtmlElement]:
    """The page's ``<h1>`` elements, except teasers: an ``<h1>`` inside a small block named
    as furniture heads a recommended article. (A wrapper of most of the page can carry a
    furniture word among its classes, "blq-int-nav", and still hold the article.)"""
    total = max(1, sizes.get(tree, (0, 0, 0))[0])
    found = []
    for h1 in tree.iter("h1"):
        named = [e for e in h1.iterancestors() if _named_by_class(e)]
        if not any(sizes.get(e, (0, 0, 0))[0] < _TEASER_SHARE * total for e in named):
            found.append(h1)
    return found


def _signature(element: lxml.html.HtmlElement) -> tuple:
    attributes = sorted((k, v) for k, v in element.attrib.items() if k not in _UNIQUE_ATTRIBUTES)
    return (element.tag, tuple(attributes))


def _replies(survey: _Survey) -> list[lxml.html.HtmlElement]:
    """Posts after the first of a thread: three or more sibling blocks built alike, each
    stamped with a date and a time ("2005/05/17 22:11:42", "08-11 16:06")."""
    found = []
    for posts in survey.post_groups:
        if all(_POST_STAMP.search(p.text_content()) for p in posts):
            found.extend(posts[1:])
    return found


def remove_furniture(tree: lxml.html.HtmlElement) -> int:
    """Remove feeds, comment threads, widgets and link lists (see the module docstring)."""
    survey = _Survey(tree)
    sizes = survey.sizes
    total = max(1, sizes.get(tree, _NOTHING)[0])
    protected = _around(_headlines(tree, sizes) + survey.containers)
    # A comment can be longer than any paragraph of the article: the longest paragraph
    # vouches against the link-share signal and the weaker names only.
    text_bearing = _around([survey.longest]) if survey.longest is not None else set()
    doomed: list[lxml.html.HtmlElement] = []
    for element in tree.iter(*_STRUCTURE):
        if element in protected or (doomed and doomed[-1] in element.iterancestors()):
            continue
        size = sizes.get(element, _NOTHING)
        if element in text_bearing:
            # It holds the longest paragraph: only a block named as comments goes, and a
            # block with another furniture word only when it is not most of the page
            # ("article-share-wrap" around a whole article stays).
            if _COMMENTS.search(" ".join(_names(element))) or (
                _named_furniture(element) and size[0] < _TEASER_SHARE * total
            ):
                doomed.append(element)
        elif _named_furniture(element) or _link_list(size):
            doomed.append(element)
    doomed += [r for r in _replies(survey) if r not in protected]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return len(doomed)
