"""The ``harvest`` command line: crawl, schedule, status, extract, serve, export, reextract,
dedup, demo, check; in distributed mode worker, ingest, dist status / enqueue.

Each command's docstring is its ``--help`` text.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import click

from crawler.config import ConfigError, HarvestConfig, load_config
from crawler.storage import DEFAULT_DB, StorageError

# Each command imports what it runs when it runs: `harvest --help` and `harvest status` should
# not wait for Scrapy, trafilatura and OpenCC to load.

config_option = click.option(
    "--config", "config_path", type=click.Path(), help="Config file (default: config.yaml)."
)


def db_option(must_exist: bool = False, help: str = "Archive database.") -> Callable:  # noqa: A002
    """``--db FILE`` (default ``archive/harvest.db``); ``must_exist`` for commands that only
    read an archive."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, exists=must_exist),
        default=str(DEFAULT_DB),
        show_default=True,
        help=help,
        callback=_remember_db,
    )


DB_META = "harvest.db_path"


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """Kept in the context so that an archive failure anywhere can name the file."""
    ctx.meta[DB_META] = value
    return value


def _load(config_path: str | None) -> HarvestConfig:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _run_crawl(
    config: HarvestConfig,
    names: tuple[str, ...],
    db_path: str,
    quiet: bool = False,
    full: bool = False,
    settings: tuple[str, ...] = (),
) -> int:
    """Crawl, print the summary; return the exit status (1 when a site failed or alerted)."""
    from crawler.runner import crawl

    overrides: dict[str, str | bool | int | float] = {
        **config.scrapy_settings(),
        "HARVEST_FULL": full,
    }
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {setting!r}", param_hint="--set")
        overrides[name.strip()] = value
    try:
        sites = config.select(names)
        summary = crawl(
            sites,
            db_path,
            log_dir=Path(db_path).parent / "logs",
            overrides=overrides,
            quiet=quiet,
        )
    except (ConfigError, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        for name in summary.skipped:
            click.echo(f"skipped {name}: another process is crawling it", err=True)
        for run in summary.interrupted:
            click.echo(
                f"{run['site']}: the run started {run['started']} never finished (process "
                f"{run['pid']} died); this run continued its walk",
                err=True,
            )
        for line in summary.lines() if summary.runs else ():
            click.echo(line)
        if summary.log_file:
            click.echo(f"log: {summary.log_file}")
    # What cron mails (--quiet prints only these): alerts, and one line per failed site.
    for alert in summary.alerts:
        click.echo(f"ALERT {alert['site']}: {alert['kind']}: {alert['message']}", err=True)
    for line in summary.failure_lines():
        click.echo(line, err=True)
    return 1 if summary.failed_sites or summary.alerts else 0


class HarvestGroup(click.Group):
    """Every command's archive failure (full disk, read-only, locked or corrupt database) is
    one line naming the file and the cause, never a traceback."""

    def invoke(self, ctx: click.Context):
        import sqlite3

        try:
            return super().invoke(ctx)
        except StorageError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.Error as exc:
            from crawler.storage import storage_error

            db_path = ctx.meta.get(DB_META, DEFAULT_DB)
            raise click.ClickException(str(storage_error(db_path, exc))) from None


@click.group(cls=HarvestGroup)
@click.version_option(package_name="harvest")
def cli() -> None:
    """harvest: crawl Chinese government and document-sharing sites into a SQLite archive."""


@cli.command("crawl")
@click.argument("sites", nargs=-1)
@config_option
@db_option()
@click.option("--quiet", is_flag=True, help="Print nothing unless a site failed (for cron).")
@click.option("--full", is_flag=True, help="Re-walk every list page and re-fetch every document.")
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy/harvest setting for this run (repeatable), as `scrapy crawl -s`.",
)
def crawl_command(
    sites: tuple[str, ...],
    config_path: str | None,
    db_path: str,
    quiet: bool,
    full: bool,
    settings: tuple[str, ...],
) -> None:
    """Crawl SITES (default: every enabled site in the config) once, into the archive.

    The whole config is validated first; nothing is crawled if it has an error. A site that
    another process is crawling is skipped. Later runs are incremental: known documents are
    fetched again only when due, with conditional requests, and pagination stops once list
    pages bring nothing new (--full turns that off). Exits 1 when a site failed (fetched
    nothing, or its spider crashed) or a run raised an alert (see `harvest status`), so cron
    reports it.
    """
    config = _load(config_path)
    sys.exit(_run_crawl(config, sites, db_path, quiet, full, settings))


