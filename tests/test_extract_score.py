"""The issue's acceptance test: ../shared/eval/score.py over tests/fixtures/extraction.

Runs `python -m crawler.cli extract {path}` once per saved page, as the scorer prescribes, and
requires mean F1 >= 0.99, worst page >= 0.98 and no check failure (boilerplate, pinyin, script,
title, date).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCORER = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"
CORPUS = REPO / "tests" / "fixtures" / "extraction"


@pytest.mark.skipif(
    not SCORER.exists(), reason=f"{SCORER} not found (../shared is not checked out)"
)
def test_scorer_passes_on_the_fixture_corpus():
    command = f"{sys.executable} -m crawler.cli extract {{path}}"
    result = subprocess.run(
        [sys.executable, str(SCORER), str(CORPUS), command, "--verbose"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith("0 check failures, 56 pages")
