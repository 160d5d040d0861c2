"""Search of the archive's documents for Chinese queries of any length.

FTS5's trigram tokenizer cannot match queries under three characters (科技, 工作), so those
scan the documents table instead.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils


def search(db: sqlite_utils.Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Documents whose title or text contains ``query``, best first.

    FTS5 trigram for three or more characters; one- and two-character queries (科技, 工作),
    which trigram cannot match, scan the documents table with LIKE instead.
    """
    query = query.strip()
    if not query:
        return []
    if len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        sql = (
            "SELECT documents.id, documents.title, documents.published FROM documents_fts "
            "JOIN documents ON documents.id = documents_fts.rowid "
            "WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?"
        )
        return list(db.query(sql, [phrase, limit]))
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = (
        "SELECT id, title, published FROM documents "
        "WHERE title LIKE :p ESCAPE '\\' OR text LIKE :p ESCAPE '\\' "
        "ORDER BY published DESC LIMIT :limit"
    )
    return list(db.query(sql, {"p": pattern, "limit": limit}))
