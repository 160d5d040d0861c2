"""The distributed roles' systemd units in deploy/ are valid and call real commands."""

from __future__ import annotations

import configparser
import shlex

import pytest

from tests.test_deploy import DEPLOY, check_harvest_command


@pytest.mark.parametrize(
    ("unit_name", "command"),
    [("harvest-worker.service", "worker"), ("harvest-ingest.service", "ingest")],
)
def test_distributed_units(unit_name: str, command: str) -> None:
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / unit_name, encoding="utf-8")
    assert unit.sections() == ["Unit", "Service", "Install"]
    service = unit["Service"]
    check_harvest_command(shlex.split(service["ExecStart"]))
    assert service["ExecStart"].split()[1] == command
    assert service["KillSignal"] == "SIGTERM"
    assert service["Restart"] == "always"


def test_redis_settings_keep_the_stream():
    lines = (DEPLOY / "redis-harvest.conf").read_text(encoding="utf-8").splitlines()
    settings = dict(line.split("#")[0].split(None, 1) for line in lines if line[:1].isalpha())
    assert settings["appendonly"].strip() == "yes"
    assert settings["maxmemory-policy"].strip() == "noeviction"
