"""The persisted sketch index (:class:`newsmill.core.interfaces.SketchIndex`):
``sketches`` and their LSH band rows in ``sketch_bands``.

The dedup stage reads it; the store writes it in the transaction that saves
the articles the sketches belong to, so the index never disagrees with them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, func, select, text

from newsmill.core.records import Sketch, SketchRef
from newsmill.storage import schema as t
from newsmill.storage.db import Database, chunks, insert_many, rows_in

KINDS = ("article", "passage")  # the sketches' kinds (SketchRef.kind)


# PostgreSQL: a band row's sketch, looked up by its number (unique) for each
# row. Written as a join, the planner estimated far more band matches than
# come (a copy's bands all match one sketch) and hashed every stored sketch
# of the kind for each lookup: a cost that grew with the store
# (benchmarks/RESULTS.md, "PostgreSQL's sketch reads"). LIMIT 1 keeps the
# subquery from being flattened back into a join.
def _sketch_by_sid(rows: str) -> str:
    """The LATERAL subquery (alias ``s``) of the sketch whose number is
    ``{rows}.sid``, of the kind given as the statement's next parameter."""
    return (f"(SELECT x.article_id, x.paragraph, x.order_key FROM sketches x WHERE x.sid = {rows}.sid "
            "AND x.kind = %s LIMIT 1) s")


def band_rows(sketches: Sequence[Sketch], first_sid: int) -> list[tuple[int, int]]:
    """``(key, sid)`` rows of the sketches numbered from ``first_sid``,
    sorted by key (inserting in index order touches each index page once,
    not once per row) and without repeats."""
    counts = [len(s.bands) for s in sketches]
    total = sum(counts)
    if not total:
        return []
    keys = np.fromiter((k for s in sketches for k in s.bands), dtype=np.int64, count=total)
    sids = np.repeat(np.arange(first_sid, first_sid + len(sketches), dtype=np.int64), counts)
    order = np.lexsort((sids, keys))
    keys, sids = keys[order], sids[order]
    keep = np.ones(total, dtype=bool)
    keep[1:] = (keys[1:] != keys[:-1]) | (sids[1:] != sids[:-1])
    return list(zip(keys[keep].tolist(), sids[keep].tolist(), strict=True))


