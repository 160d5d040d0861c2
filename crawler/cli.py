"""The ``harvest`` command line: crawl, extract, serve, demo.

Each command's docstring is its ``--help`` text.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import click

from crawler.config import ConfigError, load_config


@click.group()
@click.version_option(package_name="harvest")
def cli() -> None:
    """harvest: crawl Chinese government and document-sharing sites into a SQLite archive."""


@cli.command()
@click.argument("file_or_url")
@click.option("--url", help="The page's original URL (for a saved file).")
@click.option("--list-date", help="Date shown beside the link on its list page (YYYY-MM-DD).")
def extract(file_or_url: str, url: str | None, list_date: str | None) -> None:
    """Extract one saved page (or URL) and print it as one JSON object.

    Prints title, text (Simplified), text_original, published, url and whatever else the
    pipeline knows (encoding, agency, region, year, period, doc_type, quality flags).
    """
    from pipelines.extract import extract as extract_page
    from pipelines.normalise import normalise

    headers: dict[str, str] = {}
    if file_or_url.startswith(("http://", "https://")):
        with urllib.request.urlopen(file_or_url, timeout=30) as response:  # noqa: S310
            body = response.read()
            headers = {k.lower(): v for k, v in response.headers.items()}
        url = url or file_or_url
    else:
        try:
            body = Path(file_or_url).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"{file_or_url}: cannot read: {exc.strerror}") from None
    hints = {"list_date": list_date} if list_date else {}
    result = extract_page(body, url=url, headers=headers, hints=hints)
    result.update(normalise(result.get("title_original"), result.get("text_original") or ""))
    result["url"] = url
    click.echo(json.dumps(result, ensure_ascii=False, indent=1, default=str))


@cli.command()
@click.option(
    "--config", "config_path", type=click.Path(), help="Config file (default config.yaml)."
)
def check(config_path: str | None) -> None:
    """Validate a config file and list its sites."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for site in config.sites:
        state = "" if site.enabled else " (disabled)"
        click.echo(
            f"{site.name:24s} {site.family:9s} {site.schedule:16s} {site.start_urls[0]}{state}"
        )


def main() -> None:
    cli(prog_name="harvest")


if __name__ == "__main__":
    sys.exit(main())
