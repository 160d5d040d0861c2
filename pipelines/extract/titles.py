"""Titles: the document's own title among the page's candidates, and its copies in the body.

In:  the parsed page, the body's lines, the list page's link text.
Out: the title and where it came from (meta, comment, doc-share, heading, above-body,
     title-tag, body, list); body lines without the copies of the title.
"""

from __future__ import annotations

import re

import lxml.html

from pipelines.extract.body import FLAT_MIN, TRAILING_DATE
from pipelines.extract.boilerplate import SHORT_MAX, is_boilerplate
from pipelines.extract.page import Page
from pipelines.extract.vocabulary import DOC_WORDS, META_TITLE_NAMES
from pipelines.text import SENTENCE_END, squash

_TITLE_COMMENT = re.compile(r"<!--\s*TitleStart\s*-->(.*?)<!--\s*TitleEnd\s*-->", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
# Site suffixes and prefixes in <title>; a hyphen between digits (2019-2020) is not one.
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|—|–|\s-\s|::|(?<!\d)-|-(?!\d))\s*")
# trafilatura renders table rows as "| cell | cell |".
_DOC_TITLE_LINE = re.compile(r"^(?:本文标题|文章标题|标题|本文標題)\s*[:：]\s*(.{4,100})$", re.M)
# Doc-share sites name a document after its file: "…工作总结范文.doc".
_FILE_EXT = re.compile(r"\.(?:docx?|pdf|wps|txt|pptx?|xlsx?)$", re.I)
# "bt" (标题) ends pinyin-abbreviated class names too: wzbt (文章标题), xxbt, art_bt.
_TITLE_CLASS = re.compile(r"tit|biaoti|bt\b|headline|heading|subject", re.I)
# Bylines ("原创：39健康网2024-04-23 12:27:25"), e-mail addresses and "more" links.
_NOT_A_TITLE = re.compile(
    r"[\w.-]+@[\w-]+\.[a-z]{2,}|(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}:\d{2}"
    r"|^(?:原创|来源|作者|编辑|发布|文)\s*[:：]|more\s*>|更多\s*>|^更多",
    re.I,
)
_META_SITE_NAMES = ("og:site_name", "sitename", "application-name")
_LONG_TITLE = 10  # squashed characters from which a candidate reads like a full title
_SHORT_TITLE = 5  # squashed characters up to which it reads like a column name
_AGREEMENT_BONUS = 3
_FIRST_LINE_TITLE_MAX = 60  # a longer first line is a paragraph, not a title
_ABOVE_BODY = 4  # page lines above the body's first line that may hold an unmarked title
_LIST_MARKER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])"
)


def headings(tree: lxml.html.HtmlElement) -> list[tuple[str, bool]]:
    """Texts that may be the document's title, in page order, and whether each is an ``<h1>``:
    h1-h4, bold lines, and elements whose class or id says title (title, bt, biaoti, tit,
    headline)."""
    found = []
    for element in tree.iter("h1", "h2", "h3", "h4", "strong", "b", "div", "td", "p", "span"):
        tag = element.tag
        if tag in ("div", "td", "p", "span"):
            names = f"{element.get('class') or ''} {element.get('id') or ''}"
            if not _TITLE_CLASS.search(names):
                continue
        text = " ".join(element.text_content().split())
        if 4 <= len(text) <= 120:
            found.append((text, tag == "h1"))
    return found


def _title_score(
    text: str,
    in_title_tag: int,
    heading: bool,
    first_line: bool,
    headline: bool = False,
    to_beat: int | None = None,
) -> int:
    """How much a candidate looks like the document's own title (see :func:`choose_title`).

    ``in_title_tag`` is 5 for the first of several ``<title>`` segments, 4 for a ``<title>``
    of one segment (where CMSs put the title; later
    segments name the column or the site), 3 for a text the tag only starts or ends with (a
    body line that lost its leading digits, "年上半年…", is such a part of the segment
    "2018年上半年…" and must not outrank it), 2 for a later segment, 0 otherwise.
    ``headline`` marks the page's ``<h1>``. It earns nothing by itself (government sites put
    their logo in it), only when it agrees with ``<title>``; the ``<h3>`` of a recommended
    block has gone with the block (:mod:`.furniture`)."""
    core = squash(text)
    score = min(4, in_title_tag) + 4 * bool(DOC_WORDS.search(text)) + 2 * heading + first_line
    score += len(core) >= _LONG_TITLE
    # The <h1> saying what the first <title> segment says is the page naming its document
    # twice; a short one is a short title ("雄安新区"), not a column name.
    agreed = headline and in_title_tag == 5
    score += _AGREEMENT_BONUS * agreed
    short = len(core) <= _SHORT_TITLE and not agreed
    if short or _LIST_MARKER.match(text) or SENTENCE_END.search(text):
        score -= 5  # a column name (工作总结), a body heading (一、…) or a sentence
    if to_beat is not None and score <= to_beat:
        return score  # loses anyway: the costlier checks below only lower it
    if _NOT_A_TITLE.search(text) or is_boilerplate(text):
        score -= 5  # a byline with its time, an e-mail address, a "more >" link, a menu
    return score


