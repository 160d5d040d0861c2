"""Known CMS content containers: where Chinese government CMSs put the article body.

In:  a parsed page.
Out: the best-ranked known container that holds some text, or None.

TRS WCM (``div.TRS_Editor`` …), Hanweb JCMS (``#UCAP-CONTENT``, ``div.wzcon``), 政府信息公开
pages (``div.zfxxgk_zw_content``), WeChat articles (``#js_content``) and the ``#zoom`` target of the 字体大中小 script. When a page
has one, its text is the body: no heuristic beats the publisher's own markup.
"""

from __future__ import annotations

import lxml.etree
import lxml.html

# Known content containers and their rank: the most specific first (an outer #zoom often
# wraps div.TRS_Editor). Matched in one pass over elements that have a class or id.
CONTAINER_CLASSES = {
    "TRS_Editor": 0,
    "trs_editor_view": 1,
    "trs_paper_default": 2,
    "TRS_UEDITOR": 3,
    "Custom_UnionStyle": 3,  # TRS: the editor's own wrapper inside TRS_Editor
    "zfxxgk_zw_content": 5,
    "pages_content": 5,  # ministries' Ucap templates (div.pages_content#UCAP-CONTENT)
    "wzcon": 6,
    "article-content": 7,
    "rich_media_content": 7,  # WeChat articles
}
CONTAINER_IDS = {"UCAP-CONTENT": 4, "js_content": 7, "zoom": 8, "Zoom": 8, "fontzoom": 8}
_NO_RANK = 99
_WITH_CLASS_OR_ID = lxml.etree.XPath("//*[@class or @id]")
CONTAINER_MIN = 40  # characters; a smaller match is an empty shell or an attachment box


def _rank(element: lxml.html.HtmlElement) -> int:
    rank = CONTAINER_IDS.get(element.get("id") or "", _NO_RANK)
    for token in (element.get("class") or "").split():
        rank = min(rank, CONTAINER_CLASSES.get(token, _NO_RANK))
    return rank


def find_container(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The best-ranked known CMS content container holding some text, or None."""
    best: tuple[int, lxml.html.HtmlElement] | None = None
    for element in _WITH_CLASS_OR_ID(tree):
        rank = _rank(element)
        if (
            rank < _NO_RANK
            and (best is None or rank < best[0])
            and len(element.text_content().strip()) >= CONTAINER_MIN
        ):
            best = (rank, element)
    return best[1] if best else None
