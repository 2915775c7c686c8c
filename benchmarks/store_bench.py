"""Store throughput: insert and export of synthetic articles on SQLite and
PostgreSQL, rows/s and memory.

Insert goes through ``Store.save_batch`` (1,000 articles a transaction, with
boilerplate removals, cluster ids and the upsert logic); the baseline, in the
same run and on the same backend, is a bare SQLAlchemy ``executemany`` of the
same rows into an empty copy of the table. Export streams ``Store.articles``
into JSON Lines; its memory is measured (tracemalloc peak) for the first
10% of the rows and for all of them: a streaming export stays flat.

    python -m benchmarks.store_bench [--articles N] [--postgres URL]

PostgreSQL is measured when ``--postgres`` or ``NEWSMILL_TEST_POSTGRES_URL``
is set (`make bench` starts the same loopback server as `make test`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Index, MetaData, Table, create_engine, insert, text

from newsmill.core.records import Article, Removal, SourceRef
from newsmill.storage import Store, open_store
from newsmill.storage import schema as t
from newsmill.storage.export import json_value, write_jsonl, write_parquet
from newsmill.storage.store import normalize_url

BATCH = 1000
WORDS = [
    "harbour", "ferry", "line", "council", "budget", "water", "pipeline", "school", "region", "minister",
    "weather", "wheat", "harvest", "festival", "museum", "library", "tenge", "rate", "market", "border",
    "crossing", "metro", "station", "hospital", "airport", "the", "of", "and", "new", "city", "said",
]
REF = SourceRef("bench", "feed", "https://bench.example/rss")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def articles(n: int, seed: int = 7) -> Iterator[list[Article]]:
    """``n`` synthetic articles (6 paragraphs of ~40 words), in batches."""
    rnd = random.Random(seed)
    batch: list[Article] = []
    for i in range(n):
        paras = [" ".join(rnd.choice(WORDS) for _ in range(40)) + "." for _ in range(6)]
        url = f"https://site{i % 50}.example/news/{i}"
        batch.append(Article(url=url, canonical_url=url, site=f"site{i % 50}.example", text="\n\n".join(paras),
                             paragraphs=paras, source=REF, fetched_at=T0, title=f"Story {i}",
                             authors=["Staff"], published_at=T0 + timedelta(minutes=i), language="en",
                             boilerplate_removed=[Removal("Share", "share.buttons")]))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def string_parquet(records: Iterator[dict[str, Any]], path: Path, batch: int = 1000) -> int:
    """The baseline of the typed Parquet export: the writer before it
    (every time an ISO string, lists and objects JSON strings, a row group
    per ``batch`` records)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    ints, floats = {"word_count", "version", "seq"}, {"similarity", "novelty"}
    schema = pa.schema([(k, pa.int64() if k in ints else pa.float64() if k in floats else pa.string())
                        for k in Store.EXPORT_FIELDS])
    n = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        rows: list[dict[str, Any]] = []
        for r in records:
            rows.append({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict)
                         else json_value(v) if isinstance(v, datetime) else v for k, v in r.items()})
            n += 1
            if len(rows) >= batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return n


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def bare_insert(url: str, n: int) -> float:
    """Seconds for plain executemany of the same article rows (no logic)."""
    engine = create_engine(normalize_url(url))
    meta = MetaData()
    meta_table = Table("bench_bare_articles", meta, *[c._copy() for c in t.articles.columns])
    for ix in t.articles.indexes:  # the same indexes, so the baseline pays for them too
        Index(f"bench_{ix.name}", *[meta_table.c[c.name] for c in ix.columns])
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_bare_articles"))
    meta.create_all(engine)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for batch in articles(n):
        rows = []
        for a in batch:
            row = Store._article_row(a, None)
            row.update(cluster_id=a.id, version=1, first_seen=now, last_seen=now, stored_at=now)
            rows.append(row)
        with engine.begin() as conn:
            conn.execute(insert(meta_table), rows)
    elapsed = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_bare_articles"))
    engine.dispose()
    return elapsed


