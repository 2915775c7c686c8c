"""Article rows: writing versions (the replaced one kept as a revision),
``seq`` numbering, and the lookups of what is stored.

Rows are keyed by canonical URL: saving unchanged content only marks it
seen, changed content replaces the row and bumps ``version``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update

from newsmill.core.records import Article, SourceRef
from newsmill.storage import schema as t
from newsmill.storage.db import CHUNK, Database, chunks, now, rows_in, sanitize, upsert, utc
from newsmill.storage.search import SearchIndex, index_rows, unindex


@dataclass(frozen=True)
class SaveResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    relinked: int = 0


@dataclass(frozen=True)
class StoredVersion:
    """The stored version of one canonical URL."""

    content_hash: str
    version: int


@dataclass(frozen=True)
class StoredState:
    """What the store holds of a batch's canonical URLs: the content hash
    and version of each one stored. Read once per batch under the writer
    lock (:meth:`Articles.stored_state`) and passed down to what decides on
    it: archiving, the unchanged check, the write."""

    versions: Mapping[str, StoredVersion] = field(default_factory=dict)

    def hash(self, canonical_url: str) -> str | None:
        """The stored content hash of a canonical URL (None: not stored)."""
        found = self.versions.get(canonical_url)
        return None if found is None else found.content_hash

    def changed(self, article: Article) -> bool:
        """Whether the article is new or its content differs from the stored one."""
        return self.hash(article.canonical_url) != article.content_hash


def article_row(a: Article, novelty: float | None) -> dict[str, Any]:
    """The ``articles`` row of an article (but its cluster and bookkeeping)."""
    return {
        "id": a.id,
        "url": sanitize(a.url),
        "canonical_url": sanitize(a.canonical_url),
        "site": sanitize(a.site) or "",
        "title": sanitize(a.title),
        "authors": json.dumps([sanitize(x) for x in a.authors], ensure_ascii=False),
        "published_at": utc(a.published_at),
        "modified_at": utc(a.modified_at),
        "fetched_at": utc(a.fetched_at),
        "language": a.language,
        "description": sanitize(a.description),
        "image": sanitize(a.image),
        "extraction": sanitize(a.extraction),
        "encoding": a.encoding,
        "encoding_source": a.encoding_source,
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


def article_from_row(r: Mapping[str, Any]) -> Article:
    return Article(
        url=r["url"], canonical_url=r["canonical_url"], site=r["site"], text=r["text"],
        paragraphs=json.loads(r["paragraphs"]),
        source=SourceRef(name=r["source_name"], kind=r["source_kind"], url=r["source_url"]),
        fetched_at=utc(r["fetched_at"]) or now(), title=r["title"], authors=json.loads(r["authors"]),
        published_at=utc(r["published_at"]), modified_at=utc(r["modified_at"]), language=r["language"],
        description=r["description"], image=r["image"], extraction=r["extraction"],
        encoding=r["encoding"], encoding_source=r["encoding_source"],
    )


class Articles:
    """The ``articles`` table with its revisions, boilerplate removals and
    search index rows (:mod:`.search`, written in the same transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.search = SearchIndex(db)

    # -- lookups --------------------------------------------------------------

    def stored_state(self, canonical_urls: Iterable[str], conn: Connection | None = None) -> StoredState:
        """The stored version of each of these canonical URLs that is stored
        (one statement per CHUNK URLs), on ``conn`` or a connection of its own."""
        a = t.articles
        urls = list(dict.fromkeys(canonical_urls))
        query = select(a.c.canonical_url, a.c.content_hash, a.c.version)
        if conn is not None:
            rows = list(rows_in(conn, query, a.c.canonical_url, urls))
        else:
            with self.db.connect() as own:
                rows = list(rows_in(own, query, a.c.canonical_url, urls))
        return StoredState({r[0]: StoredVersion(r[1], int(r[2])) for r in rows})

    def existing(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        """canonical URL -> content hash, for the given URLs that are stored."""
        return {url: v.content_hash for url, v in self.stored_state(canonical_urls).versions.items()}

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The given URLs that are stored as an article's URL or canonical URL."""
        wanted = list(dict.fromkeys(urls))
        known: set[str] = set()
        with self.db.connect() as conn:
            for part in chunks(wanted):
                for col in (t.articles.c.url, t.articles.c.canonical_url):
                    known.update(r[0] for r in conn.execute(select(col).where(col.in_(part))))
        return known

    def archived_versions(self, urls: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
        """URL -> ``(canonical URL, site, raw location)`` of every stored
        version (the current one and the revisions) of the articles stored
        under one of these URLs whose raw document is archived: what an
        import compares a document with before it extracts it."""
        a, r = t.articles, t.article_revisions
        wanted = list(dict.fromkeys(urls))
        found: dict[str, list[tuple[str, str, str]]] = {}
        with self.db.connect() as conn:
            for part in chunks(wanted):
                rows = conn.execute(select(a.c.id, a.c.url, a.c.canonical_url, a.c.site, a.c.raw)
                                    .where(a.c.url.in_(part))).all()
                by_id = {row[0]: row for row in rows}
                for _id, url, canonical, site, raw in rows:
                    if raw:
                        found.setdefault(url, []).append((canonical, site, raw))
                for ids in chunks(list(by_id)):
                    for article_id, raw in conn.execute(select(r.c.article_id, r.c.raw)
                                                        .where(r.c.article_id.in_(ids), r.c.raw.is_not(None))):
                        _id, url, canonical, site, _raw = by_id[article_id]
                        found.setdefault(url, []).append((canonical, site, raw))
        return found

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
            q = q.where(when >= utc(since))
        if until is not None:
            q = q.where(when < utc(until))
        with self.db.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def recent_urls(self, source_name: str, since: datetime) -> list[str]:
        """URLs of the source's stored articles published (else first seen)
        at or after ``since``, newest first: candidates for a re-check."""
        a = t.articles
        when = func.coalesce(a.c.published_at, a.c.first_seen)
        with self.db.connect() as conn:
            rows = conn.execute(select(a.c.url).where(a.c.source_name == source_name, when >= utc(since))
                                .order_by(when.desc()))
            return [r[0] for r in rows]

    def stored_articles(self, batch: int = CHUNK) -> Iterator[list[Article]]:
        """Every stored article as an Article, oldest first (published, else
        fetched), in batches: the input of a dedup rebuild."""
        a = t.articles
        when = func.coalesce(a.c.published_at, a.c.fetched_at)
        with self.db.connect() as conn:
            rows = conn.execute(select(a).order_by(when, a.c.canonical_url)).mappings().all()
        for i in range(0, len(rows), batch):
            yield [article_from_row(r) for r in rows[i : i + batch]]

    def revisions(self, article_id: str) -> list[dict[str, Any]]:
        """Every stored version of an article, newest first: the current one
        (``current: true``) and the replaced ones from ``article_revisions``."""
        a, r = t.articles, t.article_revisions
        with self.db.connect() as conn:
            cur = conn.execute(select(a).where(a.c.id == article_id)).mappings().first()
            old = conn.execute(select(r).where(r.c.article_id == article_id).order_by(r.c.version.desc())
                               ).mappings().all()
        out: list[dict[str, Any]] = []
        for row, current in ([(cur, True)] if cur else []) + [(o, False) for o in old]:
            out.append({
                "article_id": article_id, "version": row["version"], "current": current,
                "content_hash": row["content_hash"], "url": row["url"], "title": row["title"],
                "published_at": utc(row["published_at"]), "modified_at": utc(row["modified_at"]),
                "fetched_at": utc(row["fetched_at"]), "extraction": row["extraction"], "encoding": row["encoding"],
                "encoding_source": row["encoding_source"], "text": row["text"],
                "paragraphs": json.loads(row["paragraphs"]), "word_count": row["word_count"], "raw": row["raw"],
                "stored_at": utc(row["stored_at"]),
                "replaced_at": None if current else utc(row["replaced_at"]),
            })
        return out

    # -- writes ---------------------------------------------------------------

    def touch(self, canonical_urls: Iterable[str]) -> None:
        """Mark stored articles as seen again (content unchanged)."""
        urls = list(canonical_urls)
        with self.db.begin() as conn:
            for part in chunks(urls):
                conn.execute(update(t.articles).where(t.articles.c.canonical_url.in_(part))
                             .values(last_seen=now()))

    def write(self, conn: Connection, articles: Sequence[Article], clusters: Mapping[str, str],
              novelty: Mapping[str, float], stored: StoredState | None = None) -> tuple[SaveResult, set[str]]:
        """Insert new articles, replace changed ones (keeping the old version
        as a revision) with their boilerplate removals, and mark unchanged
        ones seen. ``stored``: the stored versions of (at least) these URLs,
        read under the writer lock held since (else read here). Returns the
        counts and the ids of the articles written (new or changed), whose
        dedup rows are to be replaced."""
        stamp = now()
        inserted = updated = unchanged = 0
        a = t.articles
        if stored is None:
            stored = self.stored_state((art.canonical_url for art in articles), conn)
        current = {url: (v.content_hash, v.version) for url, v in stored.versions.items()}
        # the stored articles about to change leave the search index while their row still holds what it indexed
        unindex(conn, {art.id for art in articles
                       if art.canonical_url in current and current[art.canonical_url][0] != art.content_hash})
        written: list[str] = []
        new_rows: list[dict[str, Any]] = []
        touched: list[str] = []
        for art in articles:
            row = article_row(art, novelty.get(art.id))
            row["cluster_id"] = clusters[art.id]
            old = current.get(art.canonical_url)
            if old is not None and old[0] == art.content_hash:
                touched.append(art.id)
                unchanged += 1
                continue
            if old is None:
                new_rows.append({**row, "version": 1, "first_seen": stamp, "last_seen": stamp, "stored_at": stamp})
                inserted += 1
            else:
                if new_rows:  # the same URL earlier in this batch: its insert must land first
                    conn.execute(insert(a), new_rows)
                    new_rows = []
                self._keep_revision(conn, art.id, stamp)
                conn.execute(update(a).where(a.c.id == art.id)
                             .values(**row, version=old[1] + 1, seq=self.next_seqs(conn, 1)[0], last_seen=stamp,
                                     stored_at=stamp))
                updated += 1
            written.append(art.id)
            current[art.canonical_url] = (art.content_hash, 1 if old is None else old[1] + 1)
        for part in chunks(new_rows, 200):  # in batch order, so `seq` follows it
            conn.execute(insert(a), list(part))
        for part in chunks(touched):
            conn.execute(update(a).where(a.c.id.in_(part)).values(last_seen=stamp))
        ids = set(written)
        br = t.boilerplate_removals
        for part in chunks(sorted(ids)):
            conn.execute(delete(br).where(br.c.article_id.in_(part)))
        removals = [
            {"article_id": art.id, "position": i, "text": sanitize(r.text), "rule": r.rule}
            for art in articles if art.id in ids for i, r in enumerate(art.boilerplate_removed)
        ]
        for part in chunks(removals, 200):
            conn.execute(insert(br), list(part))
        self.search.replace(conn, index_rows(art for art in articles if art.id in ids))
        return SaveResult(inserted=inserted, updated=updated, unchanged=unchanged), ids

    @staticmethod
    def _keep_revision(conn: Connection, article_id: str, stamp: datetime) -> None:
        """Copy the stored version of an article to ``article_revisions``."""
        a = t.articles
        prev = conn.execute(select(a).where(a.c.id == article_id)).mappings().first()
        if prev is None:
            return
        kept = ("version", "content_hash", "url", "title", "authors", "published_at", "modified_at", "fetched_at",
                "description", "extraction", "encoding", "encoding_source", "text", "paragraphs", "word_count", "raw",
                "stored_at")
        upsert(conn, t.article_revisions,
               {"article_id": prev["id"], **{k: prev[k] for k in kept}, "replaced_at": stamp})

    @staticmethod
    def next_seqs(conn: Connection, n: int) -> list[int]:
        """``n`` new ``seq`` values, in increasing order (under the writer lock)."""
        if conn.dialect.name == "postgresql":
            return sorted(int(v) for v in conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('articles', 'seq')) FROM generate_series(1, :n)"),
                {"n": n}).scalars())
        first = int(conn.execute(select(func.coalesce(func.max(t.articles.c.seq), 0) + 1)).scalar_one())
        return list(range(first, first + n))

    def update(self, conn: Connection, rows: list[dict[str, Any]], *, new_seq: bool) -> None:
        """Set each row's values on the article ``b_id`` in one statement,
        with a new ``seq`` each (in row order) if ``new_seq``."""
        if not rows:
            return
        if new_seq:
            for row, seq in zip(rows, self.next_seqs(conn, len(rows)), strict=True):
                row["seq"] = seq
        conn.execute(update(t.articles).where(t.articles.c.id == bindparam("b_id")), rows)

    def renew_seq(self, conn: Connection, article_ids: Sequence[str]) -> None:
        """New ``seq`` values for these articles, in this order."""
        self.update(conn, [{"b_id": article_id} for article_id in article_ids], new_seq=True)


__all__ = ["Articles", "SaveResult", "StoredState", "StoredVersion", "article_from_row", "article_row"]
