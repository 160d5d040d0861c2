"""Datasette plugin for the harvest archive: search, facets, the document page and the pages
around it. Loaded by :func:`crawler.browse.serve.build_datasette` through ``plugins_dir``; it
only reads.

In:  requests to the ``harvest`` database (see ``crawler/browse/datasette/metadata.yml``).
Out:
- one search path (:mod:`crawler.browse.search`) for the search page ``/harvest/-/search``
  (ranked, highlighted; ``.json`` too), the documents table's ``?_q=`` and Datasette's own
  ``?_search=`` (rewritten to ``_q``: Datasette's own search cannot read our index), HTML and
  JSON alike; a query the search cannot take is a message on the page, never an error page;
- ``?_site=`` and the ``source_site`` facet (the site lives in ``sources``);
- SQL functions ``harvest_agency(name)`` (the canonical form of an agency name, so 科技局 finds
  阳江市科学技术局) and ``harvest_beijing(time)`` for canned queries;
- the document page: paragraphs, sources with the government original marked and a link to
  each archived page, cluster members with their similarity to this document and a compare
  link; ``/harvest/-/compare/A/B`` (two texts side by side) and ``/harvest/-/archived/ID``
  (the page as archived in the WARC file, behind a banner, scripts off);
- the document page also lists its attachments (the files its pages link, and the files whose
  text it is); ``/-/harvest/attachment/<id>`` serves an attachment's archived copy from its
  WARC file, with its media type and file name;
- the home page's numbers and health; times shown in Beijing time with the zone; ``runs.stats``
  folded; column notes folded on every table.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import urllib.parse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from datasette import Forbidden, NotFound, Response, hookimpl
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args
from markupsafe import Markup, escape

from crawler.browse import search
from crawler.browse.compare import compare
from crawler.storage.warc import PayloadIndex, WarcReader, archive_root_of
from pipelines.dedup.similarity import compare as compare_shingles
from pipelines.dedup.similarity import text_shingles
from pipelines.regions import canonical_agency

DATABASE = "harvest"
BEIJING = ZoneInfo("Asia/Shanghai")
BEIJING_LABEL = "北京时间"
_WHERE = re.compile(r"\bwhere\b", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# Doc-share pages flatten a report into one line; its numbered headings (一、 (二) （三）) still
# mark where paragraphs began. Display only: the stored text is left as extraction wrote it.
_HEADING_START = re.compile(
    r"(?<=[。；;！!？?：:])\s*(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])"
)
FLAT_TEXT_MIN = 400
SEARCH_PAGE_SIZE = 20
# Columns holding ISO 8601 UTC times, shown in Beijing time on every table.
TIME_COLUMNS = frozenset(
    {"fetched_at", "first_seen", "last_seen", "started", "finished", "created", "last_checked",
     "next_fetch_after", "changed_at", "updated"}
)  # fmt: skip
_UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(\+00:00|Z)$")
SIMILARITY_DIGITS = 2
_DOCUMENT_PATHS = re.compile(r"^/harvest/documents(\.json|\.csv)?$")
_BODY_OPEN = re.compile(rb"<body[^>]*>", re.I)
COUNT_CACHE_SECONDS = 60


def _is_documents(database: str | None, table: str | None) -> bool:
    return database == DATABASE and table == "documents"


def beijing(value: Any, seconds: bool = False) -> str:
    """An ISO 8601 UTC time as Beijing time with its zone named: 2026-11-25 17:00 北京时间."""
    if not isinstance(value, str) or not _UTC_TIME.match(value):
        return "" if value is None else str(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(BEIJING)
    return f"{moment:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {BEIJING_LABEL} (UTC+8)"


# --- search ---------------------------------------------------------------------------------


@hookimpl
def asgi_wrapper(datasette):
    """``?_search=`` on the documents table becomes ``?_q=``: links and habits of Datasette's own
    search keep working, though it cannot read our index of character pairs."""

    def wrap(app):
        async def rewrite(scope, receive, send):
            if scope.get("type") == "http" and _DOCUMENT_PATHS.match(scope.get("path", "")):
                pairs = urllib.parse.parse_qsl(
                    scope.get("query_string", b"").decode("utf-8"), keep_blank_values=True
                )
                if any(key == "_search" for key, _ in pairs):
                    pairs = [("_q" if key == "_search" else key, value) for key, value in pairs]
                    query = urllib.parse.urlencode(pairs).encode("ascii")
                    scope = dict(scope, query_string=query)
            await app(scope, receive, send)

        return rewrite

    return wrap


def _site_clause(sites: list[str], params: dict[str, Any]) -> str:
    marks = []
    for i, site in enumerate(sites):
        params[f"harvest_site{i}"] = site
        marks.append(f":harvest_site{i}")
    return f"id in (select document_id from sources where site in ({', '.join(marks)}))"


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    """``_q`` (the search, :mod:`crawler.browse.search`) and ``_site`` on the documents table.

    ``trylast`` so our ``supports_search: False`` lands after Datasette's own search hook.
    """
    if not _is_documents(database, table):
        return None

    return _search_filters(request)


def _search_filters(request) -> FilterArguments:
    """:func:`filters_from_request` for the documents table."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    descriptions: list[str] = []
    typed = request.args.get("_q", "").strip()
    error, terms = None, []
    if typed:
        try:
            query = search.parse(typed)
        except search.QueryError as exc:
            error = str(exc)
            clauses.append("0")  # nothing matches a query the search cannot take
            descriptions.append(f"search not run: {error}")
        else:
            clauses, params = search.where_clauses(query)
            descriptions = query.describe()
            terms = [t.text for t in query.terms]
    sites = [s for s in request.args.getlist("_site") if s]
    if sites:
        clauses.append(_site_clause(sites, params))
        descriptions.append("found on " + " or ".join(sites))
    keep = [
        (key, value)
        for key in request.args
        if key not in ("_q", "_next")
        for value in request.args.getlist(key)
    ]
    context = {
        "supports_search": False,
        "harvest_q": typed,
        "harvest_terms": terms,
        "harvest_search_error": error,
        "harvest_keep_args": keep,
    }
    return FilterArguments(clauses, params, descriptions, extra_context=context)


