"""Packaging: every distribution the code imports is declared, and a wheel installed into a
fresh virtual environment gives a working `harvest demo` from any directory (the demo site, its
config, the Datasette files and the export schema are package data)."""

from __future__ import annotations

import ast
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.helpers import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# What `make demo` installs (runtime) and what only the tests or benchmarks import.
RUNTIME_CODE = ("crawler", "pipelines")
EXTRA_CODE = {"test": ("tests",), "bench": ("benchmarks",)}
OUR_PACKAGES = {"crawler", "pipelines", "tests", "benchmarks"}


def imported_top_names(*folders: str) -> set[str]:
    """Top-level module names imported anywhere under ``folders`` (function-level imports too)."""
    names, local = set(), set()
    for folder in folders:
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            local.add(path.stem)  # sibling modules (test_serve, helpers) are not distributions
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - local


def third_party(names: set[str]) -> set[str]:
    """The distributions (normalised names) that provide the non-stdlib, non-project ``names``."""
    providers = packages_distributions()
    distributions = set()
    for name in names - set(sys.stdlib_module_names) - OUR_PACKAGES - {"__future__"}:
        # An extra that this venv does not have (`make test` installs no bench extra): the
        # module must then be named as its distribution, or the declaration check fails.
        distributions.update(canonical(d) for d in providers.get(name, [name]))
    return distributions


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def declared(*requirement_lists: list[str]) -> set[str]:
    return {canonical(Requirement(r).name) for rs in requirement_lists for r in rs}


def test_every_distribution_the_running_code_imports_is_a_runtime_dependency():
    missing = third_party(imported_top_names(*RUNTIME_CODE)) - declared(
        PYPROJECT["project"]["dependencies"]
    )
    assert not missing, f"imported by crawler/ or pipelines/ but not in dependencies: {missing}"


@pytest.mark.parametrize("extra", sorted(EXTRA_CODE))
def test_what_tests_and_benchmarks_import_is_declared_in_their_extra(extra):
    runtime = PYPROJECT["project"]["dependencies"]
    extras = PYPROJECT["project"]["optional-dependencies"]
    missing = third_party(imported_top_names(*EXTRA_CODE[extra])) - declared(
        runtime, extras[extra]
    )
    # pytest's own helpers (packaging, pluggy) come with pytest
    missing -= {"packaging", "pluggy"} if extra == "test" else set()
    assert not missing, f"imported by {EXTRA_CODE[extra]} but not declared: {missing}"


def test_benchmark_only_libraries_stay_out_of_the_runtime():
    assert "datasketch" not in declared(PYPROJECT["project"]["dependencies"])
    assert PYPROJECT["project"]["license"] == "MIT"  # the SPDX form, not a {text=...} table


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with harvest installed from a wheel of this checkout; the
    dependencies are borrowed from the running environment (a path entry, not the editable
    install's finder), so the check needs no registry and takes seconds."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"  # a copy: building must not leave build/ or egg-info here
    for part in ("crawler", "pipelines"):
        shutil.copytree(PROJECT_ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / part, source / part)
    run = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*run, "wheel", "--no-deps", "-w", root / "dist", source], check=True, timeout=300)
    (wheel,) = (root / "dist").glob("harvest-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run([*run, "--python", python, "install", "--no-deps", wheel], check=True, timeout=120)
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A plain path entry: the dependencies, but not the .pth of the editable install there.
    Path(site_packages, "_borrowed_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return venv


@pytest.mark.e2e
def test_installed_package_carries_its_data_and_not_the_checkout(installed, tmp_path):
    probe = (
        "import crawler, crawler.demo as d, crawler.browse.export as e, crawler.browse.serve as s; "
        "print(crawler.__file__); print(d.DEMO_SITE.is_dir(), d.DEMO_CONFIG.is_file(), "
        "e.SCHEMA_FILE.is_file(), (s.DATASETTE_DIR / 'metadata.yml').is_file(), "
        "(s.DATASETTE_DIR / 'plugins' / 'harvest_browse.py').is_file())"
    )
    result = subprocess.run(
        [installed / "bin" / "python", "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    location, found = result.stdout.splitlines()
    assert Path(location).is_relative_to(installed), location
    assert found == "True True True True True"


@pytest.mark.e2e
def test_installed_harvest_demo_runs_from_another_directory(installed, tmp_path):
    result = subprocess.run(
        [installed / "bin" / "harvest", "demo", "--db", "archive/harvest.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo site stopped." in result.stdout
    db = sqlite3.connect(tmp_path / "archive" / "harvest.db")
    try:
        rows = db.execute("SELECT site, count(*) FROM sources GROUP BY site ORDER BY site")
        assert rows.fetchall() == [
            ("demo_docshare1", 2),
            ("demo_docshare2", 3),
            ("demo_files", 10),
            ("demo_gov", 5),
        ]
    finally:
        db.close()