def _marked_title(page: Page) -> tuple[str, str] | None:
    """A title the page marks as such: the guideline meta tag, the TitleStart comment or a
    本文标题: line. Taken as it is."""
    value = page.meta(META_TITLE_NAMES)
    if value:
        return " ".join(value.split()), "meta"
    m = _TITLE_COMMENT.search(page.html_text)
    if m:
        value = " ".join(_TAGS.sub("", m.group(1)).split())
        if value:
            return lxml.html.fromstring(f"<p>{value}</p>").text_content(), "comment"
    m = _DOC_TITLE_LINE.search(page.text)
    if m:
        return _FILE_EXT.sub("", m.group(1).strip()), "doc-share"
    return None


def _candidates(
    page: Page, first_line: str | None, list_title: str | None
) -> list[tuple[str, str, bool, bool]]:
    """(text, source, is a heading, is the <h1>) for every title candidate, in order of
    trust."""
    candidates = [(_FILE_EXT.sub("", h), "heading", True, h1) for h, h1 in headings(page.tree)]
    above = lines_above(page.lines, first_line, page.anchors)
    candidates += [(x, "above-body", True, False) for x in above]
    candidates += [(t, "title-tag", False, False) for t in _title_segments(page.title_tag)]
    if first_line and len(first_line) <= _FIRST_LINE_TITLE_MAX:
        candidates.append((first_line, "body", False, False))
    if list_title:
        candidates.append((str(list_title).strip(), "list", False, False))
    # The site's own name is never the document's title ("维基百科，自由的百科全书").
    site = squash(page.meta(_META_SITE_NAMES) or "")
    return [c for c in candidates if not site or squash(c[0]) != site]


def _title_segments(title_tag: str | None) -> list[str]:
    segments = (_FILE_EXT.sub("", s.strip()) for s in _TITLE_SPLIT.split(title_tag or ""))
    return [s for s in segments if s]


def choose_title(
    page: Page, first_line: str | None = None, list_title: str | None = None
) -> tuple[str | None, str]:
    """The document's own title and where it came from.

    A title the page marks (:func:`_marked_title`) is taken as it is. Otherwise candidates
    (headings and title-class elements, the non-boilerplate lines just above the body, where
    an unmarked title sits, ``<title>`` segments split at site-suffix separators, the body's
    first line, the list page's link text) are scored: being (a segment of) ``<title>``,
    naming a document (总结, 计划, 报告 …), being a heading, opening the body, being long; a
    column name, a list heading or a sentence loses. So a logo heading with the site name
    loses to the report title, and so does ``<title>``'s column segment.
    """
    marked = _marked_title(page)
    if marked:
        return marked
    segments = [squash(s) for s in _title_segments(page.title_tag)]
    whole = squash(page.title_tag or "")
    first = squash(first_line or "")

    def in_tag(text: str) -> int:
        core = squash(text)
        if segments and core == segments[0]:
            # A <title> of one segment is often the site's name alone, as is the logo <h1>.
            return 5 if len(segments) > 1 else 4
        if len(core) >= 6 and (whole.startswith(core) or whole.endswith(core)):
            return 3
        return 2 if core in segments else 0

    best: tuple[int, int, str, str] | None = None
    candidates = _candidates(page, first_line, list_title)
    for order, (text, source, heading, h1) in enumerate(candidates):
        to_beat = best[0] if best else None
        score = _title_score(text, in_tag(text), heading, squash(text) == first, h1, to_beat)
        if best is None or score > best[0]:
            best = (score, order, text, source)
    return (best[2], best[3]) if best else (None, "none")


def is_title_line(line: str, target: str) -> bool:
    """True when a page line is the title (squashed ``target``), doc-share file name or not."""
    return squash(line) == target or squash(_FILE_EXT.sub("", line)) == target


def title_offset(page_text: str, title: str | None) -> int | None:
    """Character offset of the page line that is the title (or its file name), or None."""
    if not title:
        return None
    target = squash(title)
    offset = 0
    for line in page_text.split("\n"):
        if is_title_line(line, target):
            return offset
        offset += len(line) + 1
    return None


def lines_above(
    page_lines: list[str], first: str | None, anchors: frozenset[str], span: int = _ABOVE_BODY
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
        and squash(TRAILING_DATE.sub("", line)) not in anchors
    ]


