"""Prefect flows: ``ingest`` (sources -> store) and ``import-files``.

The flow reads as the story; each task is one batch-level step (per source
or per batch, never per article) wrapping a plain function of
:mod:`newsmill.flows.pipeline`. Retries only on tasks that do network I/O.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE as NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from newsmill.core.errors import ConfigError, SourceError
from newsmill.core.records import Failure, RawDocument
from newsmill.core.settings import (
    FetchSettings,
    SourceConfig,
    SourcesFile,
    load_sources,
    parse_sources,
)
from newsmill.extractors import ExtractSettings
from newsmill.flows import pipeline, progress
from newsmill.flows.report import RunReport
from newsmill.flows.runners import (
    ClusterExtractor,
    RunnerSettings,
    dask_task_runner,
    local_cluster_setup,
)
from newsmill.sources import DiscoveredItem
from newsmill.storage import RawArchive, Store

EXTRACT_BATCH = 100  # documents per extraction task and per dedup-and-store transaction (the last ones fewer)
PROCESS_AHEAD = 2  # batches being extracted (local pool or Dask) while one is stored
PROGRESS_SECONDS = 5.0  # least time between two updates of a run's progress artifact
REPROCESS_WINDOW = 2000  # archived pages a reprocess reads back before it extracts and stores them
IMPORT_WINDOW = 2000  # documents an import reads before it extracts and stores them


T = TypeVar("T")


def as_is(value: T) -> T:
    """A large task parameter passed as it is: Prefect walks every task
    parameter looking for futures to resolve (about 0.1 s for a batch of
    articles); ``quote`` tells it there are none."""
    return cast(T, quote(value))


def _ingest_run_name() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    group = params.get("group") or "all"
    return f"ingest-{group}-{datetime.now(UTC):%Y-%m-%d-%H%M}"


def _import_run_name() -> str:
    return f"import-files-{datetime.now(UTC):%Y-%m-%d-%H%M}"


@task(name="discover-source", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def discover_source(
    source: SourceConfig, settings: FetchSettings, store: Store, archive: RawArchive, run_id: str
) -> pipeline.Discovered:
    """Read one source's feed, sitemap or URL list."""
    found = pipeline.discover_source(source, settings, store, archive, run_id)
    get_run_logger().info("%s: %d item(s) listed", source.name, len(found.items))
    return found


