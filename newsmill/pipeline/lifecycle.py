"""The run lifecycle every entry point shares: open the store and the raw
archive, start the run in the run log, record its failures and complete it
(or mark it interrupted when it stopped early on request), or mark it
failed on any error; close the store; publish the report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from newsmill.core.records import Failure
from newsmill.core.settings import Paths, RunSettings
from newsmill.extractors import ExtractSettings
from newsmill.extractors.sites import SiteOverride
from newsmill.pipeline import stopping
from newsmill.pipeline.extraction import learned_settings, site_overrides
from newsmill.pipeline.report import RunReport
from newsmill.pipeline.upkeep import settle_heap
from newsmill.storage import RawArchive, Store, open_store
from newsmill.storage.runlog import COMPLETED, FAILED, INTERRUPTED

RecordFailures = Callable[[list[Failure], Store, str], None]


def open_home(paths: Paths) -> tuple[Store, RawArchive]:
    """Create the data directories, open the store and the raw archive,
    recover the archive from a killed run (:func:`recover_archive`) and
    settle the process's heap (:func:`~newsmill.pipeline.upkeep.settle_heap`)."""
    settle_heap()
    paths.raw_dir.mkdir(parents=True, exist_ok=True)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    store, archive = open_store(paths.database_url), RawArchive(paths.raw_dir)
    try:
        recover_archive(store, archive)
    except BaseException:
        store.close()
        raise
    return store, archive


def recover_archive(store: Store, archive: RawArchive) -> dict[str, int]:
    """Cut back the raw-archive records a killed run wrote and never
    pointed at (:meth:`~newsmill.storage.RawArchive.recover`), under the
    store's writer lock."""
    with store.exclusive():
        return archive.recover(store.claimed_locations)


@dataclass
class Run:
    """One run under way: what its steps need."""

    settings: RunSettings
    store: Store
    archive: RawArchive
    run_id: str
    report: RunReport
    on_success: list[Callable[[], None]] = field(default_factory=list)
    _overrides: dict[str, SiteOverride] | None = None

    def extract_settings(self, sites: Iterable[str]) -> ExtractSettings:
        """Extraction settings with the learned templates of these sites and
        the site overrides (the operator's file read at the first call)."""
        if self._overrides is None:
            self._overrides = site_overrides(self.settings.site_overrides)
        learned = learned_settings(self.store, sites, self.settings.dedup.template_min_articles, self._overrides)
        return replace(learned, max_elements=self.settings.runner.limits.max_elements)


def _record(failures: list[Failure], store: Store, run_id: str) -> None:
    store.record_failures(failures, run_id=run_id)


@contextmanager
def run_lifecycle(flow: str, params: dict[str, Any], settings: RunSettings, report: RunReport | None = None, *,
                  record: RecordFailures = _record,
                  publish: Callable[[RunReport], None] | None = None) -> Iterator[Run]:
    """The run ``flow`` with ``params`` as the run log shows them. When the
    block ends, the report's failures are recorded (``record``), then
    ``Run.on_success`` runs (what must wait until everything is stored) and
    the run is completed; a report marked ``interrupted`` (the run stopped
    early on request) skips ``on_success`` and records the run as
    ``interrupted``, as does a KeyboardInterrupt or an error raised while a
    stop was requested; another exception marks it failed. The store is
    closed either way, and the report published (``publish``) once it is complete.
    Without a ``report`` (maintenance) the run counts nothing: no failures
    recorded, empty totals."""
    counted = report is not None
    report = report if report is not None else RunReport(flow=flow)

    def totals() -> dict[str, int]:
        return report.totals() if counted else {}

    store, archive = open_home(settings.paths)
    report.store, report.archive = settings.paths.database_url, str(settings.paths.raw_dir)
    try:
        run_id = store.start_run(flow, params)
        run = Run(settings, store, archive, run_id, report)
        try:
            yield run
            if counted:  # but those recorded with their batch (their page archived with them)
                record([f for f in report.failures if not f.recorded], store, run_id)
            if report.interrupted:
                store.finish_run(run_id, INTERRUPTED, totals())
            else:
                for step in run.on_success:
                    step()
                store.finish_run(run_id, COMPLETED, totals())
        except BaseException as exc:
            stopped = isinstance(exc, KeyboardInterrupt) or stopping.stop_requested()
            store.finish_run(run_id, INTERRUPTED if stopped else FAILED, totals())
            raise
    finally:
        store.close()
    if publish is not None:
        publish(report)


__all__ = ["RecordFailures", "Run", "open_home", "recover_archive", "run_lifecycle"]
