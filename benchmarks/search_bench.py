"""Full-text search: query latency at 100,000 articles and what keeping
the index costs an ingest.

The articles are synthetic, with a vocabulary of 20,000 made-up words
drawn with Zipf's law (as words of real text are: a few very common, most
rare), six paragraphs of ~40 words each, in batches of 1,000 through
``Store.save_batch``.

- Ingest cost: the same articles (5,000 a round) saved into fresh stores,
  with the index written as it is (``SearchIndex.replace`` in
  ``save_batch``'s transaction) and, as the baseline in the same run, with
  that call made a no-op; rounds alternate, the best of each is compared.
  The cost is the difference over the baseline (target <= 10%), in
  wall-clock time and in CPU time (which the other processes of a shared
  machine do not inflate): this process's and, on PostgreSQL, that of the
  server backends serving the store, read from ``/proc`` when the server
  runs on this machine. Measured twice: with the batch's dedup sketches,
  as an ingest saves a batch (the user's figure, the headline; their dedup
  is not timed), and with the articles alone (as store_bench saves them:
  the heaviest share the index can have, secondary).
- Latency: two-word queries through ``Store.search`` (limit 20, snippets
  included) on the 100,000-article store: words drawn from the middle of
  the vocabulary (ranks 20-500: each in about 5-65% of the articles),
  each query run 5 times; the median and the 90th percentile over all runs
  (target: median under 50 ms on SQLite). The two most common words (in
  nearly every article: the worst case, every article ranked) are shown
  apart.

    python -m benchmarks.search_bench [--articles N] [--ingest-articles N] [--rounds N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.store_bench import _drop_schema, _pg_schema_url, _test_server_url
from newsmill.core.records import Article, SourceRef
from newsmill.dedup import Deduplicator
from newsmill.storage import open_store
from newsmill.storage.db import normalize_url
from newsmill.storage.search import SearchIndex

BATCH = 1000
VOCABULARY = 20_000
REF = SourceRef("bench", "feed", "https://bench.example/rss")
T0 = datetime(2025, 1, 1, tzinfo=UTC)
_SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]


def vocabulary(n: int = VOCABULARY, seed: int = 3) -> list[str]:
    rnd = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < n:
        words["".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 4)))] = None
    return list(words)


def articles(n: int, words: list[str], seed: int = 7) -> Iterator[list[Article]]:
    rnd = random.Random(seed)
    weights = list(accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    batch: list[Article] = []
    for i in range(n):
        drawn = rnd.choices(words, cum_weights=weights, k=6 * 40 + 6)
        paras = [" ".join(drawn[p * 40 : (p + 1) * 40]).capitalize() + "." for p in range(6)]
        url = f"https://site{i % 50}.example/news/{i}"
        batch.append(Article(url=url, canonical_url=url, site=f"site{i % 50}.example", text="\n\n".join(paras),
                             paragraphs=paras, source=REF, fetched_at=T0, title=" ".join(drawn[-6:]).capitalize(),
                             authors=["Staff"], published_at=T0 + timedelta(minutes=i), language="en"))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _ServerCpu:
    """CPU seconds of the PostgreSQL backends serving one store (by their
    ``application_name``), read from ``/proc``: the server's share of the
    work, when it runs on this machine (else :meth:`read` gives None)."""

    def __init__(self, url: str, app: str) -> None:
        self.app = app
        self.engine = create_engine(normalize_url(url))
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> dict[int, float] | None:
        with self.engine.connect() as conn:
            pids = [int(p) for p in conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :app"), {"app": self.app}).scalars()]
        out: dict[int, float] = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None  # not on this machine (or not ours to read)
            out[pid] = (int(fields[11]) + int(fields[12])) / self.tick
        return out

    @staticmethod
    def spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
        if before is None or after is None:
            return None
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

    def close(self) -> None:
        self.engine.dispose()


def ingest(url: str, n: int, words: list[str], *, index: bool, sketches: bool) -> tuple[float, float]:
    """Seconds in ``save_batch`` for ``n`` articles into a fresh store at
    ``url`` (generating them, and their dedup when ``sketches``, not
    counted): wall-clock, and CPU time: this process's and, on a
    PostgreSQL server on this machine, that of the server backends serving
    the store (which other processes on the machine do not inflate)."""
    server: _ServerCpu | None = None
    if url.startswith("postgres"):
        app = f"search_bench_{uuid.uuid4().hex[:8]}"
        server = _ServerCpu(url, f"{app}_monitor")
        server.app = app
        url = f"{url}{'&' if '?' in url else '?'}application_name={app}"
    original = SearchIndex.replace
    if not index:
        def skipped(self: SearchIndex, conn: Any, rows: Any) -> None:
            return None

        SearchIndex.replace = skipped  # type: ignore[method-assign]
    store = open_store(url)
    try:
        dedup = Deduplicator(store)
        spent = cpu = 0.0
        for batch in articles(n, words):
            if sketches:
                result = dedup.run(batch)
                batch_args: tuple[Any, ...] = (result.articles, result.sketches)
                novelty = result.novelty
            else:
                batch_args, novelty = (batch, []), {}
            before = server.read() if server is not None else None
            start, start_cpu = time.perf_counter(), time.process_time()
            store.save_batch(*batch_args, novelty=novelty)
            spent += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
            if server is not None:
                backends = server.spent(before, server.read())
                cpu = cpu + backends if backends is not None else math.nan
    finally:
        SearchIndex.replace = original  # type: ignore[method-assign]
        store.close()
        if server is not None:
            server.close()
    return spent, cpu


def ingest_cost(make_url: Any, n: int, words: list[str], *, sketches: bool,
                rounds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Best (wall-clock, CPU) seconds of ``rounds`` alternating rounds
    without and with the index."""
    bare: list[tuple[float, float]] = []
    indexed: list[tuple[float, float]] = []
    for r in range(rounds):
        bare.append(ingest(make_url(f"bare{r}{sketches}"), n, words, index=False, sketches=sketches))
        indexed.append(ingest(make_url(f"indexed{r}{sketches}"), n, words, index=True, sketches=sketches))
    return ((min(w for w, _ in bare), min(c for _, c in bare)),
            (min(w for w, _ in indexed), min(c for _, c in indexed)))


