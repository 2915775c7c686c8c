"""The Prefect tasks of a run, each a few lines over :mod:`newsmill.pipeline`,
and how a run drives them batch by batch (extraction running ahead of
dedup-and-store), with its progress and report as artifacts. Retries only
on tasks that do network I/O or write the store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE as NO_CACHE
from prefect.utilities.annotations import quote

from newsmill.core.records import Failure, RawDocument
from newsmill.core.settings import DedupSettings, FetchSettings, SourceConfig
from newsmill.execution.extractor import Extractor
from newsmill.extractors import ExtractSettings
from newsmill.flows.scale import ScaleOut
from newsmill.pipeline import acquire, extraction, progress, storing
from newsmill.pipeline.archiving import Archiver
from newsmill.pipeline.extraction import Extracted
from newsmill.pipeline.lifecycle import Run
from newsmill.pipeline.report import RunReport
from newsmill.sources import DiscoveredItem
from newsmill.storage import RawArchive, Store

PROGRESS_SECONDS = 5.0  # least time between two updates of a run's progress artifact

T = TypeVar("T")


def as_is(value: T) -> T:
    """A large task parameter passed as it is: ``quote`` tells Prefect there
    are no futures inside to look for (it would walk every article)."""
    return cast(T, quote(value))


@task(name="discover-source", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def scan_source(source: SourceConfig, settings: FetchSettings, store: Store, archive: RawArchive,
             run_id: str) -> acquire.Discovered:
    """Read one source's feed, sitemap or URL list."""
    found = acquire.discover_articles(source, settings, store, archive, run_id)
    get_run_logger().info("%s: %d item(s) listed", source.name, len(found.items))
    return found