@cli.command()
@db_option()
def status(db_path: str) -> None:
    """Print a table of sites: last run, result, documents and alerts."""
    from crawler.storage import connect
    from crawler.storage.runs import status_table

    if not Path(db_path).exists():
        raise click.ClickException(
            f"{db_path}: no archive yet; run `harvest crawl` or `harvest demo`"
        )
    db = connect(db_path)
    try:
        rows = status_table(db)
    finally:
        db.close()
    click.echo(
        f"{'site':22s} {'last run':25s} {'result':11s} {'new':>4s} {'chg':>4s} {'docs':>5s} "
        f"{'errors':>9s} {'robots':>6s}  alerts"
    )
    for row in rows:
        errors = f"{row['page_errors'] or 0}/{row['attempts']}" if row["attempts"] else "-"
        click.echo(
            f"{row['site']:22s} {row['last_run'] or '-':25s} {_result(row):11s} "
            f"{row['new'] or 0:4d} {row['changed'] or 0:4d} {row['documents']:5d} "
            f"{errors:>9s} {row['robots_disallowed'] or 0:6d}  {row['reasons'] or '-'}"
        )


def _result(row: dict) -> str:
    """A run's status; a "running" one whose process is gone is a crawl that was killed."""
    if row["status"] != "running" or not row["pid"]:
        return row["status"]
    try:
        os.kill(row["pid"], 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return "killed"
    except PermissionError:  # alive, another user's
        pass
    return "running"


@cli.command()
@config_option
@db_option()
@click.option(
    "--list", "list_only", is_flag=True, help="Print each site's next run times and exit."
)
@click.option("--jitter", type=int, help="Seconds of random delay per start (default: config).")
def schedule(config_path: str | None, db_path: str, list_only: bool, jitter: int | None) -> None:
    """Run the crawls on each site's cron schedule, in the foreground (APScheduler).

    Every run is a separate `harvest crawl SITE` process. SIGTERM or SIGINT stops cleanly
    (running crawls finish their requests and are recorded); SIGHUP reloads the config.
    With `distributed: {enabled: true}` it crawls nothing itself: each firing enqueues the
    site for `harvest worker`, at most once per site and slot however many schedulers run.
    """
    import logging

    from crawler.scheduler import next_runs, run_scheduler

    config = _load(config_path)
    if list_only:
        click.echo(f"times in {config.timezone}, before up to {config.jitter}s of jitter")
        for name, expression, times in next_runs(config):
            shown = ", ".join(t.strftime("%Y-%m-%d %H:%M") for t in times)
            click.echo(f"{name:24s} {expression:16s} {shown}")
        return
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run_scheduler(config.path, db_path, jitter)


@cli.command()
@db_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--no-sql", is_flag=True, help="Refuse arbitrary SQL queries (for a public deployment)."
)
def serve(db_path: str, host: str, port: int, no_sql: bool) -> None:
    """Browse the archive in Datasette (read-only, bound to 127.0.0.1 unless --host is given)."""
    from crawler.browse import serve as browse

    if not Path(db_path).exists():
        raise click.ClickException(
            f"{db_path}: no archive yet; run `harvest crawl` or `harvest demo`"
        )
    behind = browse.schema_behind(db_path)
    if behind:
        click.echo(
            f"note: {db_path} was written by an older harvest ({behind}); serving only reads, so"
            f" searches may find nothing until `harvest status --db {db_path}` updates it",
            err=True,
        )
    click.echo(f"serving {db_path} at http://{host}:{port}/ (Ctrl-C stops)")
    sys.exit(browse.run(db_path, host, port, allow_sql=not no_sql))