def measure(name: str, url: str, n: int) -> list[str]:
    store = open_store(url)
    start = time.perf_counter()
    for batch in articles(n):
        store.save_batch(batch, [])
    insert_s = time.perf_counter() - start
    bare_s = bare_insert(url, n)

    start = time.perf_counter()
    again = 0
    for batch in articles(min(n, 10_000)):  # re-saving unchanged articles: only last_seen moves
        again += store.save_batch(batch, []).unchanged
    resave_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export.jsonl"
        start = time.perf_counter()
        with out.open("w", encoding="utf-8") as fh:
            exported = write_jsonl(store.articles(), fh)
        export_s = time.perf_counter() - start
        size = out.stat().st_size
        peaks = []
        for limit in (max(n // 10, 2_000), n):
            tracemalloc.start()
            with out.open("w", encoding="utf-8") as fh:
                write_jsonl(itertools.islice(store.articles(), limit), fh)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        parquet = Path(tmp) / "export.parquet"
        start = time.perf_counter()
        assert write_parquet(store.articles(), parquet) == n
        parquet_s = time.perf_counter() - start
        parquet_size = parquet.stat().st_size
        start = time.perf_counter()
        string_parquet(store.articles(), Path(tmp) / "strings.parquet")
        strings_s = time.perf_counter() - start
        parquet_peaks = []
        for limit in (max(n // 10, 2_000), n):
            tracemalloc.start()
            write_parquet(itertools.islice(store.articles(), limit), parquet)
            parquet_peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    tracemalloc.start()
    store_mem = open_store(url)
    for batch in articles(BATCH * 2, seed=11):
        for a in batch:
            a.canonical_url = a.url = a.url.replace("/news/", "/mem/")
        store_mem.save_batch(batch, [])
    insert_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    store_mem.close()
    store.close()
    assert exported == n and again == min(n, 10_000)
    return [
        f"| {name} | insert (save_batch, {BATCH}/txn) | {_rate(n, insert_s)} | {bare_s / insert_s:.2f} "
        f"| peak {insert_peak / 2**20:.1f} MiB per {BATCH}-article batch |",
        f"| {name} | re-save unchanged (10k) | {_rate(min(n, 10_000), resave_s)} | - | only last_seen updated |",
        f"| {name} | export JSONL (streamed) | {_rate(n, export_s)} | - | {size / 2**20:.0f} MiB written; "
        f"peak {peaks[0] / 2**20:.1f} MiB at {max(n // 10, 2_000):,} rows, {peaks[1] / 2**20:.1f} MiB at {n:,} rows |",
        f"| {name} | export Parquet, typed (streamed) | {_rate(n, parquet_s)} | - | {strings_s / parquet_s:.2f}x the "
        f"all-strings writer's rate (target >= 0.8); {parquet_size / 2**20:.0f} MiB written; peak "
        f"{parquet_peaks[0] / 2**20:.1f} MiB at {max(n // 10, 2_000):,} rows, {parquet_peaks[1] / 2**20:.1f} MiB "
        f"at {n:,} rows |",
        f"| {name} | baseline: bare executemany | {_rate(n, bare_s)} | 1.00 | same rows, no upsert logic |",
    ]


def _pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalize_url(base))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def _drop_schema(base: str, schema: str) -> None:
    engine = create_engine(normalize_url(base))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _test_server_url() -> str | None:
    """The loopback PostgreSQL of scripts/test-services.sh, if running."""
    if os.environ.get("NEWSMILL_TEST_POSTGRES_URL"):
        return os.environ["NEWSMILL_TEST_POSTGRES_URL"]
    env = Path(__file__).resolve().parents[1] / ".test-services" / "env"
    if env.is_file():
        for line in env.read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "NEWSMILL_TEST_POSTGRES_URL" and value:
                return value
    return None


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--postgres", default=_test_server_url())
    args = ap.parse_args(argv)
    n = args.articles
    lines = [
        f"### Store throughput: {n:,} synthetic articles (6 paragraphs, ~1.7 KB of text each)",
        "",
        "| backend | operation | rows/s | vs bare insert | memory |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        lines += measure("SQLite (WAL)", f"sqlite:///{Path(tmp) / 'bench.db'}", n)
    if args.postgres:
        url, schema = _pg_schema_url(args.postgres)
        try:
            lines += measure("PostgreSQL 15 (loopback)", url, n)
        finally:
            _drop_schema(args.postgres, schema)
    else:
        lines.append("| PostgreSQL | skipped | - | - | no server: set NEWSMILL_TEST_POSTGRES_URL or run `make bench` |")
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    main()
