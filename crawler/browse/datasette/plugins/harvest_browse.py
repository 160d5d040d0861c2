"""Datasette plugin for the harvest archive: Chinese search, a site facet, the document page.

Loaded by :func:`crawler.browse.serve.build_datasette` through ``plugins_dir``; it only reads.

In:  requests to the ``harvest`` database (see ``crawler/browse/datasette/metadata.yml``).
Out:
- ``?_q=`` on the documents table: every whitespace-separated term must match. Terms of three or
  more characters go through the FTS5 trigram index; shorter ones (科技, 工作), which trigram
  cannot match, scan title and text with LIKE over the newest ``SHORT_SCAN_LIMIT`` documents so
  one query cannot read an unbounded archive. Facets keep working on the results.
- ``?_site=`` and the ``source_site`` facet: documents by the site they were fetched from, which
  lives in ``sources``, not in ``documents``.
- the document page (``row-harvest-documents.html``) gets the document split into paragraphs,
  its sources and the other members of its near-duplicate cluster.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any

from datasette import hookimpl
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

DATABASE = "harvest"
SHORT_SCAN_LIMIT = 20_000
_TERMS = re.compile(r"\S+")
_WHERE = re.compile(r"\bwhere\b", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# Doc-share pages flatten a report into one line; its numbered headings (一、 (二) （三）) still
# mark where paragraphs began. Display only: the stored text is left as extraction wrote it.
_HEADING_START = re.compile(
    r"(?<=[。；;！!？?：:])\s*(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])"
)
FLAT_TEXT_MIN = 400
COUNT_CACHE_SECONDS = 60


def _is_documents(database: str | None, table: str | None) -> bool:
    return database == DATABASE and table == "documents"


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clauses(query: str) -> tuple[list[str], dict[str, str], list[str]]:
    """SQL for a researcher's query: (where clauses on ``documents``, params, descriptions).

    Each term is its own clause, so ``科技 创新`` means both words, in any order.
    """
    clauses: list[str] = []
    params: dict[str, str] = {}
    descriptions: list[str] = []
    for i, term in enumerate(_TERMS.findall(query)):
        name = f"harvest_q{i}"
        if len(term) >= 3:
            # A quoted phrase: the user's quotes, stars and ORs are text, not FTS5 syntax.
            params[name] = '"' + term.replace('"', '""') + '"'
            clauses.append(
                f"id in (select rowid from documents_fts where documents_fts match :{name})"
            )
            descriptions.append(f'全文含 "{term}"')
        else:
            params[name] = _like_pattern(term)
            clauses.append(
                "id in (select id from (select id, title, text from documents "
                f"order by id desc limit {SHORT_SCAN_LIMIT}) "
                f"where title like :{name} escape '\\' or text like :{name} escape '\\')"
            )
            descriptions.append(f'全文含 "{term}" (short term: LIKE scan)')
    return clauses, params, descriptions


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    """``_q`` (Chinese full text) and ``_site`` filters on the documents table.

    ``trylast`` so our ``supports_search: False`` lands after Datasette's own search hook:
    the built-in box would send short queries to trigram, which finds nothing for them.
    """
    if not _is_documents(database, table):
        return None
    clauses: list[str] = []
    params: dict[str, Any] = {}
    descriptions: list[str] = []
    query = request.args.get("_q", "").strip()
    if query:
        clauses, params, descriptions = search_clauses(query)
    sites = [s for s in request.args.getlist("_site") if s]
    if sites:
        marks = []
        for i, site in enumerate(sites):
            params[f"harvest_site{i}"] = site
            marks.append(f":harvest_site{i}")
        clauses.append(
            f"id in (select document_id from sources where site in ({', '.join(marks)}))"
        )
        descriptions.append("found on " + " or ".join(sites))
    keep = [
        (key, value)
        for key in request.args
        if key not in ("_q", "_next")
        for value in request.args.getlist(key)
    ]
    return FilterArguments(
        clauses,
        params,
        descriptions,
        extra_context={"supports_search": False, "harvest_q": query, "harvest_keep_args": keep},
    )


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
        # the sources of the documents the filters select.
        within = (
            f"where document_id in (select id from ({self.sql})) "
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


async def document_context(datasette, document_id: str) -> dict[str, Any]:
    """Everything the document page shows beyond the row: paragraphs, sources, cluster."""
    db = datasette.get_database(DATABASE)
    rows = await db.execute("select * from documents where id = ?", [document_id])
    if not rows.rows:
        return {}
    document = dict(rows.rows[0])
    sources = await db.execute(
        "select id, site, url, final_url, status, fetched_at, first_seen, encoding, title "
        "from sources where document_id = ? order by fetched_at, site",
        [document_id],
    )
    cluster: list[dict[str, Any]] = []
    found = await db.execute(
        "select similarity, recycled from document_clusters where document_id = ?",
        [document_id],
    )
    link = dict(found.rows[0]) if found.rows else {}
    if document["cluster_id"] is not None:
        members = await db.execute(
            "select d.id, d.title, d.agency, d.year, d.published, d.is_canonical, "
            "(select group_concat(distinct s.site) from sources s where s.document_id = d.id) "
            "as sites, dc.similarity as similarity, dc.recycled as recycled from documents d "
            "left join document_clusters dc on dc.document_id = d.id "
            "where d.cluster_id = ? and d.id != ? order by d.published, d.id",
            [document["cluster_id"], document_id],
        )
        cluster = [dict(r) for r in members.rows]
        # Similarities are stored against the canonical member; from a copy's page, the
        # canonical is as similar to it as it is to the canonical.
        if not document["is_canonical"]:
            for member in cluster:
                if member["is_canonical"]:
                    member["similarity"] = link.get("similarity")
    return {
        "harvest_document": document,
        "harvest_paragraphs": paragraphs(document.get("text")),
        "harvest_original_paragraphs": paragraphs(document.get("text_original")),
        "harvest_sources": [dict(r) for r in sources.rows],
        "harvest_cluster": cluster,
        "harvest_cluster_link": link,
    }


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """The document page's extra context; nothing for other pages."""
    if view_name != "row" or not _is_documents(database, table) or request is None:
        return None

    async def inner() -> dict[str, Any]:
        pks = request.url_vars.get("pks", "")
        return await document_context(datasette, pks.split(",")[0])

    return inner


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """In canned-query results, a title next to a document ``id`` links to that document."""
    if database != DATABASE or table is not None or column != "title" or value is None:
        return None
    try:
        document_id = row["id"]
    except (IndexError, KeyError):
        return None
    if document_id is None:
        return None
    from markupsafe import Markup, escape

    href = datasette.urls.row(DATABASE, "documents", str(document_id))
    return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
