"""Two copies of a report side by side: what a recycled or edited copy changed.

In:  two texts (the documents' Simplified ``text``).
Out: :class:`Comparison`: rows of aligned sentences (equal, changed, only left, only right) with
     the changed pieces marked, and the changed years and numbers listed.

Sentences are aligned first (a moved or rewritten sentence is one row, not a scatter of
characters), then each changed pair is compared by tokens where a run of digits is one token:
2019 -> 2020 is one changed year, not "19" -> "20". Chinese has no spaces, so every other
character is a token of its own. ``difflib`` from the standard library does both passes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# A sentence ends after 。！？；!?; or a line break; the mark stays with its sentence.
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+|\n|$)")
_TOKEN = re.compile(r"\d+(?:[.．]\d+)?%?|\s+|.", re.S)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_NUMBER = re.compile(r"^\d")
# A pair of sentences counts as "the same sentence, changed" above this similarity; below it
# the left one was removed and the right one added.
SAME_SENTENCE_RATIO = 0.5


@dataclass(frozen=True)
class Row:
    kind: str  # equal | changed | removed | added
    left: str  # HTML: escaped text, changes in <del>/<ins> with class year/number/text
    right: str


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)
    years: list[tuple[str, str]] = field(default_factory=list)  # (left, right) changed years
    numbers: list[tuple[str, str]] = field(default_factory=list)  # other changed numbers

    def count(self, kind: str) -> int:
        return sum(1 for row in self.rows if row.kind == kind)


def sentences(text: str) -> list[str]:
    """The text cut after each sentence end, blank pieces dropped."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text or "")) if s]


def _tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence)


def _css(token: str) -> str:
    if _YEAR.match(token):
        return "year"
    return "number" if _NUMBER.match(token) else "text"


def _wrap(tag: str, tokens: list[str]) -> str:
    """``tokens`` inside <del>/<ins>, a year or number in its own element so it stands out."""
    out = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(f'<{tag} class="text">{html.escape("".join(run))}</{tag}>')
            run.clear()

    for token in tokens:
        kind = _css(token)
        if kind == "text":
            run.append(token)
        else:
            flush()
            out.append(f'<{tag} class="{kind}">{html.escape(token)}</{tag}>')
    flush()
    return "".join(out)


def _changed_pair(left: str, right: str, result: Comparison) -> Row:
    a, b = _tokens(left), _tokens(right)
    left_html, right_html = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            same = html.escape("".join(a[i1:i2]))
            left_html.append(same)
            right_html.append(same)
            continue
        left_html.append(_wrap("del", a[i1:i2]))
        right_html.append(_wrap("ins", b[j1:j2]))
        if op == "replace":
            _note_numbers(a[i1:i2], b[j1:j2], result)
    return Row("changed", "".join(left_html), "".join(right_html))


def _note_numbers(old: list[str], new: list[str], result: Comparison) -> None:
    old_numbers = [t for t in old if _NUMBER.match(t)]
    new_numbers = [t for t in new if _NUMBER.match(t)]
    for before, after in zip(old_numbers, new_numbers, strict=False):
        if before == after:
            continue
        if _YEAR.match(before) and _YEAR.match(after):
            result.years.append((before, after))
        else:
            result.numbers.append((before, after))


def _block(left: list[str], right: list[str], result: Comparison) -> None:
    """Rows for a replaced block of sentences: pair them in order while they look alike."""
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else None
        b = right[i] if i < len(right) else None
        alike = a is not None and b is not None
        if alike and SequenceMatcher(None, a, b, autojunk=False).ratio() >= SAME_SENTENCE_RATIO:
            result.rows.append(_changed_pair(a, b, result))
            continue
        if a is not None:
            result.rows.append(Row("removed", _wrap("del", _tokens(a)), ""))
        if b is not None:
            result.rows.append(Row("added", "", _wrap("ins", _tokens(b))))


def compare(left_text: str, right_text: str) -> Comparison:
    """Align two texts sentence by sentence and mark what changed inside each pair."""
    left, right = sentences(left_text), sentences(right_text)
    result = Comparison()
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for sentence in left[i1:i2]:
                escaped = html.escape(sentence)
                result.rows.append(Row("equal", escaped, escaped))
        else:
            _block(left[i1:i2], right[j1:j2], result)
    return result
