"""The article store: SQL (SQLite by default, PostgreSQL by URL).

Writes are idempotent (keyed by canonical URL) and each batch of articles is
saved with its passage links, boilerplate removals and dedup sketches in one
transaction, so the dedup index never disagrees with the articles.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from newsmill.core.errors import StorageError
from newsmill.core.records import (
    Article,
    Failure,
    FetchOutcome,
    Sketch,
    SketchRef,
    SourceRef,
    SourceState,
    isoformat,
)
from newsmill.storage import schema as t

CHUNK = 500  # rows per IN-list / export page (below SQLite's variable limit)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def sanitize(text: str | None) -> str | None:
    """Text as every backend can store it: no NUL, no lone surrogates."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def normalize_url(url: str) -> str:
    """A database URL with the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True)
class SaveResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class Store:
    """The SQL article store. Create with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # -- writes ---------------------------------------------------------------

    def _upsert(self, conn: Connection, table: Any, values: dict[str, Any] | list[dict[str, Any]],
                keys: list[str], updates: dict[str, Any] | None) -> None:
        mod = postgresql if self.dialect == "postgresql" else sqlite
        stmt = mod.insert(table).values(values)
        if updates:
            conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))
        else:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=keys))

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
    ) -> SaveResult:
        """Save articles with their links, removals and sketches atomically.

        Unchanged content only updates ``last_seen``; changed content
        replaces the article and bumps ``version``. Saving the same batch
        twice stores nothing twice.
        """
        for attempt in range(3):
            try:
                with self._begin() as conn:
                    return self._save(conn, articles, sketches, novelty or {})
            except IntegrityError as exc:  # a concurrent writer inserted the same URL
                if attempt == 2:
                    raise StorageError(f"cannot save batch: {exc.orig}") from exc
        raise AssertionError("unreachable")

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
        clusters = self._clusters(conn, articles)
        for a in articles:
            row = self._article_row(a, novelty.get(a.id))
            row["cluster_id"] = clusters[a.id]
            old = current.get(a.canonical_url)
            if old is not None and old[0] == a.content_hash:
                conn.execute(update(t.articles).where(t.articles.c.id == a.id).values(last_seen=now))
                unchanged += 1
                continue
            if old is None:
                conn.execute(insert(t.articles).values(**row, version=1, first_seen=now, last_seen=now,
                                                       stored_at=now))
                inserted += 1
            else:
                conn.execute(update(t.articles).where(t.articles.c.id == a.id)
                             .values(**row, version=old[1] + 1, last_seen=now, stored_at=now))
                updated += 1
            written.append(a.id)
            current[a.canonical_url] = (a.content_hash, 1 if old is None else old[1] + 1)
        ids = set(written)
        for part in _chunks(sorted(ids)):
            conn.execute(delete(t.boilerplate_removals).where(t.boilerplate_removals.c.article_id.in_(part)))
        removals = [
            {"article_id": a.id, "position": i, "text": sanitize(r.text), "rule": r.rule}
            for a in articles if a.id in ids for i, r in enumerate(a.boilerplate_removed)
        ]
        for part in _chunks(removals, 200):
            conn.execute(insert(t.boilerplate_removals), list(part))
        self._write_dedup(conn, [a for a in articles if a.id in ids], sketches)
        return SaveResult(inserted=inserted, updated=updated, unchanged=unchanged)

    @staticmethod
    def _write_dedup(conn: Connection, articles: Sequence[Article], sketches: Sequence[Sketch]) -> None:
        """Replace the passage links, sketches and bands of ``articles``."""
        ids = {a.id for a in articles}
        for part in _chunks(sorted(ids)):
            for table in (t.passage_links, t.sketch_bands, t.sketches):
                conn.execute(delete(table).where(table.c.article_id.in_(part)))
        links = [
            {"article_id": a.id, "paragraph": p.paragraph, "of_article": p.of_article,
             "of_paragraph": p.of_paragraph, "similarity": p.similarity}
            for a in articles for p in a.duplicate_passages
        ]
        sk_rows = [
            {"kind": s.kind, "article_id": s.article_id, "paragraph": s.paragraph,
             "order_key": s.order_key, "shingles": s.shingles, "params": s.params}
            for s in sketches if s.article_id in ids
        ]
        band_rows = list({
            (s.kind, key, s.article_id, s.paragraph): {"kind": s.kind, "key": key,
                                                      "article_id": s.article_id, "paragraph": s.paragraph}
            for s in sketches if s.article_id in ids for key in s.bands
        }.values())
        batches: list[tuple[Any, list[dict[str, Any]]]] = [
            (t.passage_links, links), (t.sketches, sk_rows), (t.sketch_bands, band_rows)]
        for table, new_rows in batches:
            for part in _chunks(new_rows, 200):
                conn.execute(insert(table), list(part))

    def clear_dedup(self) -> None:
        """Drop every sketch, band and link, and every article's duplicate
        fields (the first step of a rebuild)."""
        a = t.articles
        with self._begin() as conn:
            for table in (t.sketch_bands, t.sketches, t.passage_links):
                conn.execute(delete(table))
            conn.execute(update(a).values(duplicate_of=None, similarity=None, novelty=None, cluster_id=a.c.id))
            conn.execute(delete(t.schema_info).where(t.schema_info.c.key == "sketch_params"))

    def save_dedup(self, articles: Sequence[Article], sketches: Sequence[Sketch],
                   novelty: Mapping[str, float] | None = None) -> None:
        """Store new dedup results of already stored articles (no new version)."""
        novelty = novelty or {}
        with self._begin() as conn:
            clusters = self._clusters(conn, articles)
            for art in articles:
                conn.execute(update(t.articles).where(t.articles.c.id == art.id).values(
                    duplicate_of=art.duplicate_of, similarity=art.similarity, novelty=novelty.get(art.id),
                    cluster_id=clusters[art.id]))
            self._write_dedup(conn, articles, sketches)

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
        )

    def site_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """Paragraphs that recur word for word (case and spacing aside) in at
        least ``min_articles`` distinct articles of ``site``, most frequent
        first: the site's learned templates (signatures, standard sentences)."""
        if min_articles < 2:
            raise StorageError("min_articles must be >= 2")
        counts: dict[str, int] = {}
        first: dict[str, str] = {}
        a = t.articles
        with self._connect() as conn:
            rows = conn.execute(select(a.c.paragraphs).where(a.c.site == site, a.c.duplicate_of.is_(None)))
            for (paragraphs,) in rows:
                for key, text in {" ".join(p.casefold().split()): p for p in json.loads(paragraphs)}.items():
                    counts[key] = counts.get(key, 0) + 1
                    first.setdefault(key, text)
        found = [(first[k], n) for k, n in counts.items() if n >= min_articles]
        return sorted(found, key=lambda item: (-item[1], item[0]))

    def get_info(self, key: str) -> str | None:
        with self._connect() as conn:
            row = conn.execute(select(t.schema_info.c.value).where(t.schema_info.c.key == key)).first()
        return None if row is None else str(row[0])

    def set_info(self, key: str, value: str) -> None:
        with self._begin() as conn:
            self._upsert(conn, t.schema_info, {"key": key, "value": value}, ["key"], {"value": value})

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
        rows = [
            {"run_id": run_id, "url": sanitize(o.url), "final_url": sanitize(o.final_url),
             "status": o.status.value, "http_status": o.http_status, "bytes": o.bytes,
             "elapsed": o.elapsed, "attempts": o.attempts, "reason": sanitize(o.reason) or "",
             "at": _utc(o.at), "archive": o.archive.to_uri() if o.archive else None,
             "source": o.source.name, "site": o.site}
            for o in outcomes
        ]
        with self._begin() as conn:
            for part in _chunks(rows, 200):
                conn.execute(insert(t.fetches), list(part))

    def record_failures(self, failures: Iterable[Failure], run_id: str | None = None) -> None:
        """Record failures; the same failure (url, stage, status, reason) is kept once."""
        with self._begin() as conn:
            for f in failures:
                fp = hashlib.sha256("\x1f".join((f.url, f.stage, f.status, f.reason)).encode(
                    "utf-8", "replace")).hexdigest()
                at = _utc(f.at) or _now()
                self._upsert(
                    conn, t.failures,
                    {"run_id": run_id, "url": sanitize(f.url), "stage": f.stage, "status": f.status,
                     "reason": sanitize(f.reason), "fingerprint": fp, "at": at, "last_at": at,
                     "count": 1, "site": f.site, "source": f.source},
                    ["fingerprint"],
                    {"last_at": at, "count": t.failures.c["count"] + 1},
                )

    def get_source_state(self, name: str) -> SourceState | None:
        """The stored conditional-GET state of a source, as ``(etag, last_modified)`` or None."""
        with self._connect() as conn:
            row = conn.execute(select(t.source_state.c.etag, t.source_state.c.last_modified)
                               .where(t.source_state.c.name == name)).first()
        return None if row is None else SourceState(etag=row[0], last_modified=row[1])

    def set_source_state(self, name: str, etag: str | None, last_modified: str | None) -> None:
        with self._begin() as conn:
            self._upsert(conn, t.source_state,
                         {"name": name, "etag": etag, "last_modified": last_modified, "last_seen": _now()},
                         ["name"], {"etag": etag, "last_modified": last_modified, "last_seen": _now()})

    def start_run(self, flow: str, params: Mapping[str, Any]) -> str:
        from uuid import uuid4

        run_id = f"{flow}-{_now():%Y%m%dT%H%M%S}-{uuid4().hex[:6]}"
        with self._begin() as conn:
            conn.execute(insert(t.runs).values(id=run_id, flow=flow, started_at=_now(), status="running",
                                               params=json.dumps(params, default=str)))
        return run_id

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, Any]) -> None:
        with self._begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(
                status=status, finished_at=_now(), counts=json.dumps(counts, default=str)))

    # -- the sketch index (newsmill.core.interfaces.SketchIndex) ----------------

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        keys = list(set(bands))
        found: dict[int, list[SketchRef]] = {}
        with self._connect() as conn:
            for part in _chunks(keys):
                rows = conn.execute(
                    select(t.sketch_bands.c.key, t.sketches.c.kind, t.sketches.c.article_id,
                           t.sketches.c.paragraph, t.sketches.c.order_key)
                    .join(t.sketch_bands, and_(
                        t.sketch_bands.c.kind == t.sketches.c.kind,
                        t.sketch_bands.c.article_id == t.sketches.c.article_id,
                        t.sketch_bands.c.paragraph == t.sketches.c.paragraph))
                    .where(t.sketch_bands.c.kind == kind, t.sketch_bands.c.key.in_(part))
                )
                for r in rows:
                    found.setdefault(int(r[0]), []).append(SketchRef(r[1], r[2], r[3], r[4]))
        return found

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

    def articles(
        self,
        *,
        include_duplicates: bool = False,
        since: datetime | None = None,
        site: str | None = None,
        after_seq: int = 0,
    ) -> Iterator[dict[str, Any]]:
        """Export records (the shape of ``Article.to_dict()``), streamed in
        pages of ``CHUNK`` rows in storage order (``seq``)."""
        a = t.articles
        last = after_seq
        while True:
            q = select(a).where(a.c.seq > last).order_by(a.c.seq).limit(CHUNK)
            if not include_duplicates:
                q = q.where(a.c.duplicate_of.is_(None))
            if since is not None:
                q = q.where(a.c.stored_at >= _utc(since))
            if site is not None:
                q = q.where(a.c.site == site)
            with self._connect() as conn:
                rows = conn.execute(q).mappings().all()
                if not rows:
                    return
                ids = [r["id"] for r in rows]
                links: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
                for lr in conn.execute(select(t.passage_links).where(t.passage_links.c.article_id.in_(ids))
                                       .order_by(t.passage_links.c.article_id, t.passage_links.c.paragraph)):
                    links[lr.article_id].append({"paragraph": lr.paragraph, "of_article": lr.of_article,
                                                 "of_paragraph": lr.of_paragraph, "similarity": lr.similarity})
                removed: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
                for rr in conn.execute(select(t.boilerplate_removals)
                                       .where(t.boilerplate_removals.c.article_id.in_(ids))
                                       .order_by(t.boilerplate_removals.c.article_id,
                                                 t.boilerplate_removals.c.position)):
                    removed[rr.article_id].append({"text": rr.text, "rule": rr.rule})
            for r in rows:
                yield self._export_record(r, links[r["id"]], removed[r["id"]])
            last = rows[-1]["seq"]

    @staticmethod
    def _export_record(r: Mapping[str, Any], links: list[dict[str, Any]],
                       removed: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "url": r["url"],
            "canonical_url": r["canonical_url"],
            "site": r["site"],
            "title": r["title"],
            "authors": json.loads(r["authors"]),
            "published_at": isoformat(_utc(r["published_at"])),
            "modified_at": isoformat(_utc(r["modified_at"])),
            "fetched_at": isoformat(_utc(r["fetched_at"])),
            "language": r["language"],
            "description": r["description"],
            "image": r["image"],
            "text": r["text"],
            "paragraphs": json.loads(r["paragraphs"]),
            "word_count": r["word_count"],
            "content_hash": r["content_hash"],
            "duplicate_of": r["duplicate_of"],
            "similarity": r["similarity"],
            "cluster_id": r["cluster_id"],
            "novelty": r["novelty"],
            "duplicate_passages": links,
            "boilerplate_removed": removed,
            "source": {"name": r["source_name"], "kind": r["source_kind"], "url": r["source_url"]},
            "raw": r["raw"],
            "version": r["version"],
            "seq": r["seq"],
            "stored_at": isoformat(_utc(r["stored_at"])),
        }

    def failures(self, since: datetime | None = None) -> Iterator[Failure]:
        q = select(t.failures).order_by(t.failures.c.id)
        if since is not None:
            q = q.where(t.failures.c.last_at >= _utc(since))
        with self._connect() as conn:
            rows = conn.execute(q).mappings().all()
        for r in rows:
            yield Failure(url=r["url"], stage=r["stage"], status=r["status"], reason=r["reason"],
                          at=_utc(r["at"]) or _now(), site=r["site"], source=r["source"])

    def stats(self) -> dict[str, Any]:
        a = t.articles
        with self._connect() as conn:
            total = conn.execute(select(func.count()).select_from(a)).scalar_one()
            dupes = conn.execute(select(func.count()).select_from(a).where(a.c.duplicate_of.is_not(None))
                                 ).scalar_one()
            by_site = {
                r[0]: {"articles": r[1], "duplicates": r[2] or 0}
                for r in conn.execute(
                    select(a.c.site, func.count(), func.count(a.c.duplicate_of))
                    .group_by(a.c.site).order_by(a.c.site))
            }
            links = conn.execute(select(func.count()).select_from(t.passage_links)).scalar_one()
            removals = conn.execute(select(func.count()).select_from(t.boilerplate_removals)).scalar_one()
            by_rule = dict(conn.execute(select(t.boilerplate_removals.c.rule, func.count())
                                        .group_by(t.boilerplate_removals.c.rule)).all())
            fails = {f"{r[0]}/{r[1]}": r[2] for r in conn.execute(
                select(t.failures.c.stage, t.failures.c.status, func.count())
                .group_by(t.failures.c.stage, t.failures.c.status))}
            fetch_status = dict(conn.execute(select(t.fetches.c.status, func.count())
                                             .group_by(t.fetches.c.status)).all())
            runs = conn.execute(select(func.count()).select_from(t.runs)).scalar_one()
        return {
            "articles": total,
            "canonical": total - dupes,
            "duplicates": dupes,
            "passage_links": links,
            "boilerplate_removed": removals,
            "boilerplate_by_rule": by_rule,
            "by_site": by_site,
            "failures": fails,
            "fetches": fetch_status,
            "runs": runs,
        }

    # -- plumbing -------------------------------------------------------------

    def _connect(self) -> Any:
        return _Guard(self.engine, begin=False)

    def _begin(self) -> Any:
        return _Guard(self.engine, begin=True)

    def close(self) -> None:
        self.engine.dispose()


