"""``harvest export``: the archive's documents as a feed for downstream extractors.

In:  the archive database; a cursor (``--after-id N``: documents with a larger id, or
     ``--since TIMESTAMP``: documents first seen at or after that time), optionally one site.
Out: one record per document version (each ``documents`` row is one distinct text; a page
     whose text changed points at a new row, so a new version is a new record) in JSON Lines
     (schema ``crawler/browse/schemas/export-v1.schema.json``) or CSV, in id order, written as it is read;
     then the cursor for the next call (the largest id written) on stderr.

Record fields: ``schema`` (``harvest-export/1``), ``document_id`` (stable: a row's id never
changes and its text is never rewritten), title, text (Simplified), text_original, published,
agency, region, year, period, doc_type, ``sources`` (every URL serving this text, with site,
final URL and fetch time), ``cluster_id`` (near-duplicate cluster, when clustering ran),
``content_hash``, first_seen, last_seen. CSV has the same columns, ``sources`` as JSON text.

Memory stays flat: documents are read in keyset pages of ``page_size`` rows and their sources
with one query per page, never the whole table.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

SCHEMA_ID = "harvest-export/1"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "export-v1.schema.json"

FIELDS = (
    "schema",
    "document_id",
    "title",
    "text",
    "text_original",
    "published",
    "agency",
    "region",
    "year",
    "period",
    "doc_type",
    "sources",
    "cluster_id",
    "content_hash",
    "first_seen",
    "last_seen",
)

# Copied from the documents row as they are; the others are assembled per record.
_DOCUMENT_COLUMNS = tuple(
    f for f in FIELDS if f not in ("schema", "document_id", "sources", "cluster_id")
)


def _select(column: str) -> str:
    # The archive keeps text_original only where it differs from text.
    if column == "text_original":
        return "coalesce(d.text_original, d.text) AS text_original"
    return f"d.{column}"


def _open(db_path: str | Path) -> sqlite3.Connection:
    # Read-only: exporting must never change (or create) an archive.
    uri = f"{Path(db_path).resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def iter_records(
    conn: sqlite3.Connection,
    after_id: int = 0,
    since: str | None = None,
    site: str | None = None,
    page_size: int = 500,
) -> Iterator[dict[str, Any]]:
    """Export records in id order, read page by page (see the module docstring)."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    cluster = "d.cluster_id" if "cluster_id" in columns else "NULL AS cluster_id"
    clauses, params = ["d.id > ?"], []
    if since:
        clauses.append("d.first_seen >= ?")
        params.append(since)
    if site:
        clauses.append("EXISTS (SELECT 1 FROM sources s WHERE s.document_id = d.id AND s.site = ?)")
        params.append(site)
    sql = (
        f"SELECT d.id, {', '.join(map(_select, _DOCUMENT_COLUMNS))}, {cluster} "
        f"FROM documents d WHERE {' AND '.join(clauses)} ORDER BY d.id LIMIT ?"
    )
    while True:
        page = conn.execute(sql, [after_id, *params, page_size]).fetchall()
        if not page:
            return
        ids = [row["id"] for row in page]
        sources: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        marks = ", ".join("?" for _ in ids)
        for src in conn.execute(
            "SELECT document_id, url, final_url, site, fetched_at FROM sources"
            f" WHERE document_id IN ({marks}) ORDER BY document_id, fetched_at, url",
            ids,
        ):
            sources[src["document_id"]].append(
                {
                    "url": src["url"],
                    "final_url": src["final_url"],
                    "site": src["site"],
                    "fetched_at": src["fetched_at"],
                }
            )
        for row in page:
            record = {"schema": SCHEMA_ID, "document_id": row["id"]}
            record.update({c: row[c] for c in _DOCUMENT_COLUMNS})
            record["sources"] = sources[row["id"]]
            record["cluster_id"] = row["cluster_id"]
            yield {k: record[k] for k in FIELDS}
        after_id = ids[-1]


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> tuple[int, int | None]:
    """Write records one per line; return (count, last document id)."""
    count, last = 0, None
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count, last = count + 1, record["document_id"]
    return count, last


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> tuple[int, int | None]:
    """Write records as CSV with a header row (``sources`` as JSON); return (count, last id)."""
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    count, last = 0, None
    for record in records:
        writer.writerow({**record, "sources": json.dumps(record["sources"], ensure_ascii=False)})
        count, last = count + 1, record["document_id"]
    return count, last


def export(
    db_path: str | Path,
    out: IO[str],
    fmt: str = "jsonl",
    after_id: int = 0,
    since: str | None = None,
    site: str | None = None,
    page_size: int = 500,
) -> tuple[int, int]:
    """Export to ``out``; return (records written, cursor for the next ``--after-id``)."""
    conn = _open(db_path)
    try:
        records = iter_records(conn, after_id, since, site, page_size)
        writer = write_csv if fmt == "csv" else write_jsonl
        count, last = writer(records, out)
    finally:
        conn.close()
    return count, last if last is not None else after_id
