"""Text as the readers give it -> text as a person reads it.

PDF text arrives one printed line at a time: a Chinese sentence is cut wherever the line was
full, with no space to mark it. Lines are joined back unless the line ends a sentence or the next
one starts a new item (一、 (二) 3. 第四条 …), so paragraphs survive and search finds phrases that
crossed a line end.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"\r\n?|\u2028|\u2029|\x0c")
_TRAILING_SPACE = re.compile(r"[ \t\u3000]+$", re.M)
# A line that ends like this closes its paragraph.
_ENDS_PARAGRAPH = re.compile(r"[。！？；：!?;:…」』”）)】]$")
# A line that starts like this opens a new one (list markers, headings, signatures' dates).
_STARTS_ITEM = re.compile(
    r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十百\d]+[章节条部分]|附件)"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_END = re.compile(r"[\u4e00-\u9fff，、“《]$")
_HAN_START = re.compile(r"^[\u4e00-\u9fff，。、；：”》）]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_FULL_LINE_SHARE = 0.85  # a line this close to the full width may have been cut by it
_MIN_TEXT_WIDTH = 12  # characters; no column of a report is narrower, so shorter lines were not cut


def unify_line_breaks(text: str) -> str:
    text = _LINE_BREAKS.sub("\n", text.replace("\ufeff", ""))
    return _BLANK_RUNS.sub("\n\n", _TRAILING_SPACE.sub("", text)).strip()


def join_wrapped_lines(text: str) -> str:
    """Re-join Chinese lines that the page width cut; keep every other break.

    Only a line that fills the text width can have been cut: titles, table rows and signature
    lines are shorter, so they stay lines of their own."""
    lines = unify_line_breaks(text).split("\n")
    full_width = max(_MIN_TEXT_WIDTH, _FULL_LINE_SHARE * _typical_width(lines))
    joined: list[str] = []
    last_physical = ""
    for line in lines:
        if joined and len(last_physical) >= full_width and _is_continuation(last_physical, line):
            joined[-1] += line.strip()
        else:
            joined.append(line)
        last_physical = line
    return "\n".join(joined)


def _typical_width(lines: list[str]) -> int:
    """The width of a full line of body text: the longest line that is mostly Han characters
    (URLs, table rows and number runs are not text lines and may be longer or shorter)."""
    return max(
        (len(line) for line in lines if len(_HAN.findall(line)) * 2 >= len(line) > 0), default=0
    )


def _is_continuation(previous: str, line: str) -> bool:
    return bool(
        line.strip()
        and _HAN_END.search(previous)
        and not _ENDS_PARAGRAPH.search(previous)
        and _HAN_START.match(line.strip())
        and not _STARTS_ITEM.match(line)
    )


def rows_as_lines(rows: list[list[str]]) -> list[str]:
    """Table rows in reading order, one line each, cells separated by a tab, empty rows dropped.
    Cells keep their column even when empty, so a row still reads against its header."""
    lines = []
    for row in rows:
        cells = [" ".join(cell.split()) for cell in row]
        line = "\t".join(cells).rstrip("\t")
        if line.strip():
            lines.append(line)
    return lines
