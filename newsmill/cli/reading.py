"""The commands that read or maintain the store: ``templates``, ``export``,
``show``, ``search``, ``stats``, ``failures``, ``db status`` and ``archive check``
(read-only: they never create or migrate a store), ``dedup rebuild``,
``db upgrade``, ``prune`` and ``archive compact``.
What ``show`` and ``stats`` print for a person: :mod:`.views`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsmill.cli.errors import OK, SOME_FAILED, UsageError, check_site
from newsmill.cli.summary import plural
from newsmill.core.settings import DedupSettings, Paths


def _open_store(args: argparse.Namespace, *, create: bool = False) -> Any:
    """The store at ``--home``/``NEWSMILL_DATABASE_URL``; read-only commands
    (``create=False``) get StoreMissing when there is none."""
    from newsmill.storage import open_store

    return open_store(Paths.resolve(args.home).database_url, create=create)


def cmd_templates(args: argparse.Namespace) -> int:
    from newsmill.storage.store import template_key
    from newsmill.storage.templates import GROUP, SharedLines

    store = _open_store(args)
    try:
        check_site(args.site, store.sites())
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
    print(f"{plural(len(found), 'learned template line')} for {args.site} (seen in >= "
          f"{plural(args.min_articles, 'article')})"
          + (f", {len(more)} learned over several sites" if more else ""), file=sys.stderr)
    return OK


def cmd_dedup_rebuild(args: argparse.Namespace) -> int:
    from newsmill.pipeline.storing import rebuild_dedup

    settings = DedupSettings.from_env()
    store = _open_store(args, create=True)
    try:
        counts = rebuild_dedup(store, settings=settings)
    finally:
        store.close()
    print(f"dedup index rebuilt: {counts['articles']} articles, {counts['duplicates']} duplicates, "
          f"{counts['duplicate_passages']} duplicate passages")
    return OK


def cmd_export(args: argparse.Namespace) -> int:
    from newsmill.cli.running import progress_bars
    from newsmill.storage.export import write_jsonl, write_parquet, write_parquet_dataset

    if args.format == "parquet" and not args.out:
        raise UsageError("--format parquet needs --out FILE" + (" (a folder)" if args.partition_by else ""))
    if args.partition_by and args.format != "parquet":
        raise UsageError("--partition-by needs --format parquet")
    if args.partition_by and Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--partition-by writes a folder, and {args.out} is a file")
    store = _open_store(args)
    try:
        if args.site is not None:
            check_site(args.site, store.sites())
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

        with progress_bars() as show:
            total = store.count_articles(include_duplicates=args.all, since=args.since, after_seq=after,
                                         site=args.site) if show is not None else 0
            if args.partition_by:
                n = write_parquet_dataset(tracked(show, total), Path(args.out), args.partition_by,
                                          fields=store.EXPORT_FIELDS)
            elif args.format == "parquet":
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
    print(f"exported {plural(n, 'article')}{where}", file=sys.stderr)
    return OK


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
    return OK


def cmd_db_status(args: argparse.Namespace) -> int:
    from newsmill.core.errors import StoreMissing
    from newsmill.storage.db import describe_url
    from newsmill.storage.migrations import head_revision, history
    from newsmill.storage.store import open_engine, store_revision

    url = Paths.resolve(args.home).database_url
    store = open_engine(url, create=False)
    try:
        current = store_revision(store, describe_url(url))
    finally:
        store.close()
    if current is None:
        raise StoreMissing(f"no store at {describe_url(url)}")
    for rev, doc in history():
        mark = "*" if rev == current else " "
        print(f"{mark} {rev}  {doc.splitlines()[0] if doc else ''}")
    head = head_revision()
    state = "up to date" if current == head else "needs `newsmill db upgrade`"
    print(f"store: {current}; newest: {head} ({state})")
    return OK


def cmd_prune(args: argparse.Namespace) -> int:
    from newsmill.pipeline.upkeep import prune

    paths = Paths.resolve(args.home)
    store = _open_store(args, create=True)
    try:
        done = prune(store, paths.raw_dir, args.older_than, articles=args.articles, dry_run=args.dry_run)
    finally:
        store.close()
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb}: {plural(done['raw_files'], 'raw archive file')} ({plural(done['raw_bytes'], 'byte')}), "
          f"{plural(done['fetches'], 'fetch-log row')}, {plural(done['failures'], 'failure row')}, "
          f"{plural(done['articles'], 'article')}")
    return OK


def cmd_archive_check(args: argparse.Namespace) -> int:
    from newsmill.storage import RawArchive
    from newsmill.storage.archive_audit import audit, iter_broken

    paths = Paths.resolve(args.home)
    store = _open_store(args)
    try:
        found = audit(store, RawArchive(paths.raw_dir))
    finally:
        store.close()
    counts = found.to_dict()
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"raw archive {paths.raw_dir}: {plural(len(found.files), 'file')}, "
              f"{plural(found.records, 'record')}; the store points at {plural(len(found.pointers), 'location')}, "
              f"claims {plural(len(found.claims), 'record')}")
        print(f"broken pointers: {len(found.broken)}")
        for line in iter_broken(found):
            print(line)
        print(f"dead records (nothing points at them): {counts['dead_records']}")
        print(f"duplicate records: {counts['duplicate_records']} (of {plural(len(found.duplicates), 'key')})")
        print(f"torn file tails: {counts['torn_files']}")
        print(f"records pointed at without a claim: {counts['unclaimed_records']}")
        if found.writing:
            print(f"records being written by a running process: {found.writing}")
        print(f"reclaimable by `newsmill archive compact`: {plural(found.dead_bytes, 'byte')}")
    return SOME_FAILED if found.broken else OK


def cmd_archive_compact(args: argparse.Namespace) -> int:
    from newsmill.storage import RawArchive
    from newsmill.storage.archive_audit import compact, iter_broken

    paths = Paths.resolve(args.home)
    store = _open_store(args, create=True)
    try:
        done, found = compact(store, RawArchive(paths.raw_dir))
    finally:
        store.close()
    if args.json:
        print(json.dumps({**done.to_dict(), "broken_pointers": len(found.broken)}))
    else:
        print(f"compacted: {plural(done.files_rewritten, 'file')} rewritten, {plural(done.files_removed, 'file')} "
              f"removed, {plural(done.records_removed, 'record')} taken out, "
              f"{plural(done.pointers_moved, 'pointer')} moved, {plural(done.records_adopted, 'record')} claimed; "
              f"{plural(done.bytes_before, 'byte')} -> {plural(done.bytes_after, 'byte')}")
        if found.broken:
            print(f"broken pointers (left as they are): {len(found.broken)}")
            for line in iter_broken(found):
                print(line)
    return SOME_FAILED if found.broken else OK


def cmd_stats(args: argparse.Namespace) -> int:
    store = _open_store(args)
    try:
        stats = store.stats()
    finally:
        store.close()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False, default=str))
    else:
        from newsmill.cli.views import stats_lines

        print("\n".join(stats_lines(stats)))
    return OK


def cmd_show(args: argparse.Namespace) -> int:
    from newsmill.storage.db import describe_url

    url = Paths.resolve(args.home).database_url
    store = _open_store(args)
    try:
        found = store.find_articles(args.article)
        if not found and "://" not in args.article and Path(args.article).is_file():  # an imported file
            found = store.find_articles(Path(args.article).resolve().as_uri())
        if not found:
            raise UsageError(f"no article {args.article!r} in the store at {describe_url(url)} "
                             "(give an id, or a start of one, or a URL, as `newsmill export` prints them)")
        if len(found) > 1:
            raise UsageError(f"{args.article!r} names {len(found)}{'+' if len(found) >= 10 else ''} articles "
                             f"({', '.join(found[:3])}{', ...' if len(found) > 3 else ''}): give a whole id")
        record = store.article(found[0])
    finally:
        store.close()
    if record is None:  # deleted between the two reads
        raise UsageError(f"no article {args.article!r} in the store at {describe_url(url)}")
    if args.json:
        from newsmill.storage.export import json_value

        print(json.dumps(record, indent=2, ensure_ascii=False, default=json_value))
    else:
        from newsmill.cli.views import article_lines

        print("\n".join(article_lines(record)))
    return OK


def cmd_search(args: argparse.Namespace) -> int:
    from newsmill.storage.search import parse_query

    if not parse_query(args.query):
        raise UsageError(f"nothing to search for in {args.query!r}: give a word, \"a phrase\" or a prefix*")
    store = _open_store(args)
    try:
        if args.site is not None:
            check_site(args.site, store.sites())
        hits = store.search(args.query, site=args.site, since=args.since, language=args.lang, limit=args.limit,
                            include_duplicates=args.all)
    finally:
        store.close()
    if args.json:
        from newsmill.storage.export import json_value

        for hit in hits:
            print(json.dumps(hit, ensure_ascii=False, default=json_value))
    else:
        from newsmill.cli.views import search_lines

        for line in search_lines(hits):
            print(line)
    more = " (--limit N for more)" if len(hits) == args.limit else ""
    print(f"{plural(len(hits), 'article')} found{more}", file=sys.stderr)
    return OK


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
        print(plural(len(rows), "failure"), file=sys.stderr)
    return OK


__all__ = ["cmd_db_status", "cmd_db_upgrade", "cmd_dedup_rebuild", "cmd_export", "cmd_failures", "cmd_prune",
           "cmd_search", "cmd_show", "cmd_stats", "cmd_templates"]
