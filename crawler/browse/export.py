"""``harvest export``: the archive's documents as a feed for downstream extractors.

In:  the archive database (opened read-only) and a cursor:
     - ``after_change=N``: every document changed after change number N (a new document, a new
       source, a new version, a cluster or canonical change, a metadata correction: table
       ``changes``, see :mod:`crawler.storage.schema`), each once, in the order of its last
       change; the next cursor is the last change number of the snapshot read;
     - ``after_id=N``: documents with a larger id (new texts only);
     - ``since``: documents first seen at or after an ISO 8601 date or time.
     Optionally one site (documents with a source there).
Out: records of schema ``harvest-export/2`` (``crawler/browse/schemas/export-v2.schema.json``,
     installed with the package) as JSON Lines or CSV (UTF-8 with a BOM so Excel reads the
     Chinese; lists as JSON text), written as they are read; and the next cursor.

Memory stays flat: documents are read in pages of ``page_size`` ids with one query for their
sources per page, never the whole table. One read transaction covers the whole export, so the
cursor printed matches exactly what was written.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawler.storage.schema import CHANGE_KINDS

SCHEMA_ID = "harvest-export/2"
# package data (pyproject.toml): installed with the code
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "export-v2.schema.json"
BOM = "\ufeff"

FIELDS = (
    "schema",
    "change_no",
    "changes",
    "document_id",
    "title",
    "title_original",
    "text",
    "text_original",
    "script",
    "published",
    "agency",
    "agency_original",
    "region",
    "region_code",
    "province",
    "city",
    "county",
    "year",
    "period",
    "doc_type",
    "quality",
    "partial",
    "cluster_id",
    "canonical_id",
    "is_canonical",
    "recycled",
    "sources",
    "attachments",
    "content_hash",
    "first_seen",
    "last_seen",
)
# Copied from the documents row as they are (NULL where an older archive lacks the column).
DOCUMENT_COLUMNS = (
    "title", "title_original", "text", "text_original", "script", "published", "agency",
    "agency_original", "region", "region_code", "province", "city", "county", "year", "period",
    "doc_type", "quality", "partial", "cluster_id", "is_canonical", "content_hash",
    "first_seen", "last_seen",
)  # fmt: skip
_FLAGS = ("partial", "is_canonical", "recycled")
SOURCE_FIELDS = ("url", "final_url", "site", "family", "primary_source", "fetched_at")


class ExportError(ValueError):
    """A cursor or option the archive cannot answer; the message says what to do."""


@dataclass(frozen=True)
class Cursor:
    """Where an export starts: ``after_change`` (the feed), else ``after_id`` and ``since``."""

    after_change: int | None = None
    after_id: int = 0
    since: str | None = None
    site: str | None = None


def normalise_since(value: str) -> str:
    """An ISO 8601 date or time as the archive writes times (UTC, to the second); a time
    without a zone is UTC. Raises :class:`ExportError` for anything else."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(
            f"--since takes an ISO 8601 date or time (2026-11-01, 2026-11-01T08:00:00+08:00); "
            f"got {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def export_to_file(
    db_path: str | Path, output: str | Path, fmt: str, cursor: Cursor, **options: Any
) -> tuple[int, int]:
    """:func:`export` into ``output`` through a temporary file beside it, renamed over it only
    when the export succeeded: a failed export never leaves a truncated or half-written file."""
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            result = export(db_path, out, fmt, cursor, **options)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return result


def _select(column: str) -> str:
    # The archive keeps text_original only where it differs from text.
    if column == "text_original":
        return "coalesce(d.text_original, d.text) AS text_original"
    return f"d.{column}"


