"""The newsmill exception tree.

::

    NewsmillError
    ├── ConfigError        bad settings or sources file
    ├── SourceError        a feed, sitemap, folder or WARC could not be read
    ├── FetchError         an HTTP fetch failed (carries a FetchStatus value)
    ├── ArchiveError       the raw archive could not be written or read
    ├── ExtractionError    no article could be extracted from a document
    ├── DedupError         the dedup index is inconsistent or misconfigured
    └── StorageError       the store could not be opened, migrated or written
        └── StoreMissing   no store where one was to be read (read-only open)

Errors of the libraries underneath (httpx, lxml, sqlite3, warcio...) are
mapped to these at the stage boundary, so callers catch one tree.
"""

from __future__ import annotations


class NewsmillError(Exception):
    """Base class of every error newsmill raises on purpose."""


class ConfigError(NewsmillError):
    """Settings or a sources file are invalid; ``where``: the bad value's
    place in the sources file (mapping keys and list indexes), when known."""

    def __init__(self, message: str, *, where: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.where = where


class SourceError(NewsmillError):
    """A source (feed, sitemap, URL list, folder, WARC) could not be read."""

    def __init__(self, message: str, *, status: str = "source_error") -> None:
        super().__init__(message)
        self.status = status


class FetchError(NewsmillError):
    """An HTTP fetch failed; ``status`` is a :class:`FetchStatus` value."""

    def __init__(self, message: str, *, status: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.http_status = http_status


class ArchiveError(NewsmillError):
    """The raw archive could not be written or read."""


class ExtractionError(NewsmillError):
    """No usable article could be extracted; ``status`` says why."""

    def __init__(self, message: str, *, status: str = "extract_error") -> None:
        super().__init__(message)
        self.status = status


class DedupError(NewsmillError):
    """The dedup index is misconfigured or inconsistent with the store."""


class StorageError(NewsmillError):
    """The article store could not be opened, migrated or written."""


class StoreMissing(StorageError):
    """A read-only open found no store at the database URL (nothing was created)."""