class SourceSiteFacet(Facet):
    """Facet ``{"source_site": "site"}``: documents counted by the sites they were found on.

    A document found on two sites counts once under each; selecting a value adds ``_site=``.
    """

    type = "source_site"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        if not _is_documents(self.database, self.table):
            return results, timed_out
        from datasette.database import QueryInterrupted

        size = self.get_facet_size()
        selected_sites = set(self.request.args.getlist("_site"))
        # Unfiltered, the counts come from the (site, document_id) index alone; filtered, from
        # the sources of the documents the filters select, still walking that index in order
        # (the unary +): looking each selected document up by id instead, and grouping in a
        # temporary b-tree, took 0.12 s for a search matching 97,000 of 100,000 documents.
        within = (
            f"where +document_id in (select id from ({self.sql})) "
            if _WHERE.search(self.sql)
            else ""
        )
        sql = (
            "select site as value, count(distinct document_id) as count from sources "
            f"{within}group by site order by count desc, site limit {size + 1}"
        )
        for _config in self.get_configs():
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append("site")
                continue
            values = []
            for row in rows.rows[:size]:
                value = row["value"]
                selected = value in selected_sites
                if selected:
                    path = path_with_removed_args(self.request, {"_site": value})
                else:
                    path = path_with_added_args(self.request, {"_site": value})
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, path),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": "site",
                    "type": self.type,
                    "results": values,
                    "hideable": False,
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {"_site"})
                    ),
                    "truncated": len(rows.rows) > size,
                }
            )
        return results, timed_out


