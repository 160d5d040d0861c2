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
- canned queries that depend on tables other engineers add later (clusters, alerts): they appear
  when the columns or tables exist, checked on every request, so a running server picks them up.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

DATABASE = "harvest"
SHORT_SCAN_LIMIT = 20_000
_TERMS = re.compile(r"\S+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# Doc-share pages flatten a report into one line; its numbered headings (一、 (二) （三）) still
# mark where paragraphs began. Display only: the stored text is left as extraction wrote it.
_HEADING_START = re.compile(
    r"(?<=[。；;！!？?：:])\s*(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])"
)
FLAT_TEXT_MIN = 400


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
        sql = (
            f"with inner as ({self.sql}) "
            "select site as value, count(distinct document_id) as count from sources "
            "where document_id in (select id from inner) "
            f"group by site order by count desc, site limit {size + 1}"
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


async def _columns(db, table: str) -> set[str]:
    if not await db.table_exists(table):
        return set()
    return set(await db.table_columns(table))


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
    link: dict[str, Any] = {}
    if "cluster_id" in document and document["cluster_id"] is not None:
        canonical = "d.is_canonical" if "is_canonical" in document else "0"
        # The dedup stage's per-member figures, when its table is there (names may still move).
        link_columns = await _columns(db, "document_clusters")
        extra = [c for c in ("similarity", "recycled") if c in link_columns]
        if "document_id" in link_columns and extra:
            select_extra = "".join(f", dc.{c} as {c}" for c in extra)
            join = "left join document_clusters dc on dc.document_id = d.id"
            found = await db.execute(
                f"select {', '.join('dc.' + c for c in extra)} from document_clusters dc "
                "where dc.document_id = ?",
                [document_id],
            )
            link = dict(found.rows[0]) if found.rows else {}
        else:
            select_extra, join = "", ""
        members = await db.execute(
            f"select d.id, d.title, d.agency, d.year, d.published, {canonical} as is_canonical, "
            "(select group_concat(distinct s.site) from sources s where s.document_id = d.id) "
            f"as sites{select_extra} from documents d {join} "
            "where d.cluster_id = ? and d.id != ? order by d.published, d.id",
            [document["cluster_id"], document_id],
        )
        cluster = [dict(r) for r in members.rows]
    return {
        "harvest_document": document,
        "harvest_paragraphs": paragraphs(document.get("text")),
        "harvest_original_paragraphs": paragraphs(document.get("text_original")),
        "harvest_sources": [dict(r) for r in sources.rows],
        "harvest_cluster": cluster,
        "harvest_has_clusters": "cluster_id" in document,
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


# --- canned queries that depend on tables still being built ----------------------------------

RECYCLED_BY_CLUSTER = """
select d.cluster_id, d.id, d.title, d.agency, d.year, d.period, d.published,
  (select group_concat(distinct site) from sources where document_id = d.id) as sites
from documents d
where d.cluster_id in (
  select cluster_id from documents where cluster_id is not null
  group by cluster_id having count(distinct coalesce(year, '')) > 1
)
order by d.cluster_id, d.year, d.id
"""

RECYCLED_BY_FLAG = """
select d.cluster_id, d.id, d.title, d.agency, d.year, d.period, d.published,
  dc.recycled,
  (select group_concat(distinct site) from sources where document_id = d.id) as sites
from documents d join document_clusters dc on dc.document_id = d.id
where d.cluster_id in (select cluster_id from document_clusters where recycled = 1)
order by d.cluster_id, d.year, d.id
"""

# Without clusters, the visible sign of a recycled template: the title names a year that is
# not the year the report was filed under (seed 001: title 2022, heading 2020, body 2021).
RECYCLED_BY_TITLE_YEAR = """
select id, title, agency, year, period, published,
  (select group_concat(distinct site) from sources where document_id = documents.id) as sites
from documents
where year is not null
  and title glob '*[12][0-9][0-9][0-9]年*'
  and instr(title, year || '年') = 0
order by published desc, id desc
limit 500
"""

CLUSTERS = """
select d.cluster_id, count(*) as documents,
  group_concat(d.id, ', ') as document_ids,
  min(d.published) as earliest, max(d.published) as latest,
  (select title from documents c where c.cluster_id = d.cluster_id
   order by {canonical_order} c.published, c.id limit 1) as title
from documents d
where d.cluster_id is not null
group by d.cluster_id
having count(*) > 1
order by documents desc, latest desc
limit 500
"""


async def harvest_canned_queries(datasette) -> dict[str, dict[str, Any]]:
    """Canned queries whose SQL depends on the schema found right now."""
    db = datasette.get_database(DATABASE)
    document_columns = await _columns(db, "documents")
    queries: dict[str, dict[str, Any]] = {}
    link_columns = await _columns(db, "document_clusters")
    if "cluster_id" in document_columns:
        canonical_order = "c.is_canonical desc," if "is_canonical" in document_columns else ""
        queries["near_duplicate_clusters"] = {
            "title": "Near-duplicate clusters 近似重复文档组",
            "description": "Groups of documents whose texts are near copies of each other "
            "(found on several sites, reformatted, truncated previews).",
            "sql": CLUSTERS.format(canonical_order=canonical_order),
        }
        queries["recycled_reports"] = {
            "title": "Recycled reports 套用旧稿的报告",
            "description": "Clusters whose members are filed under different years: the same "
            "wording reused for another year's report.",
            "sql": RECYCLED_BY_CLUSTER,
        }
        if {"cluster_id", "document_id", "recycled"} <= link_columns:
            # The dedup stage flags recycled (re-dated) copies itself: trust its judgement.
            queries["recycled_reports"]["description"] = (
                "Clusters in which the dedup stage found a recycled (re-dated) copy, with the "
                "report it was copied from."
            )
            queries["recycled_reports"]["sql"] = RECYCLED_BY_FLAG
    else:
        queries["recycled_reports"] = {
            "title": "Recycled reports 套用旧稿的报告 (title/year mismatch)",
            "description": "Near-duplicate clusters are not in this archive yet, so this lists "
            "the visible sign of a recycled template: a title naming a year other than the "
            "year the report was filed under.",
            "sql": RECYCLED_BY_TITLE_YEAR,
        }
    alert_columns = await _columns(db, "alerts")
    if alert_columns:
        # "Current": raised by the latest run of its site (older runs' alerts are history), and
        # not marked resolved, for whichever of those columns the table has.
        conditions = []
        if "run_id" in alert_columns:
            conditions.append("run_id in (select max(id) from runs group by site)")
        if "resolved_at" in alert_columns:
            conditions.append("resolved_at is null")
        elif "resolved" in alert_columns:
            conditions.append("not coalesce(resolved, 0)")
        where = f"where {' and '.join(conditions)}" if conditions else ""
        order = "created desc, id desc" if "created" in alert_columns else "rowid desc"
        queries["current_alerts"] = {
            "title": "Current alerts 当前告警",
            "description": "Alerts raised by the latest crawl of each site.",
            "sql": f"select * from alerts {where} order by {order} limit 500",
        }
    return queries


@hookimpl
def canned_queries(datasette, database, actor):
    if database != DATABASE:
        return None

    async def inner() -> dict[str, dict[str, Any]]:
        return await harvest_canned_queries(datasette)

    return inner