def build(url: str, n: int, words: list[str]) -> None:
    store = open_store(url)
    try:
        for batch in articles(n, words):
            store.save_batch(batch, [])
    finally:
        store.close()


def latency(url: str, words: list[str], queries: int = 20, repeats: int = 5) -> tuple[list[float], list[float], int]:
    """Milliseconds per mid-vocabulary two-word query (every run), per run of
    the most common pair, and the median hit count of the first."""
    rnd = random.Random(11)
    store = open_store(url)
    try:
        store.search("warm up")
        times: list[float] = []
        found: list[int] = []
        for _ in range(queries):
            query = f"{words[rnd.randint(20, 500)]} {words[rnd.randint(20, 500)]}"
            for _ in range(repeats):
                start = time.perf_counter()
                store.search(query)
                times.append((time.perf_counter() - start) * 1000)
            found.append(len(store.search(query, limit=1_000_000)))  # (not timed) how many match
        common: list[float] = []
        for _ in range(repeats):
            start = time.perf_counter()
            store.search(f"{words[0]} {words[1]}")
            common.append((time.perf_counter() - start) * 1000)
    finally:
        store.close()
    return times, common, int(statistics.median(found))


def measure(name: str, make_url: Any, n: int, ingest_n: int, rounds: int, words: list[str]) -> list[str]:
    lines: list[str] = []
    for sketches, how in ((True, "with its dedup sketches, as an ingest saves a batch (the user's figure)"),
                          (False, "articles only, as store_bench saves them (secondary: the heaviest share)")):
        (bare_s, bare_cpu), (indexed_s, indexed_cpu) = ingest_cost(make_url, ingest_n, words, sketches=sketches,
                                                                   rounds=rounds)
        cost = (indexed_s - bare_s) / bare_s
        whose = "this process's and its server backends'" if "PostgreSQL" in name else "this process's"
        cpu = ("; CPU time not measured (the server is not on this machine)" if math.isnan(indexed_cpu + bare_cpu)
               else f"; {whose} CPU time +{(indexed_cpu - bare_cpu) / bare_cpu:.1%}".replace("+-", "-"))
        lines += [
            f"| {name} | save_batch {how}: without the index (baseline) | {ingest_n / bare_s:,.0f} articles/s | "
            f"1.00 | best of {rounds} rounds, alternating; {bare_s / ingest_n * 1e6:,.0f} us wall-clock, "
            f"{bare_cpu / ingest_n * 1e6:,.0f} us CPU per article |",
            f"| {name} | save_batch {how}: with the index | {ingest_n / indexed_s:,.0f} articles/s | "
            f"{indexed_s / bare_s:.2f} | index cost {cost:+.1%} of save_batch wall-clock time{cpu} "
            f"(target <= 10%); {indexed_s / ingest_n * 1e6:,.0f} us wall-clock, "
            f"{indexed_cpu / ingest_n * 1e6:,.0f} us CPU per article |",
        ]
    url = make_url("latency")
    build(url, n, words)
    times, common, found = latency(url, words)
    p90 = statistics.quantiles(times, n=10)[-1]
    return [
        *lines,
        f"| {name} | two-word query at {n:,} articles, mid-vocabulary (20 queries x 5) | median "
        f"{statistics.median(times):.1f} ms, p90 {p90:.1f} ms | - | limit 20, snippets included; the median query "
        f"matched {found:,} articles (target: median < 50 ms on SQLite) |",
        f"| {name} | two-word query at {n:,} articles, the two most common words (x 5) | median "
        f"{statistics.median(common):.1f} ms | - | worst case: nearly every article matches and is ranked |",
    ]


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000, help="articles of the store queried")
    ap.add_argument("--ingest-articles", type=int, default=5_000, help="articles of each ingest-cost round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--postgres", default=_test_server_url())
    args = ap.parse_args(argv)
    n = args.articles
    words = vocabulary()
    lines = [
        f"### Full-text search: {n:,} synthetic articles (Zipf vocabulary of {VOCABULARY:,} words, 6 paragraphs "
        "of 40 words)",
        "",
        "| backend | measure | result | vs baseline | notes |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        lines += measure("SQLite (FTS5)", lambda label: f"sqlite:///{Path(tmp) / label / 'bench.db'}", n,
                         args.ingest_articles, args.rounds, words)
    if args.postgres:
        schemas: list[str] = []

        def pg_url(_label: str) -> str:
            url, schema = _pg_schema_url(args.postgres)
            schemas.append(schema)
            return url

        try:
            lines += measure("PostgreSQL 15 (tsvector, GIN)", pg_url, n, args.ingest_articles, args.rounds, words)
        finally:
            for schema in schemas:
                _drop_schema(args.postgres, schema)
    else:
        lines.append("| PostgreSQL | skipped | - | - | no server: set NEWSMILL_TEST_POSTGRES_URL or run `make bench` |")
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    main()
