"""Every table, index, view and trigger of the archive, and the migrations of older archives.

Tables (Datasette's metadata.yml describes each column to readers):

``documents``          one row per distinct clean text (exact copies share a row).
``sources``            one row per fetched document URL, pointing at its document.
``document_versions``  every text a URL has served.
``attachments``        one row per file a document page links (PDF, DOC, WPS, XLS, ZIP ...):
                       what it is, what reading it gave or why not; ``document_id`` is the
                       document holding its text (shared by every site serving that text).
``documents_fts``      the full-text index (:mod:`crawler.storage.fulltext`): contentless FTS5 of
                       the character pairs of documents' title, text and text_original; finds a
                       string of two or more characters, ranked with bm25.
``documents_chars``    each document's distinct characters (contentless FTS5, no positions):
                       one-character terms.
``changes``            the change feed: a number for every change a consumer must see (new
                       document, new source, new version, cluster or canonical change,
                       metadata correction), given by triggers; ``harvest export --after-change``.
``runs`` / ``alerts``  one row per crawl of one site; what its health check found.
``dedup_*``            the near-duplicate index (:mod:`pipelines.dedup.index`): signatures, LSH
                       bands, links, the settings it was built with.
``document_clusters``  each document's cluster and similarity to the canonical member;
                       ``clusters`` is a view over it.
``warc_payloads``      payload digest -> first WARC record holding it (revisit records).
``reextract_checkpoints``  where a ``harvest reextract`` run got to.
``walked_links``       document links seen on list pages by a *completed* walk of a site:
                       the only links the incremental early stop trusts
                       (:mod:`crawler.storage.walks`).
``dead_links``         document links that gave no document (404, robots.txt, a binary body,
                       a server error), with the status, the reason and when.

:func:`ensure_schema` creates what is missing and then runs, in order, each migration whose
number is above the archive's ``PRAGMA user_version``. Nothing is ever dropped that holds data
a migration has not moved first.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

import crawler.storage.fulltext as fulltext

# The texts come last: SQLite reads a row's columns in order, and columns stored after two
# ~9 KB texts sit on overflow pages, so sorting or filtering on them would read the texts too.
DOCUMENT_COLUMNS: dict[str, type] = {
    "id": int,
    "title": str,
    "title_original": str,
    "published": str,
    "content_hash": str,
    "script": str,
    "agency": str,  # canonical full name (阳江市科学技术局), pipelines.regions
    "agency_original": str,  # as the page wrote it (市科技局)
    "region": str,  # place name as written
    "region_code": str,  # 6-digit 行政区划代码
    "province": str,
    "city": str,
    "county": str,
    "year": int,
    "period": str,
    "doc_type": str,
    "quality": float,
    "mojibake_spots": int,
    "partial": int,
    "length": int,
    "first_seen": str,
    "last_seen": str,
    "cluster_id": int,  # the cluster's id (its first member's document id)
    "is_canonical": int,
    "text": str,
    "text_original": str,  # NULL when the page's text is already ``text`` (Simplified)
}

SOURCE_COLUMNS: dict[str, type] = {
    "id": int,
    "url": str,
    "final_url": str,
    "site": str,
    "family": str,  # site family of the spider that fetched it (crawler.spiders.FAMILIES)
    "primary_source": int,  # 1 where the family publishes originals (government sites)
    "document_id": int,
    "status": int,
    "fetched_at": str,
    "first_seen": str,
    "encoding": str,
    "title": str,
    "list_url": str,
    "list_date": str,
    "raw_path": str,  # the WARC file holding the page, relative to the archive folder
    "body_sha1": str,
    # incremental fetching: validators the site sent, and when to fetch the URL again
    "etag": str,
    "last_modified": str,
    "last_checked": str,
    "refetch_interval": float,  # seconds
    "next_fetch_after": str,
    "changes": int,  # how often the text at this URL changed
    # where the response is kept in the WARC archive (crawler.storage.warc)
    "warc_file": str,
    "warc_offset": int,
    "warc_length": int,
    "payload_digest": str,
    # a page that only points to its report: the page's own text, and the file whose text the
    # document is (attachments.url)
    "article_text": str,
    "text_source": str,
}

RUN_COLUMNS: dict[str, type] = {
    "id": int,
    "site": str,
    "started": str,
    "finished": str,
    "status": str,
    "finish_reason": str,
    "pages_fetched": int,
    "documents_seen": int,
    "documents_new": int,
    "documents_updated": int,
    "duplicates": int,
    "errors": int,
    "requests": int,
    "responses": str,  # JSON: count per HTTP status
    "list_pages": int,
    "documents_linked": int,  # document links found on list pages
    "documents_changed": int,  # known URLs whose text changed
    "documents_unchanged": int,  # known URLs fetched again with the same text
    "not_modified": int,  # known URLs answered 304
    "not_due": int,  # known URLs not fetched: their re-fetch interval has not passed
    "text_length_mean": float,  # mean clean-text length of the documents fetched (3 or more)
    "documents_shrunk": int,  # changed documents whose text lost more than half
    "duration_seconds": float,
    "alerts": int,
    "stats": str,
    # added by migration 3 (crawls that always finish, honest health)
    "pid": int,  # the crawling process; a row left "running" by a dead one becomes "interrupted"
    "walk_complete": int,  # 1: every list page read and every linked document resolved
    "truncated": int,  # 1: cut by max_pages or max_list_pages
    "robots_disallowed": int,  # requests robots.txt forbade (not errors)
    "attempts": int,  # list and document requests that got an answer or finally failed
    "page_errors": int,  # of which failed: an HTTP error status or no answer at all
    "error_causes": str,  # JSON: {"HTTP 404 on document pages": 12, ...}
}

ATTACHMENT_COLUMNS: dict[str, type] = {
    "id": int,
    "source_url": str,  # the document page that links the file (sources.url)
    "source_document_id": int,  # that page's document
    "url": str,  # the file's URL as linked
    "final_url": str,
    "is_page": int,  # 1: the document URL itself served this file (no page around it)
    "link_text": str,
    "filename_linked": str,  # the file name as the page links it
    "filename_served": str,  # as Content-Disposition names it
    "kind": str,  # pipelines.sniff kind: pdf, doc, docx, xlsx, zip, ...
    "media_type": str,
    "bytes": int,
    "sha256": str,
    "page_count": int,
    "method": str,  # the library or tool that read it, with its version
    "needs_ocr": int,
    "text": str,  # Simplified
    "text_original": str,
    "quality": float,  # share of Han characters among the visible ones; NULL without text
    "error": str,  # why no text: encrypted / broken / oversize / unsupported / needs OCR / ...
    "members": str,  # JSON: an archive's files with their kind and error
    "document_id": int,  # the document whose text this file's is
    "status": int,
    "fetched_at": str,
    "warc_file": str,
    "warc_offset": int,
    "warc_length": int,
    "payload_digest": str,
}

# The documents facets (metadata.yml). Selecting a value of one (year=2019) counts the others
# over the rows it selects: an index led by each facet and holding the others (and the default
# sort column) answers those counts without reading a row. Sorting by a facet alone uses the
# single-column indexes of _STATEMENTS (their implicit last column is the id).
FACET_COLUMNS = ("year", "province", "city", "county", "agency", "period", "doc_type")
_FACET_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS idx_documents_facets_{column} ON documents("
    + ", ".join([column, *(c for c in FACET_COLUMNS if c != column), "published"])
    + ")"
    for column in FACET_COLUMNS
]

_TABLES_BY_COLUMNS = {
    "documents": DOCUMENT_COLUMNS,
    "sources": SOURCE_COLUMNS,
    "runs": RUN_COLUMNS,
    "attachments": ATTACHMENT_COLUMNS,
}

_STATEMENTS = """
CREATE UNIQUE INDEX IF NOT EXISTS idx_documents_hash ON documents(content_hash);
CREATE UNIQUE INDEX IF NOT EXISTS idx_sources_url ON sources(url);
CREATE INDEX IF NOT EXISTS idx_sources_document ON sources(document_id);
CREATE INDEX IF NOT EXISTS idx_runs_site ON runs(site, started);
CREATE INDEX IF NOT EXISTS idx_runs_started ON runs(started);
CREATE INDEX IF NOT EXISTS idx_documents_published ON documents(published);
CREATE INDEX IF NOT EXISTS idx_documents_newest ON documents(coalesce(published, first_seen));
CREATE INDEX IF NOT EXISTS idx_documents_region ON documents(region);
CREATE INDEX IF NOT EXISTS idx_documents_agency ON documents(agency, year);
CREATE INDEX IF NOT EXISTS idx_documents_year ON documents(year);
CREATE INDEX IF NOT EXISTS idx_documents_period ON documents(period);
CREATE INDEX IF NOT EXISTS idx_documents_doc_type ON documents(doc_type);
CREATE INDEX IF NOT EXISTS idx_documents_cluster_canonical
    ON documents(cluster_id, is_canonical, published);
