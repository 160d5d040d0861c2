"""The extraction package's import rules: text.py is a leaf, only pipeline.py loads Scrapy."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_text_imports_nothing_of_ours():
    ours = {
        n for n in imported(PIPELINES / "text.py") if n.split(".")[0] in ("pipelines", "crawler")
    }
    assert ours == set()


def test_only_the_pipeline_module_imports_scrapy():
    loaders = {
        path.name
        for path in (PIPELINES / "extract").glob("*.py")
        if any(n.split(".")[0] in ("scrapy", "itemadapter") for n in imported(path))
    }
    assert loaders == {"pipeline.py"}


def test_the_package_imports_no_crawler_module():
    for path in (PIPELINES / "extract").glob("*.py"):
        assert not any(n.startswith("crawler") for n in imported(path)), path.name