def _open(db_path: str | Path) -> sqlite3.Connection:
    # Read-only: exporting must never change (or create) an archive.
    uri = f"{Path(db_path).resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _record_sql(conn: sqlite3.Connection, count: int) -> str:
    """SELECT of ``count`` documents' records by id, tolerant of older archives."""
    present = _columns(conn, "documents")
    columns = [_select(c) if c in present else f"NULL AS {c}" for c in DOCUMENT_COLUMNS]
    if "cluster_id" in present and "is_canonical" in present:
        columns.append(
            "(SELECT c.id FROM documents c WHERE c.cluster_id = d.cluster_id"
            " AND c.is_canonical = 1 ORDER BY c.id LIMIT 1) AS canonical_id"
        )
    else:
        columns.append("NULL AS canonical_id")
    if _columns(conn, "document_clusters"):
        columns.append(
            "(SELECT dc.recycled FROM document_clusters dc WHERE dc.document_id = d.id) AS recycled"
        )
    else:
        columns.append("NULL AS recycled")
    if _columns(conn, "changes"):
        columns.append(
            "(SELECT max(change_no) FROM changes ch WHERE ch.document_id = d.id) AS change_no"
        )
    else:
        columns.append("NULL AS change_no")
    marks = ", ".join("?" for _ in range(count))
    return f"SELECT d.id, {', '.join(columns)} FROM documents d WHERE d.id IN ({marks})"


