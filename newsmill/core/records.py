"""Record types exchanged between the stages.

Plain dataclasses: a stage takes records and returns records, so each stage
can be tested and benchmarked alone. Times are timezone-aware UTC
``datetime`` values in memory and ISO 8601 strings on export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, truncated to microseconds."""
    return datetime.now(UTC)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 for a datetime (naive values are taken as UTC), or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def article_id(canonical_url: str) -> str:
    """The stable id of an article: derived from its canonical URL only."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:20]


def content_hash(text: str) -> str:
    """Hash of an article's cleaned text (exact-duplicate key)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class FetchStatus(StrEnum):
    """Outcome of getting one document; every fetch is recorded with one."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    ROBOTS_DISALLOWED = "robots_disallowed"
    BLOCKED = "blocked"
    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REFUSED_ADDRESS = "refused_address"
    INVALID_URL = "invalid_url"
    READ_ERROR = "read_error"
    SKIPPED = "skipped"  # a discovered item not fetched on purpose; the reason begins with why (SKIP_REASONS)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """How a document was found: the source's name, kind and URL or path."""

    name: str
    kind: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "url": self.url}


@dataclass(frozen=True, slots=True)
class ArchiveLocation:
    """Where a raw response lives: a WARC file (relative to the archive root),
    the byte offset of its record and the record's compressed length."""

    path: str
    offset: int
    length: int

    def to_uri(self) -> str:
        return f"{self.path}#offset={self.offset}&length={self.length}"

    @classmethod
    def from_uri(cls, uri: str) -> ArchiveLocation:
        path, _, frag = uri.partition("#")
        parts = dict(p.split("=", 1) for p in frag.split("&") if "=" in p)
        return cls(path=path, offset=int(parts.get("offset", 0)), length=int(parts.get("length", 0)))


@dataclass(slots=True)
class RawDocument:
    """One raw response (or local file) exactly as received.

    ``body`` is the byte-exact payload (after HTTP transfer/content decoding).
    ``hints`` carries metadata the source knew before extraction (feed title,
    feed date, language hint...), used as fallbacks.
    """

    url: str
    body: bytes
    source: SourceRef
    site: str
    fetched_at: datetime = field(default_factory=utcnow)
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)
    archive: ArchiveLocation | None = None

    @property
    def effective_url(self) -> str:
        return self.final_url or self.url


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """The record of one fetch attempt series for one URL."""

    url: str
    status: FetchStatus
    source: SourceRef
    site: str
    final_url: str | None = None
    http_status: int | None = None
    bytes: int = 0
    elapsed: float = 0.0
    attempts: int = 1
    reason: str = ""
    at: datetime = field(default_factory=utcnow)
    archive: ArchiveLocation | None = None
    kind: str = "article"  # what was fetched: an article page, or "feed" for a source's own documents


@dataclass(frozen=True, slots=True)
class Removal:
    """One line removed by the cleaner and the rule that removed it."""

    text: str
    rule: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class PassageLink:
    """Paragraph ``paragraph`` of an article repeats ``of_paragraph`` of
    article ``of_article`` with the given (exact, verified) Jaccard similarity."""

    paragraph: int
    of_article: str
    of_paragraph: int
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DuplicateLink:
    """Article ``article`` near-duplicates the earlier article ``of_article``."""

    article: str
    of_article: str
    similarity: float


def novelty_of(paragraphs: Sequence[str], linked: Iterable[int]) -> float:
    """1 - the share of words in ``paragraphs`` that sit in the ``linked``
    (duplicate) paragraphs: 1.0 is all new, 0.0 all recycled."""
    total = sum(len(p.split()) for p in paragraphs)
    if total == 0:
        return 1.0
    recycled = sum(len(paragraphs[i].split()) for i in set(linked) if 0 <= i < len(paragraphs))
    return round(1.0 - recycled / total, 4)


