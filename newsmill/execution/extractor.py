"""What every place extraction runs on offers: submit a batch, wait for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from newsmill.core.records import RawDocument
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import Extracted, Pending, run_ahead


class Extractor(Protocol):
    """Extraction somewhere else than the calling thread (local worker
    processes, a Dask cluster); results come in document order, the same
    as :func:`~newsmill.pipeline.extraction.extract_documents` in process."""

    def submit(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Pending[Extracted]:
        """Start extracting ``docs``; the result waits in the returned handle."""
        ...

    def extract(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Extracted:
        """Extract ``docs`` and wait for them."""
        ...


def extract_ahead(extractor: Extractor, batches: Sequence[Sequence[RawDocument]],
                  settings: ExtractSettings | None = None, ahead: int = 2,
                  before: Callable[[Sequence[RawDocument]], None] | None = None) -> Iterator[Extracted]:
    """Each batch's extraction on ``extractor``, in order, ``ahead`` batches
    ahead; ``before(batch)`` runs just before a batch is submitted (e.g.
    archiving it)."""
    def submit(batch: Sequence[RawDocument]) -> Pending[Extracted]:
        if before is not None:
            before(batch)
        return extractor.submit(batch, settings)

    return run_ahead(submit, batches, ahead)


__all__ = ["Extractor", "extract_ahead"]