@cli.command()
@db_option()
def demo(db_path: str) -> None:
    """Serve the bundled demo website on 127.0.0.1, crawl it into the archive, stop, summarise."""
    from crawler.demo import (
        DEMO_CONFIG,
        DEMO_PORT,
        DEMO_SITE,
        DEMO_URL_VARIABLE,
        PortTaken,
        serve_directory,
    )

    with contextlib.ExitStack() as stack:
        try:
            base_url = stack.enter_context(serve_directory(port=DEMO_PORT))
        except PortTaken as exc:
            raise click.ClickException(
                f"the demo site needs port {DEMO_PORT}: {exc.strerror} (the demo's archive "
                "rows carry its URLs, so it never moves to another port)"
            ) from None
        click.echo(
            f"demo site: {base_url}/ (four sites: two government columns, one of them publishing"
            " its reports as attachments, and two doc-share sites)"
        )
        os.environ[DEMO_URL_VARIABLE] = base_url
        config = _load(str(DEMO_CONFIG))
        status = _run_crawl(config, (), db_path)
    click.echo("demo site stopped.")
    click.echo("")
    click.echo("Next, try (harvest is .venv/bin/harvest, or run `. .venv/bin/activate` first):")
    for command, purpose in (
        (f"harvest serve --db {db_path}", "browse the archive in Datasette"),
        (f"harvest status --db {db_path}", "each site's last run and alerts"),
        ("harvest crawl --help", "crawl the sites in config.yaml"),
        (
            f"harvest extract {DEMO_SITE / 'gov/kjj/201906/t20190628_358021.html'}",
            "one page as JSON",
        ),
        (f"harvest export --db {db_path} --output documents.jsonl", "feed for other tools"),
    ):
        click.echo(f"  {command:66s} # {purpose}")
    sys.exit(status)


@cli.command()
@click.argument("file_or_url")
@click.option("--url", help="The page's original URL (for a saved file).")
@click.option("--list-date", help="Date shown beside the link on its list page (YYYY-MM-DD).")
def extract(file_or_url: str, url: str | None, list_date: str | None) -> None:
    """Extract one saved page (or URL) and print it as one JSON object.

    Prints title, text (Simplified), text_original, published, url and whatever else the
    pipeline knows (encoding, agency, region, year, period, doc_type, quality flags).
    """
    from pipelines.extract.core import extract as extract_page
    from pipelines.normalise import normalise

    headers: dict[str, str] = {}
    if file_or_url.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(file_or_url, timeout=30) as response:  # noqa: S310
                body = response.read()
                headers = {k.lower(): v for k, v in response.headers.items()}
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            raise click.ClickException(f"{file_or_url}: cannot fetch: {exc}") from None
        url = url or file_or_url
    else:
        try:
            body = Path(file_or_url).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"{file_or_url}: cannot read: {exc.strerror}") from None
    hints = {"list_date": list_date} if list_date else {}
    result = extract_page(body, url=url, headers=headers, hints=hints).as_dict()
    result.update(normalise(result.get("title_original"), result.get("text_original") or ""))
    result["url"] = url
    click.echo(json.dumps(result, ensure_ascii=False, indent=1, default=str))


@cli.command()
@config_option
def check(config_path: str | None) -> None:
    """Validate a config file and list its sites."""
    config = _load(config_path)
    for site in config.sites:
        state = "" if site.enabled else " (disabled)"
        click.echo(
            f"{site.name:24s} {site.family:9s} {site.schedule:16s} {site.start_urls[0]}{state}"
        )


