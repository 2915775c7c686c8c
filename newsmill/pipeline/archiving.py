"""The raw archive's policy: every response, every imported file and every
page that failed is kept byte-exact, once, and nothing is archived that the
store does not point at.

A document's record key (:func:`~newsmill.storage.archive.record_key`) is
looked up under the store's writer lock; a document whose key the store has
points at that record, the others are written in a span of the archive and
claimed in the transaction that stores the pointers to them
(:func:`archive_once`). Fetched pages are archived as they are fetched, with
their fetch-log rows (:mod:`newsmill.pipeline.acquire`); :class:`Archiver`
decides for the documents read from disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Literal

from newsmill.core.records import ArchiveLocation, Article, Failure, RawDocument
from newsmill.storage import RawArchive, Store
from newsmill.storage.archive import PAGE, Claim, record_key
from newsmill.storage.articles import StoredState

Mode = Literal["archived", "at_store"]


@contextmanager
def archiving(store: Store, archive: RawArchive, name: str, docs: Sequence[RawDocument],
              kind: str = PAGE) -> Iterator[list[Claim]]:
    """Point every document of ``docs`` not archived yet at its record:
    the record of its key when the store has one, else one written now to
    ``<name>``'s file (once per key, whatever the repeats in ``docs``); a
    document archived already (read back from this archive) is claimed
    where it is when its key is not.
    Yields the claims of the records written: the block must store them
    with the pointers in one transaction, as its last step. Holds the
    store's writer lock (so two runs archiving the same input each see the
    other's claims); an error in the block cuts the new records back."""
    with store.exclusive():
        keys = [record_key(d) for d in docs]
        have: dict[str, ArchiveLocation] = store.archived_records(keys) if docs else {}
        claims: list[Claim] = []
        with archive.span(name, store.claimed_locations) as span:
            for doc, key in zip(docs, keys, strict=True):
                loc = have.get(key)
                if doc.archive is not None:
                    # A record of this archive read back (an import of the
                    # home's own raw/): it keeps pointing at itself, and is
                    # claimed if its key is not.
                    if loc is None:
                        have[key] = doc.archive
                        claims.append(Claim(key, doc.archive, doc.url))
                    continue
                if loc is None:
                    loc = span.write(doc, kind)
                    have[key] = loc
                    claims.append(Claim(key, loc, doc.url))
                doc.archive = loc
            span.sync()
            yield claims


def archive_once(store: Store, archive: RawArchive, name: str, docs: Sequence[RawDocument],
                 commit: Callable[[list[Claim]], None], kind: str = PAGE) -> None:
    """:func:`archiving` with ``commit(claims)`` as the block: the
    transaction that stores the pointers and the claims."""
    with archiving(store, archive, name, docs, kind) as claims:
        commit(claims)


def archive_documents(archive: RawArchive, name: str, docs: Sequence[RawDocument], kind: str = PAGE) -> None:
    """Write every document to ``<name>``'s file and set its location,
    without a store: for an archive nothing points into (tests, tools)."""
    if not docs:
        return
    with archive.open_writer(name) as writer:
        for doc in docs:
            doc.archive = writer.write(doc, kind)


class Archiver:
    """When a run's documents go to the archive (file ``<run>``, or with
    ``by_source`` ``<run>-<source>``):

    - ``archived``: they already are (fetched pages, pages read back from
      the archive by a reprocess); a failure points at its page's record;
    - ``at_store``: documents read from disk (imports, folder and WARC
      sources), those of new or changed articles archived as their batch
      is stored (:meth:`before_store`) and those that failed as the batch's
      failures are recorded (:meth:`failed`), so that importing a file
      again adds nothing.
    """

    def __init__(self, archive: RawArchive, run_id: str, mode: Mode = "archived",
                 store: Store | None = None, *, by_source: bool = False) -> None:
        if mode == "at_store" and store is None:
            raise ValueError("archiving at store time needs the store")
        self.archive, self.run_id, self.mode, self.store = archive, run_id, mode, store
        self.by_source = by_source  # a file per source, ``<run>-<source>`` (an ingest's), else ``<run>``
        self._window: dict[str, RawDocument] = {}

    @contextmanager
    def _archiving(self, docs: Sequence[RawDocument]) -> Iterator[list[Claim]]:
        """:func:`archiving` into the run's file, or each source's."""
        assert self.store is not None
        groups: dict[str, list[RawDocument]] = {}
        for doc in docs:
            name = f"{self.run_id}-{doc.source.name}" if self.by_source else self.run_id
            groups.setdefault(name, []).append(doc)
        with ExitStack() as stack:
            claims: list[Claim] = []
            for name, group in groups.items():
                claims += stack.enter_context(archiving(self.store, self.archive, name, group))
            yield claims

    def reading(self, docs: Sequence[RawDocument]) -> None:
        """The documents read for the next extractions (``at_store``: the
        ones whose articles or failures may be archived; one capture per URL)."""
        if self.mode == "at_store":
            self._window = {d.url: d for d in docs}

    @contextmanager
    def before_store(self, batch: Sequence[Article], stored: StoredState) -> Iterator[Sequence[Claim]]:
        """``at_store``: archive the documents of the new or changed
        articles of a batch about to be stored (``stored``: what the store
        holds of its URLs, read under the writer lock held until it is
        saved), and yield the claims to save with the batch. A document
        archived already (the store step was retried) is not written again."""
        if self.mode != "at_store" or self.store is None:
            yield ()
            return
        changed = [a for a in batch if stored.changed(a) and a.url in self._window]
        docs = [self._window[a.url] for a in changed]
        with self._archiving(docs) as claims:
            for a in changed:
                a.raw = self._window[a.url].archive
            yield claims

    def failed(self, docs: Sequence[RawDocument], failures: Sequence[Failure]) -> list[Failure]:
        """The failures of a batch of ``docs``, each pointing at its page's
        record (``raw``). ``at_store``: pages not archived yet are, and the
        failures are recorded with their claims in one transaction (and come
        back marked ``recorded``: the run's end does not record them again)."""
        by_url = {d.url: d for d in docs}
        mine = [i for i, f in enumerate(failures) if f.url in by_url and not f.recorded]
        out = list(failures)
        if not mine:
            return out
        if self.mode != "at_store" or self.store is None:
            for i in mine:
                out[i] = replace(out[i], raw=out[i].raw or by_url[out[i].url].archive)
            return out
        store = self.store

        def commit(claims: list[Claim]) -> None:
            done = [replace(out[i], raw=by_url[out[i].url].archive) for i in mine]
            store.record_failures(done, run_id=self.run_id, claims=claims)
            for i, f in zip(mine, done, strict=True):
                out[i] = replace(f, recorded=True)

        with self._archiving(list({id(by_url[failures[i].url]): by_url[failures[i].url] for i in mine}.values())
                             ) as claims:
            commit(claims)
        return out


__all__ = ["Archiver", "Mode", "archive_documents", "archive_once", "archiving"]
