"""The maintenance flow: retention, dedup index rebuild, database upkeep.

Meant for a nightly deployment (``prefect.yaml``: ``maintenance``); each
step is a task, so the UI shows which one ran, how long it took and what it
did, and a markdown artifact sums it up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from newsmill.core.settings import DedupSettings, RunSettings
from newsmill.pipeline import storing, upkeep
from newsmill.pipeline.lifecycle import run_lifecycle
from newsmill.storage import Store


@task(name="prune-archive-and-log", cache_policy=NO_CACHE)
def prune_old(store: Store, raw_dir: str, older_than_days: float, articles: bool) -> dict[str, int]:
    before = datetime.now(UTC) - timedelta(days=older_than_days)
    return upkeep.prune(store, Path(raw_dir), before, articles=articles)


@task(name="rebuild-dedup-index", cache_policy=NO_CACHE)
def rebuild_index(store: Store, settings: DedupSettings) -> dict[str, int]:
    return storing.rebuild_dedup(store, settings=settings)


@task(name="optimize-database", retries=1, retry_delay_seconds=30, cache_policy=NO_CACHE)
def optimize_database(store: Store) -> None:
    store.optimize()


def _run_name() -> str:
    return f"maintenance-{datetime.now(UTC):%Y-%m-%d-%H%M%S}"


@flow(name="maintenance", flow_run_name=_run_name, timeout_seconds=6 * 3600)
def maintenance(
    prune_older_than_days: float = 0.0,
    prune_articles: bool = False,
    rebuild_dedup_index: bool = False,
    optimize: bool = True,
    home: str | None = None,
) -> dict[str, Any]:
    """Keep the store healthy.

    Args:
        prune_older_than_days: delete raw-archive files, fetch-log and failure
            rows older than this many days (0: keep everything).
        prune_articles: with pruning, also delete articles not seen since then
            (never done unless asked).
        rebuild_dedup_index: recompute every sketch and duplicate link (after
            an upgrade that changed the sketch parameters).
        optimize: refresh planner statistics and reclaim space (SQLite
            ``PRAGMA optimize`` and WAL checkpoint; PostgreSQL ``VACUUM ANALYZE``).
        home: data directory for the raw archive and SQLite store (NEWSMILL_HOME).
    """
    if prune_older_than_days < 0:
        raise ValueError(f"prune_older_than_days must be >= 0, got {prune_older_than_days}")
    if prune_articles and not prune_older_than_days:
        raise ValueError("prune_articles needs prune_older_than_days > 0")
    log = get_run_logger()
    settings = RunSettings.from_env(home)
    done: dict[str, Any] = {"store": settings.paths.database_url}
    params = {"prune_older_than_days": prune_older_than_days, "prune_articles": prune_articles,
              "rebuild_dedup_index": rebuild_dedup_index, "optimize": optimize}
    with run_lifecycle("maintenance", params, settings) as run:
        if prune_older_than_days:
            done["pruned"] = prune_old(run.store, str(settings.paths.raw_dir), prune_older_than_days, prune_articles)
            log.info("pruned %s", done["pruned"])
        if rebuild_dedup_index:
            done["rebuilt"] = rebuild_index(run.store, settings.dedup)
            log.info("dedup index rebuilt: %s", done["rebuilt"])
        if optimize:
            optimize_database(run.store)
            done["optimized"] = True
    lines = ["# newsmill maintenance", "", "| step | result |", "|---|---|"]
    pruned = done.get("pruned")
    lines.append("| prune | " + (", ".join(f"{k}: {v}" for k, v in pruned.items()) if pruned else "skipped") + " |")
    rebuilt = done.get("rebuilt")
    lines.append("| rebuild dedup index | " + (", ".join(f"{k}: {v}" for k, v in rebuilt.items())
                                              if rebuilt else "skipped") + " |")
    lines.append("| optimize database | " + ("done" if done.get("optimized") else "skipped") + " |")
    create_markdown_artifact(markdown="\n".join(lines) + "\n", key="maintenance-report",
                             description="What the maintenance run did")
    return done


__all__ = ["maintenance"]
