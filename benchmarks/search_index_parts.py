"""What writing the search index costs, part by part, and what the
options change: each variant writes the index of the same articles (those
of ``search_bench``) alone, in transactions of 1,000, into a fresh index
table, rounds alternating, the best round kept.

- PostgreSQL (on a server on this machine): the text sent as parameters
  (how newsmill wrote it before) against the ``tsvector`` built from the
  written ``articles`` row (``INSERT ... SELECT``, as it writes it now),
  with and without ``ON CONFLICT``, the ``simple`` configuration instead of
  the language's, no GIN index, GIN ``fastupdate`` off, a 64 MB pending
  list, and ``to_tsvector`` alone (no insert): microseconds per article,
  wall-clock, and this process's CPU time.
- SQLite: the FTS5 insert with ``automerge`` 4 (FTS5's default), 8
  (newsmill's), 16, ``pgsz`` 8000, ``crisismerge`` 32, without the
  ``search_ids`` map, and with the ``ascii`` tokenizer: microseconds of CPU
  per article (this process does all the work).

    python -m benchmarks.search_index_parts [--articles N] [--rounds N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, create_engine, text

from benchmarks.search_bench import articles, vocabulary
from benchmarks.store_bench import _drop_schema, _pg_schema_url, _test_server_url
from newsmill.core.records import Article
from newsmill.storage import open_store
from newsmill.storage.db import normalize_url
from newsmill.storage.search import SearchIndex, config_for, index_text

_SET = " ON CONFLICT (article_id) DO UPDATE SET config = excluded.config, document = excluded.document"
_SENT = ("INSERT INTO search_index (article_id, config, document) VALUES (:id, CAST(:cfg AS regconfig), "
         "setweight(to_tsvector(CAST(:cfg AS regconfig), :title), 'A') || "
         "setweight(to_tsvector(CAST(:cfg AS regconfig), :body), 'D'))")
_FROM_ROW = ("INSERT INTO search_index (article_id, config, document) SELECT a.id, v.cfg, "
             "setweight(to_tsvector(v.cfg, COALESCE(a.title, '')), 'A') || setweight(to_tsvector(v.cfg, a.text), 'D') "
             "FROM unnest(CAST(:ids AS text[]), CAST(:cfgs AS regconfig[])) AS v(id, cfg) JOIN articles a ON a.id = v.id")
_ALONE = ("SELECT sum(length(setweight(to_tsvector(CAST(:cfg AS regconfig), COALESCE(title, '')), 'A') || "
          "setweight(to_tsvector(CAST(:cfg AS regconfig), text), 'D'))) FROM articles WHERE id = ANY(CAST(:ids AS text[]))")

Writer = Callable[[Connection, list[Article]], None]


def _sent(sql: str) -> Writer:
    def run(conn: Connection, batch: list[Article]) -> None:
        rows = [{"id": a.id, "cfg": config_for(a.language), "title": index_text(a.title), "body": index_text(a.text)}
                for a in batch]
        for i in range(0, len(rows), 200):
            conn.execute(text(sql), rows[i : i + 200])
    return run


def _statement(sql: str, cfg: str | None = None) -> Writer:
    def run(conn: Connection, batch: list[Article]) -> None:
        conn.execute(text(sql), {"ids": [a.id for a in batch], "cfgs": [cfg or config_for(a.language) for a in batch],
                                 "cfg": cfg or "english"})
    return run


PG_VARIANTS: dict[str, tuple[Writer, str | None]] = {  # the writer, the GIN index's options (None: no GIN index)
    "text sent, ON CONFLICT (before)": (_sent(_SENT + _SET), ""),
    "text sent, no ON CONFLICT": (_sent(_SENT), ""),
    "built from the row, ON CONFLICT (now)": (_statement(_FROM_ROW + _SET), ""),
    "built from the row, no ON CONFLICT": (_statement(_FROM_ROW), ""),
    "built from the row, `simple` configuration": (_statement(_FROM_ROW + _SET, "simple"), ""),
    "built from the row, no GIN index": (_statement(_FROM_ROW + _SET), None),
    "built from the row, GIN fastupdate off": (_statement(_FROM_ROW + _SET), " WITH (fastupdate = off)"),
    "built from the row, GIN pending list 64 MB": (_statement(_FROM_ROW + _SET),
                                                   " WITH (gin_pending_list_limit = 65536)"),
    "to_tsvector alone (english), no insert": (_statement(_ALONE, "english"), None),
    "to_tsvector alone (simple), no insert": (_statement(_ALONE, "simple"), None),
}


def postgres(base: str, n: int, rounds: int) -> list[str]:
    url, schema = _pg_schema_url(base)
    original = SearchIndex.replace

    def skipped(self: SearchIndex, conn: Any, rows: Any) -> None:
        return None

    SearchIndex.replace = skipped  # type: ignore[method-assign]
    batches: list[list[Article]] = []
    try:
        store = open_store(url)
        for batch in articles(n, vocabulary()):
            store.save_batch(batch, [])
            batches.append(batch)
        store.close()
    finally:
        SearchIndex.replace = original  # type: ignore[method-assign]
    engine = create_engine(normalize_url(url))
    best: dict[str, tuple[float, float]] = {}
    try:
        for _ in range(rounds):
            for name, (writer, gin) in PG_VARIANTS.items():
                with engine.begin() as conn:
                    conn.execute(text("DROP TABLE IF EXISTS search_index"))
                    conn.execute(text("CREATE TABLE search_index (article_id VARCHAR(40) PRIMARY KEY REFERENCES "
                                      "articles (id) ON DELETE CASCADE, config REGCONFIG NOT NULL, "
                                      "document TSVECTOR NOT NULL)"))
                    if gin is not None:
                        conn.execute(text(f"CREATE INDEX ix_search_index_document ON search_index USING GIN (document)"
                                          f"{gin}"))
                wall = 0.0
                cpu = time.process_time()
                for batch in batches:
                    start = time.perf_counter()
                    with engine.begin() as conn:
                        writer(conn, batch)
                    wall += time.perf_counter() - start
                cpu = time.process_time() - cpu
                old = best.get(name, (wall, cpu))
                best[name] = (min(old[0], wall), min(old[1], cpu))
    finally:
        engine.dispose()
        _drop_schema(base, schema)
    return [f"| PostgreSQL | {name} | {wall / n * 1e6:,.0f} us | {cpu / n * 1e6:,.0f} us |"
            for name, (wall, cpu) in best.items()]


SQLITE_VARIANTS: dict[str, tuple[str, tuple[str, ...], bool]] = {  # tokenizer, FTS5 settings, with search_ids
    "automerge 4 (FTS5's default)": ("unicode61 remove_diacritics 2", ("automerge', 4",), True),
    "automerge 8 (newsmill's)": ("unicode61 remove_diacritics 2", ("automerge', 8",), True),
    "automerge 16": ("unicode61 remove_diacritics 2", ("automerge', 16",), True),
    "automerge 8, pgsz 8000": ("unicode61 remove_diacritics 2", ("automerge', 8", "pgsz', 8000"), True),
    "automerge 8, crisismerge 32": ("unicode61 remove_diacritics 2", ("automerge', 8", "crisismerge', 32"), True),
    "automerge 8, no search_ids (docids given)": ("unicode61 remove_diacritics 2", ("automerge', 8",), False),
    "automerge 8, ascii tokenizer": ("ascii", ("automerge', 8",), True),
}


def sqlite(n: int, rounds: int) -> list[str]:
    batches = [[(a.id, index_text(a.title), index_text(a.text)) for a in b] for b in articles(n, vocabulary())]
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for v, (name, (tokenizer, settings, mapped)) in enumerate(SQLITE_VARIANTS.items()):
                db = sqlite3.connect(os.path.join(tmp, f"{r}-{v}.db"), isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE search_ids (docid INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "article_id VARCHAR(40) NOT NULL UNIQUE)")
                db.execute(f"CREATE VIRTUAL TABLE search_index USING fts5(title, body, content = '', "
                           f"tokenize = '{tokenizer}')")
                for setting in settings:
                    db.execute(f"INSERT INTO search_index (search_index, rank) VALUES ('{setting})")
                wall = cpu = 0.0
                docid = 0
                for batch in batches:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    db.execute("BEGIN")
                    if mapped:
                        db.executemany("INSERT OR REPLACE INTO search_ids (article_id) VALUES (?)",
                                       [(i,) for i, _, _ in batch])
                        docids: dict[str, int] = {}
                        for k in range(0, len(batch), 500):
                            part = [i for i, _, _ in batch[k : k + 500]]
                            docids.update(db.execute("SELECT article_id, docid FROM search_ids WHERE article_id IN "
                                                     f"({', '.join('?' for _ in part)})", part).fetchall())
                        rows = [(docids[i], title, body) for i, title, body in batch]
                    else:
                        rows = [(docid + k + 1, title, body) for k, (_, title, body) in enumerate(batch)]
                        docid += len(batch)
                    db.executemany("INSERT INTO search_index (rowid, title, body) VALUES (?, ?, ?)", rows)
                    db.execute("COMMIT")
                    wall += time.perf_counter() - start
                    cpu += time.process_time() - start_cpu
                db.close()
                old = best.get(name, (wall, cpu))
                best[name] = (min(old[0], wall), min(old[1], cpu))
    return [f"| SQLite (FTS5) | {name} | {wall / n * 1e6:,.1f} us | {cpu / n * 1e6:,.1f} us |"
            for name, (wall, cpu) in best.items()]


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--postgres", default=_test_server_url())
    args = ap.parse_args(argv)
    lines = [f"### Search index write, part by part: {args.articles:,} articles in transactions of 1,000", "",
             "| backend | variant | wall-clock per article | this process's CPU per article |", "|---|---|---|---|"]
    lines += sqlite(args.articles, args.rounds)
    if args.postgres:
        lines += postgres(args.postgres, args.articles, args.rounds)
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    main()
