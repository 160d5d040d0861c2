"""The folders read as the data flow: imports run one way and never in a circle.

Parses every module of crawler/ and pipelines/ (function-level imports included) and checks the
rules the README's "Where to change what" relies on.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crawler", "pipelines")
MAX_FUNCTION_LINES = 80

# Modules that glue harvest to Scrapy; everything else is library code a script, the CLI or
# re-extraction can use without loading Scrapy's machinery.
SCRAPY_GLUE = (
    "crawler.spiders.",
    "crawler.middlewares",
    "crawler.items",
    "crawler.signals",
    "crawler.runner",
    "crawler.logformat",
    "crawler.reextract",
    "crawler.storage.crawl",
    "crawler.distributed.crawling",  # the store stage and request filter of a distributed crawl
    "pipelines.store",
    "pipelines.attach",
    "pipelines.normalise",
    "pipelines.dedup.pipeline",
    "pipelines.extract.pipeline",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "datasette" not in path.parts  # Datasette loads its plugin by path, not by import
    }


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every module named by an import statement anywhere in ``path`` (ours or not)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from crawler.storage import pages` imports the module crawler.storage.pages
            found.update(
                f"{node.module}.{alias.name}"
                for alias in node.names
                if f"{node.module}.{alias.name}" in known
            )
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {
        name: {m for m in imports_of(path, known) if m in known and m != name}
        for name, path in mods.items()
    }


def third_party(name: str) -> set[str]:
    path = modules()[name]
    return {m.split(".")[0] for m in imports_of(path, set())}


def test_the_text_helpers_import_nothing_of_ours():
    assert graph()["pipelines.text"] == set()


def test_storage_knows_no_spider_and_no_stage_but_the_text_helpers():
    for name, targets in graph().items():
        if name.startswith("crawler.storage"):
            bad = {
                t
                for t in targets
                if t.startswith("crawler.spiders")
                or (t.startswith("pipelines") and t != "pipelines.text")
            }
            assert not bad, f"{name} imports {sorted(bad)}"


def test_nothing_imports_the_command_line():
    importers = [name for name, targets in graph().items() if "crawler.cli" in targets]
    assert importers == []


def test_library_modules_do_not_load_scrapy():
    for name in modules():
        if name.startswith(SCRAPY_GLUE) or name in ("crawler", "pipelines"):
            continue
        assert not third_party(name) & {"scrapy", "itemadapter", "twisted"}, name


def test_there_is_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_no_function_is_longer_than_the_limit():
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []
