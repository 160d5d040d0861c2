"""Browse: the archive database in Datasette, read-only.

In:  the archive database path, the interface and port to bind, whether arbitrary SQL is allowed.
Out: a configured :class:`datasette.app.Datasette` (:func:`build_datasette`, also what the tests
     drive) or a running server (:func:`run`).

The database is always published under the name ``harvest`` whatever its file is called, so the
metadata, canned queries and templates in ``crawler/browse/datasette/`` (keyed by that name) apply to
``archive/harvest.db`` and to ``/tmp/test.db`` alike. It is opened mutable (not ``immutable``: a
crawl may be writing to it) and Datasette reads mutable files through ``?mode=ro`` connections;
no write plugin is installed, so nothing in the server can change the archive.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml
from datasette.app import Datasette
from datasette.database import Database

DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"
METADATA = DATASETTE_DIR / "metadata.yml"
DATABASE_NAME = "harvest"

# Long Chinese texts would turn the table pages into walls of characters; the document page
# shows them whole.
SETTINGS: dict[str, object] = {
    "truncate_cells_html": 60,
    "default_page_size": 50,
    # The site facet joins sources; give it more than the 200 ms default on a large archive.
    "facet_time_limit_ms": 1000,
    # Configured facets cover what a researcher asks; suggestions (cluster_id, hashes) are noise.
    "suggest_facets": False,
    # SQLite page cache per connection (Datasette's default is SQLite's 2 MB): facet and count
    # queries over 100,000 documents walk indexes of tens of MB.
    "cache_size_kb": 32 * 1024,
}


def build_datasette(db_path: str | Path, allow_sql: bool = True) -> Datasette:
    """A Datasette app serving ``db_path`` as ``harvest`` with the project's metadata.

    ``allow_sql=False`` refuses arbitrary SQL (the SQL editor, ``?sql=`` and ``?_where=``);
    canned queries, tables, facets and search keep working.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no archive database there")
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    settings = dict(SETTINGS, default_allow_sql=allow_sql)
    ds = Datasette(
        metadata=metadata,
        plugins_dir=str(DATASETTE_DIR / "plugins"),
        template_dir=str(DATASETTE_DIR / "templates"),
        static_mounts=[("harvest-static", str(DATASETTE_DIR / "static"))],
        settings=settings,
    )
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DATABASE_NAME)
    # Datasette adds an empty in-memory database when given no files; it only confuses.
    ds.remove_database("_memory")
    return ds


def schema_behind(db_path: str | Path) -> str:
    """ "schema N, this harvest writes M" when the archive predates this harvest's schema (its
    migrations run when a command that writes opens it); "" when it is up to date."""
    from crawler.storage.schema import SCHEMA_VERSION

    conn = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    finally:
        conn.close()
    return (
        f"schema {version}, this harvest writes {SCHEMA_VERSION}"
        if version < SCHEMA_VERSION
        else ""
    )


def run(
    db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, allow_sql: bool = True
) -> int:
    """Serve until interrupted; return an exit status (0 after Ctrl-C)."""
    import uvicorn

    ds = build_datasette(db_path, allow_sql=allow_sql)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
    return 0
