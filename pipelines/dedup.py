"""Deduplicate stage: recognise a text that is already in the archive.

In:  a normalised item (``text`` in Simplified Chinese and ``content_hash`` of its
     whitespace- and punctuation-free form).
Out: the item with ``duplicate_of``: the id of the stored document with the same text (or
     ``"this run"`` when an earlier page of the same process carried it), else None.

Exact copies become one ``documents`` row with several ``sources`` rows: the store stage
enforces that with a unique content hash. Near duplicates (edited, re-dated, Traditional or
truncated copies) are found, linked and clustered once, by the store stage inside its
transaction (``crawler.clusters.link_document``), because only there do pages of the same batch
see each other and have document ids; their counts are ``harvest/store/near_duplicates`` and
``harvest/store/recycled``.

This stage also owns the near-duplicate settings: ``HARVEST_DEDUP_*`` (see
``pipelines.neardup.NearDupSettings``) are recorded with the index when the spider opens, and
an index built with another shingle size, permutation count or band count is refused until
``harvest dedup --rebuild``.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.clusters import save_settings
from crawler.storage import connect
from pipelines.neardup import NearDupSettings


class DedupPipeline:
    """Sets ``duplicate_of`` for exact copies of a stored or earlier text."""

    # Shared by every crawler of one process, so that two sites crawled together still see
    # each other's pages before the store stage has flushed them: content hash -> first URL.
    _first_url_this_process: dict[str, str] = {}

    def __init__(self, db_path: str, stats=None, settings: NearDupSettings | None = None) -> None:
        self.db_path = db_path
        self.stats = stats
        self.settings = settings or NearDupSettings()
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            crawler.settings.get("HARVEST_DB"),
            crawler.stats,
            NearDupSettings.from_settings(crawler.settings),
        )

    def open_spider(self) -> None:
        self.db = connect(self.db_path)
        # Refuses (DedupSettingsMismatch) when the stored index has another shape.
        save_settings(self.db.conn, self.settings)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"harvest/dedup/{key}")

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
        if adapter["duplicate_of"] is not None:
            self._inc("exact_duplicates")
        return item
