"""The article store: SQL (SQLite by default, PostgreSQL by URL).

Writes are idempotent (keyed by canonical URL) and each batch of articles is
saved with its passage links, boilerplate removals and dedup sketches in one
transaction, so the dedup index never disagrees with the articles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from newsmill.core.errors import StorageError
from newsmill.core.records import (
    Article,
    Failure,
    FetchOutcome,
    Relink,
    Sketch,
    SketchRef,
    SourceRef,
    SourceState,
    isoformat,
    novelty_of,
)
from newsmill.storage import schema as t
from newsmill.storage.db import (
    CHUNK,
    WRITER_LOCK_KEY,
    Database,
    connect_engine,
    normalize_url,
    sanitize,
    upsert,
)
from newsmill.storage.db import chunks as _chunks
from newsmill.storage.db import insert_many as _insert_many
from newsmill.storage.db import now as _now
from newsmill.storage.db import utc as _utc
from newsmill.storage.export import EXPORT_FIELDS, Exports
from newsmill.storage.runlog import RunLog
from newsmill.storage.templates import SiteTemplates, template_key


def _band_rows(sketches: Sequence[Sketch], first_sid: int) -> list[tuple[int, int]]:
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


def _delete_sketches(conn: Connection, article_ids: Sequence[str]) -> None:
    """Delete the sketches of these articles and their band rows."""
    sids = select(t.sketches.c.sid).where(t.sketches.c.article_id.in_(article_ids)).scalar_subquery()
    conn.execute(delete(t.sketch_bands).where(t.sketch_bands.c.sid.in_(sids)))
    conn.execute(delete(t.sketches).where(t.sketches.c.article_id.in_(article_ids)))


@dataclass(frozen=True)
class SaveResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    relinked: int = 0


class Store:
    """The SQL article store. Create with :func:`open_store`."""

    def __init__(self, engine: Engine, lock_path: Path | None = None) -> None:
        self.db = Database(engine, lock_path)
        self.engine = engine
        self.dialect = self.db.dialect
        self._runlog = RunLog(self.db)
        self._exports = Exports(self.db)
        self._templates = SiteTemplates(self.db)
        self._bands_written = 0  # band rows written since this store's last ANALYZE (PostgreSQL)

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the store's writer lock (re-entrant within a thread); see :meth:`Database.exclusive`."""
        return self.db.exclusive()

    # -- writes ---------------------------------------------------------------

    def existing(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        """canonical URL -> content hash, for the given URLs that are stored."""
        urls = list(dict.fromkeys(canonical_urls))
        found: dict[str, str] = {}
        with self._connect() as conn:
            for part in _chunks(urls):
                rows = conn.execute(
                    select(t.articles.c.canonical_url, t.articles.c.content_hash).where(
                        t.articles.c.canonical_url.in_(part))
                )
                found.update({r[0]: r[1] for r in rows})
        return found

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The given URLs that are stored as an article's URL or canonical URL."""
        wanted = list(dict.fromkeys(urls))
        known: set[str] = set()
        with self._connect() as conn:
            for part in _chunks(wanted):
                for col in (t.articles.c.url, t.articles.c.canonical_url):
                    known.update(r[0] for r in conn.execute(select(col).where(col.in_(part))))
        return known

    def raw_locations(self, *, site: str | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> list[str]:
        """Raw-archive locations of stored articles, oldest first, optionally
        of one site and published (else first seen) in ``[since, until)``."""
        a = t.articles
        when = func.coalesce(a.c.published_at, a.c.first_seen)
        q = select(a.c.raw).where(a.c.raw.is_not(None)).order_by(when, a.c.seq)
        if site is not None:
            q = q.where(a.c.site == site)
        if since is not None:
            q = q.where(when >= _utc(since))
        if until is not None:
            q = q.where(when < _utc(until))
        with self._connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def recent_urls(self, source_name: str, since: datetime) -> list[str]:
        """URLs of the source's stored articles published (else first seen)
        at or after ``since``, newest first: candidates for a re-check."""
        a = t.articles
        when = func.coalesce(a.c.published_at, a.c.first_seen)
        with self._connect() as conn:
            rows = conn.execute(select(a.c.url).where(a.c.source_name == source_name, when >= _utc(since))
                                .order_by(when.desc()))
            return [r[0] for r in rows]

    def touch(self, canonical_urls: Iterable[str]) -> None:
        """Mark stored articles as seen again (content unchanged)."""
        urls = list(canonical_urls)
        with self._begin() as conn:
            for part in _chunks(urls):
                conn.execute(update(t.articles).where(t.articles.c.canonical_url.in_(part))
                             .values(last_seen=_now()))

    def save_batch(
        self,
        articles: Sequence[Article],
        sketches: Sequence[Sketch] = (),
        *,
        novelty: Mapping[str, float] | None = None,
        relinks: Sequence[Relink] = (),
    ) -> SaveResult:
        """Save articles with their links, removals and sketches atomically.

        Unchanged content only updates ``last_seen``; changed content
        replaces the article and bumps ``version``. ``relinks`` (stored later
        copies of articles in this batch) are applied in the same
        transaction. Saving the same batch twice stores nothing twice.
        """
        for attempt in range(3):
            try:
                with self.exclusive(), self._begin() as conn:
                    result = self._save(conn, articles, sketches, novelty or {})
                    result = replace(result, relinked=self._relink(conn, relinks))
                self._refresh_stats()
                return result
            except IntegrityError as exc:  # a writer without the lock inserted the same URL
                if attempt == 2:
                    raise StorageError(f"cannot save batch: {exc.orig}") from exc
        raise AssertionError("unreachable")

    def _refresh_stats(self) -> None:
        """PostgreSQL: ANALYZE the sketch tables once the band rows this
        store wrote since its last ANALYZE reach a fifth of the table. A
        young store grows from empty faster than autovacuum looks at it,
        and with an empty table's statistics the planner joins the band
        lookup by nested scans (a second per lookup at 50k bands instead of
        milliseconds). ``reltuples`` is what the last ANALYZE saw (-1:
        never analyzed); the statistics views lag, so they are not used."""
        if self.dialect != "postgresql" or not self._bands_written:
            return
        with self._connect() as conn:
            seen = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('sketch_bands')")
                                ).scalar()
            if seen is None or seen < 0 or self._bands_written > 0.2 * max(float(seen), 1000.0):
                conn.execute(text("ANALYZE sketches, sketch_bands"))
                conn.commit()
                self._bands_written = 0

    def _next_seq(self, conn: Connection) -> int:
        return self._next_seqs(conn, 1)[0]

    def _next_seqs(self, conn: Connection, n: int) -> list[int]:
        """``n`` new ``seq`` values, in increasing order."""
        if self.dialect == "postgresql":
            return sorted(int(v) for v in conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('articles', 'seq')) FROM generate_series(1, :n)"),
                {"n": n}).scalars())
        first = int(conn.execute(select(func.coalesce(func.max(t.articles.c.seq), 0) + 1)).scalar_one())
        return list(range(first, first + n))

    @staticmethod
    def _keep_revision(conn: Connection, article_id: str, now: datetime) -> None:
        """Copy the stored version of an article to ``article_revisions``."""
        a = t.articles
        prev = conn.execute(select(a).where(a.c.id == article_id)).mappings().first()
        if prev is None:
            return
        upsert(conn, t.article_revisions, {
            "article_id": prev["id"], "version": prev["version"], "content_hash": prev["content_hash"],
            "url": prev["url"], "title": prev["title"], "authors": prev["authors"],
            "published_at": prev["published_at"], "modified_at": prev["modified_at"],
            "fetched_at": prev["fetched_at"], "description": prev["description"],
            "extraction": prev["extraction"], "text": prev["text"],
            "paragraphs": prev["paragraphs"], "word_count": prev["word_count"], "raw": prev["raw"],
            "stored_at": prev["stored_at"], "replaced_at": now,
        })

    def _save(self, conn: Connection, articles: Sequence[Article], sketches: Sequence[Sketch],
              novelty: Mapping[str, float]) -> SaveResult:
        now = _now()
        inserted = updated = unchanged = 0
        urls = [a.canonical_url for a in articles]
        current: dict[str, tuple[str, int]] = {}
        for part in _chunks(urls):
            rows = conn.execute(select(t.articles.c.canonical_url, t.articles.c.content_hash,
                                       t.articles.c.version).where(t.articles.c.canonical_url.in_(part)))
            current.update({r[0]: (r[1], r[2]) for r in rows})
        written: list[str] = []
        new_rows: list[dict[str, Any]] = []
        touched: list[str] = []
        clusters = self._clusters(conn, articles)
        for a in articles:
            row = self._article_row(a, novelty.get(a.id))
            row["cluster_id"] = clusters[a.id]
            old = current.get(a.canonical_url)
            if old is not None and old[0] == a.content_hash:
                touched.append(a.id)
                unchanged += 1
                continue
            if old is None:
                new_rows.append({**row, "version": 1, "first_seen": now, "last_seen": now, "stored_at": now})
                inserted += 1
            else:
                if new_rows:  # the same URL earlier in this batch: its insert must land first
                    conn.execute(insert(t.articles), new_rows)
                    new_rows = []
                self._keep_revision(conn, a.id, now)
                conn.execute(update(t.articles).where(t.articles.c.id == a.id)
                             .values(**row, version=old[1] + 1, seq=self._next_seq(conn), last_seen=now,
                                     stored_at=now))
                updated += 1
            written.append(a.id)
            current[a.canonical_url] = (a.content_hash, 1 if old is None else old[1] + 1)
        for part in _chunks(new_rows, 200):  # in batch order, so `seq` follows it
            conn.execute(insert(t.articles), list(part))
        for part in _chunks(touched):
            conn.execute(update(t.articles).where(t.articles.c.id.in_(part)).values(last_seen=now))
        ids = set(written)
        for part in _chunks(sorted(ids)):
            conn.execute(delete(t.boilerplate_removals).where(t.boilerplate_removals.c.article_id.in_(part)))
        removals = [
            {"article_id": a.id, "position": i, "text": sanitize(r.text), "rule": r.rule}
            for a in articles if a.id in ids for i, r in enumerate(a.boilerplate_removed)
        ]
        for part in _chunks(removals, 200):
            conn.execute(insert(t.boilerplate_removals), list(part))
        self._bands_written += self._write_dedup(conn, [a for a in articles if a.id in ids], sketches)
        return SaveResult(inserted=inserted, updated=updated, unchanged=unchanged)

    def _relink(self, conn: Connection, relinks: Sequence[Relink]) -> int:
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
        duplicate_of: dict[str, str | None] = {}
        for part in _chunks(whole):
            duplicate_of.update((row[0], row[1]) for row in conn.execute(
                select(a.c.id, a.c.duplicate_of).where(a.c.id.in_(part))))
        links: dict[tuple[str, int], str] = {}
        stored: set[str] = set()
        for part in _chunks(passages):
            links.update(((row[0], row[1]), row[2]) for row in conn.execute(
                select(pl.c.article_id, pl.c.paragraph, pl.c.of_article).where(pl.c.article_id.in_(part))))
            stored.update(conn.execute(select(a.c.id).where(a.c.id.in_(part))).scalars())
        orders = self._order_keys(conn, [*(v for v in duplicate_of.values() if v), *links.values()])

        def order_of(article_id: str | None) -> str | None:
            if article_id is None:
                return None
            if article_id not in orders:
                orders[article_id] = conn.execute(select(t.sketches.c.order_key).where(
                    t.sketches.c.kind == "article", t.sketches.c.article_id == article_id)).scalar()
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
        self._renew_novelty(conn, sorted(novelty_stale), new_seq=False)
        self._renew_seq(conn, sorted(changed))
        return len(changed)

    @staticmethod
    def _order_keys(conn: Connection, article_ids: Iterable[str]) -> dict[str, str | None]:
        """The order keys of these articles' sketches (None: no sketch)."""
        wanted = sorted(set(article_ids))
        found: dict[str, str | None] = dict.fromkeys(wanted)
        sk = t.sketches
        for part in _chunks(wanted):
            found.update((row[0], row[1]) for row in conn.execute(select(sk.c.article_id, sk.c.order_key).where(
                sk.c.kind == "article", sk.c.article_id.in_(part))))
        return found

    def _renew_novelty(self, conn: Connection, article_ids: Sequence[str], *, new_seq: bool = True) -> None:
        """Recompute ``novelty`` from the passage links the articles have
        now, and give each a new ``seq`` (its record changed) unless
        ``new_seq`` is false."""
        a, pl = t.articles, t.passage_links
        rows: list[dict[str, Any]] = []
        for part in _chunks(article_ids):
            linked: dict[str, list[int]] = {article_id: [] for article_id in part}
            for article_id, paragraph in conn.execute(
                    select(pl.c.article_id, pl.c.paragraph).where(pl.c.article_id.in_(part))):
                linked[article_id].append(paragraph)
            for article_id, paragraphs in conn.execute(select(a.c.id, a.c.paragraphs).where(a.c.id.in_(part))):
                rows.append({"b_id": article_id,
                             "novelty": novelty_of(json.loads(paragraphs), linked[article_id])})
        rows.sort(key=lambda row: str(row["b_id"]))
        self._update_articles(conn, rows, new_seq=new_seq)

    def _renew_seq(self, conn: Connection, article_ids: Sequence[str]) -> None:
        """New ``seq`` values for these articles, in this order."""
        self._update_articles(conn, [{"b_id": article_id} for article_id in article_ids], new_seq=True)

    def _update_articles(self, conn: Connection, rows: list[dict[str, Any]], *, new_seq: bool) -> None:
        """Set each row's values on the article ``b_id`` in one statement,
        with a new ``seq`` each (in row order) if ``new_seq``."""
        if not rows:
            return
        if new_seq:
            for row, seq in zip(rows, self._next_seqs(conn, len(rows)), strict=True):
                row["seq"] = seq
        conn.execute(update(t.articles).where(t.articles.c.id == bindparam("b_id")), rows)

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

    @staticmethod
    def _write_dedup(conn: Connection, articles: Sequence[Article], sketches: Sequence[Sketch]) -> int:
        """Replace the passage links, sketches and bands of ``articles``;
        returns the number of band rows written."""
        ids = {a.id for a in articles}
        for part in _chunks(sorted(ids)):
            _delete_sketches(conn, part)
            conn.execute(delete(t.passage_links).where(t.passage_links.c.article_id.in_(part)))
        links = [(a.id, p.paragraph, p.of_article, p.of_paragraph, p.similarity)
                 for a in articles for p in a.duplicate_passages]
        mine = [s for s in sketches if s.article_id in ids]
        # Sketch numbers continue from the highest (under the writer lock,
        # so no two writers hand out the same one).
        first = conn.execute(select(func.coalesce(func.max(t.sketches.c.sid), 0))).scalar_one() + 1
        sk_rows = [(s.kind, s.article_id, s.paragraph, s.order_key, s.shingles, s.params, sid)
                   for sid, s in enumerate(mine, first)]
        band_rows = _band_rows(mine, first)
        _insert_many(conn, t.passage_links, ("article_id", "paragraph", "of_article", "of_paragraph", "similarity"),
                     links)
        _insert_many(conn, t.sketches, ("kind", "article_id", "paragraph", "order_key", "shingles", "params", "sid"),
                     sk_rows)
        _insert_many(conn, t.sketch_bands, ("key", "sid"), band_rows)
        return len(band_rows)

    def clear_dedup(self) -> None:
        """Drop every sketch, band and link, and every article's duplicate
        fields (the first step of a rebuild)."""
        a = t.articles
        with self.exclusive(), self._begin() as conn:
            for table in (t.sketch_bands, t.sketches, t.passage_links):
                conn.execute(delete(table))
            conn.execute(update(a).values(duplicate_of=None, similarity=None, novelty=None, cluster_id=a.c.id))
            conn.execute(delete(t.schema_info).where(t.schema_info.c.key == "sketch_params"))

    def save_dedup(self, articles: Sequence[Article], sketches: Sequence[Sketch],
                   novelty: Mapping[str, float] | None = None) -> None:
        """Store new dedup results of already stored articles (no new version)."""
        novelty = novelty or {}
        with self.exclusive(), self._begin() as conn:
            clusters = self._clusters(conn, articles)
            for art in articles:
                conn.execute(update(t.articles).where(t.articles.c.id == art.id).values(
                    duplicate_of=art.duplicate_of, similarity=art.similarity, novelty=novelty.get(art.id),
                    cluster_id=clusters[art.id]))
            self._bands_written += self._write_dedup(conn, articles, sketches)
        self._refresh_stats()

    def stored_articles(self, batch: int = CHUNK) -> Iterator[list[Article]]:
        """Every stored article as an Article, oldest first (published, else
        fetched), in batches: the input of a dedup rebuild."""
        a = t.articles
        when = func.coalesce(a.c.published_at, a.c.fetched_at)
        q = select(a).order_by(when, a.c.canonical_url)
        with self._connect() as conn:
            rows = conn.execute(q).mappings().all()
        for i in range(0, len(rows), batch):
            yield [self._article_from_row(r) for r in rows[i : i + batch]]

    @staticmethod
    def _article_from_row(r: Mapping[str, Any]) -> Article:
        return Article(
            url=r["url"], canonical_url=r["canonical_url"], site=r["site"], text=r["text"],
            paragraphs=json.loads(r["paragraphs"]),
            source=SourceRef(name=r["source_name"], kind=r["source_kind"], url=r["source_url"]),
            fetched_at=_utc(r["fetched_at"]) or _now(), title=r["title"], authors=json.loads(r["authors"]),
            published_at=_utc(r["published_at"]), modified_at=_utc(r["modified_at"]), language=r["language"],
            description=r["description"], image=r["image"], extraction=r["extraction"],
        )

    def paragraph_counts(self, site: str, exclude: Iterable[str] = ()) -> tuple[dict[str, int], dict[str, str]]:
        """Per paragraph key of ``site``: in how many original articles it occurs, and its first text."""
        return self._templates.paragraph_counts(site, exclude)

    def site_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """The site's learned templates, most frequent first."""
        return self._templates.site_templates(site, min_articles)

    def linked_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """Standard sentences of ``site`` found through near-duplicate passage links."""
        return self._templates.linked_templates(site, min_articles)

    def get_info(self, key: str) -> str | None:
        return self.db.get_info(key)

    def set_info(self, key: str, value: str) -> None:
        self.db.set_info(key, value)

    @staticmethod
    def _clusters(conn: Connection, articles: Sequence[Article]) -> dict[str, str]:
        """Cluster id of each article: the cluster of the article it
        duplicates (stored or earlier in the batch), else its own id. Links
        point at the earliest copy, so a cluster is named by its canonical
        (earliest) member and never changes once assigned."""
        targets = {a.duplicate_of for a in articles if a.duplicate_of}
        known: dict[str, str] = {}
        for part in _chunks(sorted(targets)):
            rows = conn.execute(select(t.articles.c.id, t.articles.c.cluster_id).where(t.articles.c.id.in_(part)))
            known.update({r[0]: r[1] for r in rows})
        by_id = {a.id: a for a in articles}
        out: dict[str, str] = {}

        def resolve(article_id: str, depth: int = 0) -> str:
            if article_id in out:
                return out[article_id]
            a = by_id.get(article_id)
            if a is None:
                return known.get(article_id, article_id)
            if not a.duplicate_of or depth > 100:
                cluster = a.id
            elif a.duplicate_of in by_id:
                cluster = resolve(a.duplicate_of, depth + 1)
            else:
                cluster = known.get(a.duplicate_of, a.duplicate_of)
            out[article_id] = cluster
            return cluster

        for a in articles:
            resolve(a.id)
        return out

    @staticmethod
    def _article_row(a: Article, novelty: float | None) -> dict[str, Any]:
        return {
            "id": a.id,
            "url": sanitize(a.url),
            "canonical_url": sanitize(a.canonical_url),
            "site": sanitize(a.site) or "",
            "title": sanitize(a.title),
            "authors": json.dumps([sanitize(x) for x in a.authors], ensure_ascii=False),
            "published_at": _utc(a.published_at),
            "modified_at": _utc(a.modified_at),
            "fetched_at": _utc(a.fetched_at),
            "language": a.language,
            "description": sanitize(a.description),
            "image": sanitize(a.image),
            "extraction": sanitize(a.extraction),
            "text": sanitize(a.text),
            "paragraphs": json.dumps([sanitize(p) for p in a.paragraphs], ensure_ascii=False),
            "word_count": a.word_count,
            "content_hash": a.content_hash,
            "duplicate_of": a.duplicate_of,
            "similarity": a.similarity,
            "novelty": novelty,
            "source_name": a.source.name,
            "source_kind": a.source.kind,
            "source_url": sanitize(a.source.url),
            "raw": a.raw.to_uri() if a.raw else None,
        }

    def record_fetches(self, outcomes: Iterable[FetchOutcome], run_id: str | None = None) -> None:
        self._runlog.record_fetches(outcomes, run_id)

    def record_failures(self, failures: Iterable[Failure], run_id: str | None = None) -> None:
        """Record failures; the same failure (url, stage, status, reason) is kept once."""
        self._runlog.record_failures(failures, run_id)

    def failures(self, since: datetime | None = None) -> Iterator[Failure]:
        return self._runlog.failures(since)

    def get_source_state(self, name: str) -> SourceState | None:
        """The stored conditional-GET state of a source, or None."""
        return self._runlog.get_source_state(name)

    def set_source_state(self, name: str, etag: str | None, last_modified: str | None) -> None:
        self._runlog.set_source_state(name, etag, last_modified)

    def start_run(self, flow: str, params: Mapping[str, Any]) -> str:
        return self._runlog.start_run(flow, params)

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, Any]) -> None:
        self._runlog.finish_run(run_id, status, counts)

    # -- the sketch index (newsmill.core.interfaces.SketchIndex) ----------------

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        keys = list(set(bands))
        found: dict[int, list[SketchRef]] = {}
        # One SketchRef per stored sketch, however many of its bands match
        # (a copy matches on every band): fewer objects, cheaper set unions.
        refs: dict[tuple[str, int], SketchRef] = {}
        if not keys:
            return found
        # One statement for all keys, passed as a single parameter (a JSON
        # array on SQLite, an array on PostgreSQL): a batch looks up ~100k
        # keys, and binding them 500 at a time cost more than the lookups.
        columns = "SELECT b.key, s.article_id, s.paragraph, s.order_key FROM sketch_bands b"
        with self._connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = f"{columns} JOIN sketches s ON s.sid = b.sid WHERE b.key = ANY(%s) AND s.kind = %s"
                params: tuple[Any, ...] = (keys, kind)
            else:
                # CROSS JOIN fixes SQLite's join order: band rows by key
                # first, then their sketches by number (left to choose, a
                # young store's planner scanned every sketch of the kind).
                sql = (f"{columns} CROSS JOIN sketches s ON s.sid = b.sid "
                       "WHERE b.key IN (SELECT value FROM json_each(?)) AND s.kind = ?")
                params = (json.dumps(keys), kind)
            rows = conn.exec_driver_sql(sql, params).fetchall()
        for key, article_id, paragraph, order_key in rows:
            ref = refs.get((article_id, paragraph))
            if ref is None:
                ref = refs[(article_id, paragraph)] = SketchRef(kind, article_id, paragraph, order_key)
            found.setdefault(int(key), []).append(ref)
        return found

    def candidates(self, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        # Distinct (query, sketch) pairs come back from SQL: a stored copy
        # matches a query on every band, and one row per matching band cost
        # more in Python than the lookups in the database.
        out: list[set[SketchRef]] = [set() for _ in bands]
        items: list[int] = []
        keys: list[int] = []
        for i, item_keys in enumerate(bands):
            for key in set(item_keys):
                items.append(i)
                keys.append(key)
        if not keys:
            return out
        refs: dict[tuple[str, int], SketchRef] = {}
        # The distinct (query, sketch number) pairs first, from the band
        # index alone; then each pair's sketch.
        columns = "SELECT d.item, s.article_id, s.paragraph, s.order_key"
        with self._connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = (f"{columns} FROM (SELECT DISTINCT q.item, b.sid FROM unnest(%s::bigint[], %s::bigint[]) "
                       "AS q(item, key) JOIN sketch_bands b ON b.key = q.key) d "
                       "JOIN sketches s ON s.sid = d.sid WHERE s.kind = %s")
                params: tuple[Any, ...] = (items, keys, kind)
            else:
                # One JSON array of [query, key] pairs; CROSS JOIN keeps the
                # order: pairs, their band rows by key, their sketches.
                sql = (f"{columns} FROM (SELECT DISTINCT q.item, b.sid FROM (SELECT json_extract(value, '$[0]') "
                       "AS item, json_extract(value, '$[1]') AS key FROM json_each(?)) q "
                       "CROSS JOIN sketch_bands b ON b.key = q.key) d CROSS JOIN sketches s ON s.sid = d.sid "
                       "WHERE s.kind = ?")
                # (Written as text: ~30k small lists made the garbage
                # collector walk the whole heap several times per batch.)
                pairs = ",".join(f"[{i},{k}]" for i, k in zip(items, keys, strict=True))
                params = (f"[{pairs}]", kind)
            rows = conn.exec_driver_sql(sql, params).fetchall()
        for item, article_id, paragraph, order_key in rows:
            ref = refs.get((article_id, paragraph))
            if ref is None:
                ref = refs[(article_id, paragraph)] = SketchRef(kind, article_id, paragraph, order_key)
            out[int(item)].add(ref)
        return out

    def shingles(self, refs: Iterable[SketchRef]) -> dict[SketchRef, bytes]:
        wanted = list(set(refs))
        out: dict[SketchRef, bytes] = {}
        by_key = {(r.kind, r.article_id, r.paragraph): r for r in wanted}
        with self._connect() as conn:
            for part in _chunks(wanted):
                rows = conn.execute(
                    select(t.sketches.c.kind, t.sketches.c.article_id, t.sketches.c.paragraph,
                           t.sketches.c.shingles)
                    .where(tuple_(t.sketches.c.kind, t.sketches.c.article_id, t.sketches.c.paragraph)
                           .in_([(r.kind, r.article_id, r.paragraph) for r in part]))
                )
                for r in rows:
                    out[by_key[(r[0], r[1], r[2])]] = bytes(r[3])
        return out

    # -- reads ----------------------------------------------------------------

    def articles(self, *, include_duplicates: bool = False, since: datetime | None = None,
                 site: str | None = None, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        """Export records (the shape of ``Article.to_dict()``), streamed in storage order (``seq``)."""
        return self._exports.articles(include_duplicates=include_duplicates, since=since, site=site,
                                      after_seq=after_seq)

    def count_articles(self, *, include_duplicates: bool = False, since: datetime | None = None,
                       site: str | None = None, after_seq: int = 0) -> int:
        """How many records :meth:`articles` would yield with these filters."""
        return self._exports.count_articles(include_duplicates=include_duplicates, since=since, site=site,
                                            after_seq=after_seq)

    EXPORT_FIELDS = EXPORT_FIELDS
    """The fields of an export record, in order (see docs/schema.md)."""

    def stats(self) -> dict[str, Any]:
        return self._exports.stats()

    def checkpoint(self, name: str) -> int:
        """The ``seq`` a named export cursor has reached (0 if new)."""
        return self._exports.checkpoint(name)

    def set_checkpoint(self, name: str, after_seq: int, exported: int) -> None:
        """Advance a named export cursor (never backwards)."""
        self._exports.set_checkpoint(name, after_seq, exported)

    def checkpoints(self) -> list[dict[str, Any]]:
        return self._exports.checkpoints()

    def revisions(self, article_id: str) -> list[dict[str, Any]]:
        """Every stored version of an article, newest first: the current one
        (``current: true``) and the replaced ones from ``article_revisions``."""
        a, r = t.articles, t.article_revisions
        with self._connect() as conn:
            cur = conn.execute(select(a).where(a.c.id == article_id)).mappings().first()
            old = conn.execute(select(r).where(r.c.article_id == article_id).order_by(r.c.version.desc())
                               ).mappings().all()
        out: list[dict[str, Any]] = []
        for row, current in ([(cur, True)] if cur else []) + [(o, False) for o in old]:
            out.append({
                "article_id": article_id, "version": row["version"], "current": current,
                "content_hash": row["content_hash"], "url": row["url"], "title": row["title"],
                "published_at": isoformat(_utc(row["published_at"])),
                "modified_at": isoformat(_utc(row["modified_at"])),
                "fetched_at": isoformat(_utc(row["fetched_at"])), "extraction": row["extraction"],
                "text": row["text"],
                "paragraphs": json.loads(row["paragraphs"]), "word_count": row["word_count"], "raw": row["raw"],
                "stored_at": isoformat(_utc(row["stored_at"])),
                "replaced_at": None if current else isoformat(_utc(row["replaced_at"])),
            })
        return out

    # -- retention --------------------------------------------------------------

    def prune_log(self, before: datetime, *, dry_run: bool = False) -> dict[str, int]:
        """Delete fetch-log rows made before ``before`` and failures last seen
        before it (``dry_run``: only count them). Articles are never touched here."""
        cutoff = _utc(before)
        f, x = t.fetches, t.failures
        if dry_run:
            with self._connect() as conn:
                return {"fetches": int(conn.execute(select(func.count()).select_from(f).where(f.c.at < cutoff))
                                       .scalar_one()),
                        "failures": int(conn.execute(select(func.count()).select_from(x)
                                                     .where(x.c.last_at < cutoff)).scalar_one())}
        with self._begin() as conn:
            fetched = conn.execute(delete(f).where(f.c.at < cutoff)).rowcount
            failed = conn.execute(delete(x).where(x.c.last_at < cutoff)).rowcount
        return {"fetches": int(fetched or 0), "failures": int(failed or 0)}

    def prune_articles(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete articles last seen before ``before`` with everything that
        hangs on them (revisions, links, removals, sketches) and the passage
        links that point at them. Only on explicit request. The copies that
        stay of a pruned original are handed over (:meth:`_hand_over`): the
        story stays in the canonical store; articles that lose passage links
        get their ``novelty`` recomputed (:meth:`_renew_novelty`)."""
        cutoff = _utc(before)
        a = t.articles
        with self.exclusive(), self._begin() as conn:
            ids = [r[0] for r in conn.execute(select(a.c.id).where(a.c.last_seen < cutoff))]
            if dry_run:
                return len(ids)
            pruned = set(ids)
            self._hand_over(conn, pruned)
            pl = t.passage_links
            unlinked: set[str] = set()  # articles that stay and lose passage links to pruned ones
            for part in _chunks(ids):
                unlinked.update(r[0] for r in conn.execute(select(pl.c.article_id).where(pl.c.of_article.in_(part)))
                                if r[0] not in pruned)
                conn.execute(delete(pl).where(pl.c.of_article.in_(part)))
                _delete_sketches(conn, part)
                for table in (t.passage_links, t.boilerplate_removals, t.article_revisions):
                    conn.execute(delete(table).where(table.c.article_id.in_(part)))
                conn.execute(delete(a).where(a.c.id.in_(part)))
            self._renew_novelty(conn, sorted(unlinked))
        return len(ids)

    def _hand_over(self, conn: Connection, pruned: set[str]) -> None:
        """The copies that stay of each original about to be pruned: the
        earliest of them (published time, else fetched time, then canonical
        URL, as a cluster's canonical member is chosen) becomes canonical,
        and the others become its duplicates, with ``similarity`` null (not
        measured against it). Each gets a new ``seq``: an export resuming
        from its checkpoint sees the change. Clusters keep their id."""
        a = t.articles
        heirs: dict[str, list[tuple[Any, str, str]]] = {}
        for part in _chunks(sorted(pruned)):
            for r in conn.execute(select(a.c.id, a.c.duplicate_of, a.c.published_at, a.c.fetched_at,
                                         a.c.canonical_url).where(a.c.duplicate_of.in_(part))):
                if r.id not in pruned:
                    when = _utc(r.published_at) or _utc(r.fetched_at) or datetime.max.replace(tzinfo=UTC)
                    heirs.setdefault(r.duplicate_of, []).append((when, r.canonical_url, r.id))
        rows: list[dict[str, Any]] = []
        for _original, copies in sorted(heirs.items()):
            copies.sort()
            heir = copies[0][2]
            rows += [{"b_id": copy, "duplicate_of": None if copy == heir else heir, "similarity": None}
                     for _when, _url, copy in copies]
        self._update_articles(conn, rows, new_seq=True)

    def forget_raw(self, files: Iterable[str]) -> int:
        """Drop references to raw-archive files about to be deleted (article
        and revision ``raw``, fetch-log ``archive``); returns articles affected."""
        changed = 0
        with self._begin() as conn:
            for f in files:
                prefix = f + "#"
                for table, col in ((t.articles, "raw"), (t.article_revisions, "raw"), (t.fetches, "archive")):
                    column = table.c[col]
                    res = conn.execute(update(table).where(
                        func.substr(column, 1, len(prefix)) == prefix).values({col: None}))
                    if table is t.articles:
                        changed += int(res.rowcount or 0)
        return changed

    def optimize(self) -> None:
        """Reclaim space and refresh planner statistics."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.dialect == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")

    # -- plumbing -------------------------------------------------------------

    def _connect(self) -> Any:
        return self.db.connect()

    def _begin(self) -> Any:
        return self.db.begin()

    def close(self) -> None:
        self.db.close()


def open_store(url: str) -> Store:
    """Open (and create or upgrade) the store at a database URL.

    ``sqlite:///path/to/newsmill.db`` (the default) or
    ``postgresql://user@host/db`` (psycopg 3).
    """
    store = open_engine(url)
    from newsmill.storage.migrations import upgrade

    with store.exclusive():
        upgrade(store.engine)
    return store


def open_engine(url: str) -> Store:
    """A store on ``url`` as it is: no schema creation or upgrade (for
    ``newsmill db status`` and ``newsmill db upgrade``)."""
    return Store(*connect_engine(url))


__all__ = ["CHUNK", "WRITER_LOCK_KEY", "SaveResult", "Store", "normalize_url", "open_engine", "open_store",
           "sanitize", "template_key"]
