"""The article store: SQL (SQLite by default, PostgreSQL by URL).

Writes are idempotent (keyed by canonical URL) and each batch of articles is
saved with its passage links, boilerplate removals, dedup sketches and
search index rows in one transaction, so neither index ever disagrees with
the articles.

:class:`Store` is the one object the rest of newsmill holds. Each job is a
part of its own (:mod:`.db`, :mod:`.articles`, :mod:`.sketches`,
:mod:`.links`, :mod:`.templates`, :mod:`.runlog`, :mod:`.export`,
:mod:`.retention`, :mod:`.search`); the store delegates to them and owns the writes that
span several parts in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from newsmill.core.errors import StorageError, StoreMissing
from newsmill.core.records import (
    ArchiveLocation,
    Article,
    Failure,
    FetchOutcome,
    Relink,
    Sketch,
    SketchRef,
    SourceState,
)
from newsmill.storage.archive import Claim
from newsmill.storage.articles import Articles, SaveResult, StoredState, article_row
from newsmill.storage.claims import ArchiveRecords
from newsmill.storage.db import (
    CHUNK,
    WRITER_LOCK_KEY,
    Database,
    connect_engine,
    describe_url,
    normalize_url,
    sanitize,
)
from newsmill.storage.export import EXPORT_FIELDS, Exports
from newsmill.storage.links import DedupLinks
from newsmill.storage.retention import Retention
from newsmill.storage.runlog import RunLog
from newsmill.storage.search import MARK
from newsmill.storage.sketches import SqlSketchIndex
from newsmill.storage.template_counts import TemplateCounts
from newsmill.storage.templates import SiteTemplates, template_key

log = logging.getLogger(__name__)


class Store:
    """The SQL article store. Create with :func:`open_store`.

    Implements :class:`newsmill.core.interfaces.SketchIndex` (through
    :class:`.sketches.SqlSketchIndex`)."""

    EXPORT_FIELDS = EXPORT_FIELDS
    """The fields of an export record, in order (see docs/schema.md)."""

    _article_row = staticmethod(article_row)  # an article's row, for benchmarks/store_bench.py

    def __init__(self, engine: Engine, lock_path: Path | None = None) -> None:
        self.db = Database(engine, lock_path)
        self.engine = engine
        self.dialect = self.db.dialect
        self._articles = Articles(self.db)
        self._sketches = SqlSketchIndex(self.db)
        self._links = DedupLinks(self._articles, self._sketches)
        self._templates = SiteTemplates(self.db)
        self._runlog = RunLog(self.db)
        self._records = ArchiveRecords(self.db)
        self._exports = Exports(self.db)
        self._retention = Retention(self.db, self._articles, self._links)

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the store's writer lock (re-entrant within a thread); see :meth:`Database.exclusive`."""
        return self.db.exclusive()

    def close(self) -> None:
        self.db.close()

    # -- writes that span parts (one transaction, under the writer lock) -------

    def save_batch(
        self,
        articles: Sequence[Article],
        sketches: Sequence[Sketch] = (),
        *,
        novelty: Mapping[str, float] | None = None,
        relinks: Sequence[Relink] = (),
        stored: StoredState | None = None,
        claims: Sequence[Claim] = (),
    ) -> SaveResult:
        """Save articles with their links, removals and sketches atomically.

        Unchanged content only updates ``last_seen``; changed content
        replaces the article and bumps ``version``. ``relinks`` (stored later
        copies of articles in this batch) are applied in the same
        transaction. ``stored``: what :meth:`stored_state` gave for these
        URLs under the writer lock the caller still holds (else it is read
        here). ``claims``: the raw-archive records the articles point at
        that were written for them, claimed in the same transaction.
        Saving the same batch twice stores nothing twice. The template
        counts (:mod:`.template_counts`) follow in the same transaction.
        """
        for attempt in range(3):
            try:
                counted = [*(a.id for a in articles), *(r.article for r in relinks if r.paragraph < 0)]
                with self.exclusive(), self.db.begin() as conn, TemplateCounts.track(conn, counted):
                    clusters = self._links.clusters(conn, articles)
                    result, written = self._articles.write(conn, articles, clusters, novelty or {}, stored)
                    self._write_dedup(conn, [a for a in articles if a.id in written], sketches)
                    result = replace(result, relinked=self._links.relink(conn, relinks))
                    ArchiveRecords.insert(conn, claims)
                self._sketches.refresh_stats()
                return result
            except IntegrityError as exc:  # a writer without the lock inserted the same URL
                stored = None  # what is stored changed under us: read it again
                if attempt == 2:
                    raise StorageError(f"cannot save batch: {exc.orig}") from exc
        raise AssertionError("unreachable")

    def save_dedup(self, articles: Sequence[Article], sketches: Sequence[Sketch],
                   novelty: Mapping[str, float] | None = None) -> None:
        """Store new dedup results of already stored articles (no new version)."""
        with self.exclusive(), self.db.begin() as conn, TemplateCounts.track(conn, [a.id for a in articles]):
            self._links.set_results(conn, articles, novelty or {})
            self._write_dedup(conn, articles, sketches)
        self._sketches.refresh_stats()

    def clear_dedup(self) -> None:
        """Drop every sketch, band and link, and every article's duplicate
        fields (the first step of a rebuild)."""
        with self.exclusive(), self.db.begin() as conn:
            self._sketches.clear(conn)
            self._links.clear(conn)
            TemplateCounts.rebuild(conn)  # every article is an original again

    def _write_dedup(self, conn: Connection, articles: Sequence[Article], sketches: Sequence[Sketch]) -> None:
        """Replace the passage links, sketches and bands of ``articles``."""
        self._links.replace(conn, articles)
        self._sketches.replace(conn, {a.id for a in articles}, sketches)

    # -- articles ----------------------------------------------------------------

    def stored_state(self, canonical_urls: Iterable[str]) -> StoredState:
        """The stored content hash and version of each of these canonical
        URLs that is stored (read it under :meth:`exclusive` to act on it)."""
        return self._articles.stored_state(canonical_urls)

    def existing(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        """canonical URL -> content hash, for the given URLs that are stored."""
        return self._articles.existing(canonical_urls)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The given URLs that are stored as an article's URL or canonical URL."""
        return self._articles.known_urls(urls)

    def archived_versions(self, urls: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
        """URL -> (canonical URL, site, raw location) of each archived stored version (see :meth:`Articles.archived_versions`)."""
        return self._articles.archived_versions(urls)

    def raw_locations(self, *, site: str | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> list[str]:
        """Raw-archive locations of stored articles, oldest first (see :meth:`Articles.raw_locations`)."""
        return self._articles.raw_locations(site=site, since=since, until=until)

    def recent_urls(self, source_name: str, since: datetime) -> list[str]:
        """URLs of the source's articles published since ``since``, newest first."""
        return self._articles.recent_urls(source_name, since)

    def touch(self, canonical_urls: Iterable[str]) -> None:
        """Mark stored articles as seen again (content unchanged)."""
        self._articles.touch(canonical_urls)

    def stored_articles(self, batch: int = CHUNK) -> Iterator[list[Article]]:
        """Every stored article, oldest first, in batches: the input of a dedup rebuild."""
        return self._articles.stored_articles(batch)

    def revisions(self, article_id: str) -> list[dict[str, Any]]:
        """Every stored version of an article, newest first."""
        return self._articles.revisions(article_id)

    # -- the sketch index (newsmill.core.interfaces.SketchIndex) ----------------

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        return self._sketches.lookup(kind, bands)

    def candidates(self, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        return self._sketches.candidates(kind, bands)

    def shingles(self, refs: Iterable[SketchRef]) -> dict[SketchRef, bytes]:
        return self._sketches.shingles(refs)

    # -- site templates ------------------------------------------------------------

    def paragraph_counts(self, site: str, exclude: Iterable[str] = ()) -> tuple[dict[str, int], dict[str, str]]:
        """Per paragraph key of ``site``: in how many original articles it occurs, and its first text."""
        return self._templates.paragraph_counts(site, exclude)

    def site_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """The site's learned templates, most frequent first."""
        return self._templates.site_templates(site, min_articles)

    def linked_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """Standard sentences of ``site`` found through near-duplicate passage links."""
        return self._templates.linked_templates(site, min_articles)

    # -- store metadata -------------------------------------------------------------

    def get_info(self, key: str) -> str | None:
        return self.db.get_info(key)

    def set_info(self, key: str, value: str) -> None:
        self.db.set_info(key, value)

    # -- runs, fetch log, failures, source state ------------------------------------

    def start_run(self, flow: str, params: Mapping[str, Any]) -> str:
        return self._runlog.start_run(flow, params)

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, Any]) -> None:
        self._runlog.finish_run(run_id, status, counts)

    def run_progress(self, run_id: str, counts: Mapping[str, Any]) -> None:
        """The counts a run under way has reached (kept if its process dies)."""
        self._runlog.run_progress(run_id, counts)

    def recover_stale_runs(self) -> list[str]:
        """Mark ``interrupted`` the runs left ``running`` on this host by a
        process that is gone; their ids (:meth:`RunLog.recover_stale_runs`)."""
        return self._runlog.recover_stale_runs()

    def record_fetches(self, outcomes: Iterable[FetchOutcome], run_id: str | None = None,
                       claims: Sequence[Claim] = ()) -> None:
        """Record fetches, and claim the records written for them (``claims``) in the same transaction."""
        self._runlog.record_fetches(outcomes, run_id, claims)

    # -- the raw archive's records (newsmill.storage.claims) --------------------

    def archived_records(self, keys: Iterable[str]) -> dict[str, ArchiveLocation]:
        """Where the records of these record keys are, for those archived already."""
        return self._records.locations(keys)

    def claimed_locations(self, uris: list[str]) -> set[str]:
        """Which of these archive location URIs hold a claimed record."""
        return self._records.claimed(uris)

    def archive_claims(self) -> dict[str, str]:
        """Every claimed record: key -> location URI."""
        return self._records.all()

    def archive_pointers(self) -> dict[str, int]:
        """Every archive location the store points at, with the rows pointing at it."""
        return self._records.pointers()

    def relocate_records(self, moves: Mapping[str, str], adopt: Sequence[Claim], forget: Iterable[str]) -> None:
        """Move pointers and claims to new locations, claim ``adopt`` and
        drop the claims at ``forget``, in one transaction (``archive compact``)."""
        self._records.relocate(moves, adopt, forget)

    def record_failures(self, failures: Iterable[Failure], run_id: str | None = None,
                        claims: Sequence[Claim] = ()) -> None:
        """Record failures; the same failure (url, stage, status, reason) is
        kept once. ``claims``: the records written for the failed pages
        (their ``raw``), claimed in the same transaction."""
        self._runlog.record_failures(failures, run_id, claims)

    def failed_pages(self, *, site: str | None = None, since: datetime | None = None) -> list[str]:
        """Raw-archive locations of the pages whose extraction failed (``failures.raw``) and whose URL
        holds no article, once each: what a reprocess reads again."""
        return self._runlog.failed_pages(site=site, since=since)

    def failures(self, since: datetime | None = None) -> Iterator[Failure]:
        return self._runlog.failures(since)

    def get_source_state(self, name: str) -> SourceState | None:
        """The stored conditional-GET state of a source, or None."""
        return self._runlog.get_source_state(name)

    def set_source_state(self, name: str, etag: str | None, last_modified: str | None) -> None:
        self._runlog.set_source_state(name, etag, last_modified)

    # -- exports ---------------------------------------------------------------------

    def articles(self, *, include_duplicates: bool = False, since: datetime | None = None,
                 site: str | None = None, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        """Export records (the shape of ``Article.to_dict()``), streamed in storage order (``seq``)."""
        return self._exports.articles(include_duplicates=include_duplicates, since=since, site=site,
                                      after_seq=after_seq)

    def search(self, query: str, *, site: str | None = None, since: datetime | None = None,
               language: str | None = None, limit: int = 20, include_duplicates: bool = False,
               mark: tuple[str, str] = MARK) -> list[dict[str, Any]]:
        """Full-text search: the articles holding every term of ``query``
        (words, ``"quoted phrases"``, ``word*`` for a prefix), best first
        (title matches weigh more), at most ``limit``. Canonical articles
        only unless ``include_duplicates``; ``site``, ``language`` (its code,
        regions included: ``pt`` finds ``pt-br``) and ``since`` (published,
        else first seen, at or after) narrow it. Each hit: ``id``, ``url``,
        ``site``, ``title``, ``language``, ``published_at`` and
        ``fetched_at`` (aware datetimes), ``duplicate_of``, ``score``
        (higher is better; comparable within one query and backend) and
        ``snippet`` (words of the text around the matches, each match
        between ``mark``'s two strings). See docs/schema.md#search."""
        return self._articles.search.search(query, site=site, since=since, language=language, limit=limit,
                                            include_duplicates=include_duplicates, mark=mark)

    def find_articles(self, key: str, limit: int = 10) -> list[str]:
        """The ids of the articles an id, a URL or an id's start (6+ characters) names."""
        return self._exports.find_articles(key, limit)

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One article with its links and both sides of its linked passages
        (``newsmill show``); None when there is none with that id."""
        return self._exports.article(article_id)

    def sites(self) -> list[str]:
        """The sites of the stored articles, sorted."""
        return self._exports.sites()

    def count_articles(self, *, include_duplicates: bool = False, since: datetime | None = None,
                       site: str | None = None, after_seq: int = 0) -> int:
        """How many records :meth:`articles` would yield with these filters."""
        return self._exports.count_articles(include_duplicates=include_duplicates, since=since, site=site,
                                            after_seq=after_seq)

    def checkpoint(self, name: str) -> int:
        """The ``seq`` a named export cursor has reached (0 if new)."""
        return self._exports.checkpoint(name)

    def set_checkpoint(self, name: str, after_seq: int, exported: int) -> None:
        """Advance a named export cursor (never backwards)."""
        self._exports.set_checkpoint(name, after_seq, exported)

    def checkpoints(self) -> list[dict[str, Any]]:
        return self._exports.checkpoints()

    def stats(self) -> dict[str, Any]:
        return self._exports.stats()

    # -- retention ---------------------------------------------------------------------

    def prune_log(self, before: datetime, *, dry_run: bool = False) -> dict[str, int]:
        """Delete (or with ``dry_run`` count) fetch-log rows and failures older than ``before``."""
        return self._retention.prune_log(before, dry_run=dry_run)

    def prune_articles(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete articles last seen before ``before`` with everything hanging on them."""
        return self._retention.prune_articles(before, dry_run=dry_run)

    def forget_raw(self, files: Iterable[str]) -> int:
        """Drop references to raw-archive files about to be deleted; returns articles affected."""
        return self._retention.forget_raw(files)

    def optimize(self) -> None:
        """Reclaim space and refresh planner statistics."""
        self._retention.optimize()


def open_store(url: str, *, create: bool = True) -> Store:
    """Open (and create or upgrade) the store at a database URL.

    ``sqlite:///path/to/newsmill.db`` (the default) or
    ``postgresql://user@host/db`` (psycopg 3).

    ``create=False`` (read-only commands): nothing is created or migrated.
    No store there is :class:`~newsmill.core.errors.StoreMissing`; a
    server that cannot be reached, or a store at another schema revision
    than this newsmill's newest, is a :class:`StorageError` saying so.
    """
    if not create:
        return _open_existing(url)
    store = open_engine(url)
    from newsmill.storage.migrations import upgrade

    with store.exclusive():
        upgrade(store.engine)
    try:
        stale = store.recover_stale_runs()
    except BaseException:
        store.close()
        raise
    if stale:
        log.warning("%d run(s) left running by a process that is gone marked interrupted: %s", len(stale),
                    ", ".join(stale))
    return store


def open_engine(url: str, *, create: bool = True) -> Store:
    """A store on ``url`` as it is: no schema creation or upgrade (for
    ``newsmill db status`` and ``newsmill db upgrade``). ``create=False``:
    a missing SQLite file is :class:`StoreMissing` (its folder is not made)."""
    return Store(*connect_engine(url, create=create))


def _open_existing(url: str) -> Store:
    from newsmill.storage.migrations import head_revision, history

    where = describe_url(url)
    store = open_engine(url, create=False)
    try:
        found = store_revision(store, where)
        if found is None:
            raise StoreMissing(f"no store at {where}")
        if found != head_revision():
            if found.startswith("legacy-") or found in {rev for rev, _ in history()}:
                raise StorageError(f"store at {where} is at schema revision {found}, run `newsmill db upgrade`")
            raise StorageError(f"store at {where} is at schema revision {found}, which this newsmill does "
                               "not know (written by a newer version?): upgrade newsmill")
    except BaseException:
        store.close()
        raise
    return store


def store_revision(store: Store, where: str | None = None) -> str | None:
    """The schema revision of an opened store (None: an empty database); a
    database that cannot be reached is a one-line :class:`StorageError`."""
    from newsmill.storage.migrations import revision_of

    try:
        with store.engine.connect() as conn:
            return revision_of(conn)
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        where = where or describe_url(str(store.engine.url))
        raise StorageError(f"cannot connect to the database at {where}: {reason}") from exc


__all__ = ["CHUNK", "WRITER_LOCK_KEY", "SaveResult", "Store", "StoredState", "normalize_url", "open_engine", "open_store",
           "sanitize", "store_revision", "template_key"]