@hookimpl
def startup(datasette):
    """Bounded, cached table counts for the home and database pages (see
    :func:`bounded_table_counts`)."""
    db = datasette.databases.get(DATABASE)
    if db is not None:
        db.table_counts = bounded_table_counts(db)


def bounded_table_counts(db):
    """Datasette counts every table, hidden ones included, for the home and database pages,
    each with a time limit. SQLite counts a whole table in one step that the limit cannot
    interrupt, and the FTS index tables and the LSH bands hold millions of entries: 2 s of
    counting at 34,000 documents. Hidden tables (none of them shown with a count to readers)
    are not counted; the others are, at most once a minute."""
    cached: dict[str, Any] = {}

    async def table_counts(limit: int = 10) -> dict[str, int | None]:
        from datasette.database import QueryInterrupted

        if cached and time.monotonic() - cached["at"] < COUNT_CACHE_SECONDS:
            return cached["counts"]
        hidden = set(await db.hidden_table_names())
        counts: dict[str, int | None] = {}
        for table in await db.table_names():
            if table in hidden:
                counts[table] = None
                continue
            try:
                rows = await db.execute(f"select count(*) from [{table}]", custom_time_limit=limit)
                counts[table] = rows.rows[0][0]
            except (QueryInterrupted, sqlite3.OperationalError, sqlite3.DatabaseError):
                counts[table] = None
        cached.update(at=time.monotonic(), counts=counts)
        return counts

    return table_counts


@hookimpl
def register_facet_classes():
    return [SourceSiteFacet]


def paragraphs(text: str | None) -> list[str]:
    """The text's paragraphs: its non-empty lines (extraction keeps one paragraph a line).

    A long text with no line break at all (a flattened doc-share copy) is split before its
    numbered headings instead, so it does not read as one wall of characters.
    """
    lines = [p.strip() for p in _PARAGRAPH_BREAK.split(text or "") if p.strip()]
    if len(lines) == 1 and len(lines[0]) >= FLAT_TEXT_MIN:
        lines = [p.strip() for p in _HEADING_START.split(lines[0]) if p.strip()]
    return lines


def _similarity(text: str | None, other: str | None) -> float:
    """How alike two members look from either's page: the dedup stage's own measure (the
    larger of shingle Jaccard and containment), rounded."""
    jaccard, containment, _ = compare_shingles(
        text_shingles(text or ""), text_shingles(other or "")
    )
    return round(max(jaccard, containment), SIMILARITY_DIGITS)


