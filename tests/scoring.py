"""harvest's own extraction scorer: saved pages against their hand-checked gold text.

usage: python -m tests.scoring CASES_DIR ['COMMAND {path}'] [--verbose]
                               [--min-mean F] [--min-worst F] [--max-failures N]

CASES_DIR/cases.json maps a case name to ``{"page": ..., "gold": ..., "published": "YYYY-MM-DD"
or null, "check_title": bool}`` (paths relative to CASES_DIR); a gold file holds ``{"title",
"text"}`` in Simplified Chinese. Without COMMAND the pages are extracted in this process by
the same steps ``harvest extract`` runs; with one, COMMAND is run per page and must print a
JSON object with ``text`` (and ``title``, ``published`` where it can).

The metric is the one the project is judged by: both texts are made comparable (pinyin
annotations dropped, Traditional -> Simplified, NFKC, whitespace removed) and compared as
multisets of character bigrams (precision, recall, F1 per page). On top of F1, checks count
failures: site furniture left in the text that the gold does not have, pinyin annotations
left, text not in Simplified Chinese, a wrong title or the title repeated in the text (where
the case checks titles), a wrong publication date.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.text import HAN_CLASS, to_simplified

_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_ANNOTATION = re.compile(r"\([" + _LETTERS + r"]{1,7}\)")
# An annotation still in the text sits right after a Han character: 區(qū), not "(a)" or "f(x)".
_ANNOTATION_LEFT = re.compile(r"(?<=" + HAN_CLASS + r")\([" + _LETTERS + r"]{1,7}\)")
_WHITESPACE = re.compile(r"\s+")
# Site furniture that must not reach a document's text unless the publisher's text has it.
FURNITURE = frozenset(
    [
        "欢迎访问",
        "当前位置",
        "本文标题",
        "链接地址",
        "免责声明",
        "ICP备",
        "网站标识码",
        "公网安备",
        "相关阅读",
        "相关文章",
        "相关文档",
        "网站地图",
        "关于我们",
        "打印本页",
        "关闭窗口",
        "下载文档",
        "上一篇",
        "下一篇",
        "由互联网用户整理提供",
        "版权所有",
        "分享到",
        "推荐专题",
        "最近更新",
        "字体:",
        "来源:网络",
    ]
)

Extractor = Callable[[Path], dict[str, Any]]


def comparable(text: str | None) -> str:
    """The form both sides are compared in (see the module docstring)."""
    text = to_simplified(_ANNOTATION.sub("", text or "")) or ""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def _pairs(text: str) -> Counter[str]:
    return Counter(a + b for a, b in zip(text, text[1:], strict=False))


def bigram_prf(output: str, gold: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``output``'s character bigrams against ``gold``'s."""
    ours, theirs = _pairs(output), _pairs(gold)
    common = sum((ours & theirs).values())
    precision = common / max(1, sum(ours.values()))
    recall = common / max(1, sum(theirs.values()))
    total = precision + recall
    return precision, recall, (2 * precision * recall / total if total else 0.0)


@dataclass
class CaseScore:
    name: str
    precision: float
    recall: float
    f1: float
    failures: list[str] = field(default_factory=list)


@dataclass
class Report:
    cases: list[CaseScore]

    @property
    def mean(self) -> float:
        return sum(c.f1 for c in self.cases) / max(1, len(self.cases))

    @property
    def worst(self) -> float:
        return min((c.f1 for c in self.cases), default=0.0)

    @property
    def failures(self) -> list[str]:
        return [f"{c.name}: {x}" for c in self.cases for x in c.failures]

    def summary(self) -> str:
        return (
            f"extraction: mean F1 {self.mean:.3f}, worst {self.worst:.3f}, "
            f"{len(self.failures)} check failures, {len(self.cases)} pages"
        )


def _checks(case: dict[str, Any], out: dict[str, Any], gold: dict[str, Any]) -> list[str]:
    text, gold_text = out.get("text") or "", gold.get("text") or ""
    simplified, gold_simplified = to_simplified(text) or "", to_simplified(gold_text) or ""
    found = []
    left = sorted(w for w in FURNITURE if w in simplified and w not in gold_simplified)
    if left:
        found.append(f"boilerplate left: {left}")
    if _ANNOTATION_LEFT.search(text):
        found.append(f"pinyin annotations left ({len(_ANNOTATION_LEFT.findall(text))})")
    if simplified != text:
        found.append("text is not Simplified Chinese")
    title = gold.get("title")
    if case.get("check_title") and title:
        if comparable(out.get("title")) != comparable(title):
            found.append(f"title {out.get('title')!r} != {title!r}")
        if comparable(text).count(comparable(title)) > 1:
            found.append("title repeated inside text")
    if case.get("published") and str(out.get("published") or "")[:10] != case["published"]:
        found.append(f"published {out.get('published')!r} != {case['published']}")
    return found


def score_case(name: str, case: dict[str, Any], root: Path, extractor: Extractor) -> CaseScore:
    gold = json.loads((root / case["gold"]).read_text(encoding="utf-8"))
    try:
        out = extractor(root / case["page"])
    except Exception as exc:  # a crash scores zero, like output that is not JSON
        return CaseScore(name, 0.0, 0.0, 0.0, [f"no result ({exc!s:.80})"])
    p, r, f = bigram_prf(comparable(out.get("text")), comparable(gold.get("text")))
    return CaseScore(name, p, r, f, _checks(case, out, gold))


def score(root: Path, extractor: Extractor) -> Report:
    """Score every case of ``root/cases.json`` with ``extractor`` (page path -> result)."""
    cases = json.loads((root / "cases.json").read_text(encoding="utf-8"))
    return Report([score_case(n, cases[n], root, extractor) for n in sorted(cases)])


def harvest_extractor(path: Path) -> dict[str, Any]:
    """What ``harvest extract PATH`` prints, computed in this process."""
    from pipelines.extract.core import extract
    from pipelines.normalise import normalise

    result = extract(path.read_bytes()).as_dict()
    result.update(normalise(result["title_original"], result["text_original"]))
    return result


def command_extractor(template: str) -> Extractor:
    """An extractor that runs ``template`` with ``{path}`` replaced and reads its JSON."""

    def run(path: Path) -> dict[str, Any]:
        command = template.replace("{path}", shlex.quote(str(path)))
        done = subprocess.run(command, shell=True, capture_output=True, timeout=60)
        return json.loads(done.stdout.decode("utf-8"))

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases_dir", type=Path)
    parser.add_argument("command", nargs="?", help="'COMMAND {path}'; default: in-process")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--min-mean", type=float, default=0.99)
    parser.add_argument("--min-worst", type=float, default=0.98)
    parser.add_argument("--max-failures", type=int, default=0)
    args = parser.parse_args(argv)
    extractor = command_extractor(args.command) if args.command else harvest_extractor
    report = score(args.cases_dir, extractor)
    for case in report.cases:
        if args.verbose or case.f1 < args.min_worst:
            print(f"{case.name:32s} P={case.precision:.3f} R={case.recall:.3f} F1={case.f1:.3f}")
    for failure in report.failures:
        print("  -", failure)
    print(report.summary())
    passed = (
        report.mean >= args.min_mean
        and report.worst >= args.min_worst
        and len(report.failures) <= args.max_failures
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
