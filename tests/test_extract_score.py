"""The extraction score gate: the project's own scorer (tests/scoring.py) over its own saved
pages, with floors. Needs nothing outside the repository, so it never skips.

tests/fixtures/extraction (pages built from the real templates of the sites harvest reads):
mean F1 >= 0.99, worst page >= 0.98, no check failure (boilerplate, pinyin, script, title,
date).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scoring import bigram_prf, comparable, harvest_extractor, score

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_scorer_passes_on_the_fixture_corpus():
    report = score(FIXTURES / "extraction", harvest_extractor)
    assert report.failures == []
    assert (report.mean >= 0.99, report.worst >= 0.98, len(report.cases)) == (True, True, 56), (
        report.summary()
    )


def test_the_metric_can_fail():
    assert bigram_prf("甲乙丙丁", "甲乙丙丁") == (1.0, 1.0, 1.0)
    assert bigram_prf("甲乙", "丙丁")[2] == 0.0
    precision, recall, _ = bigram_prf("甲乙丙丁戊己", "甲乙丙")  # two of five bigrams are gold's
    assert (round(precision, 3), recall) == (0.4, 1.0)
    assert comparable("區(qū)委 工作\n") == "区委工作"
    # An extractor that returns the footer scores near zero and fails the checks.
    report = score(FIXTURES / "extraction", lambda path: {"text": "版权所有 粤ICP备16010311号"})
    assert report.mean < 0.1 and len(report.failures) >= 56


@pytest.mark.e2e
def test_scorer_runs_the_harvest_extract_command(tmp_path):
    # One page per kind of body (container, trafilatura or region, Traditional mirror): the
    # in-process gate above covers the whole corpus; this one proves the command path.
    corpus = FIXTURES / "extraction"
    cases = json.loads((corpus / "cases.json").read_text(encoding="utf-8"))
    chosen = {
        name: {
            **cases[name],
            "page": str(corpus / cases[name]["page"]),
            "gold": str(corpus / cases[name]["gold"]),
        }
        for name in ("trs_004", "gwsck_002", "mirror_001")
    }
    (tmp_path / "cases.json").write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")
    command = f"{sys.executable} -m crawler.cli extract {{path}}"
    done = subprocess.run(
        [sys.executable, "-m", "tests.scoring", str(tmp_path), command],
        cwd=FIXTURES.parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].endswith("0 check failures, 3 pages")