async def _cluster_members(db, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The other members of the document's cluster, each with its similarity to this one."""
    if document.get("cluster_id") is None:
        return []
    members = await db.execute(
        "select d.id, d.title, d.agency, d.year, d.published, d.is_canonical, d.text, "
        "(select group_concat(distinct s.site) from sources s where s.document_id = d.id) "
        "as sites, exists(select 1 from sources s where s.document_id = d.id "
        "and s.primary_source) as government, dc.recycled as recycled from documents d "
        "left join document_clusters dc on dc.document_id = d.id "
        "where d.cluster_id = ? and d.id != ? order by d.published, d.id",
        [document["cluster_id"], document["id"]],
    )
    cluster = [dict(r) for r in members.rows]
    loop = asyncio.get_running_loop()
    for member in cluster:
        text = member.pop("text")
        member["similarity"] = await loop.run_in_executor(
            None, _similarity, document.get("text"), text
        )
    return cluster


async def document_context(datasette, document_id: str) -> dict[str, Any]:
    """Everything the document page shows beyond the row: paragraphs, sources, cluster."""
    db = datasette.get_database(DATABASE)
    rows = await db.execute("select * from documents where id = ?", [document_id])
    if not rows.rows:
        return {}
    document = dict(rows.rows[0])
    sources = await db.execute(
        "select id, site, url, final_url, status, fetched_at, first_seen, encoding, title, "
        "family, primary_source, warc_file is not null as archived "
        "from sources where document_id = ? order by primary_source desc, fetched_at, site",
        [document_id],
    )
    found = await db.execute(
        "select similarity, recycled from document_clusters where document_id = ?",
        [document_id],
    )
    attachments = await db.execute(
        "select id, url, link_text, filename_linked, filename_served, kind, media_type, bytes, "
        "page_count, method, needs_ocr, error, document_id, source_document_id, warc_file, "
        "source_url from attachments where source_document_id = ? or document_id = ? "
        "order by source_document_id != ?, id",
        [document_id, document_id, document_id],
    )
    return {
        "harvest_document": document,
        "harvest_attachments": [dict(r) for r in attachments.rows],
        "harvest_paragraphs": paragraphs(document.get("text")),
        "harvest_original_paragraphs": paragraphs(document.get("text_original")),
        "harvest_sources": [dict(r) for r in sources.rows],
        "harvest_cluster": await _cluster_members(db, document),
        "harvest_cluster_link": dict(found.rows[0]) if found.rows else {},
    }


OVERVIEW_SQL = {
    "documents": "select count(*) from documents",
    "sources": "select count(*) from sources",
    "sites": "select count(distinct site) from sources",
    "clusters": "select count(*) from (select cluster_id from documents where cluster_id is not"
    " null group by cluster_id having count(*) > 1)",
    "with_region": "select count(*) from documents where region_code is not null",
    "alerts_open": "select count(*) from alerts where run_id in (select max(id) from runs group"
    " by site)",
}
LAST_RUNS_SQL = """
select r.site, r.started, r.status, r.pages_fetched, r.documents_new, r.errors,
  (select count(*) from alerts a where a.run_id = r.id) as alerts
from runs r where r.id in (select max(id) from runs group by site)
order by r.status = 'ok', r.site
"""


async def overview_context(datasette) -> dict[str, Any]:
    """The home page: the archive in numbers and each site's last crawl."""
    db = datasette.get_database(DATABASE)
    numbers = {}
    for name, sql in OVERVIEW_SQL.items():
        numbers[name] = (await db.execute(sql)).rows[0][0]
    runs = [dict(r) for r in (await db.execute(LAST_RUNS_SQL)).rows]
    failing = [r["site"] for r in runs if r["status"] != "ok"]
    return {"harvest_numbers": numbers, "harvest_last_runs": runs, "harvest_failing": failing}


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """The document page's and the home page's extra context; nothing for other pages."""
    if view_name == "index":
        return lambda: overview_context(datasette)
    if view_name != "row" or not _is_documents(database, table) or request is None:
        return None

    async def inner() -> dict[str, Any]:
        pks = request.url_vars.get("pks", "")
        return await document_context(datasette, pks.split(",")[0])

    return inner


def _title_link(row, value, datasette) -> Markup | None:
    try:
        document_id = row["id"]
    except (IndexError, KeyError):
        return None
    if document_id is None:
        return None
    href = datasette.urls.row(DATABASE, "documents", str(document_id))
    return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')


def _folded_stats(value: str) -> Markup:
    try:
        stats = json.loads(value)
    except (TypeError, ValueError):
        return Markup(f"<details><summary>stats</summary><pre>{escape(value)}</pre></details>")
    pretty = json.dumps(stats, ensure_ascii=False, indent=1, sort_keys=True)
    return Markup(
        f"<details class='harvest-stats'><summary>{len(stats)} Scrapy stats</summary>"
        f"<pre>{escape(pretty)}</pre></details>"
    )


def _status_counts(value: str) -> str | None:
    """``{"200": 8, "404": 1}`` as one line: 200×8 404×1."""
    try:
        counts = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(counts, dict):
        return None
    return " ".join(f"{status}×{count}" for status, count in sorted(counts.items()))


@hookimpl(tryfirst=True)
def render_cell(row, value, column, table, database, datasette):
    """Titles in canned queries link to their document; UTC times show in Beijing time;
    ``runs.stats`` is folded; similarities are rounded."""
    if database != DATABASE or value is None:
        return None
    if column == "title" and table is None:
        return _title_link(row, value, datasette)
    if column in TIME_COLUMNS and isinstance(value, str) and _UTC_TIME.match(value):
        return Markup(f'<time datetime="{escape(value)}">{escape(beijing(value, True))}</time>')
    if column == "stats" and table in ("runs", None):
        return _folded_stats(value)
    if column == "responses" and table in ("runs", None):
        return _status_counts(value)
    if column in ("similarity", "jaccard", "containment") and isinstance(value, float):
        return f"{value:.{SIMILARITY_DIGITS}f}"
    return None


@hookimpl
def prepare_connection(conn, database, datasette):
    """SQL functions for canned queries: harvest_agency(name) and harvest_beijing(time)."""
    if database != DATABASE:
        return
    conn.create_function("harvest_agency", 1, lambda name: canonical_agency(name) if name else name)
    conn.create_function("harvest_beijing", 1, beijing)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["beijing"] = beijing
    env.filters["highlight"] = lambda value: Markup(search.render_highlight(value))


# --- pages of our own -------------------------------------------------------------------------


async def search_page(request, datasette):
    """``/harvest/-/search?q=``: ranked, highlighted results (``.json``: the same as JSON)."""
    typed = request.args.get("q", "").strip()
    asked = request.args.get("page", "1")
    page = int(asked) if asked.isdigit() and int(asked) > 0 else 1
    db = datasette.get_database(DATABASE)
    context: dict[str, Any] = {"q": typed, "page": page, "rows": [], "error": None, "total": 0}
    if typed:
        try:
            query = search.parse(typed)
            offset = (page - 1) * SEARCH_PAGE_SIZE
            sql, params = search.search_sql(query, SEARCH_PAGE_SIZE, offset)
            count_sql, count_params = search.count_sql(query)
            context["rows"] = [dict(r) for r in (await db.execute(sql, params)).rows]
            context["total"] = (await db.execute(count_sql, count_params)).rows[0][0]
            context["described"] = query.describe()
        except search.QueryError as exc:
            context["error"] = str(exc)
        except Exception as exc:  # a time limit or a damaged index: say so, never a 500
            context["error"] = search.explain(exc)
    if request.url_vars.get("format") == "json":
        for row in context["rows"]:
            for key in ("title_highlighted", "text_snippet"):
                row[key] = search.plain_highlight(row[key])
        status = 400 if context["error"] else 200
        return Response.json(
            {k: context.get(k) for k in ("q", "page", "total", "rows", "error")}, status=status
        )
    return Response.html(
        await datasette.render_template("harvest_search.html", context, request=request)
    )


async def compare_page(request, datasette):
    """``/harvest/-/compare/A/B``: documents A and B side by side, changes marked."""
    db = datasette.get_database(DATABASE)
    ids = [int(request.url_vars["a"]), int(request.url_vars["b"])]
    rows = await db.execute(
        "select id, title, agency, year, published, text, is_canonical from documents"
        " where id in (?, ?)",
        ids,
    )
    found = {r["id"]: dict(r) for r in rows.rows}
    missing = [i for i in ids if i not in found]
    if missing:
        return Response.html(f"<p>No document {missing[0]}.</p>", status=404)
    left, right = found[ids[0]], found[ids[1]]
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, compare, left["text"], right["text"])
    similarity = await loop.run_in_executor(None, _similarity, left["text"], right["text"])
    context = {"left": left, "right": right, "result": result, "similarity": similarity}
    return Response.html(
        await datasette.render_template("harvest_compare.html", context, request=request)
    )


