"""Prefect flows: ``ingest`` (sources -> store), ``demo``, ``import-files``
and ``reprocess``.

Each flow builds its settings once (parameters + environment) and runs the
story of :mod:`newsmill.pipeline.runs` on the Prefect host
(:class:`~newsmill.flows.host.PrefectHost`): the same runs the ``newsmill``
command makes in its own process, here as flow runs with task runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from newsmill.core.settings import RunSettings
from newsmill.flows.host import PrefectHost
from newsmill.pipeline import acquire, runs

STAMP = "%Y-%m-%d-%H%M%S"  # run names unique to the second


def _ingest_run_name() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    group = params.get("group") or "all"
    return f"ingest-{group}-{datetime.now(UTC):{STAMP}}"


def _import_run_name() -> str:
    return f"import-files-{datetime.now(UTC):{STAMP}}"


def _reprocess_run_name() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    return f"reprocess-{params.get('site') or 'all'}-{datetime.now(UTC):{STAMP}}"


def _demo_run_name() -> str:
    return f"demo-{datetime.now(UTC):{STAMP}}"


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
    return runs.ingest(PrefectHost(), plan, chosen, RunSettings.from_env(home)).to_dict()


@flow(name="demo", flow_run_name=_demo_run_name, timeout_seconds=3600)
def demo(home: str | None = None) -> dict[str, Any]:
    """Serve the bundled sample news site on loopback and ingest it once.

    Args:
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
    """
    return runs.demo(PrefectHost(), RunSettings.from_env(home)).to_dict()


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
    return runs.import_files(PrefectHost(), paths, RunSettings.from_env(home, runner=runner), site=site,
                             language=language).to_dict()


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
    return runs.reprocess(PrefectHost(), site, since, RunSettings.from_env(home, runner=runner)).to_dict()


__all__ = ["demo", "import_files", "ingest", "reprocess"]
