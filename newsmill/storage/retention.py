"""Retention: what the store lets go of, and only when asked. Old fetch-log
rows and failures, old articles with everything that hangs on them,
references to raw-archive files about to be deleted; and the space it took.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from newsmill.storage import schema as t
from newsmill.storage.articles import Articles
from newsmill.storage.db import Database, chunks, rows_in, utc
from newsmill.storage.links import DedupLinks
from newsmill.storage.search import unindex
from newsmill.storage.sketches import SqlSketchIndex
from newsmill.storage.template_counts import TemplateCounts


class Retention:
    """Pruning of the log and of articles, and space reclaiming."""

    def __init__(self, db: Database, articles: Articles, links: DedupLinks) -> None:
        self.db = db
        self.articles = articles
        self.links = links

    def prune_log(self, before: datetime, *, dry_run: bool = False) -> dict[str, int]:
        """Delete fetch-log rows made before ``before`` and failures last seen
        before it (``dry_run``: only count them). Articles are never touched here."""
        cutoff = utc(before)
        f, x = t.fetches, t.failures
        if dry_run:
            with self.db.connect() as conn:
                return {"fetches": int(conn.execute(select(func.count()).select_from(f).where(f.c.at < cutoff))
                                       .scalar_one()),
                        "failures": int(conn.execute(select(func.count()).select_from(x)
                                                     .where(x.c.last_at < cutoff)).scalar_one())}
        with self.db.begin() as conn:
            fetched = conn.execute(delete(f).where(f.c.at < cutoff)).rowcount
            failed = conn.execute(delete(x).where(x.c.last_at < cutoff)).rowcount
        return {"fetches": int(fetched or 0), "failures": int(failed or 0)}

    def prune_articles(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete articles last seen before ``before`` with everything that
        hangs on them (revisions, links, removals, sketches) and the passage
        links that point at them. Only on explicit request. The copies that
        stay of a pruned original are handed over (:meth:`_hand_over`): the
        story stays in the canonical store; articles that lose passage links
        get their ``novelty`` recomputed."""
        cutoff = utc(before)
        a = t.articles
        with self.db.exclusive(), self.db.begin() as conn:
            ids = [r[0] for r in conn.execute(select(a.c.id).where(a.c.last_seen < cutoff))]
            if dry_run:
                return len(ids)
            heirs = [r[0] for r in rows_in(conn, select(a.c.id), a.c.duplicate_of, ids)]
            with TemplateCounts.track(conn, [*ids, *heirs]):
                self._prune(conn, ids)
        return len(ids)

    def _prune(self, conn: Connection, ids: list[str]) -> None:
        """Delete the articles ``ids`` (see :meth:`prune_articles`)."""
        a = t.articles
        pruned = set(ids)
        self._hand_over(conn, pruned)
        pl = t.passage_links
        unlinked: set[str] = set()  # articles that stay and lose passage links to pruned ones
        for part in chunks(ids):
            unlinked.update(r[0] for r in conn.execute(select(pl.c.article_id).where(pl.c.of_article.in_(part)))
                            if r[0] not in pruned)
            conn.execute(delete(pl).where(pl.c.of_article.in_(part)))
            SqlSketchIndex.delete(conn, part)
            unindex(conn, part)  # first: it reads the text it indexed from the row
            for table in (t.passage_links, t.boilerplate_removals, t.article_revisions):
                conn.execute(delete(table).where(table.c.article_id.in_(part)))
            conn.execute(delete(a).where(a.c.id.in_(part)))
        self.links.renew_novelty(conn, sorted(unlinked))

    def _hand_over(self, conn: Connection, pruned: set[str]) -> None:
        """The copies that stay of each original about to be pruned: the
        earliest of them (published time, else fetched time, then canonical
        URL, as a cluster's canonical member is chosen) becomes canonical,
        and the others become its duplicates, with ``similarity`` null (not
        measured against it). Each gets a new ``seq``: an export resuming
        from its checkpoint sees the change. Clusters keep their id."""
        a = t.articles
        heirs: dict[str, list[tuple[Any, str, str]]] = {}
        for part in chunks(sorted(pruned)):
            for r in conn.execute(select(a.c.id, a.c.duplicate_of, a.c.published_at, a.c.fetched_at,
                                         a.c.canonical_url).where(a.c.duplicate_of.in_(part))):
                if r.id not in pruned:
                    when = utc(r.published_at) or utc(r.fetched_at) or datetime.max.replace(tzinfo=UTC)
                    heirs.setdefault(r.duplicate_of, []).append((when, r.canonical_url, r.id))
        rows: list[dict[str, Any]] = []
        for _original, copies in sorted(heirs.items()):
            copies.sort()
            heir = copies[0][2]
            rows += [{"b_id": copy, "duplicate_of": None if copy == heir else heir, "similarity": None}
                     for _when, _url, copy in copies]
        self.articles.update(conn, rows, new_seq=True)

    def forget_raw(self, files: Iterable[str]) -> int:
        """Drop references to raw-archive files about to be deleted (article,
        revision and failure ``raw``, fetch-log ``archive``) and the claims
        of their records; returns articles affected."""
        changed = 0
        with self.db.begin() as conn:
            for f in files:
                prefix = f + "#"
                r = t.archive_records
                conn.execute(delete(r).where(func.substr(r.c.location, 1, len(prefix)) == prefix))
                for table, col in ((t.articles, "raw"), (t.article_revisions, "raw"), (t.failures, "raw"),
                                   (t.fetches, "archive")):
                    column = table.c[col]
                    res = conn.execute(update(table).where(
                        func.substr(column, 1, len(prefix)) == prefix).values({col: None}))
                    if table is t.articles:
                        changed += int(res.rowcount or 0)
        return changed

    def optimize(self) -> None:
        """Reclaim space and refresh planner statistics."""
        if self.db.dialect == "sqlite":
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.db.dialect == "postgresql":
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")


__all__ = ["Retention"]
