"""Attachment rows: the files a document page links, written with the page in its transaction.

In:  the page's document id and URL, and its attachment dicts as the attachment stage left
     them (``pipelines.attach``).
Out: one ``attachments`` row per (page, file); ``document_id`` is the document with the file's
     text (the store stage wrote it earlier in the same batch), NULL when it had none.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from crawler.storage import insert
from crawler.storage.schema import ATTACHMENT_COLUMNS

_HAN = re.compile(r"[\u4e00-\u9fff]")
_VISIBLE = re.compile(r"\S")


def quality(text: str | None) -> float | None:
    """Share of Han characters among the visible ones: near 1 for a Chinese report, near 0 for
    a file whose text layer is garbage (a broken font map) or numbers only."""
    if not text:
        return None
    visible = len(_VISIBLE.findall(text))
    return round(len(_HAN.findall(text)) / visible, 3) if visible else None


def attachment_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``attachments`` columns of one attachment dict (without the page's ids)."""
    row = {k: record.get(k) for k in ATTACHMENT_COLUMNS if k in record and k != "id"}
    row["needs_ocr"] = int(bool(record.get("needs_ocr")))
    row["is_page"] = int(bool(record.get("is_page")))
    row["members"] = (
        json.dumps(record["members"], ensure_ascii=False) if record.get("members") else None
    )
    row["quality"] = quality(record.get("text_original"))
    row["text_original"] = record.get("text_original") or None
    row["text"] = record.get("text") or None
    row["content_hash"] = record.get("content_hash")
    return row


def write_attachments(
    conn: sqlite3.Connection,
    source_url: str,
    source_document_id: int,
    rows: Iterable[dict[str, Any]],
) -> int:
    """Upsert the page's attachment rows; returns how many."""
    written = 0
    for row in rows:
        values = {k: v for k, v in row.items() if k != "content_hash"}
        document = None
        if row.get("content_hash"):
            document = conn.execute(
                "SELECT id FROM documents WHERE content_hash = ?", [row["content_hash"]]
            ).fetchone()
        values.update(
            source_url=source_url,
            source_document_id=source_document_id,
            document_id=document[0] if document else None,
        )
        insert(conn, "attachments", values, upsert_on="source_url, url")
        written += 1
    return written
