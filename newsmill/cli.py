"""The ``newsmill`` command.

Run commands (``demo``, ``run``, ``import``) execute Prefect flows (against
``PREFECT_API_URL`` if set, else a temporary local server); read commands
(``extract``, ``export``, ``stats``, ``failures``) never start Prefect.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsmill.core.errors import NewsmillError
from newsmill.core.records import Failure
from newsmill.core.settings import DedupSettings, Paths


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
def _progress_bars() -> Iterator[Callable[[str, int, int], None] | None]:
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


def _parse_since(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _print_summary(title: str, report: dict[str, Any]) -> None:
    from newsmill.pipeline.report import COLUMNS

    totals = report["totals"]
    print(f"\n{title}")
    print(f"  articles stored:     {totals['new']} new, {totals['updated']} updated, "
          f"{totals['unchanged']} unchanged")
    print(f"  duplicates found:    {totals['duplicates']} articles, "
          f"{totals['duplicate_passages']} duplicate passages")
    print(f"  boilerplate removed: {totals['boilerplate_removed']} lines")
    print(f"  fetched:             {totals['fetched']} responses ({totals['blocked']} blocked)")
    print(f"  failures:            {len(report['failures'])}")
    for f in report["failures"][:10]:
        print(f"    - [{f['stage']}/{f['status']}] {f['url']}: {f['reason'][:120]}")
    print(f"  store:               {report['store']}")
    print(f"  raw archive:         {report['archive']}")
    per_site = report["per_site"]
    if per_site:
        width = max(len(s) for s in per_site)
        print("\n  " + "site".ljust(width) + "  " + "  ".join(c[:10].rjust(10) for c in COLUMNS))
        for site, row in per_site.items():
            print("  " + site.ljust(width) + "  " + "  ".join(str(row[c]).rjust(10) for c in COLUMNS))


def cmd_demo(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    from newsmill.flows.ingest import demo

    print("newsmill demo: serving the bundled sample news site on loopback and ingesting it")
    report = demo(home=args.home)
    _print_summary("newsmill demo: done", report)
    print("\nnext: `newsmill export --all | head`, `newsmill stats`, `newsmill failures`")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    from newsmill.flows.ingest import ingest

    report = ingest(sources_file=args.sources, sources=args.source or None,
                    group=args.group, home=args.home)
    _print_summary("newsmill run: done", report)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    from newsmill.flows.ingest import import_files

    with _progress_bars():
        report = import_files(paths=[str(p) for p in args.paths], home=args.home, runner=_batch_runner_default())
    _print_summary("newsmill import: done", report)
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    _quiet_prefect_defaults()
    from newsmill.flows.ingest import reprocess

    since = args.since.isoformat() if args.since else None
    with _progress_bars():
        report = reprocess(site=args.site, since=since, home=args.home, runner=_batch_runner_default())
    _print_summary("newsmill reprocess: done", report)
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from newsmill.storage.store import template_key
    from newsmill.storage.templates import GROUP, SharedLines

    store = _open_store(args)
    try:
        if args.min_articles is None:
            args.min_articles = DedupSettings.from_env().template_min_articles
        found = store.site_templates(args.site, args.min_articles)
        shared = SharedLines.load(store).templates(args.min_articles).get(args.site, {})
    finally:
        store.close()
    for text, count in found:
        print(f"{count:5d}  {text}")
    own = {template_key(text) for text, _ in found}
    more = [t for key, t in sorted(shared.items(), key=lambda kv: (-kv[1].articles, kv[0])) if key not in own]
    for t in more:
        where = f"{t.sites} sites of its publisher group" if t.rule == GROUP else f"{t.sites} sites"
        print(f"{t.articles:5d}  {t.text}  [{t.rule}: on {where}]")
    print(f"{len(found)} learned template line(s) for {args.site} (seen in >= {args.min_articles} articles)"
          + (f", {len(more)} learned over several sites" if more else ""), file=sys.stderr)
    return 0


def cmd_dedup_rebuild(args: argparse.Namespace) -> int:
    from newsmill.pipeline.storing import rebuild_dedup

    settings = DedupSettings.from_env()
    store = _open_store(args)
    try:
        counts = rebuild_dedup(store, settings=settings)
    finally:
        store.close()
    print(f"dedup index rebuilt: {counts['articles']} articles, {counts['duplicates']} duplicates, "
          f"{counts['duplicate_passages']} duplicate passages")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from newsmill.core.errors import ExtractionError
    from newsmill.core.settings import site_overrides_path
    from newsmill.extractors import ExtractSettings, extract
    from newsmill.pipeline.extraction import site_overrides
    from newsmill.pipeline.inputs import expand_import_paths, read_import_path

    settings = ExtractSettings(overrides=site_overrides(site_overrides_path()))  # try selectors on saved pages
    out = sys.stdout
    for item in expand_import_paths(args.paths):
        if isinstance(item, Failure):
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
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _pre_storage_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The exported fields that exist before storage (no dedup, no archive)."""
    for key in ("duplicate_of", "similarity", "duplicate_passages", "raw"):
        record.pop(key, None)
    return record