class _Guard:
    """A connection (or transaction) whose database errors become StorageError."""

    def __init__(self, engine: Engine, *, begin: bool) -> None:
        self._cm = engine.begin() if begin else engine.connect()

    def __enter__(self) -> Connection:
        try:
            return self._cm.__enter__()
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot connect to the store: {getattr(exc, 'orig', exc)}") from exc

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self._cm.__exit__(exc_type, exc, tb)
        except IntegrityError:
            raise
        except SQLAlchemyError as err:
            raise StorageError(f"store error: {getattr(err, 'orig', err)}") from err
        if isinstance(exc, SQLAlchemyError) and not isinstance(exc, IntegrityError):
            raise StorageError(f"store error: {getattr(exc, 'orig', exc)}") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_store(url: str) -> Store:
    """Open (and create or upgrade) the store at a database URL.

    ``sqlite:///path/to/newsmill.db`` (the default) or
    ``postgresql://user@host/db`` (psycopg 3).
    """
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StorageError(f"not a database URL: {url!r}") from exc
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:
        raise StorageError(f"cannot open store {parsed.render_as_string(hide_password=True)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    from newsmill.storage.migrations import upgrade

    upgrade(store.engine)
    return store


__all__ = ["SaveResult", "Store", "normalize_url", "open_store", "sanitize"]
