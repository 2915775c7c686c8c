"""What dedup found, as stored: passage links, each article's
``duplicate_of`` and ``novelty``, clusters, and relinks (a later-arriving
original taking over copies stored before it).

Links point at the earliest copy, so a cluster is named by its canonical
(earliest) member; relinks and merges keep it that way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from newsmill.core.records import Article, Relink, novelty_of
from newsmill.storage import schema as t
from newsmill.storage.articles import Articles
from newsmill.storage.db import chunks, insert_many, rows_in
from newsmill.storage.sketches import SqlSketchIndex


class DedupLinks:
    """Passage links, duplicate fields and clusters of stored articles."""

    def __init__(self, articles: Articles, sketches: SqlSketchIndex) -> None:
        self.articles = articles
        self.sketches = sketches

    @staticmethod
    def clusters(conn: Connection, articles: Sequence[Article]) -> dict[str, str]:
        """Cluster id of each article: the cluster of the article it
        duplicates (stored or earlier in the batch), else its own id. A
        cluster's id never changes once assigned (but when clusters merge)."""
        a = t.articles
        targets = sorted({art.duplicate_of for art in articles if art.duplicate_of})
        known: dict[str, str] = {r[0]: r[1] for r in rows_in(conn, select(a.c.id, a.c.cluster_id), a.c.id, targets)}
        by_id = {art.id: art for art in articles}
        out: dict[str, str] = {}

        def resolve(article_id: str, depth: int = 0) -> str:
            if article_id in out:
                return out[article_id]
            art = by_id.get(article_id)
            if art is None:
                return known.get(article_id, article_id)
            if not art.duplicate_of or depth > 100:
                cluster = art.id
            elif art.duplicate_of in by_id:
                cluster = resolve(art.duplicate_of, depth + 1)
            else:
                cluster = known.get(art.duplicate_of, art.duplicate_of)
            out[article_id] = cluster
            return cluster

        for art in articles:
            resolve(art.id)
        return out

    @staticmethod
    def replace(conn: Connection, articles: Sequence[Article]) -> None:
        """Replace the passage links of these articles by theirs."""
        pl = t.passage_links
        for part in chunks(sorted({art.id for art in articles})):
            conn.execute(delete(pl).where(pl.c.article_id.in_(part)))
        links = [(art.id, p.paragraph, p.of_article, p.of_paragraph, p.similarity)
                 for art in articles for p in art.duplicate_passages]
        insert_many(conn, pl, ("article_id", "paragraph", "of_article", "of_paragraph", "similarity"), links)

    def set_results(self, conn: Connection, articles: Sequence[Article], novelty: Mapping[str, float]) -> None:
        """Set the duplicate fields and clusters of stored articles (no new version)."""
        a = t.articles
        clusters = self.clusters(conn, articles)
        for art in articles:
            conn.execute(update(a).where(a.c.id == art.id).values(
                duplicate_of=art.duplicate_of, similarity=art.similarity, novelty=novelty.get(art.id),
                cluster_id=clusters[art.id]))

    @staticmethod
    def clear(conn: Connection) -> None:
        """Drop every passage link and every article's duplicate fields."""
        a = t.articles
        conn.execute(delete(t.passage_links))
        conn.execute(update(a).values(duplicate_of=None, similarity=None, novelty=None, cluster_id=a.c.id))

    def relink(self, conn: Connection, relinks: Sequence[Relink]) -> int:
        """Point stored later copies at an earlier original that arrived after
        them, where it is earlier than what they point at now; clusters of
        both sides merge under the earlier canonical member. A relinked
        article gets a new ``seq`` (its links changed) but no new version.

        What it reads (current links, order keys, novelty inputs) is read in
        a few queries per batch and the passage links are written in one
        statement each way: a story published on many sites can bring
        thousands of relinks in one batch."""
        if not relinks:
            return 0
        a, pl = t.articles, t.passage_links
        best: dict[tuple[str, int], Relink] = {}
        for r in relinks:
            key = (r.article, r.paragraph)
            if key not in best or ((r.of_order_key, -r.similarity, r.of_paragraph)
                                   < (best[key].of_order_key, -best[key].similarity, best[key].of_paragraph)):
                best[key] = r
        whole = sorted({article for article, paragraph in best if paragraph < 0})
        passages = sorted({article for article, paragraph in best if paragraph >= 0})
        duplicate_of: dict[str, str | None] = {
            row[0]: row[1] for row in rows_in(conn, select(a.c.id, a.c.duplicate_of), a.c.id, whole)}
        links: dict[tuple[str, int], str] = {}
        stored: set[str] = set()
        for part in chunks(passages):
            links.update(((row[0], row[1]), row[2]) for row in conn.execute(
                select(pl.c.article_id, pl.c.paragraph, pl.c.of_article).where(pl.c.article_id.in_(part))))
            stored.update(conn.execute(select(a.c.id).where(a.c.id.in_(part))).scalars())
        orders = self.sketches.order_keys(conn, [*(v for v in duplicate_of.values() if v), *links.values()])

        def order_of(article_id: str | None) -> str | None:
            if article_id is None:
                return None
            if article_id not in orders:
                orders[article_id] = self.sketches.order_key(conn, article_id)
            return orders[article_id]

        changed: set[str] = set()
        novelty_stale: set[str] = set()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for (article_id, paragraph), r in sorted(best.items(), key=lambda kv: kv[1].of_order_key):
            if paragraph < 0:
                if article_id not in duplicate_of:
                    continue
                target = order_of(duplicate_of[article_id])
                if duplicate_of[article_id] is not None and target is not None and target <= r.of_order_key:
                    continue
                cluster = conn.execute(select(a.c.cluster_id).where(a.c.id == article_id)).scalar()
                conn.execute(update(a).where(a.c.id == article_id).values(
                    duplicate_of=r.of_article, similarity=r.similarity))
                self._merge_clusters(conn, cluster or article_id, r.of_article, order_of)
            else:
                values = {"of_article": r.of_article, "of_paragraph": r.of_paragraph, "similarity": r.similarity}
                link = links.get((article_id, paragraph))
                if link is None:
                    if article_id not in stored:
                        continue
                    inserts.append({"article_id": article_id, "paragraph": paragraph, **values})
                    novelty_stale.add(article_id)
                else:
                    target = order_of(link)
                    if target is not None and target <= r.of_order_key:
                        continue
                    updates.append({"b_article": article_id, "b_paragraph": paragraph, **values})
            changed.add(article_id)
        if inserts:
            conn.execute(insert(pl), inserts)
        if updates:
            conn.execute(update(pl).where(pl.c.article_id == bindparam("b_article"),
                                          pl.c.paragraph == bindparam("b_paragraph")), updates)
        self.renew_novelty(conn, sorted(novelty_stale), new_seq=False)
        self.articles.renew_seq(conn, sorted(changed))
        return len(changed)

    @staticmethod
    def _merge_clusters(conn: Connection, cluster: str, other_member: str,
                        order_of: Callable[[str | None], str | None]) -> None:
        """Merge ``cluster`` with the cluster of ``other_member``; the merged
        cluster is named by the earlier of the two canonical members."""
        a = t.articles
        other = conn.execute(select(a.c.cluster_id).where(a.c.id == other_member)).scalar() or other_member
        if other == cluster:
            return
        first, second = sorted((cluster, other), key=lambda c: (order_of(c) or "\uffff", c))
        conn.execute(update(a).where(a.c.cluster_id == second).values(cluster_id=first))

    def renew_novelty(self, conn: Connection, article_ids: Sequence[str], *, new_seq: bool = True) -> None:
        """Recompute ``novelty`` from the passage links the articles have
        now, and give each a new ``seq`` (its record changed) unless
        ``new_seq`` is false."""
        a, pl = t.articles, t.passage_links
        rows: list[dict[str, Any]] = []
        for part in chunks(article_ids):
            linked: dict[str, list[int]] = {article_id: [] for article_id in part}
            for article_id, paragraph in conn.execute(
                    select(pl.c.article_id, pl.c.paragraph).where(pl.c.article_id.in_(part))):
                linked[article_id].append(paragraph)
            for article_id, paragraphs in conn.execute(select(a.c.id, a.c.paragraphs).where(a.c.id.in_(part))):
                rows.append({"b_id": article_id,
                             "novelty": novelty_of(json.loads(paragraphs), linked[article_id])})
        rows.sort(key=lambda row: str(row["b_id"]))
        self.articles.update(conn, rows, new_seq=new_seq)


__all__ = ["DedupLinks"]