def _archived_banner(source: dict[str, Any], shown: str) -> bytes:
    """The banner above an archived page, in ASCII (entities for Chinese), so it reads right
    whatever the page's own charset."""
    text = (
        f'<div style="all:initial;display:block;position:sticky;top:0;z-index:2147483647;'
        f"background:#fff4d6;border-bottom:2px solid #e0a800;padding:8px 12px;"
        f'font:14px sans-serif;color:#222">'
        f"<b>&#23384;&#26723;&#39029;&#38754; Archived page</b> &#8212; as fetched from "
        f"{escape(source['url'])} at {escape(shown)}; read-only copy from the WARC archive, "
        f'scripts off. <a href="/harvest/documents/{source["document_id"]}">Back to the document</a>'
        "</div>"
    )
    return text.encode("ascii", "xmlcharrefreplace")


def _archived_body(db_path: str, location: tuple[str, int, int]) -> bytes:
    """The payload archived at ``location`` in the WARC files beside ``db_path``; a revisit
    gets its original's payload through the payload index (as re-extraction reads it)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        with WarcReader(archive_root_of(db_path), PayloadIndex(conn)) as reader:
            return reader.response(*location).body
    finally:
        conn.close()


async def archived_page(request, datasette):
    """``/harvest/-/archived/SOURCE``: the page exactly as archived, with a banner on top."""
    db = datasette.get_database(DATABASE)
    rows = await db.execute(
        "select id, url, document_id, fetched_at, warc_file, warc_offset, warc_length"
        " from sources where id = ?",
        [int(request.url_vars["source_id"])],
    )
    if not rows.rows or rows.rows[0]["warc_file"] is None:
        return Response.html("<p>This source has no archived page.</p>", status=404)
    source = dict(rows.rows[0])
    location = (source["warc_file"], source["warc_offset"], source["warc_length"])
    try:
        body = await asyncio.to_thread(_archived_body, db.path, location)
    except (OSError, ValueError, LookupError, StopIteration) as exc:
        return Response.html(
            f"<p>The archived page cannot be read: {escape(str(exc))}</p>", status=404
        )
    banner = _archived_banner(source, beijing(source["fetched_at"], True))
    found = _BODY_OPEN.search(body)
    body = body[: found.end()] + banner + body[found.end() :] if found else banner + body
    return Response(
        body,
        content_type="text/html",  # the page's own <meta charset> still decides the decoding
        headers={
            "Content-Security-Policy": "script-src 'none'; connect-src 'none'; frame-src 'none'",
            "X-Robots-Tag": "noindex",
        },
    )


def _archived_attachment(db_path: str, attachment_id: int) -> tuple[bytes, dict[str, Any]] | None:
    """The bytes the crawl archived for one attachment, and its row; None when not archived."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("select * from attachments where id = ?", [attachment_id]).fetchone()
    finally:
        conn.close()
    if row is None or row["warc_file"] is None:
        return None
    # Identical files are archived once; later copies are revisits the index resolves.
    location = (row["warc_file"], row["warc_offset"], row["warc_length"])
    return _archived_body(db_path, location), dict(row)


async def archived_attachment(datasette, request) -> Response:
    db = datasette.get_database(DATABASE)
    if db.path is None:
        raise Forbidden("no archive file")
    attachment_id = int(request.url_vars["attachment_id"])
    found = await asyncio.to_thread(_archived_attachment, db.path, attachment_id)
    if found is None:
        raise NotFound("no archived copy of this attachment")
    body, row = found
    name = row["filename_served"] or row["filename_linked"] or f"attachment-{row['id']}"
    return Response(
        body,
        content_type=row["media_type"] or "application/octet-stream",
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{urllib.parse.quote(name)}",
            "x-content-type-options": "nosniff",
        },
    )


@hookimpl
def register_routes():
    return [
        (r"^/harvest/-/search(\.(?P<format>json))?$", search_page),
        (r"^/harvest/-/compare/(?P<a>\d+)/(?P<b>\d+)$", compare_page),
        (r"^/harvest/-/archived/(?P<source_id>\d+)$", archived_page),
        (r"^/-/harvest/attachment/(?P<attachment_id>\d+)$", archived_attachment),
    ]
