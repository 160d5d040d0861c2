"""Deduplicate stage: recognise a text that is already in the archive.

In:  a normalised item (``content_hash`` of its Simplified, whitespace- and
     punctuation-free text).
Out: the item with ``duplicate_of`` set to the id of the stored document with the same text
     (or to ``"this run"`` when an earlier page of the same process carried it), else None.

Exact copies become one ``documents`` row with several ``sources`` rows: the store stage
enforces that with a unique content hash, this stage only finds and counts them.
Near duplicates (edited, re-dated, Traditional copies) are not matched yet.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.storage import connect


class DedupPipeline:
    """Sets ``duplicate_of`` when the same text was already stored under another URL."""

    # Shared by every crawler of one process, so that two sites crawled together still see
    # each other's pages before the store stage has flushed them: content hash -> first URL.
    _first_url_this_process: dict[str, str] = {}

    def __init__(self, db_path: str, stats=None) -> None:
        self.db_path = db_path
        self.stats = stats
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("HARVEST_DB"), crawler.stats)

    def open_spider(self) -> None:
        self.db = connect(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        content_hash, url = adapter["content_hash"], adapter["url"]
        row = self.db.execute(
            "SELECT d.id, EXISTS(SELECT 1 FROM sources s WHERE s.document_id = d.id AND s.url = ?)"
            " FROM documents d WHERE d.content_hash = ?",
            [url, content_hash],
        ).fetchone()
        first_url = self._first_url_this_process.setdefault(content_hash, url)
        if row and not row[1]:
            adapter["duplicate_of"] = row[0]
        elif not row and first_url != url:
            adapter["duplicate_of"] = "this run"
        else:
            adapter["duplicate_of"] = None
        if adapter["duplicate_of"] is not None and self.stats is not None:
            self.stats.inc_value("harvest/dedup/exact_duplicates")
        return item