class _Refs:
    """One SketchRef per stored sketch, however many of its bands match (a
    copy matches on every band): fewer objects, cheaper set unions."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._refs: dict[tuple[str, int], SketchRef] = {}

    def get(self, article_id: str, paragraph: int, order_key: str) -> SketchRef:
        ref = self._refs.get((article_id, paragraph))
        if ref is None:
            ref = self._refs[(article_id, paragraph)] = SketchRef(self.kind, article_id, paragraph, order_key)
        return ref


class SqlSketchIndex:
    """Sketch lookups by band key, and the writes that replace an article's sketches."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.bands_written = 0  # band rows written since this index's last ANALYZE (PostgreSQL)

    # -- reads (the SketchIndex protocol) ---------------------------------------

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        # In key order: consecutive probes walk the band index's B-tree
        # forwards, each of its pages read once (in random order, every
        # probe read the pages from the root again).
        keys = sorted(set(bands))
        found: dict[int, list[SketchRef]] = {}
        if not keys:
            return found
        # One statement for all keys, passed as a single parameter (a JSON
        # array on SQLite, an array on PostgreSQL): a batch looks up many
        # keys, and binding them 500 at a time cost more than the lookups.
        columns = "SELECT b.key, s.article_id, s.paragraph, s.order_key FROM sketch_bands b"
        with self.db.connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = f"{columns} CROSS JOIN LATERAL {_sketch_by_sid('b')} WHERE b.key = ANY(%s)"
                params: tuple[Any, ...] = (kind, keys)
            else:
                # CROSS JOIN fixes SQLite's join order: band rows by key
                # first, then their sketches by number (left to choose, a
                # young store's planner scanned every sketch of the kind).
                sql = (f"{columns} CROSS JOIN sketches s ON s.sid = b.sid "
                       "WHERE b.key IN (SELECT value FROM json_each(?)) AND s.kind = ?")
                params = (json.dumps(keys), kind)
            rows = conn.exec_driver_sql(sql, params).fetchall()
        refs = _Refs(kind)
        for key, article_id, paragraph, order_key in rows:
            found.setdefault(int(key), []).append(refs.get(article_id, paragraph, order_key))
        return found

    def candidates(self, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        # Distinct (query, sketch) pairs come back from SQL: a stored copy
        # matches a query on every band, and one row per matching band cost
        # more in Python than the lookups in the database.
        out: list[set[SketchRef]] = [set() for _ in bands]
        # The (query, key) pairs in key order, as in lookup().
        pairs = sorted((key, i) for i, item_keys in enumerate(bands) for key in set(item_keys))
        if not pairs:
            return out
        keys = [key for key, _ in pairs]
        items = [i for _, i in pairs]
        # The distinct (query, sketch number) pairs first, from the band
        # index alone; then each pair's sketch.
        columns = "SELECT d.item, s.article_id, s.paragraph, s.order_key"
        with self.db.connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = (f"{columns} FROM (SELECT DISTINCT q.item, b.sid FROM unnest(%s::bigint[], %s::bigint[]) "
                       "AS q(item, key) JOIN sketch_bands b ON b.key = q.key) d "
                       f"CROSS JOIN LATERAL {_sketch_by_sid('d')}")
                params: tuple[Any, ...] = (items, keys, kind)
            else:
                # One JSON array of [query, key] pairs; CROSS JOIN keeps the
                # order: pairs, their band rows by key, their sketches.
                sql = (f"{columns} FROM (SELECT DISTINCT q.item, b.sid FROM (SELECT json_extract(value, '$[0]') "
                       "AS item, json_extract(value, '$[1]') AS key FROM json_each(?)) q "
                       "CROSS JOIN sketch_bands b ON b.key = q.key) d CROSS JOIN sketches s ON s.sid = d.sid "
                       "WHERE s.kind = ?")
                # (Written as text: many small lists made the garbage
                # collector walk the whole heap several times per batch.)
                listed = ",".join(f"[{i},{k}]" for k, i in pairs)
                params = (f"[{listed}]", kind)
            rows = conn.exec_driver_sql(sql, params).fetchall()
        refs = _Refs(kind)
        for item, article_id, paragraph, order_key in rows:
            out[int(item)].add(refs.get(article_id, paragraph, order_key))
        return out

    def shingles(self, refs: Iterable[SketchRef]) -> dict[SketchRef, bytes]:
        # The wanted keys as one parameter, each looked up by the sketches'
        # primary key. (A row-value IN list, `(kind, article_id, paragraph)
        # IN (VALUES ...)`, is read by SQLite as a scan of every sketch: a
        # cost that grew with the store.)
        wanted = sorted(set(refs), key=lambda r: (r.kind, r.article_id, r.paragraph))
        out: dict[SketchRef, bytes] = {}
        by_key = {(r.kind, r.article_id, r.paragraph): r for r in wanted}
        columns = "SELECT s.kind, s.article_id, s.paragraph, s.shingles"
        with self.db.connect() as conn:
            for part in chunks(wanted, 5000):
                if conn.dialect.name == "postgresql":
                    # Each wanted sketch by its primary key (LATERAL, as
                    # in _sketch_by_sid): a join let the planner hash every stored sketch.
                    sql = ("SELECT q.kind, q.article_id, q.paragraph, s.shingles FROM unnest(%s::text[], %s::text[], "
                           "%s::integer[]) AS q(kind, article_id, paragraph) CROSS JOIN LATERAL (SELECT x.shingles "
                           "FROM sketches x WHERE x.kind = q.kind AND x.article_id = q.article_id "
                           "AND x.paragraph = q.paragraph LIMIT 1) s")
                    params: tuple[Any, ...] = ([r.kind for r in part], [r.article_id for r in part],
                                               [r.paragraph for r in part])
                else:
                    sql = (f"{columns} FROM json_each(?) q CROSS JOIN sketches s "
                           "ON s.kind = json_extract(q.value, '$[0]') AND s.article_id = json_extract(q.value, '$[1]') "
                           "AND s.paragraph = json_extract(q.value, '$[2]')")
                    params = (json.dumps([[r.kind, r.article_id, r.paragraph] for r in part]),)
                for kind, article_id, paragraph, blob in conn.exec_driver_sql(sql, params):
                    out[by_key[(kind, article_id, int(paragraph))]] = bytes(blob)
        return out

    @staticmethod
    def order_keys(conn: Connection, article_ids: Iterable[str]) -> dict[str, str | None]:
        """The order keys of these articles' sketches (None: no sketch)."""
        wanted = sorted(set(article_ids))
        found: dict[str, str | None] = dict.fromkeys(wanted)
        sk = t.sketches
        found.update((row[0], row[1]) for row in rows_in(
            conn, select(sk.c.article_id, sk.c.order_key).where(sk.c.kind == "article"), sk.c.article_id, wanted))
        return found

    @staticmethod
    def order_key(conn: Connection, article_id: str) -> str | None:
        """The order key of one article's sketch (None: no sketch)."""
        sk = t.sketches
        key: str | None = conn.execute(select(sk.c.order_key).where(
            sk.c.kind == "article", sk.c.article_id == article_id)).scalar()
        return key

    # -- writes (in the caller's transaction, under the writer lock) -------------

    @staticmethod
    def delete(conn: Connection, article_ids: Sequence[str]) -> None:
        """Delete the sketches of these articles and their band rows."""
        sk = t.sketches
        # Both kinds named, so the rows are found by the primary key
        # (kind, article_id, paragraph): by article_id alone, SQLite scanned
        # every stored sketch, twice per batch.
        mine = (sk.c.kind.in_(KINDS), sk.c.article_id.in_(article_ids))
        sids = select(sk.c.sid).where(*mine).scalar_subquery()
        conn.execute(delete(t.sketch_bands).where(t.sketch_bands.c.sid.in_(sids)))
        conn.execute(delete(sk).where(*mine))

    def replace(self, conn: Connection, article_ids: set[str], sketches: Sequence[Sketch]) -> None:
        """Replace the sketches and bands of these articles by theirs among ``sketches``."""
        for part in chunks(sorted(article_ids)):
            self.delete(conn, part)
        mine = [s for s in sketches if s.article_id in article_ids]
        # Sketch numbers continue from the highest (under the writer lock,
        # so no two writers hand out the same one).
        first = conn.execute(select(func.coalesce(func.max(t.sketches.c.sid), 0))).scalar_one() + 1
        sk_rows = [(s.kind, s.article_id, s.paragraph, s.order_key, s.shingles, s.params, sid)
                   for sid, s in enumerate(mine, first)]
        bands = band_rows(mine, first)
        insert_many(conn, t.sketches, ("kind", "article_id", "paragraph", "order_key", "shingles", "params", "sid"),
                    sk_rows)
        insert_many(conn, t.sketch_bands, ("key", "sid"), bands)
        self.bands_written += len(bands)

    @staticmethod
    def clear(conn: Connection) -> None:
        """Drop every sketch and band, and the sketch parameters they were made with."""
        for table in (t.sketch_bands, t.sketches):
            conn.execute(delete(table))
        conn.execute(delete(t.schema_info).where(t.schema_info.c.key == "sketch_params"))

    def refresh_stats(self) -> None:
        """PostgreSQL: ANALYZE the sketch tables once the band rows written
        since the last ANALYZE reach a fifth of the table. A young store
        grows from empty faster than autovacuum looks at it, and with an
        empty table's statistics the planner joins the band lookup by nested
        scans. ``reltuples`` is what the last ANALYZE saw (-1: never
        analyzed); the statistics views lag, so they are not used."""
        if self.db.dialect != "postgresql" or not self.bands_written:
            return
        with self.db.connect() as conn:
            seen = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('sketch_bands')")
                                ).scalar()
            if seen is None or seen < 0 or self.bands_written > 0.2 * max(float(seen), 1000.0):
                conn.execute(text("ANALYZE sketches, sketch_bands"))
                conn.commit()
                self.bands_written = 0


__all__ = ["SqlSketchIndex", "band_rows"]