# --- titles inside the body ------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")
# A letter: what title_pattern() matches literally; digits, spaces and marks it may skip.
_LETTER = re.compile(r"[^\W\d_]")
_CLOSING_MARKS = frozenset("》”’」』）)】]#")
_OPEN_END = frozenset("《“‘「『（(【[")  # a match ending in an opening mark cut a quotation


def title_pattern(title: str) -> re.Pattern[str] | None:
    """A pattern matching ``title`` with any digits (recycled or lost years) at digit places.

    Digits and punctuation are made optional at their places so that "年上半年科技工作总结"
    (digits lost) and "科技局2020年…" (another year) both match "…2022年…".
    """
    core = squash(title)
    if len(core) < 4:
        return None
    parts = []
    for piece in re.split(r"(\d+)", core):
        if not piece:
            continue
        if piece.isdigit():
            parts.append(r"\d{0,8}")
        else:
            parts.append(r"[\s\W_]*".join(re.escape(ch) for ch in piece))
    return re.compile(r"^[\s\W_]*" + r"[\s\W_]*".join(parts))


def _glued_copy(line: str, end: int, start: int = 0) -> bool:
    """Whether the title matched at the start of ``line`` (up to ``end``) is a copy glued to
    the text, not the subject of its first sentence ("《…》是为了…", "…村位于距太原市…").
    A copy is followed by a new start (a year, the title again) or sits in a flattened body;
    a subject is followed by the rest of its sentence, or by its own closing mark."""
    rest = line[end:].lstrip()
    if not rest or rest[0] in _CLOSING_MARKS or line[start:end].rstrip()[-1:] in _OPEN_END:
        return False
    return rest[0].isdigit() or len(line) >= FLAT_MIN


def _remove_inner_copies(inner: re.Pattern[str], line: str) -> tuple[str, int]:
    """Remove the copies ``inner`` finds after sentence ends, unless one is the subject of
    the next sentence (see :func:`_glued_copy`)."""
    removed = 0

    def cut(match: re.Match[str]) -> str:
        nonlocal removed
        if not _glued_copy(line, match.end(), match.start()):
            return match.group(0)
        removed += 1
        return ""

    return inner.sub(cut, line), removed


def _inner_copy_pattern(title: str) -> re.Pattern[str]:
    """A copy of ``title`` right after a sentence end, with the spaces around it."""
    return re.compile(r"(?<=[。！？；!?;])\s*" + re.escape(title.strip()) + r"\s*")


def remove_titles(lines: list[str], title: str | None, lead: int = 3) -> tuple[list[str], int]:
    """Remove copies of the title from the body.

    - a line equal to the title, anywhere;
    - near the top, a line equal to it up to digits (recycled year, digits lost);
    - at the start of the first paragraph, copies glued to it (flattened doc-share bodies);
    - inside a flattened paragraph, a copy right after a sentence end (a page header that the
      flattening pasted into the text).
    """
    if not title:
        return lines, 0
    target = squash(title)
    bare_target = _DIGITS.sub("", target)
    first_letter = _LETTER.search(target)
    # Both patterns are compiled on first use: compiling them costs more than the rest of
    # this function, every title is new, and most bodies never need them.
    pattern: re.Pattern[str] | None | bool = False
    inner: re.Pattern[str] | None = None
    out: list[str] = []
    removed = 0
    longest = 2 * len(title) + 10  # a longer line cannot be a copy of the title
    for i, line in enumerate(lines):
        # Near the top: before any paragraph-length line (short leftovers may precede).
        near_top = i < lead + removed and all(len(x) < SHORT_MAX for x in out)
        s = squash(line) if len(line) <= longest else ""
        if s and (s == target or (near_top and _DIGITS.sub("", s) == bare_target)):
            removed += 1
            continue
        while near_top and len(line) > len(target) + 20:
            # A glued copy starts with the title's first letter once digits and marks are
            # skipped; checking that first spares compiling the pattern for most lines.
            letter = _LETTER.search(line)
            if first_letter and (not letter or letter.group() != first_letter.group()):
                break
            if pattern is False:
                pattern = title_pattern(title)
            if not pattern:
                break
            m = pattern.match(line)
            if not m or _DIGITS.sub("", squash(m.group(0))) != bare_target:
                break
            if not _glued_copy(line, m.end()):
                break
            line = line[m.end() :].lstrip()
            removed += 1
        if len(target) >= 8 and len(line) > len(target) + 20 and title.strip() in line:
            inner = inner or _inner_copy_pattern(title)
            line, n = _remove_inner_copies(inner, line)
            removed += n
        out.append(line)
    return out, removed