CREATE INDEX IF NOT EXISTS idx_sources_site ON sources(site, document_id);
CREATE INDEX IF NOT EXISTS idx_sources_fetched ON sources(fetched_at);
CREATE INDEX IF NOT EXISTS idx_sources_status ON sources(status);
CREATE INDEX IF NOT EXISTS idx_sources_encoding ON sources(encoding);
CREATE TABLE IF NOT EXISTS document_versions (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (url, content_hash)
);
CREATE INDEX IF NOT EXISTS idx_document_versions_document ON document_versions(document_id);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id),
    created TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_alerts_created ON alerts(created);
CREATE TABLE IF NOT EXISTS dedup_signatures (
    document_id INTEGER PRIMARY KEY,
    signature BLOB NOT NULL,
    shingle_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dedup_bands (
    band_key INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    PRIMARY KEY (band_key, document_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_links (
    document_id INTEGER NOT NULL,
    other_id INTEGER NOT NULL,
    jaccard REAL NOT NULL,
    containment REAL NOT NULL,
    recycled INTEGER NOT NULL,
    PRIMARY KEY (document_id, other_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_dedup_links_other ON dedup_links(other_id);
CREATE TABLE IF NOT EXISTS document_clusters (
    document_id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL,
    is_canonical INTEGER NOT NULL,
    similarity REAL NOT NULL,
    jaccard REAL NOT NULL,
    containment REAL NOT NULL,
    recycled INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_document_clusters_cluster ON document_clusters(cluster_id);
CREATE INDEX IF NOT EXISTS idx_document_clusters_recycled ON document_clusters(cluster_id)
    WHERE recycled = 1;
CREATE TABLE IF NOT EXISTS dedup_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS warc_payloads (
    digest TEXT PRIMARY KEY,
    uri TEXT NOT NULL,
    date TEXT NOT NULL,
    record_id TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reextract_checkpoints (
    selection TEXT PRIMARY KEY,
    last_source_id INTEGER NOT NULL,
    started TEXT NOT NULL,
    updated TEXT NOT NULL
)
"""

# --- the change feed ----------------------------------------------------------------------------
# ``change_no`` comes from AUTOINCREMENT: it only grows and is never reused, and with one writer
# at a time numbers become visible in the order they were given.
CHANGE_KINDS = ("document", "source", "version", "cluster", "metadata")
# Document columns whose correction a consumer must receive. Text never changes in place (a new
# text is a new document); last_seen and re-fetches of the same text are not changes.
CHANGE_METADATA_COLUMNS = (
    "title", "title_original", "published", "script", "agency", "agency_original", "region",
    "region_code", "province", "city", "county", "year", "period", "doc_type", "quality",
    "partial", "mojibake_spots",
)  # fmt: skip
_CHANGED = " OR ".join(f"new.{c} IS NOT old.{c}" for c in CHANGE_METADATA_COLUMNS)
_CHANGE_STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS changes (
    change_no INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
)""",
    "CREATE INDEX IF NOT EXISTS idx_changes_document ON changes(document_id, change_no)",
    """CREATE TRIGGER IF NOT EXISTS changes_document AFTER INSERT ON documents BEGIN
  INSERT INTO changes (document_id, kind) VALUES (new.id, 'document');
END""",
    # a copy found later: a new source of a stored document
    """CREATE TRIGGER IF NOT EXISTS changes_source AFTER INSERT ON sources
WHEN new.document_id IS NOT NULL BEGIN
  INSERT INTO changes (document_id, kind) VALUES (new.document_id, 'source');
END""",
    # the URL now serves another text: a new version for the new document, one source fewer
    # for the old one
    """CREATE TRIGGER IF NOT EXISTS changes_source_moved AFTER UPDATE OF document_id ON sources
WHEN new.document_id IS NOT old.document_id BEGIN
  INSERT INTO changes (document_id, kind)
    SELECT old.document_id, 'source' WHERE old.document_id IS NOT NULL;
  INSERT INTO changes (document_id, kind)
    SELECT new.document_id, 'version' WHERE new.document_id IS NOT NULL;
END""",
    # every member's canonical_id changes with its cluster's canonical member; a new document
    # becoming a cluster of its own is part of its arrival, not a change
    """CREATE TRIGGER IF NOT EXISTS changes_cluster
AFTER UPDATE OF cluster_id, is_canonical ON documents
WHEN (new.cluster_id IS NOT old.cluster_id OR new.is_canonical IS NOT old.is_canonical)
  AND (old.cluster_id IS NOT NULL OR new.cluster_id IS NOT new.id) BEGIN
  INSERT INTO changes (document_id, kind) VALUES (new.id, 'cluster');
  INSERT INTO changes (document_id, kind)
    SELECT id, 'cluster' FROM documents
    WHERE new.cluster_id IS old.cluster_id AND new.is_canonical IS NOT old.is_canonical
      AND cluster_id = new.cluster_id AND id != new.id;
END""",
    f"""CREATE TRIGGER IF NOT EXISTS changes_metadata
AFTER UPDATE OF {", ".join(CHANGE_METADATA_COLUMNS)} ON documents
WHEN {_CHANGED} BEGIN
  INSERT INTO changes (document_id, kind) VALUES (new.id, 'metadata');
END""",
)


def _superseded(db: sqlite_utils.Database) -> None:
    """Versions 1 (a narrower FTS update trigger) and 4 (text_original in the trigram index)
    changed an index that version 13 replaces: nothing left to do."""


def _site_families_to_sources(db: sqlite_utils.Database) -> None:
    """Archives before version 2 learnt each site's family into a ``site_families`` table; the
    family (and whether it publishes originals) is now a column of each source."""
    if not db["site_families"].exists():
        return
    db.execute(
        "UPDATE sources SET family = (SELECT f.family FROM site_families f"
        " WHERE f.site = sources.site) WHERE family IS NULL"
    )
    db.execute("UPDATE sources SET primary_source = (family = 'gov') WHERE primary_source IS NULL")
    db.execute("DROP TABLE site_families")


def _attachments_table(db: sqlite_utils.Database) -> None:
    """Version 3: attachments (created by ensure_schema like every table); its indexes."""
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_attachments_link ON attachments(source_url, url)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_attachments_document ON attachments(document_id)")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_attachments_source ON attachments(source_document_id)"
    )


# Groups of two or more near copies: a document alone is no cluster to a reader. The documents
# columns are scalar subqueries, not a join: a count or facet over the view (its table page)
# then reads document_clusters alone, and only the rows shown read documents.
_CLUSTERS_VIEW = """
CREATE VIEW IF NOT EXISTS clusters AS
SELECT dc.cluster_id, dc.document_id, dc.is_canonical, round(dc.similarity, 3) AS similarity,
       round(dc.jaccard, 3) AS jaccard, round(dc.containment, 3) AS containment, dc.recycled,
       (SELECT title FROM documents WHERE id = dc.document_id) AS title,
       (SELECT published FROM documents WHERE id = dc.document_id) AS published,
       (SELECT length FROM documents WHERE id = dc.document_id) AS length,
       (SELECT group_concat(site, ', ') FROM
           (SELECT DISTINCT s.site FROM sources s WHERE s.document_id = dc.document_id
            ORDER BY s.site)
       ) AS sites
FROM document_clusters dc
WHERE dc.cluster_id IN
    (SELECT cluster_id FROM document_clusters GROUP BY cluster_id HAVING count(*) >= 2)
"""


def _clusters_view(db: sqlite_utils.Database) -> None:
    """The ``clusters`` view as :data:`_CLUSTERS_VIEW` defines it (version 6: groups of two or
    more members, similarities rounded; version 12: no join, so its counts read no texts)."""
    db.execute("DROP VIEW IF EXISTS clusters")
    db.execute(_CLUSTERS_VIEW)


def _change_feed(db: sqlite_utils.Database) -> None:
    """The ``changes`` table and its triggers; an archive from before them gets one
    ``document`` change per document in id order, so ``--after-change 0`` sends all once."""
    # the agency as written was the only agency before: not a correction to announce
    db.execute("UPDATE documents SET agency_original = agency WHERE agency_original IS NULL")
    existed = db["changes"].exists()
    for statement in _CHANGE_STATEMENTS:
        db.execute(statement)
    if not existed:
        db.execute("INSERT INTO changes (document_id, kind) SELECT id, 'document' FROM documents")


_WALK_TABLES = """
CREATE TABLE IF NOT EXISTS walked_links (
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    walked TEXT NOT NULL,
    PRIMARY KEY (site, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_links (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL,
    permanent INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_checked TEXT NOT NULL,
    list_url TEXT
);
CREATE INDEX IF NOT EXISTS idx_dead_links_site ON dead_links(site)
"""


def _pagination_state(db: sqlite_utils.Database) -> None:
    """Version 7: the pagination state that survives the process. An older archive's sources
    are trusted only for sites whose latest run finished normally; any other site's next run
    walks its whole listing again (fetching only what is missing)."""
    for statement in _WALK_TABLES.split(";\n"):
        db.execute(statement)
    db.execute(
        "INSERT OR IGNORE INTO walked_links (site, url, walked)"
        " SELECT s.site, s.url, coalesce(s.first_seen, '') FROM sources s"
        " JOIN runs r ON r.id = (SELECT max(id) FROM runs WHERE site = s.site)"
        " WHERE r.status = 'ok' AND r.finish_reason = 'finished'"
    )


def _texts_last(db: sqlite_utils.Database) -> None:
    """Archives before version 8 stored ``text`` and ``text_original`` before the metadata
    columns: rebuild ``documents`` in :data:`DOCUMENT_COLUMNS` order (ids, and so the FTS
    index, unchanged), with its indexes, triggers and the views that read it."""
    present = list(db["documents"].columns_dict)
    order = [c for c in DOCUMENT_COLUMNS if c in present]
    order += [c for c in present if c not in DOCUMENT_COLUMNS]  # added by someone else
    if present == order:
        return
    conn = db.conn
    kept = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        " (type IN ('index', 'trigger') AND tbl_name = 'documents') OR type = 'view')"
    ).fetchall()
    columns = ", ".join(f"[{c}]" for c in order)
    conn.execute("PRAGMA foreign_keys=OFF")  # sources point at documents while it is rebuilt
    try:
        conn.execute("BEGIN IMMEDIATE")
        for kind, name, _ in kept:
            if kind == "view":
                conn.execute(f"DROP VIEW [{name}]")
        db["documents_rebuilt"].create(
            {c: DOCUMENT_COLUMNS.get(c, str) for c in order},
            pk="id",
            not_null={"text", "content_hash"},
        )
        conn.execute(f"INSERT INTO documents_rebuilt ({columns}) SELECT {columns} FROM documents")
        conn.execute("DROP TABLE documents")
        conn.execute("ALTER TABLE documents_rebuilt RENAME TO documents")
        for _, _, sql in kept:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _text_original_when_different(db: sqlite_utils.Database) -> None:
    """``text_original`` is kept only where the page's text differs from ``text``."""
    db.execute("UPDATE documents SET text_original = NULL WHERE text_original = text")


def _raw_pages_from_warc(db: sqlite_utils.Database) -> None:
    """Pages were also kept as gzip files under ``<archive>/raw/``; the WARC record is the one
    copy now, so sources that have one point at it (the old files may then be deleted)."""
    db.execute(
        "UPDATE sources SET raw_path = warc_file WHERE warc_file IS NOT NULL"
        " AND (raw_path IS NULL OR raw_path LIKE 'raw/%')"
    )


def _one_fulltext_index(db: sqlite_utils.Database) -> None:
    """Version 13: one full-text index of character pairs (:mod:`crawler.storage.fulltext`)
    instead of the trigram index and the short-term index beside it."""
    fulltext.ensure(db.conn)


def _facet_indexes(db: sqlite_utils.Database) -> None:
    """Version 14: the facet indexes cover the province, city and county facets (added with
    the division codes) instead of ``region``, which is no facet; without them each of those
    three facets read every row of the documents table (0.15-0.2 s each at 100,000)."""
    existing = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'"
            " AND name LIKE 'idx_documents_facets_%'"
        )
    ]
    for name in existing:
        db.execute(f"DROP INDEX [{name}]")
    for statement in _FACET_INDEXES:
        db.execute(statement)


def _cluster_index_with_canonical(db: sqlite_utils.Database) -> None:
    """idx_documents_cluster(cluster_id) is a prefix of idx_documents_cluster_canonical."""
    db.execute("DROP INDEX IF EXISTS idx_documents_cluster")


# (version, what it does): applied in order to archives whose user_version is lower.
MIGRATIONS: tuple[tuple[int, Callable[[sqlite_utils.Database], None]], ...] = (
    (1, _superseded),
    (2, _site_families_to_sources),
    (3, _attachments_table),
    (4, _superseded),
    (5, _change_feed),
    (6, _clusters_view),
    (7, _pagination_state),
    (8, _texts_last),
    (9, _text_original_when_different),
    (10, _raw_pages_from_warc),
    (11, _cluster_index_with_canonical),
    (12, _clusters_view),
    (13, _one_fulltext_index),
    (14, _facet_indexes),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create what is missing, then migrate an older archive up to :data:`SCHEMA_VERSION`."""
    if not db["documents"].exists():
        db["documents"].create(DOCUMENT_COLUMNS, pk="id", not_null={"text", "content_hash"})
    if not db["sources"].exists():
        db["sources"].create(
            SOURCE_COLUMNS,
            pk="id",
            not_null={"url", "site"},
            foreign_keys=[("document_id", "documents", "id")],
        )
    if not db["runs"].exists():
        db["runs"].create(RUN_COLUMNS, pk="id", not_null={"site", "started"})
    if not db["attachments"].exists():
        db["attachments"].create(ATTACHMENT_COLUMNS, pk="id", not_null={"source_url", "url"})
    for table, columns in _TABLES_BY_COLUMNS.items():
        present = db[table].columns_dict
        for column, col_type in columns.items():
            if column not in present:
                db[table].add_column(column, col_type)
    # statement by statement: executescript would commit a transaction the caller has open
    for statement in [*_STATEMENTS.split(";\n"), *_FACET_INDEXES, _CLUSTERS_VIEW]:
        if statement.strip():
            db.execute(statement)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, migrate in MIGRATIONS:
        if number > version:
            migrate(db)
    if version != SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
