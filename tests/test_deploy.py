"""The crontab line and systemd unit shipped in deploy/ are valid and call real options."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import click
import pytest

from crawler.cli import cli
from crawler.config import cron_trigger
from crawler.scheduler import STOP_TIMEOUT

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def check_harvest_command(argv: list[str]) -> None:
    """Parse argv (after the `harvest` executable) with the real click command."""
    assert argv[0].endswith("harvest"), argv
    name, *args = argv[1:]
    command = cli.commands[name]
    context = command.make_context(name, list(args), resilient_parsing=False)
    assert context.params  # parsed without UsageError


def crontab_entries() -> list[tuple[list[str], str]]:
    entries = []
    for line in (DEPLOY / "crontab").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" in line.split()[0]:
            continue
        fields = line.split(None, 5)
        entries.append((fields[:5], fields[5]))
    return entries


def test_crontab_lines_parse():
    entries = crontab_entries()
    assert entries
    for schedule, command in entries:
        cron_trigger(" ".join(schedule))
        parts = shlex.split(command)
        harvest_at = next(i for i, p in enumerate(parts) if p.endswith("bin/harvest"))
        end = parts.index("&&", harvest_at) if "&&" in parts[harvest_at:] else len(parts)
        check_harvest_command(parts[harvest_at:end])


def test_a_bad_option_would_be_caught():
    with pytest.raises(click.UsageError):
        check_harvest_command(["harvest", "crawl", "--no-such-option"])


def test_systemd_unit():
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(DEPLOY / "harvest-schedule.service", encoding="utf-8")
    assert unit.sections() == ["Unit", "Service", "Install"]
    service = unit["Service"]
    check_harvest_command(shlex.split(service["ExecStart"]))
    assert service["ExecStart"].split()[1] == "schedule"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > STOP_TIMEOUT  # crawls get their time to stop
    assert service["ExecReload"].endswith("-HUP $MAINPID")
    assert unit["Install"]["WantedBy"] == "multi-user.target"
