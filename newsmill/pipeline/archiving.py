"""The raw archive's policy: every response and every imported file is
kept byte-exact, once, before what was read from it is stored.

Fetched pages are archived as they are fetched (:mod:`newsmill.pipeline.acquire`);
:class:`Archiver` decides for the documents read from disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from newsmill.core.records import Article, RawDocument
from newsmill.storage import RawArchive
from newsmill.storage.archive import PAGE
from newsmill.storage.articles import StoredState

Mode = Literal["archived", "before_extract", "changed_only"]


def archive_documents(archive: RawArchive, name: str, docs: Sequence[RawDocument], kind: str = PAGE) -> None:
    """Write every document to the raw archive and set its location;
    ``kind``: what they were fetched as (``page``, or the kind of the
    source whose feed, sitemap or URL list they are: an import of the
    archive skips those)."""
    if not docs:
        return
    with archive.open_writer(name) as writer:
        for doc in docs:
            doc.archive = writer.write(doc, kind)


class Archiver:
    """When a run's documents go to the archive file ``<run>-<source>``:

    - ``archived``: they already are (fetched pages, pages read back from
      the archive by a reprocess);
    - ``before_extract``: documents of local sources not archived yet, batch
      by batch just before each batch is extracted, so that writing the
      archive overlaps with extracting the batches before;
    - ``changed_only``: imported files, once extracted and only those of new
      or changed articles, so that importing a file again adds nothing.
    """

    def __init__(self, archive: RawArchive, run_id: str, mode: Mode = "archived") -> None:
        self.archive, self.run_id, self.mode = archive, run_id, mode
        self._window: dict[str, RawDocument] = {}

    def reading(self, docs: Sequence[RawDocument]) -> None:
        """The documents read for the next extractions (``changed_only``:
        the ones whose articles may be archived)."""
        if self.mode == "changed_only":
            self._window = {d.url: d for d in docs}

    def before_extract(self, batch: Sequence[RawDocument]) -> None:
        if self.mode != "before_extract":
            return
        by_source: dict[str, list[RawDocument]] = {}
        for doc in batch:
            if doc.archive is None:
                by_source.setdefault(doc.source.name, []).append(doc)
        for name, group in by_source.items():
            archive_documents(self.archive, f"{self.run_id}-{name}", group)

    def before_store(self, batch: Sequence[Article], stored: StoredState) -> None:
        """``changed_only``: archive the documents of the new or changed
        articles of a batch about to be stored (``stored``: what the store
        holds of its URLs, read under the writer lock that is held until it
        is saved). A document archived already (the store step was retried)
        is not written again."""
        if self.mode != "changed_only":
            return
        changed = [a for a in batch if stored.changed(a)]
        todo = [self._window[a.url] for a in changed if a.url in self._window]
        archive_documents(self.archive, self.run_id, [doc for doc in todo if doc.archive is None])
        for a in changed:
            if a.url in self._window:
                a.raw = self._window[a.url].archive


__all__ = ["Archiver", "Mode", "archive_documents"]
