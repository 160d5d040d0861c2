"""Messages, not dumps: what a crawl writes to its log file and to the terminal.

- :class:`HarvestLogFormatter` (Scrapy's ``LOG_FORMATTER``) never prints an item: a dropped or
  failed item is named by its URL and the reason, not by its fields (a page body is megabytes).
- :class:`TerminalFormatter` prints one short line per record, never a traceback (those go to
  the log file, whose path the summary prints).
- :func:`terminal_handler` is the terminal's handler: warnings and errors in one line each,
  without the records another line already says (``_REPEATS``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter

MAX_TERMINAL_CHARS = 300
MAX_REASON_CHARS = 200
# Loggers whose records the terminal already gets in another line: Scrapy's "Gave up retrying"
# (the spider reports each failed request itself) and the run's alerts and failure (the
# command prints them after the summary, and alone with --quiet).
_REPEATS = ("scrapy.downloadermiddlewares.retry", "crawler.storage.runs")


def _url_of(item: Any, response: Any) -> str:
    try:
        url = item.get("url")
    except AttributeError:
        url = None
    return url or getattr(response, "url", None) or "?"


def _short(text: object) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line[:MAX_REASON_CHARS]


class HarvestLogFormatter(logformatter.LogFormatter):
    """Scrapy's log formatter with every message that would dump an item cut to URL + reason."""

    def scraped(self, item: Any, response: Any, spider: Any) -> dict[str, Any]:
        return {
            "level": logging.DEBUG,
            "msg": "Scraped %(url)s",
            "args": {"url": _url_of(item, response)},
        }

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> dict[str, Any]:
        return {
            "level": logging.INFO,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": _url_of(item, response), "reason": _short(exception)},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> dict[str, Any]:
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s: %(reason)s",
            "args": {"url": _url_of(item, response), "reason": _short(exception)},
        }


class TerminalFormatter(logging.Formatter):
    """``LEVEL logger: first line of the message``, at most :data:`MAX_TERMINAL_CHARS`."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().strip()
        first = message.splitlines()[0] if message else ""
        line = f"{record.levelname} {record.name}: {first}"
        if len(line) > MAX_TERMINAL_CHARS:
            line = line[: MAX_TERMINAL_CHARS - 1] + "…"
        return line


class _NoRepeats(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(_REPEATS)


def terminal_handler(stream: Any, level: int = logging.WARNING) -> logging.Handler:
    """The terminal's handler for a crawl: one line per warning or error, no tracebacks."""
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    handler.setFormatter(TerminalFormatter())
    handler.addFilter(_NoRepeats())
    return handler