@dataclass(frozen=True, slots=True)
class Relink:
    """A stored, later copy found to duplicate an article that arrived after
    it but was published earlier: the stored copy's link (its
    ``duplicate_of`` when ``paragraph`` is -1, else the passage link of that
    paragraph) should point at ``of_article`` (``of_paragraph``) when that is
    earlier than what it points at now."""

    article: str
    paragraph: int
    of_article: str
    of_paragraph: int
    of_order_key: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Failure:
    """A fetch or extraction failure, as stored and reported."""

    url: str
    stage: str
    status: str
    reason: str
    at: datetime = field(default_factory=utcnow)
    site: str = ""
    source: str = ""
    # The raw-archive record of the page that failed (if it was read).
    raw: ArchiveLocation | None = None
    # Stored already with its batch (the record archived for it claimed in
    # the same transaction): the run's end does not record it again.
    recorded: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "stage": self.stage,
            "status": self.status,
            "reason": self.reason,
            "at": isoformat(self.at),
            "site": self.site,
            "source": self.source,
            "raw": self.raw.to_uri() if self.raw else None,
        }


@dataclass(frozen=True, slots=True)
class Skipped:
    """A WARC record an import leaves out on purpose, neither an article nor
    a failure: it holds no page to extract (a feed, sitemap, robots.txt or
    URL list the raw archive kept from discovering a source, or a response
    other than 200 OK). ``reason`` says which."""

    url: str
    reason: str
    site: str = ""


@dataclass(slots=True)
class Article:
    """A normalized, cleaned article: what the store keeps and exports."""

    url: str
    canonical_url: str
    site: str
    text: str
    paragraphs: list[str]
    source: SourceRef
    fetched_at: datetime
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    boilerplate_removed: list[Removal] = field(default_factory=list)
    raw: ArchiveLocation | None = None
    # Which extraction path produced ``text`` (newsmill.extractors.body):
    # "trafilatura.fast", "trafilatura.cascade", "trafilatura.recall",
    # "jsonld" or "plaintext";
    # a "+fill" suffix when blocks trafilatura skipped were put back.
    extraction: str | None = None
    # How the bytes became text (newsmill.extractors.decode): the Python
    # codec name and what chose it ("bom", "http", "document", "utf-8",
    # "detected", "fallback").
    encoding: str | None = None
    encoding_source: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None
    duplicate_passages: list[PassageLink] = field(default_factory=list)

    @property
    def id(self) -> str:
        return article_id(self.canonical_url)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict[str, Any]:
        """The exported record (DESIGN.md, "Interfaces")."""
        return {
            "id": self.id,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "site": self.site,
            "title": self.title,
            "authors": list(self.authors),
            "published_at": isoformat(self.published_at),
            "modified_at": isoformat(self.modified_at),
            "fetched_at": isoformat(self.fetched_at),
            "language": self.language,
            "description": self.description,
            "image": self.image,
            "extraction": self.extraction,
            "encoding": self.encoding,
            "encoding_source": self.encoding_source,
            "text": self.text,
            "paragraphs": list(self.paragraphs),
            "word_count": self.word_count,
            "content_hash": self.content_hash,
            "duplicate_of": self.duplicate_of,
            "similarity": self.similarity,
            "duplicate_passages": [p.to_dict() for p in self.duplicate_passages],
            "boilerplate_removed": [r.to_dict() for r in self.boilerplate_removed],
            "source": self.source.to_dict(),
            "raw": self.raw.to_uri() if self.raw else None,
        }


@dataclass(frozen=True, slots=True)
class SketchRef:
    """A stored sketch found by an index lookup.

    ``kind`` is ``"article"`` or ``"passage"``; ``paragraph`` is -1 for
    article sketches. ``order_key`` sorts articles oldest first (ISO
    published time, else fetched time, then canonical URL) so links always
    point at the earliest copy.
    """

    kind: str
    article_id: str
    paragraph: int
    order_key: str


@dataclass(frozen=True, slots=True)
class Sketch:
    """A persisted MinHash sketch of one article or one paragraph.

    ``bands`` are the LSH bucket keys (signed 64-bit ints, band number mixed
    in) under which it is indexed; ``shingles`` are the sorted unique shingle
    hashes (little-endian uint32 bytes) used to verify candidates by exact
    Jaccard. ``params`` names the sketch parameters (scheme, seed, num_perm,
    bands x rows, shingling) so a change of parameters is detected.
    """

    kind: str
    article_id: str
    paragraph: int
    order_key: str
    bands: tuple[int, ...]
    shingles: bytes
    params: str

    @property
    def ref(self) -> SketchRef:
        return SketchRef(self.kind, self.article_id, self.paragraph, self.order_key)


@dataclass(frozen=True, slots=True)
class SourceState:
    """Conditional-GET state of a feed or sitemap, kept per source."""

    etag: str | None = None
    last_modified: str | None = None