def _open_store(args: argparse.Namespace) -> Any:
    from newsmill.storage import open_store

    return open_store(Paths.resolve(args.home).database_url)


def cmd_export(args: argparse.Namespace) -> int:
    from newsmill.storage.export import write_jsonl, write_parquet

    if args.format == "parquet" and not args.out:
        raise NewsmillError("--format parquet needs --out FILE")
    store = _open_store(args)
    try:
        after = args.after_seq
        if args.checkpoint:
            after = max(after, store.checkpoint(args.checkpoint))
        last = after

        def tracked(show: Callable[[str, int, int], None] | None, total: int) -> Any:
            nonlocal last
            for i, record in enumerate(store.articles(include_duplicates=args.all, since=args.since,
                                                      after_seq=after, site=args.site)):
                last = record["seq"]
                if show is not None and (i % 200 == 0 or i + 1 == total):
                    show("export", i + 1, total)
                yield record

        with _progress_bars() as show:
            total = store.count_articles(include_duplicates=args.all, since=args.since, after_seq=after,
                                         site=args.site) if show is not None else 0
            if args.format == "parquet":
                n = write_parquet(tracked(show, total), Path(args.out), fields=store.EXPORT_FIELDS)
            elif args.out:
                with open(args.out, "w", encoding="utf-8") as fh:
                    n = write_jsonl(tracked(show, total), fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                n = write_jsonl(tracked(show, total), sys.stdout)
                sys.stdout.flush()
        if args.checkpoint:  # only after the output is complete: a failed export is simply redone
            store.set_checkpoint(args.checkpoint, last, n)
    finally:
        store.close()
    where = f" (checkpoint {args.checkpoint!r} now at seq {last})" if args.checkpoint else ""
    print(f"exported {n} article(s){where}", file=sys.stderr)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from newsmill.storage.migrations import current_revision, head_revision, upgrade
    from newsmill.storage.store import open_engine

    store = open_engine(Paths.resolve(args.home).database_url)
    try:
        before = current_revision(store.engine)
        with store.exclusive():
            reached = upgrade(store.engine, args.revision)
    finally:
        store.close()
    print(f"store schema: {before or 'empty'} -> {reached} (newest: {head_revision()})")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    from newsmill.storage.migrations import current_revision, head_revision, history
    from newsmill.storage.store import open_engine

    store = open_engine(Paths.resolve(args.home).database_url)
    try:
        current = current_revision(store.engine)
    finally:
        store.close()
    for rev, doc in history():
        mark = "*" if rev == current else " "
        print(f"{mark} {rev}  {doc.splitlines()[0] if doc else ''}")
    head = head_revision()
    state = "up to date" if current == head else "needs `newsmill db upgrade`"
    print(f"store: {current or 'empty'}; newest: {head} ({state})")
    return 0


def _parse_age(value: str) -> datetime:
    units = {"d": "days", "h": "hours", "w": "weeks"}
    try:
        amount = float(value[:-1]) if value[-1:] in units else float(value)
        unit = units.get(value[-1:], "days")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an age like 30d, 12h or 4w: {value!r}") from exc
    if amount < 0:
        raise argparse.ArgumentTypeError("an age must not be negative")
    return datetime.now(UTC) - timedelta(**{unit: amount})


def cmd_prune(args: argparse.Namespace) -> int:
    from newsmill.pipeline.upkeep import prune

    paths = Paths.resolve(args.home)
    store = _open_store(args)
    try:
        done = prune(store, paths.raw_dir, args.older_than, articles=args.articles, dry_run=args.dry_run)
    finally:
        store.close()
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb}: {done['raw_files']} raw archive file(s) ({done['raw_bytes']} bytes), "
          f"{done['fetches']} fetch-log row(s), {done['failures']} failure row(s), "
          f"{done['articles']} article(s)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    store = _open_store(args)
    try:
        print(json.dumps(store.stats(), indent=2, ensure_ascii=False, default=str))
    finally:
        store.close()
    return 0


