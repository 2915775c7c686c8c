"""Months of news in one store: a generated crawl through ``newsmill import``.

1. A generated crawl (:mod:`benchmarks.scale_corpus`: hundreds of sites with
   their own templates, about 25% syndicated copies with light edits,
   shared quotes, dates over 90 days) is written as WARC files.
2. ``newsmill import`` of them runs as a real process (with the probe of
   :mod:`benchmarks.scale_probe` on its dedup-and-store step) on SQLite and
   on PostgreSQL. Per tenth of the documents: documents per second,
   dedup-and-store ms per article, band keys looked up and stored
   candidates returned per article, the process tree's peak RSS (sampled
   every 0.2 s: the importer and its extraction workers), and the store's
   bytes per article (database with its indexes, and raw archive) against
   the text's own bytes.
3. Baselines measured in the same run: bare ``trafilatura.extract`` of a
   sample of the same pages on one core (the time the import is held to),
   and warcio reading the WARC files (FastWARC is measured only when it is
   importable).
4. The stored-state test (:mod:`benchmarks.scale_store`): a batch of 1,000
   new articles deduplicated and saved against stores of N articles loaded
   straight in.

    python -m benchmarks.scale_bench [--documents N] [--sites N] [--stored 100000,1000000] [--postgres URL]

``make bench-scale`` runs it with the loopback PostgreSQL of ``make test``.
The checks of :func:`check_counts` and :func:`check_copies` (every document
counted once, every syndicated copy linked to its original) run on every
import; ``tests/test_scale.py`` runs them on 5,000 documents.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from benchmarks.scale_corpus import Corpus
from benchmarks.store_bench import _drop_schema, _pg_schema_url, _test_server_url

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass
class ImportRun:
    """One ``newsmill import`` of the generated crawl."""

    backend: str
    documents: int
    seconds: float
    returncode: int
    output: str
    batches: list[dict[str, Any]]
    rss: list[tuple[float, int]] = field(default_factory=list)  # (time, bytes of the process tree)
    started: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    unlinked: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_import(backend: str, home: Path, warcs: Path, documents: int, env: dict[str, str],
               timeout: float = 6 * 3600) -> ImportRun:
    """``newsmill import`` of every WARC under ``warcs`` into ``home``'s store
    (or ``NEWSMILL_DATABASE_URL`` in ``env``), as a process of its own."""
    log = home / "probe.jsonl"
    home.mkdir(parents=True, exist_ok=True)
    cmd = [PYTHON, "-m", "benchmarks.scale_probe", str(log), str(documents), "--home", str(home), "import",
           str(warcs)]
    out = home / "output.txt"
    start = time.time()
    with out.open("wb") as fh:
        child = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        proc = psutil.Process(child.pid)
        rss: list[tuple[float, int]] = []
        while child.poll() is None:
            if time.time() - start > timeout:
                child.kill()
                break
            with contextlib.suppress(psutil.Error):
                rss.append((time.time(), tree_rss(proc)))
            time.sleep(0.2)
        child.wait()
    seconds = time.time() - start
    batches = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return ImportRun(backend, documents, seconds, child.returncode, out.read_text(errors="replace"), batches, rss,
                     start)


def tenths(run: ImportRun) -> list[dict[str, Any]]:
    """The run cut at each tenth of its documents (the probe marks the batch
    that completes one)."""
    rows: list[dict[str, Any]] = []
    begin, docs, articles, store_s, keys, cands, probe = run.started, 0, 0, 0.0, 0, 0, 0.0
    for b in run.batches:
        docs += b["docs"]
        articles += b["articles"]
        store_s += b["store_s"]
        keys += b["keys"]
        cands += b["candidates"]
        if "tenth" not in b:
            continue
        end = b["t"]
        peak = max((r for t, r in run.rss if begin <= t <= end), default=0)
        wall = end - begin - probe
        rows.append({"tenth": b["tenth"], "docs": docs, "docs_s": docs / wall if wall > 0 else 0.0,
                     "store_ms": 1000 * store_s / max(articles, 1), "keys": keys / max(articles, 1),
                     "candidates": cands / max(articles, 1), "rss": peak,
                     "db_per_article": b["db_bytes"] / max(b["stored"], 1),
                     "raw_per_article": b["raw_bytes"] / max(b["stored"], 1),
                     "text_per_article": b["text_bytes"] / max(b["stored"], 1)})
        probe = b.get("probe_s", 0.0)
        begin, docs, articles, store_s, keys, cands = end, 0, 0, 0.0, 0, 0
    return rows


# -- the checks -------------------------------------------------------------------

def run_counts(rows: list[tuple[str]]) -> dict[str, int]:
    """The counts of the (last) import run recorded in the store."""
    if not rows:
        raise AssertionError("no import run recorded")
    counts: dict[str, int] = json.loads(rows[-1][0])
    return counts


def check_counts(counts: dict[str, int], documents: int, stored: int, failures: int) -> None:
    """Every document counted once: read = new + updated + unchanged +
    failed + skipped, the store holds the new articles, the failures table
    the failed ones."""
    parts = sum(counts.get(k, 0) for k in ("new", "updated", "unchanged", "failed", "skipped"))
    if not (counts.get("fetched") == documents == parts):
        raise AssertionError(f"{documents} documents generated, run counts {counts} (sum {parts})")
    if stored != counts["new"]:
        raise AssertionError(f"{stored} articles stored, run counts {counts['new']} new")
    if failures != counts["failed"]:
        raise AssertionError(f"{failures} failures recorded, run counts {counts['failed']} failed")


def unlinked_copies(copies: dict[str, str], links: dict[str, str | None]) -> dict[str, tuple[str, str | None]]:
    """The syndicated copies (copy URL -> original URL) not stored as a
    duplicate of their original (``links``: stored URL -> URL of the
    article it duplicates), with what they are linked to."""
    return {url: (orig, links.get(url, "(not stored)")) for url, orig in copies.items() if links.get(url) != orig}


def check_copies(copies: dict[str, str], links: dict[str, str | None]) -> int:
    """Every syndicated copy is stored as a duplicate of its original, and
    nothing else is a duplicate; returns the copies checked."""
    wrong = unlinked_copies(copies, links)
    if wrong:
        sample = dict(list(wrong.items())[:5])
        raise AssertionError(f"{len(wrong)} of {len(copies)} copies not linked to their original: {sample}")
    linked = sum(1 for v in links.values() if v is not None)
    if linked != len(copies):
        raise AssertionError(f"{linked} stored duplicates, {len(copies)} copies generated")
    return len(copies)


_LINKS = "SELECT a.url, o.url FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of"
_COUNTS = "SELECT counts FROM runs WHERE flow = 'import-files' ORDER BY started_at"


def store_facts(url: str) -> tuple[dict[str, int], int, int, dict[str, str | None]]:
    """Run counts, stored articles, failures, and URL -> duplicated URL."""
    from sqlalchemy import create_engine, text

    from newsmill.storage.store import normalize_url

    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            counts = run_counts([(r[0],) for r in conn.execute(text(_COUNTS))])
            stored = int(conn.execute(text("SELECT count(*) FROM articles")).scalar_one())
            failures = int(conn.execute(text("SELECT count(*) FROM failures")).scalar_one())
            links: dict[str, str | None] = {r[0]: r[1] for r in conn.execute(text(_LINKS))}
    finally:
        engine.dispose()
    return counts, stored, failures, links


def checked_import(backend: str, corpus: Corpus, warcs: Path, home: Path, db_url: str | None = None, *,
                   strict: bool = True) -> ImportRun:
    """Import the crawl and check its counts and links; raises
    AssertionError (``strict=False``: copies not linked are only recorded
    in :attr:`ImportRun.unlinked`)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)
    if db_url:
        env["NEWSMILL_DATABASE_URL"] = db_url
    else:
        env.pop("NEWSMILL_DATABASE_URL", None)
    run = run_import(backend, home, warcs, corpus.documents, env)
    if run.returncode != 0:
        raise AssertionError(f"newsmill import exited {run.returncode}:\n{run.output[-3000:]}")
    url = db_url or f"sqlite:///{home / 'data' / 'newsmill.db'}"
    counts, stored, failures, links = store_facts(url)
    check_counts(counts, corpus.documents, stored, failures)
    run.unlinked = unlinked_copies(corpus.copies, links)
    if strict:
        check_copies(corpus.copies, links)
    run.counts = counts
    return run