@cli.command()
@click.option("--rebuild", "do_rebuild", is_flag=True, help="Regenerate index and clusters.")
@db_option()
@config_option
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def dedup(do_rebuild: bool, db_path: str, config_path: str | None, no_progress: bool) -> None:
    """Near-duplicate clusters: show their counts, or (--rebuild) regenerate the LSH index,
    links and clusters from the documents table, in one transaction.

    The clusters are the same as the crawl built; run it after changing the `dedup:` shingle
    size, permutations or bands in config.yaml. A rebuild holds the archive's write lock until
    it finishes (readers such as Datasette keep working): run it between crawls.
    """
    from crawler.storage import connect
    from pipelines.dedup.index import rebuild, summarise

    if not Path(db_path).exists():
        raise click.ClickException(f"{db_path}: no archive yet; run `harvest crawl` first")
    if do_rebuild:
        from crawler.config import DEFAULT_CONFIG
        from pipelines.dedup.settings import NearDupSettings

        # the config file is optional here unless named: without one, the built-in settings
        settings = (
            _load(config_path).near_dup_settings()
            if config_path or DEFAULT_CONFIG.exists()
            else NearDupSettings()
        )
        lines = rebuild(db_path, settings, progress=not no_progress).lines()
    else:
        db = connect(db_path)
        try:
            total = db.execute("SELECT count(*) FROM documents").fetchone()[0]
            lines = summarise(db.conn, total).lines()[1:]
        finally:
            db.close()
    for line in lines:
        click.echo(line)


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--since`` checked before anything is opened: an ISO 8601 date or time, as UTC."""
    from crawler.browse.export import ExportError, normalise_since

    try:
        return normalise_since(value) if value is not None else None
    except ExportError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or time (2026-11-01, 2026-11-01T08:00:00+08:00)"
        ) from None


@cli.command("export")
@click.option(
    "--after-change",
    type=click.IntRange(min=0),
    help="Every document changed after change number N, once each (the feed cursor).",
)
@click.option(
    "--after-id", type=click.IntRange(min=0), default=0, help="Documents with an id above N."
)
@click.option(
    "--since",
    callback=_since,
    help="Documents first seen at or after this ISO 8601 date or time (UTC unless it names a zone).",
)
@click.option("--site", help="Only documents with a source on this site.")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--no-bom", is_flag=True, help="CSV without the UTF-8 byte-order mark Excel needs.")
@click.option("--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@db_option(must_exist=True)
def export_command(
    after_change: int | None,
    after_id: int,
    since: str | None,
    site: str | None,
    fmt: str,
    no_bom: bool,
    output: str | None,
    db_path: str,
) -> None:
    """Write document records (schema harvest-export/2) as JSON Lines or CSV.

    --after-change N is the feed: every document that changed after change number N (new
    text, a copy found on another site, a new version of a page, a cluster or canonical
    change, a metadata correction), once each; pass the printed cursor next time and nothing
    is missed or sent twice. --after-id N lists new texts only. --since takes an ISO 8601 date
    or time (UTC unless it names a zone) and compares when a text was first fetched. Records
    follow crawler/browse/schemas/export-v2.schema.json; CSV starts with a BOM unless --no-bom.
    """
    from crawler.browse.export import Cursor, ExportError, export, export_to_file

    cursor = Cursor(after_change=after_change, after_id=after_id, since=since, site=site)
    try:
        if output:  # through a temporary file: a failed export leaves no half-written file
            count, following = export_to_file(db_path, output, fmt, cursor, bom=not no_bom)
        else:
            count, following = export(db_path, sys.stdout, fmt, cursor, bom=not no_bom)
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write the export: {exc.strerror}") from None
    option = "--after-change" if after_change is not None else "--after-id"
    click.echo(f"exported {count} records; next: {option} {following}", err=True)


@cli.command("reextract")
@click.option("--site", help="Only this site's pages.")
@click.option("--since", help="Only pages fetched at or after this date (YYYY-MM-DD or ISO time).")
@db_option(must_exist=True, help="Archive database (its WARC files are in warc/ beside it).")
@click.option("--restart", is_flag=True, help="Ignore the checkpoint of an interrupted run.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def reextract_command(
    site: str | None, since: str | None, db_path: str, restart: bool, quiet: bool
) -> None:
    """Re-run extraction, normalisation and deduplication over archived pages (no network).

    Reads each stored page's WARC record; a page whose text now comes out differently gets a
    new document version, unchanged pages are left alone; archived document pages that gave
    no text when crawled are tried again. An interrupted run resumes where it stopped (same
    --site/--since) unless --restart is given. Exits 1 when a WARC record could not be read.
    """
    from crawler.reextract import reextract

    summary = reextract(db_path, site, since, restart=restart, progress=not quiet)
    if summary.resumed_after:
        click.echo(f"resumed after source {summary.resumed_after}")
    click.echo(
        f"pages: {summary.pages}, changed: {summary.changed}, unchanged: {summary.unchanged}, "
        f"no text: {summary.empty}, unreadable: {summary.unreadable}, "
        f"stored for the first time: {summary.recovered}, "
        f"new documents: {summary.stored.get('new', 0)}"
    )
    if summary.unreadable:
        raise SystemExit(1)


def _distributed(config_path: str | None) -> HarvestConfig:
    """The config, refusing when its ``distributed:`` section is not enabled."""
    config = _load(config_path)
    if not config.distributed.enabled:
        raise click.ClickException(
            f"{config.path}: distributed mode is off; set `distributed: {{enabled: true}}`"
        )
    return config


def _redis_down(config: HarvestConfig, exc: Exception) -> click.ClickException:
    return click.ClickException(f"cannot reach Redis at {config.distributed.redis_url}: {exc}")


def _log_to_stderr() -> None:
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@config_option
@click.option("--threads", type=int, help="Hosts crawled at once (default: config).")
def worker(config_path: str | None, threads: int | None) -> None:
    """Run a distributed worker: crawl the hosts queued in Redis until SIGTERM/SIGINT.

    Each job crawls one host's sites, one `harvest crawl` child after another, under a Redis
    lock per host; its pages go to the Redis stream that `harvest ingest` stores. A failed
    job is retried with backoff, then dead-lettered (see `harvest dist status`).
    """
    import redis

    from crawler.distributed.worker import run_worker

    config = _distributed(config_path)
    _log_to_stderr()
    try:
        run_worker(str(Path(config.path).resolve()), config.distributed, threads)
    except redis.ConnectionError as exc:
        raise _redis_down(config, exc) from None


@cli.command()
@config_option
@db_option()
@click.option("--name", help="Consumer name (default: this machine's host name).")
@click.option("--until-idle", is_flag=True, help="Stop once the stream is empty.")
def ingest(config_path: str | None, db_path: str, name: str | None, until_idle: bool) -> None:
    """Store what the distributed crawls put on the Redis stream into the archive.

    The only writer of the database and WARC files in distributed mode. After a restart it
    first replays what it had read but not committed; every write is idempotent.
    SIGTERM/SIGINT stop it after the batch in hand.
    """
    import signal
    import socket
    import threading

    import redis

    from crawler.distributed.broker import redis_client
    from crawler.distributed.ingest import Ingester

    config = _distributed(config_path)
    _log_to_stderr()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        ingester = Ingester(
            config, db_path, redis_client(config.distributed), name or socket.gethostname()
        )
        try:
            ingester.run(stop, until_idle=until_idle)
        finally:
            ingester.close()
    except redis.ConnectionError as exc:
        raise _redis_down(config, exc) from None
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"ingested {ingester.rows} pages", err=True)


@cli.group()
def dist() -> None:
    """Distributed mode: its state, and enqueueing by hand."""


@dist.command("status")
@config_option
def dist_status_command(config_path: str | None) -> None:
    """Queues, hosts locked, each host's latest job (running, retrying, dead with its last
    error lines) and the ingester's lag."""
    import redis

    from crawler.distributed.broker import redis_client
    from crawler.distributed.status import dist_status

    config = _distributed(config_path)
    try:
        report = dist_status(redis_client(config.distributed), config.distributed)
    except redis.ConnectionError as exc:
        raise _redis_down(config, exc) from None
    for line in report.lines():
        click.echo(line)


@dist.command("enqueue")
@click.argument("sites", nargs=-1)
@config_option
def dist_enqueue(sites: tuple[str, ...], config_path: str | None) -> None:
    """Queue a crawl of SITES (default: every enabled site) now, one message per host."""
    import redis

    from crawler.distributed.broker import build_broker, redis_client
    from crawler.distributed.enqueue import enqueue_sites
    from crawler.distributed.worker import declare_actor

    config = _distributed(config_path)
    settings = config.distributed
    try:
        actor = declare_actor(build_broker(settings), settings, None)
        sent = enqueue_sites(actor, redis_client(settings), config, list(sites))
    except redis.ConnectionError as exc:
        raise _redis_down(config, exc) from None
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"enqueued {sent} host jobs")


def main() -> None:
    cli(prog_name="harvest")


if __name__ == "__main__":
    sys.exit(main())