@task(name="fetch-articles", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def fetch_articles(
    source: SourceConfig, items: list[DiscoveredItem], settings: FetchSettings, store: Store,
    archive: RawArchive, run_id: str,
) -> pipeline.Fetched:
    """Fetch and archive one source's new article pages."""
    fetched = pipeline.fetch_items(source, items, settings, store, archive, run_id)
    get_run_logger().info("%s: %d page(s) fetched, %d failure(s)", source.name, len(fetched.docs),
                          len(fetched.failures))
    return fetched


@task(name="read-local-source", cache_policy=NO_CACHE)
def read_local_source(source: SourceConfig, store: Store) -> pipeline.Fetched:
    """Read a folder or WARC source's new files (archived batch by batch,
    just before each batch is extracted)."""
    return pipeline.read_local_source(source, store)


@task(name="extract-and-clean", cache_policy=NO_CACHE)
def extract_batch(docs: list[RawDocument], settings: ExtractSettings | None = None,
                  pool: pipeline.ExtractPool | ClusterExtractor | None = None) -> pipeline.Extracted:
    """Extract and clean one batch of raw documents (in this process, on the
    local worker pool of the ``processes`` runner or on the Dask cluster)."""
    if pool is not None:
        return pool.extract(docs, settings)
    return pipeline.extract_documents(docs, settings)


@task(name="dedup-and-store", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def dedup_and_store(extracted: list[pipeline.Extracted], store: Store, report: RunReport,
                    seen: set[str] | None = None) -> RunReport:
    """Link duplicates against the store and save the batch in one transaction.

    ``seen``: canonical URLs stored by earlier batches of this run; a page
    reached again under another address in the same run keeps its first
    copy, as within one batch (no new version within a run)."""
    batch = pipeline.Extracted.join(extracted)
    articles = batch.articles
    if seen is not None:
        articles = [a for a in articles if a.canonical_url not in seen]
    pipeline.dedup_and_store(articles, store, report, sketches=batch.sketches)
    if seen is not None:  # only once stored: a retry of this task must store them
        seen.update(a.canonical_url for a in articles)
    return report


def store_all(extracted: list[pipeline.Extracted], store: Store, report: RunReport,
              seen: set[str] | None = None) -> None:
    """Dedup and store extracted articles (one task), telling the CLI."""
    dedup_and_store(as_is(extracted), store, as_is(report), as_is(seen))
    report.stored_batches += 1
    progress.report("dedup and store", report.stored_batches, 0)


@task(name="record-failures", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def record_failures(failures: list[Failure], store: Store, run_id: str) -> None:
    store.record_failures(failures, run_id=run_id)


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


def cut_batches(docs: list[RawDocument], size: int | None = None) -> list[list[RawDocument]]:
    """The documents in batches of ``size``, in order; the last documents go
    in batches of a half, a quarter and an eighth of ``size``, and a short
    batch, if any, comes first. A run ends with the dedup-and-store of its
    last batch, which nothing overlaps when extraction runs ahead on other
    processes: a small last batch keeps that short, and a small first batch
    gets the workers going sooner. Every runner cuts the same batches, so
    they store the same (dedup and template learning go batch by batch)."""
    size = size or EXTRACT_BATCH
    if len(docs) <= size:
        return [docs] if docs else []
    tail = [n for n in (size // 2, size // 4, size // 8) if n > 0]
    head = len(docs) - sum(tail)
    cuts = [0, *range(head % size or size, head + 1, size)]
    for n in tail:
        cuts.append(cuts[-1] + n)
    return [docs[a:b] for a, b in itertools.pairwise(cuts) if b > a]


@dataclass
class ScaleOut:
    """Where extraction runs besides the flow's process (``NEWSMILL_TASK_RUNNER``)."""

    description: str
    pool: pipeline.ExtractPool | ClusterExtractor


@contextmanager
def scale_out() -> Iterator[ScaleOut | None]:
    """The local worker pool (``processes``) or the Dask task runner
    (``dask``), started at the beginning of a run so that workers boot while
    it discovers, fetches and reads; None for the default runner.

    The Dask runner is entered here rather than given to a child flow:
    flow-run parameters go to the API (and are capped at 512 KB), task
    parameters only travel to the Dask workers."""
    runner = RunnerSettings.from_env()
    if runner.kind == "processes":
        with pipeline.ExtractPool(runner.pool_size) as pool:
            pool.prestart()
            yield ScaleOut(runner.describe(), pool=pool)
    elif runner.kind == "dask":
        task_runner = dask_task_runner(runner)
        with ExitStack() as stack:
            if runner.dask_address is None:  # a LocalCluster: its workers fork from the pipeline's fork server
                stack.enter_context(local_cluster_setup())
            dask = stack.enter_context(task_runner)
            start = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="dask-start"))
            # The cluster starts (or is connected to) in the background
            # while the run discovers, fetches and reads; the first batch
            # waits for it. Exiting waits for it too, so that the runner
            # closes what was started.
            client = start.submit(lambda: dask.client)
            yield ScaleOut(runner.describe(), pool=ClusterExtractor(client))
            client.result()  # a cluster that never came up fails the run, even one with nothing to extract
    else:
        yield None


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
        if self.artifact is None and self.total > EXTRACT_BATCH:
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


def extract_batches(docs: list[RawDocument], report: RunReport, store: Store,
                    scale: ScaleOut | None = None,
                    before_extract: Callable[[list[RawDocument]], None] | None = None,
                    tracker: ExtractionProgress | None = None) -> Iterator[pipeline.Extracted]:
    """Extract every document in batch tasks, with each site's learned
    templates, in process, on the local worker pool or on Dask (``scale``),
    and yield the batches in order as they finish (so the caller stores one
    batch while the next ones are extracted); failures go to the report.
    ``before_extract(batch)`` runs in the flow just before a batch is
    extracted or submitted (archiving it). ``tracker``: the run's progress
    when these documents are only part of it."""
    settings = pipeline.learned_settings(store, (d.site for d in docs))
    batches = cut_batches(docs)
    if not batches:
        return
    tracker = tracker or ExtractionProgress(len(docs))
    tracker.begin()

    def finished(e: pipeline.Extracted, batch: list[RawDocument]) -> pipeline.Extracted:
        report.add_failures(e.failures)
        tracker.advance(len(batch))
        return e

    if scale is not None:
        get_run_logger().info("extracting %d batch(es) on %s", len(batches), scale.description)
        # PROCESS_AHEAD batches are extracted while the flow dedups and
        # stores the one before them: batch tasks run in the flow's thread
        # pool and wait on the worker processes or the Dask cluster (not
        # all at once: the pages travel one batch at a time).
        pool = scale.pool

        def submit(batch: list[RawDocument]) -> Any:
            if before_extract is not None:
                before_extract(batch)
            return extract_batch.submit(as_is(batch), settings, pool)

        for batch, got in zip(batches, pipeline.run_ahead(submit, batches, PROCESS_AHEAD), strict=True):
            yield finished(got, batch)
    else:
        # One batch at a time: extraction is CPU-bound under the GIL, so
        # running batches in the thread pool at once only adds switching.
        for batch in batches:
            if before_extract is not None:
                before_extract(batch)
            yield finished(extract_batch(as_is(batch), settings), batch)


def extract_and_store(docs: list[RawDocument], report: RunReport, store: Store,
                      before_store: Callable[[pipeline.Extracted], None] | None = None,
                      scale: ScaleOut | None = None,
                      before_extract: Callable[[list[RawDocument]], None] | None = None,
                      tracker: ExtractionProgress | None = None,
                      seen: set[str] | None = None) -> None:
    """Extract the documents batch by batch and dedup-and-store each batch
    as soon as it is extracted (in document order). ``seen``: the canonical
    URLs this run stored before these documents (see :func:`dedup_and_store`)."""
    seen = set() if seen is None else seen
    for extracted in extract_batches(docs, report, store, scale, before_extract, tracker):
        if before_store is not None:
            before_store(extracted)
        store_all([extracted], store, report, seen)


def load_plan(
    sources_file: str | None, config: dict[str, Any] | None, group: str | None, sources: list[str] | None
) -> tuple[SourcesFile, list[SourceConfig]]:
    if config is not None:
        plan = parse_sources(config)
    elif sources_file:
        plan = load_sources(sources_file)
    else:
        raise ConfigError("no sources: pass --sources FILE (see README, 'The sources file')")
    chosen = plan.select(sources, group)
    if not chosen:
        raise ConfigError(f"no source matches group={group!r} sources={sources!r}")
    return plan, chosen


def run_ingest(
    plan: SourcesFile, chosen: list[SourceConfig], home: str | None, report: RunReport
) -> RunReport:
    """The ingest story, shared by the flow and its tests."""
    logger = get_run_logger()
    paths, store, archive = pipeline.open_context(home)
    report.store, report.archive = paths.database_url, str(paths.raw_dir)
    run_id = store.start_run("ingest", {"sources": [s.name for s in chosen]})
    try:
        with scale_out() as scale:
            remote = [s for s in chosen if s.kind in ("feed", "sitemap", "urls")]
            local = [s for s in chosen if s.kind in ("folder", "warc")]
            found = [f.result() for f in [discover_source.submit(s, plan.fetch, store, archive, run_id)
                                           for s in remote]]
            report.sources_total = len(chosen)
            report.sources_failed = sum(1 for d in found if d.failed)
            for d in found:
                report.add_fetches(d.outcomes)
                report.add_failures(d.failures)
            todo = pipeline.assign_items(found, store)
            fetched = [f.result() for f in [fetch_articles.submit(s, todo[s.name], plan.fetch, store, archive, run_id)
                                             for s in remote if todo[s.name]]]
            local_read = [read_local_source(s, store) for s in local]
            report.sources_failed += sum(1 for f in local_read if f.failures and not f.docs)
            fetched += local_read
            docs = [doc for f in fetched for doc in f.docs]
            for f in fetched:
                report.add_fetches(f.outcomes)
                report.add_failures(f.failures)
                if f.source in {s.name for s in local}:
                    for doc in f.docs:
                        report.count(doc.site, "fetched")
            # Local sources' documents are archived batch by batch as they
            # go to extraction (fetched ones already are).
            extract_and_store(docs, report, store, scale=scale,
                              before_extract=lambda batch: pipeline.archive_pending(archive, run_id, batch))
        record_failures(as_is(report.failures), store, run_id)
        pipeline.commit_source_states(found, store)
        store.finish_run(run_id, "completed", report.totals())
    except BaseException:
        store.finish_run(run_id, "failed", report.totals())
        raise
    finally:
        store.close()
    publish_report(report)
    logger.info("run %s: %s", run_id, report.totals())
    if report.sources_total and report.sources_failed == report.sources_total:
        reasons = "; ".join(f"{f.source or f.url}: {f.reason}" for f in report.failures[:5])
        raise SourceError(f"every source failed ({reasons}); the failures are recorded (newsmill failures)")
    return report


@flow(name="ingest", flow_run_name=_ingest_run_name, timeout_seconds=6 * 3600)
def ingest(
    sources_file: str | None = None,
    group: str | None = None,
    sources: list[str] | None = None,
    home: str | None = None,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Ingest one source group: discover, fetch, archive, extract, clean, dedup, store.

    Args:
        sources_file: path of the sources YAML file.
        group: only sources of this group (one deployment per group).
        sources: only these source names.
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
        config: an inline sources mapping instead of a file (used by `newsmill demo`).
    """
    plan, chosen = load_plan(sources_file, config, group, sources)
    return run_ingest(plan, chosen, home, RunReport(flow="ingest")).to_dict()


@flow(name="demo", flow_run_name=lambda: f"demo-{datetime.now(UTC):%Y-%m-%d-%H%M}", timeout_seconds=3600)
def demo(home: str | None = None) -> dict[str, Any]:
    """Serve the bundled sample news site on loopback and ingest it once.

    Args:
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
    """
    from newsmill.flows.sample_site import SampleSite

    with SampleSite() as site:
        plan, chosen = load_plan(None, site.sources_config(), None, None)
        return run_ingest(plan, chosen, home, RunReport(flow="ingest")).to_dict()


@flow(name="import-files", flow_run_name=_import_run_name, timeout_seconds=6 * 3600)
def import_files(paths: list[str], home: str | None = None) -> dict[str, Any]:
    """Ingest local files and folders (.html, .htm, .html.gz, .txt, .warc, .warc.gz).

    Every file is archived as a WARC resource record, so it can be reprocessed.
    """
    report = RunReport(flow="import-files")
    ctx_paths, store, archive = pipeline.open_context(home)
    report.store, report.archive = ctx_paths.database_url, str(ctx_paths.raw_dir)
    run_id = store.start_run("import-files", {"paths": paths})
    try:
        with scale_out() as scale:
            # Window by window, as reprocess does: an import holds at most
            # IMPORT_WINDOW pages at a time, however large its input.
            tracker = ExtractionProgress(0)
            seen: set[str] = set()

            def archiver(window: list[RawDocument]) -> Callable[[pipeline.Extracted], None]:
                """Archives the pages of a stored batch's new or changed articles."""
                return lambda batch: pipeline.archive_changed([batch], window, store, archive, run_id)

            for docs, more in pipeline.read_imports(paths, report, IMPORT_WINDOW):
                for d in docs:
                    report.count(d.site or "local", "fetched")
                tracker.grow(len(docs), more=more)
                extract_and_store(docs, report, store, before_store=archiver(docs), scale=scale, tracker=tracker,
                                  seen=seen)
        record_failures(as_is(report.failures), store, run_id)
        store.finish_run(run_id, "completed", report.totals())
    except BaseException:
        store.finish_run(run_id, "failed", report.totals())
        raise
    finally:
        store.close()
    publish_report(report)
    return report.to_dict()


def _reprocess_run_name() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    return f"reprocess-{params.get('site') or 'all'}-{datetime.now(UTC):%Y-%m-%d-%H%M}"


@flow(name="reprocess", flow_run_name=_reprocess_run_name, timeout_seconds=6 * 3600)
def reprocess(site: str | None = None, since: str | None = None, home: str | None = None) -> dict[str, Any]:
    """Re-extract, re-clean and re-dedup stored articles from the raw archive
    (no refetch), e.g. after a cleaning rule changed. Changed articles become
    new versions; unchanged ones are left as they are.

    Args:
        site: only articles of this site (default: all).
        since: only articles published (else first seen) since this ISO date.
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
    """
    report = RunReport(flow="reprocess")
    ctx_paths, store, archive = pipeline.open_context(home)
    report.store, report.archive = ctx_paths.database_url, str(ctx_paths.raw_dir)
    start = datetime.fromisoformat(since) if since else None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    run_id = store.start_run("reprocess", {"site": site, "since": since})
    try:
        with scale_out() as scale:
            # Window by window: the pages of a window are read back, then
            # extracted and stored, before the next window is read, so a
            # reprocess of a whole store holds one window of pages at a time.
            uris = store.raw_locations(site=site, since=start)
            tracker = ExtractionProgress(len(uris))
            for i in range(0, len(uris), REPROCESS_WINDOW):
                docs, failures = pipeline.read_archived(archive, uris[i : i + REPROCESS_WINDOW], site=site,
                                                        done=i, total=len(uris))
                report.add_failures(failures)
                extract_and_store(docs, report, store, scale=scale, tracker=tracker)
                tracker.advance(len(failures))
        record_failures(as_is(report.failures), store, run_id)
        store.finish_run(run_id, "completed", report.totals())
    except BaseException:
        store.finish_run(run_id, "failed", report.totals())
        raise
    finally:
        store.close()
    publish_report(report)
    return report.to_dict()


__all__ = ["cut_batches", "demo", "import_files", "ingest", "load_plan", "publish_report", "reprocess", "run_ingest"]