# -- baselines ----------------------------------------------------------------------

def warc_pages(warcs: Path, limit: int) -> Iterator[tuple[str, bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    for path in sorted(warcs.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    yield record.rec_headers.get_header("WARC-Target-URI"), record.content_stream().read()
                    n += 1
                    if n >= limit:
                        return


def bare_extract(warcs: Path, sample: int) -> float:
    """Seconds per page (wall clock, as the import is timed) of bare
    ``trafilatura.extract`` in this process: one core."""
    import trafilatura

    pages = list(warc_pages(warcs, sample))
    start = time.perf_counter()
    for url, body in pages:
        trafilatura.extract(body.decode("utf-8"), url=url)
    return (time.perf_counter() - start) / max(len(pages), 1)


def warc_reading(warcs: Path) -> list[str]:
    """Records per second reading the WARC files (payloads read): warcio,
    and FastWARC when importable."""
    from warcio.archiveiterator import ArchiveIterator

    files = sorted(warcs.glob("*.warc.gz"))
    start, n = time.perf_counter(), 0
    for path in files:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                record.content_stream().read()
                n += 1
    warcio_rate = n / (time.perf_counter() - start)
    lines = [f"| warcio {_version('warcio')} | {n:,} | {warcio_rate:,.0f} | 1.00 |"]
    try:
        from fastwarc.warc import ArchiveIterator as FastIterator  # type: ignore[import-not-found]
    except ImportError:
        lines.append("| FastWARC | - | - | not measured: not installed in this environment |")
        return lines
    start, n = time.perf_counter(), 0
    for path in files:
        with path.open("rb") as fh:
            for record in FastIterator(fh):
                record.reader.read()
                n += 1
    fast = n / (time.perf_counter() - start)
    lines.append(f"| FastWARC | {n:,} | {fast:,.0f} | {fast / warcio_rate:.2f} |")
    return lines


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


# -- the report ---------------------------------------------------------------------

def import_table(run: ImportRun) -> list[str]:
    rows = tenths(run)
    lines = [f"#### {run.backend}: {run.documents:,} documents in {run.seconds:,.0f} s "
             f"({run.documents / run.seconds:,.1f} documents/s); run counts {json.dumps(run.counts)}", "",
             "| tenth | documents | documents/s | dedup+store ms/article | band keys/article | candidates/article "
             "| peak RSS (tree) | DB bytes/article | raw bytes/article | text bytes/article |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['tenth']} | {r['docs']:,} | {r['docs_s']:,.1f} | {r['store_ms']:.1f} | {r['keys']:.0f} "
                     f"| {r['candidates']:.1f} | {r['rss'] / 2**20:,.0f} MiB | {r['db_per_article']:,.0f} "
                     f"| {r['raw_per_article']:,.0f} | {r['text_per_article']:,.0f} |")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        lines += ["", f"Last tenth vs first: documents/s {last['docs_s'] / max(first['docs_s'], 1e-9):.2f}x "
                  f"(target >= 0.85), dedup+store ms/article {last['store_ms'] / max(first['store_ms'], 1e-9):.2f}x, "
                  f"peak RSS {last['rss'] / max(first['rss'], 1):.2f}x (target <= 1.2); DB bytes per article "
                  f"{last['db_per_article'] / max(last['text_per_article'], 1):.1f}x the text's own (target <= 2)."]
    return lines


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--documents", type=int, default=20_000)
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--stored", default="100000,1000000",
                    help="stored-state sizes, comma-separated ('' for none)")
    ap.add_argument("--postgres", default=_test_server_url())
    ap.add_argument("--sample", type=int, default=1000, help="pages of the bare-extraction baseline")
    ap.add_argument("--skip-import", action="store_true")
    args = ap.parse_args(argv)
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        corpus = Corpus(args.documents, args.sites)
        warcs = root / "warc"
        corpus.write_warcs(warcs)
        gen_s = time.perf_counter() - start
        warc_bytes = sum(p.stat().st_size for p in warcs.iterdir())
        lines += [f"### Scale: {args.documents:,} generated documents through `newsmill import`", "",
                  f"Generated in {gen_s:.0f} s: {args.sites} sites, {len(corpus.copies):,} syndicated copies, "
                  f"{warc_bytes / 2**20:.0f} MiB of gzipped WARC; text from {corpus.text_source}.", ""]
        if not args.skip_import:
            per_page = bare_extract(warcs, args.sample)
            runs = [checked_import("SQLite (WAL)", corpus, warcs, root / "sqlite", strict=False)]
            if args.postgres:
                url, schema = _pg_schema_url(args.postgres)
                try:
                    runs.append(checked_import("PostgreSQL 15 (loopback)", corpus, warcs, root / "pg", url,
                                               strict=False))
                finally:
                    _drop_schema(args.postgres, schema)
            for run in runs:
                lines += [*import_table(run), ""]
                bare = per_page * run.documents
                lines += [f"{run.backend}: the import took {run.seconds / bare:.2f}x the time bare "
                          f"`trafilatura.extract` needs for the same pages on one core ({per_page * 1000:.1f} ms "
                          f"per page over {args.sample:,} of them; target <= 1.1x). Every document counted "
                          f"once (checked); {len(corpus.copies) - len(run.unlinked):,} of {len(corpus.copies):,} "
                          f"copies linked to their original; not linked: {sorted(run.unlinked.items())[:3]}.", ""]
            if not args.postgres:
                lines += ["PostgreSQL: skipped (no server: set NEWSMILL_TEST_POSTGRES_URL or run "
                          "`make bench-scale`).", ""]
        lines += ["#### Reading the generated WARC files", "", "| reader | records | records/s | vs warcio |",
                  "|---|---|---|---|", *warc_reading(warcs), ""]
        print("\n".join(lines), flush=True)
    sizes = [int(s) for s in args.stored.split(",") if s.strip()]
    if sizes:
        from benchmarks import scale_store

        stored = scale_store.main(sizes, args.postgres)
        lines += stored
        print("\n".join(stored), flush=True)
    return lines


if __name__ == "__main__":
    main()
