"""Shared vocabulary of newsmill: records, errors, settings and step stats.

Imports nothing from the rest of the project.
"""

from newsmill.core.errors import (
    ArchiveError,
    ConfigError,
    DedupError,
    ExtractionError,
    FetchError,
    NewsmillError,
    SourceError,
    StorageError,
)
from newsmill.core.records import (
    ArchiveLocation,
    Article,
    DuplicateLink,
    Failure,
    FetchOutcome,
    FetchStatus,
    PassageLink,
    RawDocument,
    Removal,
    Sketch,
    SketchRef,
    SourceRef,
)
from newsmill.core.stats import StepStats

__all__ = [
    "ArchiveError",
    "ArchiveLocation",
    "Article",
    "ConfigError",
    "DedupError",
    "DuplicateLink",
    "ExtractionError",
    "Failure",
    "FetchError",
    "FetchOutcome",
    "FetchStatus",
    "NewsmillError",
    "PassageLink",
    "RawDocument",
    "Removal",
    "Sketch",
    "SketchRef",
    "SourceError",
    "SourceRef",
    "StepStats",
    "StorageError",
]
