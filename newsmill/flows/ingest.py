"""Prefect flows: ``ingest`` (sources -> store), ``demo``, ``import-files``
and ``reprocess``.

Each flow builds its settings once (parameters + environment), opens the run
(:func:`~newsmill.pipeline.lifecycle.run_lifecycle`) and reads as the story,
step by step over the tasks of :mod:`newsmill.flows.tasks`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill.core.errors import SourceError
from newsmill.core.settings import RunSettings, SourceConfig, SourcesFile
from newsmill.flows.scale import scale_out
from newsmill.flows.tasks import (
    ExtractionProgress,
    extract_and_store,
    fetch_pages,
    publish_report,
    read_local,
    record_in_task,
    scan_source,
)
from newsmill.pipeline import acquire, inputs
from newsmill.pipeline.archiving import Archiver
from newsmill.pipeline.lifecycle import run_lifecycle
from newsmill.pipeline.report import RunReport

REPROCESS_WINDOW = 2000  # archived pages a reprocess reads back before it extracts and stores them
IMPORT_WINDOW = 2000  # documents an import reads before it extracts and stores them


def _ingest_run_name() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    group = params.get("group") or "all"
    return f"ingest-{group}-{datetime.now(UTC):%Y-%m-%d-%H%M}"


def _import_run_name() -> str:
    return f"import-files-{datetime.now(UTC):%Y-%m-%d-%H%M}"


def _reprocess_run_name() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    return f"reprocess-{params.get('site') or 'all'}-{datetime.now(UTC):%Y-%m-%d-%H%M}"


def run_ingest(plan: SourcesFile, chosen: list[SourceConfig], settings: RunSettings) -> RunReport:
    """The ingest story, shared by the ``ingest`` and ``demo`` flows."""
    report = RunReport(flow="ingest")
    with run_lifecycle("ingest", {"sources": [s.name for s in chosen]}, settings, report,
                       record=record_in_task, publish=publish_report) as run, scale_out(settings.runner) as scale:
        store, archive, run_id = run.store, run.archive, run.run_id
        remote = [s for s in chosen if s.kind in acquire.REMOTE_KINDS]
        local = [s for s in chosen if s.kind in acquire.LOCAL_KINDS]
        found = [f.result() for f in [scan_source.submit(s, plan.fetch, store, archive, run_id) for s in remote]]
        report.sources_total = len(chosen)
        report.sources_failed = sum(1 for d in found if d.failed)
        for d in found:
            report.add_fetches(d.outcomes)
            report.add_failures(d.failures)
        todo = acquire.assign_items(found, store)
        fetched = [f.result() for f in [fetch_pages.submit(s, todo[s.name], plan.fetch, store, archive, run_id)
                                         for s in remote if todo[s.name]]]
        local_read = [read_local(s, store) for s in local]
        report.sources_failed += sum(1 for f in local_read if f.failures and not f.docs)
        for f in [*fetched, *local_read]:
            report.add_fetches(f.outcomes)
            report.add_failures(f.failures)
        for f in local_read:
            for doc in f.docs:
                report.count(doc.site, "fetched")
        docs = [doc for f in [*fetched, *local_read] for doc in f.docs]
        extract_and_store(docs, run, scale, Archiver(archive, run_id, "before_extract"))
        run.on_success.append(lambda: acquire.commit_source_states(found, store))
    get_run_logger().info("run %s: %s", run.run_id, report.totals())
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
    plan, chosen = acquire.choose_sources(sources_file, config, group, sources)
    return run_ingest(plan, chosen, RunSettings.from_env(home)).to_dict()


@flow(name="demo", flow_run_name=lambda: f"demo-{datetime.now(UTC):%Y-%m-%d-%H%M}", timeout_seconds=3600)
def demo(home: str | None = None) -> dict[str, Any]:
    """Serve the bundled sample news site on loopback and ingest it once.

    Args:
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
    """
    from newsmill.flows.sample_site import SampleSite

    with SampleSite() as site:
        plan, chosen = acquire.choose_sources(None, site.sources_config(), None, None)
        return run_ingest(plan, chosen, RunSettings.from_env(home)).to_dict()


@flow(name="import-files", flow_run_name=_import_run_name, timeout_seconds=6 * 3600)
def import_files(paths: list[str], home: str | None = None, runner: str | None = None,
                 site: str | None = None, language: str | None = None) -> dict[str, Any]:
    """Ingest local files and folders (.html, .htm, .html.gz, .txt, .warc, .warc.gz).

    Every file is archived as a WARC resource record, so it can be reprocessed.

    Args:
        paths: files and folders to import.
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
        runner: where extraction runs when NEWSMILL_TASK_RUNNER names none (docs/scaling.md).
        site: the site of every imported document (default: the web address a page declares, else `local`).
        language: the language of every imported article (default: detected from the text).
    """
    settings = RunSettings.from_env(home, runner=runner)
    report = RunReport(flow="import-files")
    with run_lifecycle("import-files", {"paths": paths}, settings, report, record=record_in_task,
                       publish=publish_report) as run, scale_out(settings.runner) as scale:
        # Window by window, as reprocess does: an import holds at most
        # IMPORT_WINDOW pages at a time, however large its input.
        tracker = ExtractionProgress(0)
        seen: set[str] = set()
        archiver = Archiver(run.archive, run.run_id, "changed_only")
        for docs, more in inputs.read_imports(paths, report, IMPORT_WINDOW, site=site, language=language):
            for d in docs:
                report.count(d.site or "local", "fetched")
            tracker.grow(len(docs), more=more)
            extract_and_store(docs, run, scale, archiver, tracker=tracker, seen=seen)
    return report.to_dict()


@flow(name="reprocess", flow_run_name=_reprocess_run_name, timeout_seconds=6 * 3600)
def reprocess(site: str | None = None, since: str | None = None, home: str | None = None,
              runner: str | None = None) -> dict[str, Any]:
    """Re-extract, re-clean and re-dedup stored articles from the raw archive
    (no refetch), e.g. after a cleaning rule changed. Changed articles become
    new versions; unchanged ones are left as they are.

    Args:
        site: only articles of this site (default: all).
        since: only articles published (else first seen) since this ISO date.
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
        runner: where extraction runs when NEWSMILL_TASK_RUNNER names none (docs/scaling.md).
    """
    settings = RunSettings.from_env(home, runner=runner)
    report = RunReport(flow="reprocess")
    start = datetime.fromisoformat(since) if since else None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    with run_lifecycle("reprocess", {"site": site, "since": since}, settings, report, record=record_in_task,
                       publish=publish_report) as run, scale_out(settings.runner) as scale:
        # Window by window: the pages of a window are read back, then
        # extracted and stored, before the next window is read, so a
        # reprocess of a whole store holds one window of pages at a time.
        uris = run.store.raw_locations(site=site, since=start)
        tracker = ExtractionProgress(len(uris))
        archiver = Archiver(run.archive, run.run_id)  # read from the archive: archived already
        for i in range(0, len(uris), REPROCESS_WINDOW):
            docs, failures = inputs.read_archived(run.archive, uris[i : i + REPROCESS_WINDOW], site=site,
                                                  done=i, total=len(uris))
            report.add_failures(failures)
            extract_and_store(docs, run, scale, archiver, tracker=tracker)
            tracker.advance(len(failures))
    return report.to_dict()


__all__ = ["demo", "import_files", "ingest", "reprocess", "run_ingest"]