def _sources(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    present = _columns(conn, "sources")
    columns = [c if c in present else f"NULL AS {c}" for c in SOURCE_FIELDS]
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    marks = ", ".join("?" for _ in ids)
    for row in conn.execute(
        f"SELECT document_id, {', '.join(columns)} FROM sources"
        f" WHERE document_id IN ({marks}) ORDER BY document_id, fetched_at, url",
        ids,
    ):
        source = {k: row[k] for k in SOURCE_FIELDS}
        if source["primary_source"] is not None:
            source["primary_source"] = bool(source["primary_source"])
        found[row["document_id"]].append(source)
    return found


def records_of(
    conn: sqlite3.Connection, ids: list[int], kinds: dict[int, list[str]] | None = None
) -> Iterator[dict[str, Any]]:
    """The records of ``ids`` in that order; ``kinds``: the changes each one is sent for."""
    if not ids:
        return
    rows = {row["id"]: row for row in conn.execute(_record_sql(conn, len(ids)), ids)}
    sources = _sources(conn, ids)
    attachments = _attachments(conn, ids)
    for document_id in ids:
        row = rows[document_id]
        record: dict[str, Any] = {"schema": SCHEMA_ID, "document_id": document_id}
        record.update({c: row[c] for c in (*DOCUMENT_COLUMNS, "canonical_id", "recycled")})
        for flag in _FLAGS:
            record[flag] = None if record[flag] is None else bool(record[flag])
        record["change_no"] = row["change_no"]
        record["changes"] = (kinds or {}).get(document_id, [])
        record["sources"] = sources[document_id]
        record["attachments"] = attachments[document_id]
        yield {k: record[k] for k in FIELDS}


def _attachments(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per document: the files whose text it is (role ``text``) and the files its pages link
    (``linked``), one query for the page of documents."""
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not _columns(conn, "attachments"):
        return found  # an archive from before attachments
    marks = ", ".join("?" for _ in ids)
    for row in conn.execute(
        "SELECT * FROM attachments WHERE document_id IN"
        f" ({marks}) OR source_document_id IN ({marks}) ORDER BY id",
        [*ids, *ids],
    ):
        entry = {
            "url": row["url"],
            "source_url": row["source_url"],
            "filename": row["filename_served"] or row["filename_linked"],
            **{k: row[k] for k in ("kind", "media_type", "bytes", "sha256", "page_count")},
            "method": row["method"],
            "needs_ocr": bool(row["needs_ocr"]),
            "error": row["error"],
        }
        for document_id, role in (
            (row["document_id"], "text"),
            (row["source_document_id"], "linked"),
        ):
            if document_id in found and not any(
                e["url"] == row["url"] and e["source_url"] == row["source_url"]
                for e in found[document_id]
            ):
                found[document_id].append({**entry, "role": role})
    return found


def _by_id(conn: sqlite3.Connection, cursor: Cursor, page_size: int) -> Iterator[dict[str, Any]]:
    clauses, params = ["d.id > ?"], []
    if cursor.since:
        clauses.append("d.first_seen >= ?")
        params.append(cursor.since)
    if cursor.site:
        clauses.append("EXISTS (SELECT 1 FROM sources s WHERE s.document_id = d.id AND s.site = ?)")
        params.append(cursor.site)
    sql = f"SELECT d.id FROM documents d WHERE {' AND '.join(clauses)} ORDER BY d.id LIMIT ?"
    after = cursor.after_id
    while True:
        ids = [row[0] for row in conn.execute(sql, [after, *params, page_size])]
        if not ids:
            return
        yield from records_of(conn, ids)
        after = ids[-1]


def last_change(conn: sqlite3.Connection) -> int:
    """The highest change number so far (0 for none)."""
    return conn.execute("SELECT coalesce(max(change_no), 0) FROM changes").fetchone()[0]


def changed_documents(
    conn: sqlite3.Connection, after: int, upto: int, page_size: int = 500
) -> Iterator[list[tuple[int, int, list[str]]]]:
    """Pages of (document_id, its last change_no, kinds of change) for changes in
    (``after``, ``upto``]: each document once, at its last change in the range, so a consumer
    that keeps records by document_id ends with the current state."""
    rows = conn.execute(
        "SELECT document_id, max(change_no) AS last_no, group_concat(DISTINCT kind) AS kinds "
        "FROM changes WHERE change_no > ? AND change_no <= ? "
        "GROUP BY document_id ORDER BY last_no",
        [after, upto],
    )
    while True:
        page = rows.fetchmany(page_size)
        if not page:
            return
        yield [
            (row[0], row[1], [k for k in CHANGE_KINDS if k in row[2].split(",")]) for row in page
        ]


def _by_change(
    conn: sqlite3.Connection, cursor: Cursor, upto: int, page_size: int
) -> Iterator[dict[str, Any]]:
    for page in changed_documents(conn, cursor.after_change or 0, upto, page_size):
        ids = [document_id for document_id, _no, _kinds in page]
        if cursor.site:
            marks = ", ".join("?" for _ in ids)
            on_site = {
                row[0]
                for row in conn.execute(
                    f"SELECT DISTINCT document_id FROM sources WHERE site = ?"
                    f" AND document_id IN ({marks})",
                    [cursor.site, *ids],
                )
            }
            ids = [i for i in ids if i in on_site]
        yield from records_of(conn, ids, {d: kinds for d, _no, kinds in page})


def _csv_cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write records one per line; return how many."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], out: IO[str], bom: bool = True) -> int:
    """Write records as CSV with a header row (lists as JSON text); return how many."""
    if bom:
        out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: _csv_cell(v) for k, v in record.items()})
        count += 1
    return count


def export(
    db_path: str | Path,
    out: IO[str],
    fmt: str = "jsonl",
    cursor: Cursor = Cursor(),
    page_size: int = 500,
    bom: bool = True,
) -> tuple[int, int]:
    """Export to ``out``; return (records written, the next cursor: a change number for
    ``after_change`` exports, else the largest document id written)."""
    if cursor.after_change is not None and (cursor.after_id or cursor.since):
        raise ExportError("--after-change is a cursor of its own: leave out --after-id/--since")
    if cursor.since:  # checked before anything is written
        cursor = replace(cursor, since=normalise_since(cursor.since))
    upto = 0
    conn = _open(db_path)
    try:
        conn.execute("BEGIN")  # one snapshot: the cursor matches what was written
        if cursor.after_change is not None:
            if not _columns(conn, "changes"):
                raise ExportError(
                    "this archive has no change feed yet: run `harvest crawl` once to upgrade it"
                )
            upto = max(last_change(conn), cursor.after_change)
            records = _by_change(conn, cursor, upto, page_size)
        else:
            records = _by_id(conn, cursor, page_size)
        last = [cursor.after_id]

        def remember(stream: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            for record in stream:
                last[0] = max(last[0], record["document_id"])
                yield record

        if fmt == "csv":
            count = write_csv(remember(records), out, bom)
        else:
            count = write_jsonl(remember(records), out)
        conn.execute("COMMIT")
    finally:
        conn.close()
    # never lower than the cursor passed in: an empty export hands it back unchanged
    return count, upto if cursor.after_change is not None else max(cursor.after_id, last[0])
