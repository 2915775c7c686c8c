"""The stored-state scale test: dedup-and-store of 1,000 new articles
against a store that already holds N articles, for several N.

The store is built fast, not through extraction: N articles are loaded
straight in with bulk SQL matching the schema (rows made by the store's own
``article_row``), each with the sketches a real article has (one article
sketch, ~7.5 paragraph sketches, the measured shingle sizes) and ~350 band
rows, in ``sketch_bands`` sorted by key. Their band keys are random (the
text of an unrelated article shares no band with a new one: at these
sizes a random 63-bit key matches nothing, as an unrelated band key
almost never does), so they cost what the index costs at that size
without adding false candidates. Their paragraphs are real sentences of the
generated crawl, unique per article, on the crawl's sites, so the template
counts read what a real store of that size holds.

The newest 2,000 articles of the store are real ones of the generated crawl
(:mod:`benchmarks.scale_corpus`), extracted and stored through the pipeline
(:func:`newsmill.pipeline.storing.store_articles`); the measured batch is
the crawl's next 1,000 pages (extracted beforehand), about a quarter of
them copies of those, stored in transactions of 100 as an import does.
Reported: ms per article of dedup-and-store (store_articles: stored state,
dedup, template counts, save), and the copies linked; and the seconds the
template counts of the loaded articles take to build (what migration 0009
does to a stored store).

    python -m benchmarks.scale_store [--stored 100000,1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sqlite3
import struct
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.scale_corpus import START, Corpus
from benchmarks.store_bench import _drop_schema, _pg_schema_url, _test_server_url
from newsmill.core.records import Article, RawDocument, SourceRef
from newsmill.core.settings import DedupSettings
from newsmill.dedup import Deduplicator
from newsmill.dedup.sketches import _instant
from newsmill.pipeline import storing
from newsmill.pipeline.extraction import Extracted, extract_documents
from newsmill.pipeline.report import RunReport
from newsmill.pipeline.storing import check_sketch_params, store_articles
from newsmill.storage import Store, open_store
from newsmill.storage import schema as t
from newsmill.storage.articles import article_row
from newsmill.storage.sketches import SqlSketchIndex
from newsmill.storage.template_counts import TemplateCounts

RECENT = 2000  # real articles stored last
BATCH = 1000  # the measured batch
TXN = 100  # articles per dedup-and-store transaction (an import's EXTRACT_BATCH)
REF = SourceRef("scale", "warc", "file:///scale")
ARTICLE_BANDS, PASSAGE_BANDS = 33, 42  # band keys of an article sketch (with its exact key), of a paragraph's
ARTICLE_SHINGLES, PASSAGE_SHINGLES = 1396, 173  # mean shingle blob bytes measured on a generated import


def crawl_documents(corpus: Corpus, n: int) -> list[RawDocument]:
    docs = []
    for page in corpus.pages():
        host = page.url.split("/")[2]
        docs.append(RawDocument(url=page.url, body=corpus.html(page), source=REF, content_type="text/html",
                                site=host.removeprefix("www."), fetched_at=page.published))
        if len(docs) == n:
            break
    return docs


def synthetic_articles(n: int, sites: list[str], sentences: list[str], seed: int) -> Iterator[Article]:
    """``n`` stored articles, older than the crawl, on its sites: 4-10
    paragraphs of the crawl's sentences, each paragraph unique."""
    rnd = random.Random(seed)
    span = 365 * 86400
    for i in range(n):
        when = START - timedelta(seconds=span * (n - i) / n)
        site = rnd.choice(sites)
        paras = [" ".join(rnd.choices(sentences, k=3)) + f" Ref {_word(i)} {_word(k)}."
                 for k in range(rnd.randint(4, 10))]
        url = f"https://{site}/archive/{i}"
        yield Article(url=url, canonical_url=url, site=site, text="\n\n".join(paras), paragraphs=paras, source=REF,
                      fetched_at=when, title=f"Stored story {i}", authors=["Staff"], published_at=when,
                      language="en")