def cmd_failures(args: argparse.Namespace) -> int:
    store = _open_store(args)
    try:
        rows = [f.to_dict() for f in store.failures(since=args.since)]
    finally:
        store.close()
    if args.format == "jsonl":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['at']}  {row['stage']:<8} {row['status']:<18} {row['url']}\n    {row['reason']}")
        print(f"{len(rows)} failure(s)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsmill", description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--home", help="data directory for raw/ and data/ (default: NEWSMILL_HOME or ./)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve the bundled sample news site on loopback and ingest it")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="run the ingest flow once over the configured sources")
    p.add_argument("--sources", required=True, help="sources file (YAML)")
    p.add_argument("--source", action="append", help="only this source (repeatable)")
    p.add_argument("--group", help="only sources of this group")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("import", help="ingest local files and folders (.html .htm .html.gz .txt .warc .warc.gz)")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("reprocess", help="re-extract, re-clean and re-dedup stored articles from the raw archive")
    p.add_argument("--site", help="only this site")
    p.add_argument("--since", type=_parse_since, help="only articles published since this date")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("templates", help="lines the cleaner learned as templates of a site")
    p.add_argument("site")
    p.add_argument("--min-articles", type=int, default=None,
                   help="seen in at least this many articles (default: NEWSMILL_TEMPLATE_MIN_ARTICLES, else 5)")
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("dedup", help="maintain the near-duplicate index")
    dsub = p.add_subparsers(dest="dedup_command", required=True)
    d = dsub.add_parser("rebuild", help="recompute every sketch and duplicate link (after a parameter change)")
    d.set_defaults(func=cmd_dedup_rebuild)

    p = sub.add_parser("extract", help="print one JSON line per input file (nothing stored)")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("export", help="write the cleaned store (canonical articles by default)")
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    p.add_argument("--out", help="output file (default: standard output for jsonl)")
    p.add_argument("--all", action="store_true", help="include duplicates")
    p.add_argument("--since", type=_parse_since, help="only articles stored since this date")
    p.add_argument("--site", help="only this site")
    p.add_argument("--after-seq", type=int, default=0, metavar="N",
                   help="resume: only articles stored after the record whose `seq` is N")
    p.add_argument("--checkpoint", metavar="NAME",
                   help="a named cursor kept in the store: export what is new since the last export "
                        "with this name, then advance it")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("db", help="the store's schema")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    d = dbsub.add_parser("upgrade", help="apply schema migrations (also done by every command that opens the store)")
    d.add_argument("revision", nargs="?", default="head", help="target revision (default: newest)")
    d.set_defaults(func=cmd_db_upgrade)
    d = dbsub.add_parser("status", help="the store's schema revision and the known revisions")
    d.set_defaults(func=cmd_db_status)

    p = sub.add_parser("prune", help="delete old raw archive files and fetch-log rows (articles only if asked)")
    p.add_argument("--older-than", required=True, type=_parse_age, metavar="AGE",
                   help="age like 90d, 12h or 8w (a bare number means days)")
    p.add_argument("--articles", action="store_true",
                   help="also delete articles not seen since then, with their revisions and links")
    p.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("stats", help="counts by site and status, duplicates, failures")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("failures", help="every recorded fetch or extraction failure")
    p.add_argument("--since", type=_parse_since)
    p.add_argument("--format", choices=("table", "jsonl"), default="table")
    p.set_defaults(func=cmd_failures)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except NewsmillError as exc:
        print(f"newsmill: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # an unwritable output file, a full disk, ...
        print(f"newsmill: error: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
