"""The near-duplicate index and clusters in the archive, and ``harvest dedup --rebuild``.

In:  documents as the store stage writes them (one call of :class:`NearDuplicateIndex` per stored
     page, inside the store transaction), or the whole ``documents`` table (:func:`rebuild`).
Out: these tables and columns (created by :mod:`crawler.storage.schema`), all derived from
     ``documents``/``sources`` except ``dedup_settings``:

``dedup_signatures``   MinHash signature (the low 16 bits of each value) and shingle count.
``dedup_bands``        LSH band keys -> document (the persistent LSH index).
``dedup_links``        every near-duplicate pair found: Jaccard, containment, ``recycled``.
``document_clusters``  each document's cluster, with its similarity to the canonical member
                       and whether it is a recycled (re-dated) copy of it.
``clusters`` (view)    one row per member: cluster, document, is_canonical, similarity,
                       recycled, title, published, length, sites.
``documents``          ``cluster_id`` and ``is_canonical``.
``dedup_settings``     the shingle size / permutations / bands the index was built with.

A new document is compared with the candidates its LSH bands collide with (at most
``max_candidates``); the exact Jaccard and containment of the masked shingles decide
(:func:`pipelines.dedup.similarity.compare`); the canonical member follows
:mod:`pipelines.dedup.canonical`. It joins the cluster of its most similar match, or starts
its own. Documents are processed in id order, both while crawling and by :func:`rebuild`, so a
rebuild reproduces the clusters the crawl built.
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from crawler.storage import connect, transaction
from pipelines.dedup.canonical import Member, choose_canonical
from pipelines.dedup.settings import NearDupSettings
from pipelines.dedup.similarity import (
    STORED_DTYPE,
    TextForms,
    band_keys,
    compare,
    estimated_jaccard,
    recycled,
    signature,
    signature_array,
    signature_bytes,
    text_shingles,
)

# The settings that shape the stored index; thresholds may change without a rebuild.
_INDEX_SETTINGS = ("shingle_size", "num_perm", "bands")
# Candidates whose estimated Jaccard is this far below both thresholds are not worth the exact
# check (the estimate's standard error is at most 0.032 with 256 permutations).
_ESTIMATE_MARGIN = 0.15
# Dedup forms of recently indexed or compared documents, by content hash (texts never change
# under one hash): a cluster's canonical is compared with every new member, and a new document
# is often the canonical of copies that follow it. Up to ~0.6 MB per entry (two shingle sets).
_FORMS_CACHE_SIZE = 128
_forms_cache: OrderedDict[tuple[str, int], TextForms] = OrderedDict()


class DedupSettingsMismatch(RuntimeError):
    """The index was built with other shingle/permutation/band settings; rebuild it."""


@dataclass(frozen=True)
class Match:
    """A stored document found to be a near duplicate of the one being checked."""

    document_id: int
    jaccard: float
    containment: float
    recycled: bool

    @property
    def score(self) -> float:
        return max(self.jaccard, self.containment)


def stored_settings(conn: sqlite3.Connection) -> NearDupSettings:
    """The settings recorded in ``dedup_settings`` (defaults for anything not recorded)."""
    values = dict(conn.execute("SELECT name, value FROM dedup_settings").fetchall())
    return NearDupSettings.from_settings(
        {f"HARVEST_DEDUP_{k.upper()}": v for k, v in values.items()}
    )


def save_settings(conn: sqlite3.Connection, settings: NearDupSettings) -> None:
    """Record ``settings``; refuse when the index holds signatures of other shape settings."""
    current = stored_settings(conn)
    indexed = conn.execute("SELECT EXISTS(SELECT 1 FROM dedup_signatures)").fetchone()[0]
    changed = [n for n in _INDEX_SETTINGS if getattr(current, n) != getattr(settings, n)]
    if indexed and changed:
        raise DedupSettingsMismatch(
            f"the near-duplicate index was built with other {', '.join(changed)}; "
            "run `harvest dedup --rebuild` after changing HARVEST_DEDUP_* settings"
        )
    conn.executemany(
        "INSERT INTO dedup_settings (name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        [(name, str(value)) for name, value in asdict(settings).items()],
    )


def _remember(content_hash: str, forms: TextForms) -> None:
    key = (content_hash, forms.settings.shingle_size)
    _forms_cache[key] = forms
    _forms_cache.move_to_end(key)
    if len(_forms_cache) > _FORMS_CACHE_SIZE:
        _forms_cache.popitem(last=False)


def _forms_of(conn: sqlite3.Connection, document_id: int, settings: NearDupSettings) -> TextForms:
    """The dedup forms of a stored document: from the cache, else from its text (read only
    then: the text is the largest part of a row)."""
    (content_hash,) = conn.execute(
        "SELECT content_hash FROM documents WHERE id = ?", [document_id]
    ).fetchone()
    cached = _forms_cache.get((content_hash, settings.shingle_size))
    if cached is not None and cached.settings == settings:
        _forms_cache.move_to_end((content_hash, settings.shingle_size))
        return cached
    (text,) = conn.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
    forms = TextForms(text or "", settings, simplified=True)
    _remember(content_hash, forms)
    return forms


def candidates(
    conn: sqlite3.Connection,
    keys: list[int],
    settings: NearDupSettings,
    exclude: int | None = None,
) -> list[int]:
    """Documents sharing at least one LSH band with ``keys``, most shared bands first."""
    marks = ", ".join("?" for _ in keys)
    rows = conn.execute(
        f"SELECT document_id FROM dedup_bands WHERE band_key IN ({marks}) "
        "AND document_id != ? GROUP BY document_id "
        "ORDER BY count(*) DESC, document_id LIMIT ?",
        [*keys, -1 if exclude is None else exclude, settings.max_candidates],
    ).fetchall()
    return [r[0] for r in rows]


def likely_candidates(
    conn: sqlite3.Connection,
    values: list[int],
    size: int,
    settings: NearDupSettings,
    exclude: int | None = None,
) -> list[int]:
    """LSH candidates (most shared bands first, at most ``max_candidates``) whose MinHash
    estimate leaves a chance of passing the exact check."""
    keys = band_keys(values, settings)
    marks = ", ".join("?" for _ in keys)
    # one round trip: the colliding documents with their signatures
    rows = conn.execute(
        "SELECT c.document_id, s.signature, s.shingle_count FROM ("
        f"  SELECT document_id, count(*) AS hits FROM dedup_bands WHERE band_key IN ({marks})"
        "   AND document_id != ? GROUP BY document_id ORDER BY hits DESC, document_id LIMIT ?"
        ") c JOIN dedup_signatures s ON s.document_id = c.document_id "
        "ORDER BY c.hits DESC, c.document_id",
        [*keys, -1 if exclude is None else exclude, settings.max_candidates],
    ).fetchall()
    query = np.asarray(values, dtype=np.uint32).astype(STORED_DTYPE)  # once, as stored
    floor = min(settings.jaccard, settings.containment) - _ESTIMATE_MARGIN
    found = []
    for other, blob, other_size in rows:
        estimate = estimated_jaccard(query, signature_array(blob, settings.num_perm))
        # containment follows from Jaccard and the set sizes: |A n B| = J (|A| + |B|) / (1 + J)
        contained = estimate * (size + other_size) / (1 + estimate) / max(1, min(size, other_size))
        if max(estimate, contained) >= floor:
            found.append(other)
    return found


def find_near_duplicates(
    conn: sqlite3.Connection,
    text: str | TextForms,
    shingle_set: set[str],
    values: list[int],
    settings: NearDupSettings,
    exclude: int | None = None,
) -> list[Match]:
    """Stored documents that are near duplicates of ``text``, most similar first.

    LSH gives a bounded candidate set; the MinHash estimate drops hopeless ones; the exact
    Jaccard / containment of the masked shingles decides."""
    forms = text if isinstance(text, TextForms) else TextForms(text, settings)
    found = []
    for other in likely_candidates(conn, values, len(shingle_set), settings, exclude):
        other_forms = _forms_of(conn, other, settings)
        jaccard, containment, near = compare(shingle_set, other_forms.masked_shingles, settings)
        if near:
            is_recycled = recycled(forms, other_forms, settings, max(jaccard, containment))
            found.append(Match(other, jaccard, containment, is_recycled))
    found.sort(key=lambda m: (-m.score, m.document_id))
    return found


def _refresh_cluster(
    conn: sqlite3.Connection, cluster_id: int, settings: NearDupSettings, new_member: int | None
) -> None:
    """Choose the canonical member and store every member's similarity to it.

    Similarities are recomputed for all members when the canonical changes, otherwise only
    for ``new_member``. ``documents`` rows are only updated where their cluster or canonical
    flag changes: every update of a documents row re-indexes its text in the FTS table."""
    members = [
        Member(*row)
        for row in conn.execute(
            "SELECT d.id, d.published, d.length, EXISTS("
            "  SELECT 1 FROM sources s WHERE s.document_id = d.id AND s.primary_source), "
            "dc.is_canonical "
            "FROM document_clusters dc JOIN documents d ON d.id = dc.document_id "
            "WHERE dc.cluster_id = ?",
            [cluster_id],
        )
    ]
    canonical = choose_canonical(members)
    previous = next((m.document_id for m in members if m.is_canonical), None)
    if previous == canonical and new_member is None:
        return
    to_update = [m.document_id for m in members] if previous != canonical else [new_member]
    # the canonical's forms only when some other member is compared with it: a document that
    # starts its own cluster is compared with nothing
    canonical_forms = (
        _forms_of(conn, canonical, settings) if any(m != canonical for m in to_update) else None
    )
    for member in to_update:
        if member == canonical or canonical_forms is None:
            jaccard = containment = 1.0
            is_recycled = False
        else:
            forms = _forms_of(conn, member, settings)
            jaccard, containment, _ = compare(
                forms.masked_shingles, canonical_forms.masked_shingles, settings
            )
            is_recycled = recycled(forms, canonical_forms, settings, max(jaccard, containment))
        conn.execute(
            "UPDATE document_clusters SET similarity = ?, jaccard = ?, containment = ?, "
            "recycled = ?, is_canonical = ? WHERE document_id = ?",
            [
                max(jaccard, containment),
                jaccard,
                containment,
                int(is_recycled),
                int(member == canonical),
                member,
            ],
        )
    if previous != canonical:
        conn.execute(
            "UPDATE document_clusters SET is_canonical = (document_id = ?) WHERE cluster_id = ?",
            [canonical, cluster_id],
        )
    conn.execute(
        "UPDATE documents SET cluster_id = ?1, is_canonical = (id = ?2) "
        "WHERE id IN (SELECT document_id FROM document_clusters WHERE cluster_id = ?1) "
        "AND (cluster_id IS NOT ?1 OR is_canonical IS NOT (id = ?2))",
        [cluster_id, canonical],
    )


def index_document(
    conn: sqlite3.Connection,
    document_id: int,
    text: str,
    settings: NearDupSettings,
    values: list[int] | None = None,
    shingle_set: set[str] | None = None,
) -> list[Match]:
    """Add one document to the LSH index, link it to its near duplicates and put it in a
    cluster. Returns the matches (most similar first). ``shingle_set`` and ``values`` (its
    signature) are computed here unless the dedup stage did it already."""
    if shingle_set is None:
        shingle_set = text_shingles(text, settings)
        values = None
    if values is None or len(values) != settings.num_perm:
        values = signature(shingle_set, settings)
    forms = TextForms(text, settings, masked_shingles=shingle_set)
    # An empty text (an error page) has the all-maximum signature: indexing it would put every
    # empty text in the same buckets, and it is a near duplicate of nothing anyway.
    matches = (
        find_near_duplicates(conn, forms, shingle_set, values, settings, exclude=document_id)
        if shingle_set
        else []
    )
    (content_hash,) = conn.execute(
        "SELECT content_hash FROM documents WHERE id = ?", [document_id]
    ).fetchone()
    _remember(content_hash, forms)
    conn.executemany(
        "INSERT OR REPLACE INTO dedup_links VALUES (?, ?, ?, ?, ?)",
        [(document_id, m.document_id, m.jaccard, m.containment, int(m.recycled)) for m in matches],
    )
    conn.execute(
        "INSERT OR REPLACE INTO dedup_signatures VALUES (?, ?, ?)",
        [document_id, signature_bytes(values), len(shingle_set)],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO dedup_bands VALUES (?, ?)",
        # sorted: neighbouring keys land on the same b-tree pages
        [(key, document_id) for key in sorted(band_keys(values, settings))] if shingle_set else [],
    )
    cluster_id = document_id
    if matches:
        row = conn.execute(
            "SELECT cluster_id FROM document_clusters WHERE document_id = ?",
            [matches[0].document_id],
        ).fetchone()
        cluster_id = row[0] if row else document_id
    conn.execute(
        "INSERT OR REPLACE INTO document_clusters VALUES (?, ?, 0, 1.0, 1.0, 1.0, 0)",
        [document_id, cluster_id],
    )
    _refresh_cluster(conn, cluster_id, settings, new_member=document_id)
    return matches


class NearDuplicateIndex:
    """The store stage's linker (``crawler.storage.pages.Linker``): called for every stored
    page inside the store transaction, after the page's source row is written.

    Indexes and clusters a document seen for the first time and returns its near duplicates;
    for a document already indexed, re-applies the canonical rule, since a new source may be a
    primary source, and returns no matches. The settings are checked against the stored index
    once (:meth:`open`), not for every page."""

    def __init__(self, settings: NearDupSettings) -> None:
        self.settings = settings

    def open(self, conn: sqlite3.Connection) -> NearDuplicateIndex:
        """Record the settings with the index; :class:`DedupSettingsMismatch` when the stored
        index was built with another shape."""
        with transaction(conn):
            save_settings(conn, self.settings)
        return self

    def __call__(
        self, conn: sqlite3.Connection, document_id: int, row: dict[str, Any]
    ) -> list[Match]:
        cluster = conn.execute(
            "SELECT cluster_id FROM document_clusters WHERE document_id = ?", [document_id]
        ).fetchone()
        if cluster:
            _refresh_cluster(conn, cluster[0], self.settings, new_member=None)
            return []
        return index_document(
            conn,
            document_id,
            row.get("text") or "",
            self.settings,
            row.get("dedup_signature"),
            row.get("dedup_shingles"),
        )


@dataclass
class RebuildSummary:
    documents: int = 0
    clusters: int = 0
    clustered_documents: int = 0
    links: int = 0
    recycled_links: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"indexed {self.documents} documents in {self.seconds:.1f} s",
            f"{self.clusters} clusters; {self.clustered_documents} documents share a cluster",
            f"{self.links} near-duplicate links, {self.recycled_links} flagged recycled",
        ]


def rebuild_index(
    db: Any, settings: NearDupSettings | None = None, progress: Callable[[int], Any] | None = None
) -> RebuildSummary:
    """Drop and regenerate signatures, bands, links and clusters from ``documents``, in id
    order and in one transaction (readers see the old index until it commits)."""
    started = time.perf_counter()
    conn = db.conn
    settings = settings or stored_settings(conn)
    total = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    with transaction(conn):
        for table in ("dedup_signatures", "dedup_bands", "dedup_links", "document_clusters"):
            conn.execute(f"DELETE FROM {table}")
        save_settings(conn, settings)
        bar = progress(total) if progress else None
        for document_id in [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]:
            text = conn.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
            index_document(conn, document_id, text[0] or "", settings)
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    return summarise(conn, total, time.perf_counter() - started)


def summarise(conn: sqlite3.Connection, documents: int, seconds: float = 0.0) -> RebuildSummary:
    """Counts of the current clusters and links."""

    def one(sql: str) -> int:
        return conn.execute(sql).fetchone()[0]

    return RebuildSummary(
        documents=documents,
        clusters=one("SELECT count(DISTINCT cluster_id) FROM document_clusters"),
        clustered_documents=one(
            "SELECT count(*) FROM document_clusters WHERE cluster_id IN ("
            " SELECT cluster_id FROM document_clusters GROUP BY cluster_id HAVING count(*) > 1)"
        ),
        links=one("SELECT count(*) FROM dedup_links"),
        recycled_links=one("SELECT count(*) FROM dedup_links WHERE recycled"),
        seconds=seconds,
    )


def cluster_map(conn: sqlite3.Connection) -> dict[int, tuple[int, int]]:
    """document id -> (cluster id, is_canonical): what a rebuild must reproduce."""
    return {
        r[0]: (r[1], r[2])
        for r in conn.execute("SELECT id, cluster_id, is_canonical FROM documents ORDER BY id")
    }


def rebuild(
    db_path: str | Path, settings: NearDupSettings, progress: bool = True
) -> RebuildSummary:
    """Rebuild the near-duplicate index and clusters of the archive at ``db_path``."""
    db = connect(db_path)
    try:
        bar = (lambda total: tqdm(total=total, unit="doc", desc="dedup")) if progress else None
        return rebuild_index(db, settings, bar)
    finally:
        db.close()
