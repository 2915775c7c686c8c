"""The ``archive_records`` table: the raw archive's records the store knows
it has (one per record key, :func:`newsmill.storage.archive.record_key`),
and every pointer into the archive (``archive check``/``compact``).

A claim row is inserted in the transaction that stores the first pointer
to its record (a fetch's ``archive``, an article's ``raw``, a failure's
``raw``), under the store's writer lock, where the keys were looked up: a
document whose key is claimed is not archived again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from newsmill.core.records import ArchiveLocation
from newsmill.storage import schema as t
from newsmill.storage.archive import Claim
from newsmill.storage.db import Database, chunks, now, rows_in, upsert

# Where the store points into the raw archive: (table, column).
POINTERS = (("articles", "raw"), ("article_revisions", "raw"), ("failures", "raw"), ("fetches", "archive"))


class ArchiveRecords:
    """Claims of archived records, and the store's pointers to them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def locations(self, keys: Iterable[str]) -> dict[str, ArchiveLocation]:
        """Where the records of these keys are, for the keys claimed."""
        r = t.archive_records
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        with self.db.connect() as conn:
            return {row.key: ArchiveLocation.from_uri(row.location)
                    for row in rows_in(conn, select(r.c.key, r.c.location), r.c.key, wanted)}

    def claimed(self, uris: Iterable[str]) -> set[str]:
        """Which of these location URIs are claimed."""
        r = t.archive_records
        wanted = sorted(set(uris))
        if not wanted:
            return set()
        with self.db.connect() as conn:
            return {row.location for row in rows_in(conn, select(r.c.location), r.c.location, wanted)}

    @staticmethod
    def insert(conn: Connection, claims: Sequence[Claim]) -> None:
        """Claim records (in the caller's transaction); a key claimed already stays as it is."""
        if not claims:
            return
        stamp = now()
        # A statement per chunk of claims (one per claim cost a statement's
        # compilation and round trip per stored article).
        for part in chunks(claims, 200):  # 4 values a row: under SQLite's oldest variable limit (999)
            upsert(conn, t.archive_records, [{"key": claim.key, "location": claim.location.to_uri(),
                                              "url": claim.url, "at": stamp} for claim in part], ["key"])

    def all(self) -> dict[str, str]:
        """Every claim: key -> location URI."""
        r = t.archive_records
        with self.db.connect() as conn:
            return {row.key: row.location for row in conn.execute(select(r.c.key, r.c.location))}

    def pointers(self) -> dict[str, int]:
        """Every location URI the store points at (articles, revisions,
        failures, fetches), with how many rows point at it."""
        out: dict[str, int] = {}
        with self.db.connect() as conn:
            for table, col in POINTERS:
                column = t.metadata.tables[table].c[col]
                for uri, n in conn.execute(select(column, func.count()).where(column.is_not(None)).group_by(column)):
                    out[uri] = out.get(uri, 0) + int(n)
        return out

    def relocate(self, moves: Mapping[str, str], adopt: Sequence[Claim], forget: Iterable[str]) -> None:
        """In one transaction: point every pointer and claim at location
        ``old`` to ``moves[old]``, claim the records of ``adopt`` (records
        pointed at but not claimed) and drop the claims at the ``forget``
        locations (records removed)."""
        r = t.archive_records
        with self.db.begin() as conn:
            for part in chunks(sorted(set(forget))):
                conn.execute(delete(r).where(r.c.location.in_(list(part))))
            for table_name, col in (*POINTERS, ("archive_records", "location")):
                table = t.metadata.tables[table_name]
                keys = [c for c in table.primary_key.columns]
                column = table.c[col]
                rows = [{**{f"k_{c.name}": row[i] for i, c in enumerate(keys)}, "b_new": moves[row[-1]]}
                        for row in conn.execute(select(*keys, column).where(column.is_not(None)))
                        if row[-1] in moves and moves[row[-1]] != row[-1]]
                if rows:
                    where = and_(*(c == bindparam(f"k_{c.name}") for c in keys))
                    conn.execute(update(table).where(where).values({col: bindparam("b_new")}), rows)
            self.insert(conn, adopt)


__all__ = ["POINTERS", "ArchiveRecords"]
