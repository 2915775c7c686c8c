"""The commands that run the pipeline (``demo``, ``run``, ``import``,
``reprocess``: Prefect flows) and ``extract`` (nothing stored), with their
progress bars (the summary they print: :mod:`.summary`)."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from newsmill.cli.errors import OK, SOME_FAILED, check_database, check_paths, check_sources
from newsmill.cli.summary import outcome as _outcome
from newsmill.cli.summary import print_summary as _print_summary
from newsmill.core.records import Failure
from newsmill.core.settings import Paths


def _quiet_prefect_defaults() -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _batch_runner_default() -> str | None:
    """The runner batch commands (import, reprocess) ask their flow for:
    every core (``processes``, as the batch deployments in prefect.yaml)
    when there is more than one; the flow's ``NEWSMILL_TASK_RUNNER``, when
    set, wins over it."""
    many = (os.cpu_count() or 1) > 1 and "forkserver" in multiprocessing.get_all_start_methods()  # the pool's
    return "processes" if many else None


def _show_progress() -> bool:
    """Progress bars go to stderr when it is a terminal (``NEWSMILL_PROGRESS=1``
    forces them, ``0`` turns them off)."""
    forced = os.environ.get("NEWSMILL_PROGRESS", "").strip()
    if forced:
        return forced not in ("0", "false", "no")
    return sys.stderr.isatty()


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int, int], None] | None]:
    """rich progress bars on stderr, one per stage the run reports (see
    :mod:`newsmill.pipeline.progress`); nothing when stderr is not a terminal."""
    if not _show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from newsmill.pipeline import progress

    bars: dict[str, Any] = {}
    with Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        def update(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = bar.add_task(stage, total=total or None)
            bar.update(bars[stage], completed=done, total=total or None)

        with progress.listening(update):
            yield update


def cmd_demo(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.flows.ingest import demo

    print("newsmill demo: serving the bundled sample news site on loopback and ingesting it")
    report = demo(home=args.home)
    _print_summary("newsmill demo: done", report)
    if report["failures"]:
        print("\nthe sample site's failures are on purpose (a feed item that answers 404, a video page)")
    print("\nnext: `newsmill export --all | head`, `newsmill stats`, `newsmill failures`")
    return OK


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    check_sources(args.sources, args.group, args.source or None)
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.flows.ingest import ingest

    report = ingest(sources_file=args.sources, sources=args.source or None,
                    group=args.group, home=args.home)
    return _outcome("run", report)


def cmd_import(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    check_paths(args.paths, "import")
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.flows.ingest import import_files

    with progress_bars():
        report = import_files(paths=[str(p) for p in args.paths], home=args.home, runner=_batch_runner_default(),
                              site=args.site, language=args.language)
    return _outcome("import", report)


def cmd_reprocess(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.flows.ingest import reprocess

    since = args.since.isoformat() if args.since else None
    with progress_bars():
        report = reprocess(site=args.site, since=since, home=args.home, runner=_batch_runner_default())
    return _outcome("reprocess", report)


def cmd_extract(args: argparse.Namespace) -> int:
    from newsmill.core.errors import ExtractionError
    from newsmill.core.settings import site_overrides_path
    from newsmill.extractors import ExtractSettings, extract
    from newsmill.pipeline.extraction import site_overrides
    from newsmill.pipeline.inputs import expand_import_paths, read_import_path

    check_paths(args.paths, "extract")
    settings = ExtractSettings(overrides=site_overrides(site_overrides_path()))  # try selectors on saved pages
    out = sys.stdout
    failed = 0
    for item in expand_import_paths(args.paths):
        if isinstance(item, Failure):
            failed += 1
            out.write(json.dumps({"input": item.url, "error": item.to_dict()}, ensure_ascii=False) + "\n")
            continue
        for got in read_import_path(item):
            if isinstance(got, Failure):
                record: dict[str, Any] = {"input": got.url, "error": got.to_dict()}
            else:
                source_path = got.url.removeprefix("file://")
                try:
                    article = extract(got, settings=settings)
                    record = {"input": source_path, **_pre_storage_fields(article.to_dict())}
                except ExtractionError as exc:
                    record = {"input": source_path, "error": {"stage": "extract", "status": exc.status,
                                                              "reason": str(exc)}}
            failed += "error" in record
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if failed:
        print(f"newsmill extract: {failed} file(s) gave no article (their lines carry an `error`)",
              file=sys.stderr)
    return SOME_FAILED if failed else OK


def _pre_storage_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The exported fields that exist before storage (no dedup, no archive)."""
    for key in ("duplicate_of", "similarity", "duplicate_passages", "raw"):
        record.pop(key, None)
    return record


__all__ = ["cmd_demo", "cmd_extract", "cmd_import", "cmd_reprocess", "cmd_run", "progress_bars"]
