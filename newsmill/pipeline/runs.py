"""The story of each run, told once for every host
(:class:`~newsmill.pipeline.host.Host`: in this process, or as a Prefect
flow run): ``ingest`` (sources -> store), ``demo``, ``import-files`` and
``reprocess``, and how a run drives its steps batch by batch, extraction
running ahead of dedup-and-store.

A stop request (:mod:`newsmill.pipeline.stopping`, the first Ctrl-C) is
looked at between batches and input windows: the run stores no batch after
the one in flight, reads no more input, and is recorded as ``interrupted``
with what it stored; running it again resumes it (what is stored already
is found unchanged and skipped).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from newsmill.core.errors import SourceError
from newsmill.core.records import Failure, RawDocument
from newsmill.core.settings import (
    DedupSettings,
    LimitSettings,
    RunSettings,
    SourceConfig,
    SourcesFile,
)
from newsmill.execution.extractor import Extractor
from newsmill.execution.scale import ScaleOut
from newsmill.extractors import ExtractSettings
from newsmill.pipeline import extraction, inputs, progress, stopping, storing
from newsmill.pipeline.archiving import Archiver
from newsmill.pipeline.extraction import Extracted
from newsmill.pipeline.host import (
    DISCOVER,
    EXTRACT,
    FETCH,
    READ_LOCAL,
    RECORD,
    STORE,
    Host,
    ProgressArtifact,
)
from newsmill.pipeline.lifecycle import Run, run_lifecycle
from newsmill.pipeline.report import RunReport
from newsmill.storage import Store

if TYPE_CHECKING:  # imported by the runs that fetch: an import needs no HTTP stack
    from newsmill.pipeline import acquire

REPROCESS_WINDOW = 2000  # archived pages a reprocess reads back before it extracts and stores them
IMPORT_WINDOW = 2000  # documents an import reads before it extracts and stores them
PROGRESS_SECONDS = 5.0  # least time between two updates of a run's progress artifact


# --- the steps -------------------------------------------------------------------

def extract_batch(docs: list[RawDocument], settings: ExtractSettings | None = None,
                  extractor: Extractor | None = None) -> Extracted:
    """Extract and clean one batch of raw documents (in this process, on the
    local worker pool or on the Dask cluster)."""
    if extractor is not None:
        return extractor.extract(docs, settings)
    return extraction.extract_documents(docs, settings)


def store_batch(extracted: list[Extracted], store: Store, report: RunReport, settings: DedupSettings,
                seen: dict[str, str] | None = None, archiver: Archiver | None = None) -> RunReport:
    """Link duplicates against the store and save the batch in one transaction.

    ``seen``: canonical URL -> URL of the pages stored by earlier batches of
    this run; a page reached again under another address in the same run
    keeps its first copy, as within one batch (no new version within a run:
    only another capture of the same address, an import's later WARC record
    of it, becomes one). ``archiver``:
    archives the documents of new or changed articles first (imports)."""
    batch = Extracted.join(extracted)
    before_save = archiver.before_store if archiver is not None else None
    storing.store_articles(batch.articles, store, report, settings, sketches=batch.sketches, seen=seen,
                           before_save=before_save)
    if seen is not None:  # only once stored: a retry of this step must store them
        for a in batch.articles:
            seen.setdefault(a.canonical_url, a.url)
    return report


def save_failures(failures: list[Failure], store: Store, run_id: str) -> None:
    store.record_failures(failures, run_id=run_id)


# --- driving them ----------------------------------------------------------------

@dataclass
class ExtractionProgress:
    """A run's extraction progress over ``total`` documents: the CLI's
    progress bar, and where the host shows one (the Prefect UI's progress
    artifact), for runs of more than one batch, updated every
    PROGRESS_SECONDS and at the end, not per batch: each update may be an
    API call. One per run, even when the run extracts its documents in
    several windows (reprocess, large imports)."""

    host: Host
    total: int
    done: int = 0
    artifact: ProgressArtifact | None = None
    growing: bool = False  # the total is what has been read so far
    shown: float = field(default_factory=time.monotonic)

    def begin(self) -> None:
        if self.done == 0:
            progress.report("extract", 0, self.total)
        if self.artifact is None and self.total > extraction.EXTRACT_BATCH:
            self.artifact = self.host.progress_artifact(f"extraction: 0 of {self.total} documents")

    def advance(self, n: int) -> None:
        """``n`` more documents are done (extracted, or failed before)."""
        self.done += n
        progress.report("extract", self.done, self.total)
        if self.artifact is not None and (self.done >= self.total
                                          or time.monotonic() - self.shown >= PROGRESS_SECONDS):
            read = " read so far" if self.growing else ""
            self.artifact.update(100.0 * min(self.done, self.total) / self.total,
                                 f"extraction: {self.done} of {self.total} documents{read}")
            self.shown = time.monotonic()

    def grow(self, n: int, *, more: bool) -> None:
        """``n`` more documents to extract (an import reads its input window
        by window); ``more``: whether others follow them."""
        self.total += n
        self.growing = more


def extract_batches(host: Host, docs: list[RawDocument], run: Run, scale: ScaleOut | None, archiver: Archiver,
                    tracker: ExtractionProgress | None = None, *, count_read: bool = False) -> Iterator[Extracted]:
    """Extract every document in batch steps, with each site's learned
    templates, in process, on the local worker pool or on Dask (``scale``),
    and yield the batches in order as they finish (so the caller stores one
    batch while the next ones are extracted); failures go to the report.
    ``tracker``: the run's progress when these documents are only part of it.
    ``count_read``: count each document read under the site its article
    (or failure) got, for documents that had none before extraction (an
    import's files). No batch is started once a stop is requested."""
    settings = run.extract_settings(d.site for d in docs)
    batches = extraction.cut_batches(docs)
    if not batches:
        return
    tracker = tracker or ExtractionProgress(host, len(docs))
    tracker.begin()
    number = iter(range(run.report.extracted_batches + 1, 1 << 62))

    def finished(e: Extracted, batch: list[RawDocument]) -> Extracted:
        if count_read:
            for site in [*(a.site for a in e.articles), *(f.site for f in e.failures)]:
                run.report.count(site, "fetched")
        run.report.add_failures(archiver.failed(batch, e.failures))
        tracker.advance(len(batch))
        run.report.extracted_batches += 1
        return e

    if scale is not None:
        host.log("extracting %d batch(es) on %s", len(batches), scale.description)
        # PROCESS_AHEAD batches are extracted while the run dedups and
        # stores the one before them: batch steps run in the host's threads
        # and wait on the worker processes or the Dask cluster (not all at
        # once: the pages travel one batch at a time).
        extractor = scale.extractor

        def submit(batch: list[RawDocument]) -> Any:
            return host.submit(EXTRACT, extract_batch, batch, settings, extractor, label=str(next(number)))

        todo = (batch for batch in batches if not stopping.stop_requested())
        # Results come in order: the i-th is that of the i-th batch.
        for batch, got in zip(batches, extraction.run_ahead(submit, todo, extraction.PROCESS_AHEAD), strict=False):
            yield finished(got, batch)
            if stopping.stop_requested():
                return
    else:
        # One batch at a time: extraction is CPU-bound under the GIL, so
        # running batches in threads at once only adds switching.
        for batch in batches:
            if stopping.stop_requested():
                return
            yield finished(host.call(EXTRACT, extract_batch, batch, settings, label=str(next(number))), batch)


def store_all(host: Host, extracted: list[Extracted], run: Run, seen: dict[str, str] | None = None,
              archiver: Archiver | None = None) -> None:
    """Dedup and store extracted articles (one step), telling the CLI."""
    host.call(STORE, store_batch, extracted, run.store, run.report, run.settings.dedup, seen, archiver,
              label=str(run.report.stored_batches + 1))
    run.report.stored_batches += 1
    # What it has reached, in the run log: a run whose process dies keeps it
    # when it is marked interrupted (RunLog.recover_stale_runs).
    run.store.run_progress(run.run_id, run.report.totals())
    progress.report("dedup and store", run.report.stored_batches, 0)


def extract_and_store(host: Host, docs: list[RawDocument], run: Run, scale: ScaleOut | None, archiver: Archiver,
                      tracker: ExtractionProgress | None = None, seen: dict[str, str] | None = None, *,
                      count_read: bool = False) -> None:
    """Extract the documents batch by batch and dedup-and-store each batch
    as soon as it is extracted (in document order), until a stop is
    requested. ``seen``: canonical URL -> URL of what this run stored before
    these documents (see :func:`store_batch`)."""
    seen = {} if seen is None else seen
    archiver.reading(docs)
    for extracted in extract_batches(host, docs, run, scale, archiver, tracker, count_read=count_read):
        store_all(host, [extracted], run, seen, archiver)
        if stopping.stop_requested():
            break
    if stopping.stop_requested():
        run.report.interrupted = True


def _lifecycle(host: Host, flow: str, params: dict[str, Any], settings: RunSettings, report: RunReport) -> Any:
    return run_lifecycle(flow, params, settings, report, publish=host.publish_report,
                         record=lambda failures, store, run_id: host.call(RECORD, save_failures, failures, store,
                                                                          run_id))


# --- the runs --------------------------------------------------------------------

def ingest(host: Host, plan: SourcesFile, chosen: list[SourceConfig], settings: RunSettings) -> RunReport:
    """The ingest story, shared by the ``ingest`` and ``demo`` runs."""
    from newsmill.pipeline import acquire

    report = RunReport(flow="ingest")
    # The sources file's limits, less what the environment sets.
    settings = replace(settings, runner=replace(settings.runner, limits=LimitSettings.from_env(plan.limits)))
    with _lifecycle(host, "ingest", {"sources": [s.name for s in chosen]}, settings, report) as run, \
            host.scale_out(settings.runner) as scale:
        store, archive, run_id = run.store, run.archive, run.run_id
        remote = [s for s in chosen if s.kind in acquire.REMOTE_KINDS]
        local = [s for s in chosen if s.kind in acquire.LOCAL_KINDS]
        found = [f.result() for f in [host.submit(DISCOVER, _discover, s, plan, store, archive, run_id, host,
                                                  label=s.name) for s in remote]]
        report.sources_total = len(chosen)
        report.sources_failed = sum(1 for d in found if d.failed)
        for d in found:
            report.add_fetches(d.outcomes)
            report.add_failures(d.failures)
        todo = acquire.assign_items(found, store)
        fetched = [] if stopping.stop_requested() else [
            f.result() for f in [host.submit(FETCH, _fetch, s, todo[s.name], plan, store, archive, run_id, host,
                                             label=s.name) for s in remote if todo[s.name]]]
        local_read = [] if stopping.stop_requested() else [
            host.call(READ_LOCAL, acquire.read_new_files, s, store, run_id, label=s.name) for s in local]
        report.sources_failed += sum(1 for f in local_read if f.failures and not f.docs)
        for f in [*fetched, *local_read]:
            report.add_fetches(f.outcomes)
            report.add_failures(f.failures)
        for f in local_read:
            for doc in f.docs:
                report.count(doc.site, "fetched")
            report.add_read_items(len(f.docs), len(f.failures))  # (its skipped files are outcomes, above)
        docs = [doc for f in [*fetched, *local_read] for doc in f.docs]
        # Several captures of one URL (a warc source's records of it) are
        # stored one round after the other, in capture order; fetched pages
        # have a URL each and are all in the first round.
        archiver = Archiver(archive, run_id, "at_store", store, by_source=True)
        seen: dict[str, str] = {}
        tracker = ExtractionProgress(host, len(docs))
        for captures in inputs.capture_rounds(docs):
            if stopping.stop_requested():
                break
            extract_and_store(host, captures, run, scale, archiver, tracker=tracker, seen=seen)
        if stopping.stop_requested():
            report.interrupted = True
        run.on_success.append(lambda: acquire.commit_source_states(found, store))
    host.log("run %s: %s", run.run_id, report.totals())
    if report.sources_total and report.sources_failed == report.sources_total:
        reasons = "; ".join(f"{f.source or f.url}: {f.reason}" for f in report.failures[:5])
        raise SourceError(f"every source failed ({reasons}); the failures are recorded (newsmill failures)")
    return report


def _discover(source: SourceConfig, plan: SourcesFile, store: Store, archive: Any, run_id: str,
              host: Host) -> acquire.Discovered:
    """Read one source's feed, sitemap or URL list."""
    from newsmill.pipeline import acquire

    found = acquire.discover_articles(source, plan.fetch, store, archive, run_id)
    host.log("%s: %d item(s) listed", source.name, len(found.items))
    return found


def _fetch(source: SourceConfig, items: list[Any], plan: SourcesFile, store: Store, archive: Any, run_id: str,
           host: Host) -> acquire.Fetched:
    """Fetch and archive one source's new article pages."""
    from newsmill.pipeline import acquire

    fetched = acquire.fetch_items(source, items, plan.fetch, store, archive, run_id)
    host.log("%s: %d page(s) fetched, %d failure(s)", source.name, len(fetched.docs), len(fetched.failures))
    return fetched


def demo(host: Host, settings: RunSettings) -> RunReport:
    """Serve the bundled sample news site on loopback and ingest it once."""
    from newsmill.pipeline import acquire
    from newsmill.pipeline.sample_site import SampleSite

    with SampleSite() as site:
        plan, chosen = acquire.choose_sources(None, site.sources_config(), None, None)
        return ingest(host, plan, chosen, settings)


def import_files(host: Host, paths: list[str], settings: RunSettings, *, site: str | None = None,
                 language: str | None = None) -> RunReport:
    """Ingest local files and folders; every file of a new or changed
    article is archived as a WARC record, so it can be reprocessed (a record
    of the run's own raw archive is not: the article points at it). A file
    or record whose body is the archived raw document of a stored version
    of its URL is counted unchanged and not read further
    (:func:`~newsmill.pipeline.inputs.stored_already`); several captures of
    one URL in a window are stored in capture order, one round of captures
    after the other (:func:`~newsmill.pipeline.inputs.capture_rounds`), so
    each changed one becomes a version and the latest is current.
    ``site``, ``language``: every document's, when given (``--site``,
    ``--language``)."""
    report = RunReport(flow="import-files")
    with _lifecycle(host, "import-files", {"paths": paths}, settings, report) as run, \
            host.scale_out(settings.runner) as scale:
        # Window by window, as reprocess does: an import holds at most
        # IMPORT_WINDOW pages at a time, however large its input.
        tracker = ExtractionProgress(host, 0)
        seen: dict[str, str] = {}
        archiver = Archiver(run.archive, run.run_id, "at_store", run.store)
        for docs, more in inputs.read_imports(paths, report, IMPORT_WINDOW, run.archive, site=site,
                                              language=language):
            if stopping.stop_requested():
                break
            # What was read is counted under the site each document turns
            # out to have (a plain file's is only known once extracted).
            tracker.grow(len(docs), more=more)
            todo = inputs.stored_already(docs, run.store, run.archive, report)
            tracker.advance(len(docs) - len(todo))
            for captures in inputs.capture_rounds(todo):
                if stopping.stop_requested():
                    break
                extract_and_store(host, captures, run, scale, archiver, tracker=tracker, seen=seen,
                                  count_read=True)
        if stopping.stop_requested():
            report.interrupted = True
    return report


def reprocess(host: Host, site: str | None, since: str | None, settings: RunSettings) -> RunReport:
    """Re-extract, re-clean and re-dedup stored articles of ``site`` (None:
    all) published (else first seen) since the ISO date ``since`` from the
    raw archive (no refetch), and the pages whose extraction failed (last
    failing since then); changed articles become new versions, unchanged
    ones are left as they are, a failed page that now gives an article is
    stored."""
    report = RunReport(flow="reprocess")
    start = datetime.fromisoformat(since) if since else None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    params = {"site": site, "since": since}
    with _lifecycle(host, "reprocess", params, settings, report) as run, host.scale_out(settings.runner) as scale:
        # Window by window: the pages of a window are read back, then
        # extracted and stored, before the next window is read, so a
        # reprocess of a whole store holds one window of pages at a time.
        uris = run.store.raw_locations(site=site, since=start)
        # and the pages that failed extraction and whose URL holds no article
        # (after a rule fix they may give one)
        stored = set(uris)
        uris += [u for u in run.store.failed_pages(site=site, since=start) if u not in stored]
        tracker = ExtractionProgress(host, len(uris))
        archiver = Archiver(run.archive, run.run_id)  # read from the archive: archived already
        for i in range(0, len(uris), REPROCESS_WINDOW):
            if stopping.stop_requested():
                break
            docs, failures = inputs.read_archived(run.archive, uris[i : i + REPROCESS_WINDOW], site=site,
                                                  done=i, total=len(uris))
            report.add_failures(failures)
            extract_and_store(host, docs, run, scale, archiver, tracker=tracker)
            tracker.advance(len(failures))
        if stopping.stop_requested():
            report.interrupted = True
    return report


__all__ = ["IMPORT_WINDOW", "PROGRESS_SECONDS", "REPROCESS_WINDOW", "ExtractionProgress", "demo", "extract_and_store",
           "extract_batch", "extract_batches", "import_files", "ingest", "reprocess", "save_failures", "store_all",
           "store_batch"]