def _word(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += chr(97 + r)
        if not n:
            return out


class Loader:
    """Bulk rows into an empty, migrated store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")

    def load(self, n: int, sites: list[str], sentences: list[str], params: str, seed: int = 5) -> float:
        start = time.perf_counter()
        now = datetime.now(UTC)
        rnd = np.random.default_rng(seed)
        art_cols = [c.name for c in t.articles.columns if c.name != "seq"]
        sk_cols = ("kind", "article_id", "paragraph", "order_key", "shingles", "params", "sid")
        articles: list[tuple[Any, ...]] = []
        sketches: list[tuple[Any, ...]] = []
        bands_per_sid: list[int] = []
        blob_a, blob_p = os.urandom(ARTICLE_SHINGLES), os.urandom(PASSAGE_SHINGLES)
        sid = 0
        with self._connection() as conn:
            self._drop_band_indexes(conn)
            for a in synthetic_articles(n, sites, sentences, seed):
                row = article_row(a, 1.0)
                row.update(cluster_id=a.id, version=1, first_seen=now, last_seen=now, stored_at=now)
                articles.append(tuple(row[c] for c in art_cols))
                key = f"{_instant(a.published_at or a.fetched_at)}|{a.canonical_url}"
                sid += 1
                sketches.append(("article", a.id, -1, key, blob_a, params, sid))
                bands_per_sid.append(ARTICLE_BANDS)
                for p in range(len(a.paragraphs)):
                    sid += 1
                    sketches.append(("passage", a.id, p, key, blob_p, params, sid))
                    bands_per_sid.append(PASSAGE_BANDS)
                if len(articles) >= 20_000:
                    self._rows(conn, "articles", art_cols, articles)
                    self._rows(conn, "sketches", sk_cols, sketches)
                    conn.commit()  # a transaction per chunk: SQLite's WAL is checkpointed as it goes
                    articles, sketches = [], []
            self._rows(conn, "articles", art_cols, articles)
            self._rows(conn, "sketches", sk_cols, sketches)
            counts = np.array(bands_per_sid, dtype=np.int64)
            self._bands(conn, counts, rnd)
            self._create_band_indexes(conn)
            conn.commit()
        return time.perf_counter() - start

    def _connection(self) -> Any:
        if self.postgres:
            import psycopg

            base, _, query = self.url.partition("?")
            opts = dict(part.split("=", 1) for part in query.split("&") if part)
            return psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"),
                                   options=opts.get("options", "").replace("%3D", "="))
        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        return conn

    def _rows(self, conn: Any, table: str, cols: tuple[str, ...] | list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.postgres:
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [tuple(v.isoformat(sep=' ') if isinstance(v, datetime) else v for v in r) for r in rows])

    def _bands(self, conn: Any, counts: np.ndarray[Any, Any], rnd: np.random.Generator) -> None:
        """Random band keys for every sketch, inserted in key order, a key
        range at a time (all of them do not fit in memory at 10M)."""
        total = int(counts.sum())
        sids = np.repeat(np.arange(1, len(counts) + 1, dtype=np.int64), counts)
        rnd.shuffle(sids)  # which sketch a key range's rows belong to: random
        chunk = 4_000_000
        lo_key = -(2**62)
        step = (2**63) // max(1, -(-total // chunk))
        for start in range(0, total, chunk):
            part = sids[start:start + chunk]
            keys = np.sort(rnd.integers(lo_key, lo_key + step, size=len(part), dtype=np.int64))
            lo_key += step
            if self.postgres:
                self._copy_binary(conn, keys, part)
            else:
                conn.executemany("INSERT OR IGNORE INTO sketch_bands (key, sid) VALUES (?, ?)",
                                 zip(keys.tolist(), part.tolist(), strict=True))
            conn.commit()

    @staticmethod
    def _copy_binary(conn: Any, keys: np.ndarray[Any, Any], sids: np.ndarray[Any, Any]) -> None:
        row = np.dtype([("n", ">i2"), ("kl", ">i4"), ("k", ">i8"), ("sl", ">i4"), ("s", ">i8")])
        data = np.empty(len(keys), dtype=row)
        data["n"], data["kl"], data["k"], data["sl"], data["s"] = 2, 8, keys, 8, sids
        buf = io.BytesIO()
        buf.write(b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0))
        buf.write(data.tobytes())
        buf.write(struct.pack(">h", -1))
        with conn.cursor() as cur, cur.copy("COPY sketch_bands (key, sid) FROM STDIN WITH (FORMAT binary)") as copy:
            copy.write(buf.getvalue())

    def _drop_band_indexes(self, conn: Any) -> None:
        conn.execute("DROP INDEX IF EXISTS ix_sketch_bands_sid")
        if self.postgres:
            conn.execute("ALTER TABLE sketch_bands DROP CONSTRAINT pk_sketch_bands")

    def _create_band_indexes(self, conn: Any) -> None:
        if self.postgres:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("ALTER TABLE sketch_bands ADD CONSTRAINT pk_sketch_bands PRIMARY KEY (key, sid)")
        conn.execute("CREATE INDEX ix_sketch_bands_sid ON sketch_bands (sid)")
        conn.execute("ANALYZE")


class Parts:
    """Seconds spent in the parts of dedup-and-store while active: the
    template counts (``storing.batch_lines``), the dedup runs
    (``Deduplicator.run``) and the save (``Store.save_batch``); inside
    the dedup runs, the band lookups (``SqlSketchIndex.candidates``) and
    the candidates' shingles read (``SqlSketchIndex.shingles``)."""

    def __init__(self) -> None:
        self.seconds = {"templates": 0.0, "dedup": 0.0, "save": 0.0, "lookups": 0.0, "shingles": 0.0}
        self.active = False

    def wrap(self, owner: Any, name: str, part: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                if self.active:
                    self.seconds[part] += time.perf_counter() - start

        setattr(owner, name, timed)


PARTS = Parts()
PARTS.wrap(storing, "batch_lines", "templates")
PARTS.wrap(Deduplicator, "run", "dedup")
PARTS.wrap(Store, "save_batch", "save")
# Inside the dedup runs: the stored index's band lookups and the candidates' shingles read for verification.
PARTS.wrap(SqlSketchIndex, "candidates", "lookups")
PARTS.wrap(SqlSketchIndex, "shingles", "shingles")


def extracted(docs: list[RawDocument]) -> Extracted:
    return extract_documents(docs)


def build(url: str, n: int, recent: Extracted, sites: list[str], sentences: list[str]) -> tuple[float, float]:
    """The stored state: ``n`` articles, the last of them ``recent``
    stored through the pipeline; the seconds of the load and of the
    template counts' build."""
    store = open_store(url)
    params = check_sketch_params(store)
    store.close()
    load_s = Loader(url).load(n - len(recent.articles), sites, sentences, params.id)
    store = open_store(url)
    try:
        start = time.perf_counter()
        with store.db.begin() as conn:  # as migration 0009 counts a stored store
            TemplateCounts.rebuild(conn)
        counts_s = time.perf_counter() - start
        report = RunReport("import-files")
        for i in range(0, len(recent.articles), TXN):
            store_articles(recent.articles[i:i + TXN], store, report, DedupSettings(), sketches=recent.sketches)
        store._sketches.refresh_stats()
    finally:
        store.close()
    settle(url)
    return load_s, counts_s


def settle(url: str) -> None:
    """PostgreSQL: VACUUM (ANALYZE) the loaded store, as autovacuum leaves a
    store that has run for months. Left to itself, autovacuum would start
    on the freshly loaded tables (their inserts pass its threshold) while
    the batch is measured, and compete with it for the machine."""
    if not url.startswith("postgresql"):
        return
    with Loader(url)._connection() as conn:
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")


def reused(directory: Path, n: int, recent: Extracted, sites: list[str], sentences: list[str],
           into: Path) -> tuple[float, float]:
    """A SQLite stored state kept in ``directory`` (built there the first
    time), copied to ``into``: variants of the code measured against the
    same state without loading it again."""
    kept = directory / f"state-{n}-{len(recent.articles)}.db"
    times = kept.with_suffix(".json")
    if not kept.exists():
        building = kept.with_suffix(".building")
        building.unlink(missing_ok=True)
        load_s, counts_s = build(f"sqlite:///{building}", n, recent, sites, sentences)
        building.rename(kept)
        building.with_name(building.name + ".lock").unlink(missing_ok=True)  # the store's lock file
        times.write_text(json.dumps([load_s, counts_s]))
    shutil.copyfile(kept, into)
    load_s, counts_s = json.loads(times.read_text())
    return float(load_s), float(counts_s)


def measure(name: str, url: str, n: int, recent: Extracted, batch: Extracted, copies: dict[str, str],
            sites: list[str], sentences: list[str], state: tuple[float, float] | None = None) -> dict[str, Any]:
    """The batch's dedup-and-store against the stored state at ``url``
    (built here unless ``state`` says it was built, with its times)."""
    load_s, counts_s = state or build(url, n, recent, sites, sentences)
    store = open_store(url)
    settings = DedupSettings()
    try:
        report = RunReport("import-files")
        PARTS.seconds = dict.fromkeys(PARTS.seconds, 0.0)
        PARTS.active = True
        start = time.perf_counter()
        for i in range(0, len(batch.articles), TXN):
            store_articles(batch.articles[i:i + TXN], store, report, settings, sketches=batch.sketches)
        took = time.perf_counter() - start
        PARTS.active = False
        parts = {k: 1000 * v / len(batch.articles) for k, v in PARTS.seconds.items()}
        with store.engine.connect() as conn:
            from sqlalchemy import text

            stored = int(conn.execute(text("SELECT count(*) FROM articles")).scalar_one())
            bands = int(conn.execute(text("SELECT count(*) FROM sketch_bands")).scalar_one())
            links = {r[0]: r[1] for r in conn.execute(text(
                "SELECT a.url, o.url FROM articles a JOIN articles o ON o.id = a.duplicate_of "
                "WHERE a.url LIKE '%/syndicated-%'"))}
    finally:
        store.close()
    in_batch = {a.url for a in batch.articles}
    wanted = {u: o for u, o in copies.items() if u in in_batch}
    linked = sum(1 for u, o in wanted.items() if links.get(u) == o)
    return {"backend": name, "stored": n, "load_s": load_s, "counts_s": counts_s,
            "ms": 1000 * took / len(batch.articles),
            "rows": stored, "bands": bands, "copies": len(wanted), "linked": linked, "parts": parts}


def main(sizes: list[int], postgres: str | None, recent_n: int = RECENT, reuse: Path | None = None) -> list[str]:
    corpus = Corpus(recent_n + BATCH, sites=300)
    docs = crawl_documents(corpus, recent_n + BATCH)
    t0 = time.perf_counter()
    recent, batch = extracted(docs[:recent_n]), extracted(docs[recent_n:])
    extract_s = time.perf_counter() - t0
    sites = sorted({d.site for d in docs})
    sentences = [s for a in recent.articles for p in a.paragraphs for s in p.split(". ") if len(s.split()) > 5]
    results: list[dict[str, Any]] = []
    backends: list[tuple[str, str | None]] = [("SQLite (WAL)", None)]
    if postgres:
        backends.append(("PostgreSQL 15 (loopback)", postgres))
    for name, base in backends:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="scale-store-", dir=os.environ.get("SCALE_TMP")) as tmp:
                if base is None:
                    path = Path(tmp) / "store.db"
                    state = reused(reuse, n, recent, sites, sentences, path) if reuse else None
                    results.append(measure(name, f"sqlite:///{path}", n, recent, batch, corpus.copies, sites,
                                           sentences, state))
                else:
                    url, schema = _pg_schema_url(base)
                    try:
                        results.append(measure(name, url, n, recent, batch, corpus.copies, sites, sentences))
                    finally:
                        _drop_schema(base, schema)
            r = results[-1]
            print(json.dumps(r), flush=True)
    lines = ["#### Stored state: dedup-and-store of 1,000 new articles against N stored", "",
             f"The newest {recent_n:,} stored and the {BATCH:,} new are generated crawl pages (extracted beforehand, "
             f"{extract_s:.0f} s); the rest loaded straight in (random band keys, real-looking paragraphs on the "
             "crawl's sites). Transactions of 100 articles, as an import stores them.", "",
             "| backend | stored articles | band rows | load s | template counts built s | dedup+store ms/article "
             "| vs smallest | of which: template counts, dedup runs, save (ms/article) "
             "| in the dedup runs: band lookups, shingles read (ms/article) | copies linked |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        base_ms = next(x["ms"] for x in results if x["backend"] == r["backend"])
        p = r["parts"]
        lines.append(f"| {r['backend']} | {r['stored']:,} | {r['bands']:,} | {r['load_s']:.0f} | {r['counts_s']:.0f} "
                     f"| {r['ms']:.1f} "
                     f"| {r['ms'] / base_ms:.2f}x | {p['templates']:.1f}, {p['dedup']:.1f}, {p['save']:.1f} "
                     f"| {p['lookups']:.2f}, {p['shingles']:.2f} | {r['linked']} of {r['copies']} |")
    return lines


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stored", default="100000,1000000")
    ap.add_argument("--postgres", default=_test_server_url(), help="a server URL ('' for SQLite only)")
    ap.add_argument("--recent", type=int, default=RECENT, help="real crawl articles stored last")
    ap.add_argument("--reuse", type=Path, metavar="DIR",
                    help="keep each SQLite stored state in DIR and measure a copy of it (built the first time)")
    args = ap.parse_args()
    if args.reuse:
        args.reuse.mkdir(parents=True, exist_ok=True)
    print("\n".join(main([int(s) for s in args.stored.split(",") if s], args.postgres or None, args.recent,
                         args.reuse)))