@task(name="fetch-articles", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def fetch_pages(source: SourceConfig, items: list[DiscoveredItem], settings: FetchSettings, store: Store,
          archive: RawArchive, run_id: str) -> acquire.Fetched:
    """Fetch and archive one source's new article pages."""
    fetched = acquire.fetch_items(source, items, settings, store, archive, run_id)
    get_run_logger().info("%s: %d page(s) fetched, %d failure(s)", source.name, len(fetched.docs),
                          len(fetched.failures))
    return fetched


@task(name="read-local-source", cache_policy=NO_CACHE)
def read_local(source: SourceConfig, store: Store) -> acquire.Fetched:
    """Read a folder or WARC source's new files (archived batch by batch,
    just before each batch is extracted)."""
    return acquire.read_new_files(source, store)


@task(name="extract-and-clean", cache_policy=NO_CACHE)
def extract_and_clean(docs: list[RawDocument], settings: ExtractSettings | None = None,
                      extractor: Extractor | None = None) -> Extracted:
    """Extract and clean one batch of raw documents (in this process, on the
    local worker pool or on the Dask cluster)."""
    if extractor is not None:
        return extractor.extract(docs, settings)
    return extraction.extract_documents(docs, settings)


@task(name="dedup-and-store", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def store_batch(extracted: list[Extracted], store: Store, report: RunReport, settings: DedupSettings,
                seen: set[str] | None = None, archiver: Archiver | None = None) -> RunReport:
    """Link duplicates against the store and save the batch in one transaction.

    ``seen``: canonical URLs stored by earlier batches of this run; a page
    reached again under another address in the same run keeps its first
    copy, as within one batch (no new version within a run). ``archiver``:
    archives the documents of new or changed articles first (imports)."""
    batch = Extracted.join(extracted)
    before_save = archiver.before_store if archiver is not None else None
    storing.store_articles(batch.articles, store, report, settings, sketches=batch.sketches, seen=seen,
                           before_save=before_save)
    if seen is not None:  # only once stored: a retry of this task must store them
        seen.update(a.canonical_url for a in batch.articles)
    return report


@task(name="record-failures", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def save_failures(failures: list[Failure], store: Store, run_id: str) -> None:
    store.record_failures(failures, run_id=run_id)


def record_in_task(failures: list[Failure], store: Store, run_id: str) -> None:
    """The lifecycle's ``record`` step, as the task above."""
    save_failures(as_is(failures), store, run_id)


def publish_report(report: RunReport) -> None:
    """The run's report and failures/duplicates tables in the Prefect UI."""
    create_markdown_artifact(report.to_markdown(), key="run-report", description="newsmill run report")
    if report.failures:
        create_table_artifact(
            [
                {"url": f.url, "stage": f.stage, "status": f.status, "reason": f.reason[:300], "site": f.site}
                for f in report.failures
            ],
            key="failures",
            description="fetch and extraction failures of this run",
        )
    if report.duplicate_links:
        create_table_artifact(report.duplicate_links, key="duplicate-links", description="new duplicate links")


@dataclass
class ExtractionProgress:
    """A run's extraction progress over ``total`` documents: the CLI's
    progress bar, and in the UI a progress artifact (for runs of more than
    one batch), updated every PROGRESS_SECONDS and at the end, not per
    batch: each update is an API call. One per run, even when the run
    extracts its documents in several windows (reprocess, large imports)."""

    total: int
    done: int = 0
    artifact: UUID | None = None
    growing: bool = False  # the total is what has been read so far
    shown: float = field(default_factory=time.monotonic)

    def begin(self) -> None:
        if self.done == 0:
            progress.report("extract", 0, self.total)
        if self.artifact is None and self.total > extraction.EXTRACT_BATCH:
            self.artifact = cast(UUID, create_progress_artifact(
                0.0, description=f"extraction: 0 of {self.total} documents"))

    def advance(self, n: int) -> None:
        """``n`` more documents are done (extracted, or failed before)."""
        self.done += n
        progress.report("extract", self.done, self.total)
        if self.artifact is not None and (self.done >= self.total
                                          or time.monotonic() - self.shown >= PROGRESS_SECONDS):
            read = " read so far" if self.growing else ""
            update_progress_artifact(self.artifact, 100.0 * min(self.done, self.total) / self.total,
                                     description=f"extraction: {self.done} of {self.total} documents{read}")
            self.shown = time.monotonic()

    def grow(self, n: int, *, more: bool) -> None:
        """``n`` more documents to extract (an import reads its input window
        by window); ``more``: whether others follow them."""
        self.total += n
        self.growing = more


def extract_batches(docs: list[RawDocument], run: Run, scale: ScaleOut | None, archiver: Archiver,
                    tracker: ExtractionProgress | None = None) -> Iterator[Extracted]:
    """Extract every document in batch tasks, with each site's learned
    templates, in process, on the local worker pool or on Dask (``scale``),
    and yield the batches in order as they finish (so the caller stores one
    batch while the next ones are extracted); failures go to the report.
    ``tracker``: the run's progress when these documents are only part of it."""
    settings = run.extract_settings(d.site for d in docs)
    batches = extraction.cut_batches(docs)
    if not batches:
        return
    tracker = tracker or ExtractionProgress(len(docs))
    tracker.begin()

    def finished(e: Extracted, batch: list[RawDocument]) -> Extracted:
        run.report.add_failures(e.failures)
        tracker.advance(len(batch))
        return e

    if scale is not None:
        get_run_logger().info("extracting %d batch(es) on %s", len(batches), scale.description)
        # PROCESS_AHEAD batches are extracted while the flow dedups and
        # stores the one before them: batch tasks run in the flow's thread
        # pool and wait on the worker processes or the Dask cluster (not
        # all at once: the pages travel one batch at a time).
        extractor = scale.extractor

        def submit(batch: list[RawDocument]) -> Any:
            archiver.before_extract(batch)
            return extract_and_clean.submit(as_is(batch), settings, extractor)

        for batch, got in zip(batches, extraction.run_ahead(submit, batches, extraction.PROCESS_AHEAD),
                              strict=True):
            yield finished(got, batch)
    else:
        # One batch at a time: extraction is CPU-bound under the GIL, so
        # running batches in the thread pool at once only adds switching.
        for batch in batches:
            archiver.before_extract(batch)
            yield finished(extract_and_clean(as_is(batch), settings), batch)


def store_all(extracted: list[Extracted], run: Run, seen: set[str] | None = None,
              archiver: Archiver | None = None) -> None:
    """Dedup and store extracted articles (one task), telling the CLI."""
    store_batch(as_is(extracted), run.store, as_is(run.report), run.settings.dedup, as_is(seen), as_is(archiver))
    run.report.stored_batches += 1
    progress.report("dedup and store", run.report.stored_batches, 0)


def extract_and_store(docs: list[RawDocument], run: Run, scale: ScaleOut | None, archiver: Archiver,
                      tracker: ExtractionProgress | None = None, seen: set[str] | None = None) -> None:
    """Extract the documents batch by batch and dedup-and-store each batch
    as soon as it is extracted (in document order). ``seen``: the canonical
    URLs this run stored before these documents (see :func:`store_batch`)."""
    seen = set() if seen is None else seen
    archiver.reading(docs)
    for extracted in extract_batches(docs, run, scale, archiver, tracker):
        store_all([extracted], run, seen, archiver)


__all__ = ["ExtractionProgress", "as_is", "extract_and_clean", "extract_and_store", "extract_batches",
           "fetch_pages", "publish_report", "read_local", "record_in_task", "save_failures", "scan_source", "store_all",
           "store_batch"]
