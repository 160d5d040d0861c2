"""The result of reading one attachment, and the limits every reader obeys."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from taking the crawl down with it."""

    max_bytes: int = 50 * 1024 * 1024  # one attachment as downloaded (config: max_attachment_bytes)
    max_members: int = 200  # files in one archive
    max_unpacked_bytes: int = 200 * 1024 * 1024  # all members of one archive together
    max_ratio: int = 100  # unpacked / packed per member; real documents compress 2-10:1
    max_depth: int = 2  # archives inside archives
    convert_timeout: float = 120.0  # seconds for one LibreOffice conversion


@dataclass(frozen=True)
class Member:
    """One file inside an archive, with what reading it gave."""

    name: str
    size: int
    result: AttachmentText | None  # None when the member was listed but not read


@dataclass(frozen=True)
class AttachmentText:
    """What one attachment says.

    ``kind`` is the sniffed kind (pipelines.sniff.KINDS); ``method`` names the library or tool
    that read it; ``error`` is one short reason when no text could be read (encrypted, broken,
    oversize, unsupported) and ``None`` otherwise; ``needs_ocr`` marks pages that are pictures of
    text. Archives carry their ``members``; their ``text`` is the members' texts in order.
    """

    kind: str
    media_type: str
    method: str
    text: str = ""
    page_count: int | None = None
    needs_ocr: bool = False
    error: str | None = None
    members: tuple[Member, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.error is None

    def with_error(self, error: str) -> AttachmentText:
        return replace(self, error=error)
