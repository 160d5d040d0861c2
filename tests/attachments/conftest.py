"""Attachment files built once per session by real tools (see make_files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attachments.make_files import build_all


@pytest.fixture(scope="session")
def attachment_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("attachments"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Building the files starts LibreOffice, so every test that uses them is an e2e test."""
    for item in items:
        if "attachment_files" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
