"""Extract stage: raw page bytes -> the document's title, clean text and metadata.

In:  an item with ``body`` (bytes), ``url``/``final_url``, ``headers`` and the spider's listing
     hints (``list_title``, ``list_date``, ``list_url``).
Out: the item with ``title_original``, ``text_original`` (page script, pinyin annotations
     removed, one paragraph per line), ``published``, ``encoding`` and ``extraction`` (every
     other field: encoding_source, agency, region, year, period, doc_type, mojibake_spots,
     mojibake_repaired, quality, partial, pinyin_removed, digits_lost, method, ...).

Steps: decode the bytes ourselves and undo lossless double encodings (:mod:`pipelines.decode`);
take the body from a known CMS
content container when the page has one (TRS ``div.TRS_Editor``, Hanweb ``#UCAP-CONTENT``,
``#zoom`` ...), else from trafilatura; strip pinyin annotations; drop boilerplate lines
(:mod:`pipelines.boilerplate`) and lines that are only link text; remove the title where the
body repeats it; read metadata (:mod:`pipelines.metadata`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import use_config

from pipelines import metadata
from pipelines.boilerplate import (
    clean_lines,
    is_boilerplate,
    remove_titles,
    resplit,
    squash,
    strip_pinyin,
)
from pipelines.decode import decode, repair
from pipelines.normalise import to_simplified
from pipelines.sniff import sniff

# Known content containers and their rank: the most specific first (an outer #zoom often
# wraps div.TRS_Editor). Matched in one pass over elements that have a class or id.
_CONTAINER_CLASSES = {
    "TRS_Editor": 0,
    "trs_editor_view": 1,
    "trs_paper_default": 2,
    "TRS_UEDITOR": 3,
    "zfxxgk_zw_content": 5,
    "wzcon": 6,
    "article-content": 7,
}
_CONTAINER_IDS = {"UCAP-CONTENT": 4, "zoom": 8, "Zoom": 8, "fontzoom": 8}
_WITH_CLASS_OR_ID = lxml.etree.XPath("//*[@class or @id]")
_CONTAINER_MIN = 40  # characters; a smaller match is an empty shell or an attachment box
_SCRIPT_SAMPLE = 3000  # characters converted to tell a Traditional page
_REGION_SLACK = 0.97  # share of trafilatura's body text above which the region is taken

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
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_TITLE_COMMENT = re.compile(r"<!--\s*TitleStart\s*-->(.*?)<!--\s*TitleEnd\s*-->", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
# Site suffixes and prefixes in <title>; a hyphen between digits (2019-2020) is not one.
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|—|–|\s-\s|::|(?<!\d)-|-(?!\d))\s*")
# trafilatura renders table rows as "| cell | cell |".
_TABLE_EDGES = re.compile(r"^\|\s*|\s*\|$")
_DOC_TITLE_LINE = re.compile(r"^(?:本文标题|文章标题|标题|本文標題)\s*[:：]\s*(.{4,100})$", re.M)
# Doc-share sites name a document after its file: "…工作总结范文.doc".
_FILE_EXT = re.compile(r"\.(?:docx?|pdf|wps|txt|pptx?|xlsx?)$", re.I)
# "bt" (标题) ends pinyin-abbreviated class names too: wzbt (文章标题), xxbt, art_bt.
_TITLE_CLASS = re.compile(r"tit|biaoti|bt\b|headline|heading|subject", re.I)
_ABOVE_BODY = 4  # page lines above the body's first line that may hold an unmarked title
_LIST_MARKER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])"
)
_SENTENCE_END = re.compile(r"[。；;！!？?]\s*$")
# Words that name a document; a logo heading or site name has none of them.
_DOC_WORDS = re.compile(
    r"总结|總結|计划|計劃|报告|報告|要点|要點|方案|汇报|彙報|匯報|规划|規劃|述职|述職|意见|意見|通知"
    r"|打算|思路|安排|范文|範文"
)
_META_DATE_NAMES = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "dc.date",
    "dc.date.created",
    "publish_time",
    "pubtime",
    "datepublished",
)
_META_TITLE_NAMES = ("articletitle", "dc.title")
_META_SOURCE_NAMES = ("contentsource", "source")
_TRAILING_DATE = re.compile(r"[\s(（\[]*(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}[)）\]]?\s*$")
_PARTIAL = re.compile(
    r"剩余内容已隐藏|剩餘內容已隱藏|剩余\s*\d+\s*(?:字|页)|还剩\s*\d+\s*页|展开全文|展開全文|阅读全文"
    r"|閱讀全文|试读结束|試讀結束|查看全文|加载全文|下载后查看完整"
)
# Mojibake tell-tales: "?" glued to Han text (a byte the decoder could not map), bopomofo
# letters (GBK bytes read one off), replacement and private-use characters.
_MOJIBAKE = re.compile(
    r"(?<=[\u4e00-\u9fff])\?+|\?+(?=[\u4e00-\u9fff])|[\u3105-\u3129]+|\ufffd+|[\ue000-\uf8ff]+"
)
_SPOT_GAP = 6
_DIGITS_LOST = (
    ("title_starts_with_year_suffix", re.compile(r"^年")),
    ("list_marker_without_number", re.compile(r"^、")),
    ("split_document_number", re.compile(r"[\[〔]\d{1,3}[\]〕]\d+号")),
)
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
# Cheap pre-check: most pages have none of the characters a mojibake spot needs.
_MOJIBAKE_CHARS = re.compile(r"[?\u3105-\u3129\ufffd\ue000-\uf8ff]")


@cache
def _trafilatura_config():
    config = use_config()
    # Short Chinese pages hold a whole report in fewer characters than an English page needs.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "40")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
    config.set("DEFAULT", "MIN_EXTRACTED_COMM_SIZE", "10")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # signals break inside Scrapy's reactor
    return config


def serialize(element: lxml.html.HtmlElement) -> list[str]:
    """Text of an element, one line per block element or ``<br>``, whitespace collapsed."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is not None and tag not in _SKIP and not _HIDDEN.search(node.get("style") or ""):
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
        if node.tail:
            parts.append(node.tail)

    walk(element)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _metas(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (
            (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        )
        content = (meta.get("content") or "").strip()
        if name and content and name not in found:
            found[name] = content
    return found


def _first(metas: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if metas.get(name):
            return metas[name]
    return None


def _find_container(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The best-ranked known CMS content container holding some text, or None."""
    best: tuple[int, lxml.html.HtmlElement] | None = None
    for element in _WITH_CLASS_OR_ID(tree):
        rank = _CONTAINER_IDS.get(element.get("id") or "", 99)
        for token in (element.get("class") or "").split():
            rank = min(rank, _CONTAINER_CLASSES.get(token, 99))
        if (
            rank < 99
            and (best is None or rank < best[0])
            and len(element.text_content().strip()) >= _CONTAINER_MIN
        ):
            best = (rank, element)
    return best[1] if best else None


def _headings(tree: lxml.html.HtmlElement) -> list[str]:
    """Texts that may be the document's title, in page order: h1-h3, bold lines, and elements
    whose class or id says title (title, bt, biaoti, tit, headline)."""
    texts = []
    for element in tree.iter("h1", "h2", "h3", "h4", "strong", "b", "div", "td", "p", "span"):
        tag = element.tag
        if tag in ("div", "td", "p", "span"):
            names = f"{element.get('class') or ''} {element.get('id') or ''}"
            if not _TITLE_CLASS.search(names):
                continue
        text = " ".join(element.text_content().split())
        if 4 <= len(text) <= 120:
            texts.append(text)
    return texts


def _title_score(text: str, in_title_tag: int, heading: bool, first_line: bool) -> int:
    """How much a candidate looks like the document's own title (see :func:`choose_title`).

    ``in_title_tag`` is 4 for a whole ``<title>`` segment, 3 for a text the tag only starts or
    ends with (a body line that lost its leading digits, "年上半年…", is such a part of the
    segment "2018年上半年…" and must not outrank it), 0 otherwise."""
    core = squash(text)
    score = in_title_tag + 4 * bool(_DOC_WORDS.search(text)) + 2 * heading + first_line
    score += len(core) >= 10
    if len(core) <= 5 or _LIST_MARKER.match(text) or _SENTENCE_END.search(text):
        score -= 5  # a column name (工作总结), a body heading (一、…) or a sentence
    return score


def choose_title(
    metas: Mapping[str, str],
    html_text: str,
    title_tag: str | None,
    headings: list[str],
    page_text: str,
    list_title: str | None = None,
    first_line: str | None = None,
    above_body: list[str] | None = None,
) -> tuple[str | None, str]:
    """The document's own title and where it came from.

    The guideline meta tag, the TitleStart comment and a 本文标题: line are taken as they are.
    Otherwise candidates (headings and title-class elements, ``<title>`` segments split at
    site-suffix separators, the body's first line, the list page's link text) are scored:
    being (a segment of) ``<title>``, naming a document (总结, 计划, 报告 …), being a heading
    (or one of the non-boilerplate lines just above the body, where an unmarked title sits),
    opening the body, being long; a column name, a list heading or a sentence loses. So a
    logo heading with the site name loses to the report title, and so does ``<title>``'s
    column segment.
    """
    value = _first(metas, _META_TITLE_NAMES)
    if value:
        return " ".join(value.split()), "meta"
    m = _TITLE_COMMENT.search(html_text)
    if m:
        value = " ".join(_TAGS.sub("", m.group(1)).split())
        if value:
            return lxml.html.fromstring(f"<p>{value}</p>").text_content(), "comment"
    m = _DOC_TITLE_LINE.search(page_text)
    if m:
        return _FILE_EXT.sub("", m.group(1).strip()), "doc-share"
    segments = [_FILE_EXT.sub("", s.strip()) for s in _TITLE_SPLIT.split(title_tag or "")]
    segments = [s for s in segments if s]
    headings = [_FILE_EXT.sub("", h) for h in headings]
    squashed = {squash(s) for s in segments}
    whole = squash(title_tag or "")
    first = squash(first_line or "")

    def in_tag(text: str) -> int:
        core = squash(text)
        if core in squashed:
            return 4
        return 3 if len(core) >= 6 and (whole.startswith(core) or whole.endswith(core)) else 0

    candidates: list[tuple[str, str, bool]] = [(h, "heading", True) for h in headings]
    candidates += [(x, "above-body", True) for x in above_body or ()]
    candidates += [(t, "title-tag", False) for t in segments]
    if first_line and len(first_line) <= 60:
        candidates.append((first_line, "body", False))
    if list_title:
        candidates.append((str(list_title).strip(), "list", False))
    best: tuple[int, int, str, str] | None = None
    for order, (text, source, heading) in enumerate(candidates):
        score = _title_score(text, in_tag(text), heading, squash(text) == first)
        if best is None or score > best[0]:
            best = (score, order, text, source)
    return (best[2], best[3]) if best else (None, "none")


def _title_offset(page_text: str, title: str | None) -> int | None:
    """Character offset of the page line that is the title (or its file name), or None."""
    if not title:
        return None
    target = squash(title)
    offset = 0
    for line in page_text.split("\n"):
        if squash(line) == target or squash(_FILE_EXT.sub("", line)) == target:
            return offset
        offset += len(line) + 1
    return None


def _labelled_page_date(page_text: str, body_text: str, title: str | None = None) -> str | None:
    """The best-labelled info-bar date (发布时间: …) on the page; matches inside the body text
    do not count. Among equally good labels, first in page order, unless they disagree: then a
    list elsewhere on the page labels its items too ("热点排行" with 发布时间: on every item),
    and the page's own info bar is the one that follows the title most closely."""
    found_dates: list[tuple[int, int, str]] = []  # (rank, position, date)
    cursor = 0
    for matched, found, rank in metadata.labelled_dates(page_text):
        at = page_text.find(matched, cursor)
        cursor = max(cursor, at + 1)
        if matched not in body_text:
            found_dates.append((rank, at, found))
    if not found_dates:
        return None
    best_rank = min(rank for rank, _, _ in found_dates)
    candidates = [(at, found) for rank, at, found in found_dates if rank == best_rank]
    if len({found for _, found in candidates}) > 1:
        start = _title_offset(page_text, title)
        if start is not None:
            # After the title first (nearest wins), then before it (nearest wins).
            return min(candidates, key=lambda c: (c[0] < start, abs(c[0] - start)))[1]
    return candidates[0][1]


def _near_title_date(
    page_lines: list[str], title: str | None, after: int = 3, before: int = 2
) -> str | None:
    """A date printed just under the title ("[2019-06-28]", "2022-03-15 本文由用户上传"), else
    an info bar just above it ("2020-07-06 | 工作总结 | 阅读 1,203"). Above the title only an
    info-bar-shaped line counts: a header clock ("今天是：2026年11月25日 星期三") is none."""
    if not title:
        return None
    target = squash(title)
    for i, line in enumerate(page_lines):
        # Doc-share headings carry the file name: "…工作总结.doc".
        if squash(line) == target or squash(_FILE_EXT.sub("", line)) == target:
            for below in page_lines[i + 1 : i + 1 + after]:
                if len(below) <= 60:
                    found = metadata.parse_date(below)
                    if found:
                        return found
            for above in reversed(page_lines[max(0, i - before) : i]):
                if len(above) <= 60 and is_boilerplate(above):
                    found = metadata.parse_date(above)
                    if found:
                        return found
            return None
    return None


def _lines_above(
    page_lines: list[str], first: str | None, anchors: set[str], span: int = _ABOVE_BODY
) -> list[str]:
    """Lines just above the body's first line on the page that are neither boilerplate nor a
    link's text: where the title sits when no tag or class marks it (``<div class="wzbt">``)."""
    if not first:
        return []
    try:
        i = page_lines.index(first)
    except ValueError:
        return []
    return [
        line
        for line in page_lines[max(0, i - span) : i]
        if 4 <= len(line) <= 120
        and not is_boilerplate(line)
        and squash(_TRAILING_DATE.sub("", line)) not in anchors
    ]


def _drop_link_lines(lines: list[str], anchors: set[str]) -> tuple[list[str], int]:
    """Drop lines that are nothing but a link's text (optionally with a date): related-article
    lists, breadcrumbs and prev/next rows that the extractor kept."""
    kept = []
    for line in lines:
        if len(line) <= 80 and squash(_TRAILING_DATE.sub("", line)) in anchors:
            continue
        kept.append(line)
    return kept, len(lines) - len(kept)


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


def _han(lines: list[str]) -> int:
    return sum(len(_NOT_HAN.sub("", x)) for x in lines)


def mojibake_spots(text: str) -> int:
    """Damaged places in ``text``; marks within a few characters of each other are one spot
    (one misread byte run leaves "?" and odd characters around a couple of Han characters)."""
    if not _MOJIBAKE_CHARS.search(text):
        return 0
    spots, last_end = 0, -10
    for m in _MOJIBAKE.finditer(text):
        if m.start() - last_end > _SPOT_GAP:
            spots += 1
        last_end = m.end()
    return spots


def _parse(text: str) -> lxml.html.HtmlElement | None:
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def extract(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    hints: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Extract one page. Keys: title_original, text_original, published, encoding, and more."""
    hints = hints or {}
    decoded = decode(body, headers)
    result: dict[str, Any] = {
        "title_original": None,
        "text_original": "",
        "published": None,
        "encoding": decoded.encoding,
        "encoding_source": decoded.source,
        "declared_charsets": decoded.labels,
    }
    # Text misread before it reached the page (UTF-8 or GBK stored through a Latin-1
    # connection) is turned back where no byte was lost; before parsing, because whitespace
    # normalisation would eat the C1 control characters such text contains.
    html_text, repairs = repair(decoded.text)
    tree = _parse(html_text)
    if tree is None:
        return result

    metas = _metas(tree)
    title_element = tree.find(".//title")
    title_tag = (
        " ".join(title_element.text_content().split()) if title_element is not None else None
    )
    headings = _headings(tree)
    # Anchor texts, for dropping link-list lines; collected before trafilatura prunes the tree.
    anchors = {squash(a.text_content()) for a in tree.iter("a")}
    anchors.discard("")
    page_root = tree.find("body")
    page_root = page_root if page_root is not None else tree
    page_lines = serialize(page_root)
    page_text = "\n".join(page_lines)

    container = _find_container(tree)
    if container is not None:
        lines = serialize(container)
        method = "container"
    else:
        region = dominant_region(page_root)
        region_lines = serialize(region) if region is not page_root else []
        try:
            extracted = trafilatura.extract(
                tree,
                url=url,
                output_format="txt",
                include_tables=True,
                include_comments=False,
                include_images=False,
                deduplicate=False,
                # Our dominant-region check below replaces trafilatura's readability/jusText
                # fallbacks, which would double its cost.
                fast=True,
                config=_trafilatura_config(),
            )
        except Exception:  # one odd page must not stop a crawl; the region or page text remain
            extracted = None
        lines = [
            _TABLE_EDGES.sub("", " ".join(x.split())).replace("\\|", "|")
            for x in (extracted or "").split("\n")
        ]
        lines = [x for x in lines if x]
        method = "trafilatura"
        # trafilatura drops folded or oddly nested paragraphs (previews, flat <p> lists); when
        # the one dominant text block holds clearly more body text, that block is the body.
        # The region also wins near-ties: it keeps <br> line breaks that trafilatura turns into
        # spaces inside table cells, and trafilatura's extra characters are often the title.
        if region_lines and _han(clean_lines(region_lines)[0]) >= _REGION_SLACK * _han(
            clean_lines(lines)[0]
        ):
            lines, method = region_lines, "region"
        if sum(len(x) for x in lines) < _CONTAINER_MIN:
            lines, method = page_lines, "page"

    text, pinyin_count = strip_pinyin("\n".join(lines))
    lines = text.split("\n")
    # Rules are written in Simplified; a Traditional page is matched through a converted copy.
    joined = "\n".join(lines)
    # A sample decides; converting every Simplified page in full would be wasted work.
    traditional = (to_simplified(joined[:_SCRIPT_SAMPLE]) or "") != joined[:_SCRIPT_SAMPLE]
    shadow = (to_simplified(joined) or "").split("\n") if traditional else None
    if shadow is not None and len(shadow) != len(lines):
        shadow = None
    rules: dict[str, int] = {}
    lines, dropped = clean_lines(lines, shadow, rules)
    title, title_source = choose_title(
        metas,
        html_text,
        title_tag,
        headings,
        page_text,
        hints.get("list_title"),
        lines[0] if lines else None,
        _lines_above(page_lines, lines[0] if lines else None, anchors),
    )
    if title:
        title, title_pinyin = strip_pinyin(title)
        pinyin_count += title_pinyin
    # Before title removal: a digit-less copy of the title is itself the evidence.
    digits_lost = sorted(
        {name for name, pattern in _DIGITS_LOST for x in [title or "", *lines] if pattern.search(x)}
    )
    lines, link_lines = _drop_link_lines(lines, anchors - ({squash(title)} if title else set()))
    if link_lines:
        rules["link-text"] = link_lines
    lines, title_lines = remove_titles(lines, title)
    lines = resplit(lines)
    # Removing a trailing title copy can leave a boilerplate line last (a lone "." or "|").
    while lines and is_boilerplate(lines[-1]):
        lines.pop()
    body_text = "\n".join(lines)

    # --- metadata ---------------------------------------------------------------------------
    probe_text = (to_simplified(page_text) or "") if traditional else page_text
    body_probe = (to_simplified(body_text) or "") if traditional else body_text
    probe_title = (to_simplified(title) or title) if traditional and title else title
    sign_agency, sign_date = metadata.signature(lines)
    published, date_source = None, None
    for source, value in (
        ("meta", metadata.parse_date(_first(metas, _META_DATE_NAMES))),
        ("info-bar", _labelled_page_date(probe_text, body_probe, probe_title)),
        ("near-title", _near_title_date(page_lines, title)),
        ("list", metadata.parse_date(hints.get("list_date"))),
        ("url", metadata.url_date(url)),
        ("signature", sign_date),
    ):
        if value:
            published, date_source = value, source
            break
    source_meta = _first(metas, _META_SOURCE_NAMES)
    agency = (
        sign_agency
        or (source_meta if metadata.is_agency_name(source_meta) else None)
        or metadata.labelled_agency(page_text)  # the page's own script; labels come in both
        or metadata.title_agency(title)
    )
    spots = mojibake_spots(body_text)
    han = _han([body_text])
    partial = bool(_PARTIAL.search(probe_text))
    quality = 1.0
    if han:
        quality -= min(0.6, spots * 40 / han)  # one spot per ~40 characters is unreadable
    else:
        quality = 0.0
    quality -= 0.05 * len(digits_lost) + (0.3 if partial else 0.0)

    result.update(
        title_original=title,
        text_original=body_text,
        published=published,
        title_source=title_source,
        date_source=date_source,
        method=method,
        agency=agency,
        region=metadata.region_of(agency, title),
        year=metadata.year_of(title, lines),
        period=metadata.period_of(title, lines),
        doc_type=metadata.doc_type_of(title, lines),
        mojibake_spots=spots,
        mojibake_repaired=repairs,
        quality=round(max(0.0, quality), 3),
        partial=partial,
        pinyin_removed=pinyin_count,
        digits_lost=digits_lost,
        lines_dropped=dropped + link_lines,
        dropped_by_rule=dict(sorted(rules.items())),
        title_lines_removed=title_lines,
    )
    return result


class ExtractPipeline:
    """Runs :func:`extract` on every fetched document page; drops pages with no text.

    Stats: ``harvest/extract/{pages,empty,partial,mojibake}``,
    ``harvest/extract/method/<container|region|trafilatura|page>``,
    ``harvest/extract/encoding_source/<bom|header|meta|sniffed>``,
    ``harvest/extract/rule/<family>`` (lines dropped by each boilerplate rule family).
    """

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"harvest/extract/{key}", count)

    def process_item(self, item):
        # Imported here, not at module level: itemadapter loads Scrapy, and `harvest extract`
        # (run once per page by the scorer) needs neither.
        from itemadapter import ItemAdapter
        from scrapy.exceptions import DropItem

        adapter = ItemAdapter(item)
        hints = {k: adapter.get(k) for k in ("list_title", "list_date", "list_url")}
        url = adapter.get("final_url") or adapter.get("url")
        headers = adapter.get("headers") or {}
        if not sniff(adapter["body"], headers.get("content-type")).is_text:
            # A file where a page was expected: the attachment stage reads it as one.
            self._inc("not_text")
            adapter.update(
                title_original=adapter.get("list_title"),
                text_original="",
                published=adapter.get("list_date"),
                encoding=None,
                extraction={},
            )
            return item
        result = extract(adapter["body"], url, headers, hints)
        # A page with attachments may say nothing itself: the attachment stage decides.
        if not result["text_original"].strip() and not adapter.get("attachments"):
            self._inc("empty")
            raise DropItem(f"no text extracted from {url}")
        self._inc("pages")
        self._inc(f"method/{result.get('method')}")
        self._inc(f"encoding_source/{result.get('encoding_source')}")
        if result.get("partial"):
            self._inc("partial")
        if result.get("mojibake_spots"):
            self._inc("mojibake")
        # Lines dropped per rule family: a family that stops firing on a site that used to
        # need it, or starts eating a site, shows in the run's stats.
        for rule, count in result.get("dropped_by_rule", {}).items():
            self._inc(f"rule/{rule}", count)
        for key in ("title_original", "text_original", "published", "encoding"):
            adapter[key] = result.pop(key)
        adapter["extraction"] = result
        return item
