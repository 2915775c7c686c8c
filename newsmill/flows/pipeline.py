"""The pipeline steps as plain functions over the stages (no Prefect here).

The Prefect flows in :mod:`newsmill.flows.ingest` wrap these in tasks; the
functions themselves are what tests and benchmarks call directly.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

import yaml

from newsmill.core.errors import (
    ArchiveError,
    ConfigError,
    DedupError,
    ExtractionError,
    NewsmillError,
)
from newsmill.core.records import (
    ArchiveLocation,
    Article,
    Failure,
    FetchOutcome,
    FetchStatus,
    RawDocument,
    Removal,
    SourceRef,
    SourceState,
)
from newsmill.core.settings import DedupSettings, FetchSettings, Paths, SourceConfig
from newsmill.dedup import ArticleSketches, Deduplicator, SketchParams, sketch_article
from newsmill.extractors import Cleaner, ExtractSettings, extract
from newsmill.extractors.sites import SITE_OVERRIDES, SiteOverride, parse_site_overrides
from newsmill.flows import progress
from newsmill.flows.report import RunReport
from newsmill.sources import DiscoveredItem, Discovery, Fetcher, discover, iter_folder, iter_warc
from newsmill.storage import RawArchive, Store, open_store
from newsmill.storage.store import template_key
from newsmill.storage.templates import SharedLines

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

DEFAULT_SKETCH = SketchParams()  # what extraction sketches with (and what the store checks)
IMPORT_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".txt", ".warc", ".warc.gz")


@dataclass
class Fetched:
    """What fetching one source produced."""

    source: str
    docs: list[RawDocument] = field(default_factory=list)
    outcomes: list[FetchOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Extracted:
    """What extracting a batch of raw documents produced."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Each article's MinHash sketches (by article id), computed where it was
    # extracted so that the process that dedups and stores does not.
    sketches: dict[str, ArticleSketches] = field(default_factory=dict)

    @classmethod
    def join(cls, parts: Iterable[Extracted]) -> Extracted:
        """The parts of one batch as one, in their order."""
        out = cls()
        for part in parts:
            out.articles += part.articles
            out.failures += part.failures
            out.sketches.update(part.sketches)
        return out


def extract_failure(doc: RawDocument, status: str, reason: str) -> Failure:
    """The recorded failure of extracting one document."""
    return Failure(url=doc.url, stage="extract", status=status, reason=reason, site=doc.site,
                   source=doc.source.name)


def split_parts(docs: Sequence[RawDocument], parts: int) -> list[list[RawDocument]]:
    """``docs`` in at most ``parts`` consecutive parts of equal size."""
    docs = list(docs)
    n = max(1, min(len(docs), parts))
    size = max(1, -(-len(docs) // n))
    return [docs[i : i + size] for i in range(0, len(docs), size)]


def failure_from_outcome(outcome: FetchOutcome, stage: str = "fetch") -> Failure:
    return Failure(
        url=outcome.url,
        stage=stage,
        status=outcome.status.value,
        reason=outcome.reason or outcome.status.value,
        at=outcome.at,
        site=outcome.site,
        source=outcome.source.name,
    )


def archive_documents(archive: RawArchive, name: str, docs: Sequence[RawDocument]) -> None:
    """Write every document to the raw archive and set its location."""
    if not docs:
        return
    with archive.open_writer(name) as writer:
        for doc in docs:
            doc.archive = writer.write(doc)


@dataclass
class Discovered:
    """What discovering one source produced."""

    source: SourceConfig
    items: list[DiscoveredItem] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    outcomes: list[FetchOutcome] = field(default_factory=list)
    failed: bool = False
    state: SourceState | None = None


async def _discover_async(source: SourceConfig, settings: FetchSettings, state: SourceState | None) -> Discovery:
    async with Fetcher(settings) as fetcher:
        return await discover(source, fetcher, state)


def discover_source(
    source: SourceConfig, settings: FetchSettings, store: Store, archive: RawArchive, run_id: str
) -> Discovered:
    """Read one source (feed, sitemap, URL list); archive what was fetched,
    record the fetches, keep the conditional-GET state."""
    discovery = asyncio.run(_discover_async(source, settings, store.get_source_state(source.name)))
    result = Discovered(source=source, items=discovery.items, outcomes=[discovery.outcome])
    status = discovery.outcome.status
    if status not in (FetchStatus.OK, FetchStatus.NOT_MODIFIED):
        result.failures.append(failure_from_outcome(discovery.outcome, stage="discover"))
        result.failed = True
    for err in discovery.errors:
        result.failures.append(Failure(url=source.location, stage="discover", status="parse_error",
                                       reason=err, site=source.site, source=source.name))
    if discovery.rejected:  # recorded, but the source itself is fine
        shown = ", ".join(repr(link[:80]) for link in discovery.rejected[:3])
        result.failures.append(Failure(
            url=source.location, stage="discover", status="bad_link", site=source.site, source=source.name,
            reason=f"{len(discovery.rejected)} link(s) that are no http(s) URL skipped: {shown}"))
    if discovery.errors and not discovery.items:
        result.failed = True
    archive_documents(archive, f"{run_id}-{source.name}", discovery.raw)
    if discovery.raw:
        result.outcomes = [replace(o, archive=discovery.raw[0].archive) for o in result.outcomes]
    store.record_fetches(result.outcomes, run_id=run_id)
    if not discovery.errors:
        result.state = discovery.state
    return result


def read_local_source(source: SourceConfig, store: Store) -> Fetched:
    """A ``folder`` or ``warc`` source: its files not stored yet, read as
    raw documents. They are archived (as WARC records, like any response)
    batch by batch just before they are extracted (:func:`archive_pending`),
    so that writing the archive overlaps with extracting the batches before."""
    ref = SourceRef(name=source.name, kind=source.kind, url=source.location)
    result = Fetched(source=source.name)
    path = Path(source.location)
    reader = iter_warc(path, ref, source.site) if source.kind == "warc" else iter_folder(path, ref, source.site)
    docs: list[RawDocument] = []
    for got in reader:
        if isinstance(got, Failure):
            result.failures.append(got)
        elif source.wants(got.url):
            docs.append(got)
        if len(docs) >= source.max_articles:
            break
    known = store.known_urls(d.url for d in docs)
    result.docs = [d for d in docs if d.url not in known]
    for doc in result.docs:
        if source.language:
            doc.hints.setdefault("language", source.language)
    return result


def archive_pending(archive: RawArchive, run_id: str, docs: Sequence[RawDocument]) -> None:
    """Archive the documents not archived yet (those read from local
    sources), each source's in its own file of this run."""
    by_source: dict[str, list[RawDocument]] = {}
    for doc in docs:
        if doc.archive is None:
            by_source.setdefault(doc.source.name, []).append(doc)
    for name, group in by_source.items():
        archive_documents(archive, f"{run_id}-{name}", group)


def commit_source_states(discovered: Sequence[Discovered], store: Store) -> None:
    """Remember each source's ETag/Last-Modified, only once its articles are
    stored: a run that dies earlier must not make the next one see a 304 and
    skip articles it never stored."""
    for d in discovered:
        if d.state is not None:
            store.set_source_state(d.source.name, d.state.etag, d.state.last_modified)


def assign_items(discovered: Sequence[Discovered], store: Store) -> dict[str, list[DiscoveredItem]]:
    """Items to fetch per source: each URL once across sources (the first
    source that lists it wins) and never a URL already stored, except the
    source's own articles of the last ``recheck_hours``, re-checked for
    updates even when the feed is unchanged (a changed page becomes a new
    version, an unchanged one only updates ``last_seen``)."""
    assigned: dict[str, list[DiscoveredItem]] = {}
    seen: set[str] = set()
    for d in discovered:
        mine = []
        for item in d.items:
            if item.url not in seen:
                seen.add(item.url)
                mine.append(item)
        assigned[d.source.name] = mine
    known = store.known_urls(seen)
    out = {name: [i for i in items if i.url not in known] for name, items in assigned.items()}
    taken = {i.url for items in out.values() for i in items}
    for d in discovered:
        if d.source.recheck_hours > 0:
            since = datetime.now(UTC) - timedelta(hours=d.source.recheck_hours)
            again = [u for u in store.recent_urls(d.source.name, since) if u not in taken]
            out[d.source.name] += [DiscoveredItem(u) for u in again[: d.source.max_articles]]
            taken.update(again)
    return out


async def _fetch_async(source: SourceConfig, items: Sequence[DiscoveredItem],
                       settings: FetchSettings) -> list[tuple[FetchOutcome, RawDocument | None]]:
    ref = SourceRef(name=source.name, kind=source.kind, url=source.location)
    async with Fetcher(settings) as fetcher:
        return list(await asyncio.gather(*(
            fetcher.fetch(item.url, source=ref, site=source.site, allow_private=source.allow_private)
            for item in items
        )))


def fetch_items(
    source: SourceConfig,
    items: Sequence[DiscoveredItem],
    settings: FetchSettings,
    store: Store,
    archive: RawArchive,
    run_id: str,
) -> Fetched:
    """Fetch one source's new articles politely, archive every response
    and record every fetch in the store's fetch log."""
    result = Fetched(source=source.name)
    fetched = asyncio.run(_fetch_async(source, items, settings)) if items else []
    docs: list[RawDocument] = []
    ok: set[int] = set()
    for item, (outcome, doc) in zip(items, fetched, strict=True):
        result.outcomes.append(outcome)
        if doc is not None:
            doc.hints = {**item.hints, **doc.hints}
            if source.language:
                doc.hints.setdefault("language", source.language)
            if outcome.status is FetchStatus.OK:
                ok.add(id(doc))
            docs.append(doc)
        if outcome.status is not FetchStatus.OK:
            result.failures.append(failure_from_outcome(outcome))
    archive_documents(archive, f"{run_id}-{source.name}", docs)
    archived = {d.url: d.archive for d in docs}
    result.outcomes = [replace(o, archive=archived.get(o.url)) for o in result.outcomes]
    result.docs = [d for d in docs if id(d) in ok]
    store.record_fetches(result.outcomes, run_id=run_id)
    return result


def learned_settings(store: Store, sites: Iterable[str], min_articles: int | None = None) -> ExtractSettings:
    """Extraction settings with each site's learned templates (lines seen in
    ``min_articles`` (default: :class:`DedupSettings`) or more of its
    articles, and the templates of its publisher group and lines shared
    across sites: :mod:`newsmill.storage.templates`) for the cleaner's
    ``site.template`` rule."""
    if min_articles is None:
        min_articles = DedupSettings.from_env().template_min_articles
    wanted = sorted({site for site in sites if site})
    shared = SharedLines.load(store).templates(min_articles) if wanted else {}
    templates: dict[str, tuple[str, ...]] = {}
    for site in wanted:
        lines = {template_key(text): text for text, _ in store.site_templates(site, min_articles)}
        for key, found in sorted(shared.get(site, {}).items()):
            lines.setdefault(key, found.text)
        if lines:
            templates[site] = tuple(lines.values())
    return ExtractSettings(templates=templates, overrides=site_overrides())


def site_overrides(path: str | None = None) -> dict[str, SiteOverride]:
    """The bundled per-site CSS overrides, extended (and, site by site,
    replaced) by the YAML file ``path`` or ``NEWSMILL_SITE_OVERRIDES``."""
    path = path or os.environ.get("NEWSMILL_SITE_OVERRIDES") or None
    if path is None:
        return dict(SITE_OVERRIDES)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read site overrides {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"site overrides {path} is not valid YAML: {exc}") from exc
    return {**SITE_OVERRIDES, **parse_site_overrides(data or {})}


def extract_documents(docs: Iterable[RawDocument], settings: ExtractSettings | None = None,
                      params: SketchParams | None = DEFAULT_SKETCH) -> Extracted:
    """Extract and clean every document and sketch each article for dedup
    with ``params`` (None: no sketches); a failure is recorded, never raised."""
    out = Extracted()
    for doc in docs:
        try:
            article = extract(doc, settings=settings)
            if params is not None:
                out.sketches[article.id] = sketch_article(article, params)
            out.articles.append(article)
        except ExtractionError as exc:
            out.failures.append(extract_failure(doc, exc.status, str(exc)))
        except Exception as exc:  # a bug in a stage must not stop the run
            out.failures.append(extract_failure(doc, "extract_error", f"{type(exc).__name__}: {exc}"))
    return out


ExtractFn = Callable[[list[RawDocument], ExtractSettings | None], Extracted]


POOL_WORKER = "newsmill.flows.pool_worker"  # what the fork server imports (the warmed-up pipeline)
WORKER_PRIORITY = "newsmill.flows.worker_priority"  # then this: local workers run below the flow's priority
WORKER_NICENESS = 10  # their niceness unless NEWSMILL_WORKER_NICENESS says otherwise


def fork_server(*preload: str) -> multiprocessing.context.ForkServerContext:
    """The fork server every local worker process starts from (the
    ``processes`` runner's pool, a Dask LocalCluster's workers): one
    process per program that imports the pipeline and warms the extractors
    up once (:mod:`newsmill.flows.pool_worker`) and lowers its CPU priority
    below the flow's (:mod:`newsmill.flows.worker_priority`), along with
    ``preload`` and the program's main module when it runs as one (``python -m
    prefect.engine`` in a deployed flow run: each worker imports its main
    module again, which then costs nothing). A new worker costs a fork
    (some 0.05 CPU-seconds), not those imports (about 2.5). The preload
    list only counts before the server starts, which is at the first worker
    process of the program."""
    main = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(main, "name", None)
    modules = [POOL_WORKER, WORKER_PRIORITY, *preload]
    if name and not name.endswith("__main__"):
        modules.append(name)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(modules)
    return ctx


class ExtractPool:
    """Extraction on a pool of local worker processes (the CPU-bound stage
    on every core of one machine, without a cluster).

    ``extract(docs)`` splits the documents into ``split`` parts per worker,
    extracts them in the workers and returns one :class:`Extracted` in
    document order, the same as :func:`extract_documents` in process. It
    may be called from several threads at once (the flow extracts the next
    batch while it stores the last). Workers start from a fork server that
    has imported the extractors, so a new worker costs a fork, not a
    trafilatura import. A worker that dies (killed, out of memory) breaks
    the pool: it is restarted, and each unfinished part goes again in a
    worker of its own, then document by document if it dies again; a
    document that kills its worker is recorded as a failure, and the run
    goes on. ``work`` is the function the workers run on each part
    (default :func:`extract_documents`).
    """

    def __init__(self, processes: int, *, split: int = 2, work: ExtractFn | None = None) -> None:
        if processes < 1:
            raise ConfigError(f"processes must be >= 1, got {processes}")
        if split < 1:
            raise ConfigError(f"split must be >= 1, got {split}")
        self.processes, self.split = processes, split
        self.work: ExtractFn = work or extract_documents
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0

    def __enter__(self) -> ExtractPool:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.processes, mp_context=fork_server())
                self._generation += 1
            return self._pool, self._generation

    def prestart(self) -> None:
        """Start the worker processes now (they boot while the caller reads
        its input) rather than at the first batch."""
        pool, _ = self._start()
        for _ in range(self.processes):
            pool.submit(os.getpid)

    def _restart(self, generation: int) -> None:
        """Drop a broken pool (once, whichever thread saw it break first)."""
        with self._lock:
            if self._pool is not None and self._generation == generation:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def submit(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> PendingExtraction:
        """Start extracting ``docs``; the result waits in the returned handle."""
        parts = split_parts(docs, self.processes * self.split)
        pool, generation = self._start()
        futures: list[Future[Extracted] | None] = []
        for part in parts:
            try:
                futures.append(pool.submit(self.work, part, settings))
            except BrokenProcessPool:
                futures.append(None)
        return PendingExtraction(self, parts, futures, generation, settings)

    def extract(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Extracted:
        """Extract ``docs`` on the pool and wait for them."""
        return self.submit(docs, settings).result()


@dataclass
class PendingExtraction:
    """A batch being extracted by an :class:`ExtractPool`."""

    pool: ExtractPool
    parts: list[list[RawDocument]]
    futures: list[Future[Extracted] | None]
    generation: int
    settings: ExtractSettings | None

    def result(self) -> Extracted:
        """The batch's extraction, in document order (waits for it)."""
        results: list[Extracted | None] = []
        for future in self.futures:
            try:
                results.append(future.result() if future is not None else None)
            except BrokenProcessPool:
                results.append(None)
        if any(r is None for r in results):
            self.pool._restart(self.generation)
            # Each unfinished part on its own: only documents that kill a worker fail.
            results = [r if r is not None else _extract_alone(self.pool.work, part, self.settings)
                       for r, part in zip(results, self.parts, strict=True)]
        return Extracted.join(r for r in results if r is not None)


class Pending(Protocol[R_co]):
    """Work under way whose result can be waited for (a future)."""

    def result(self) -> R_co: ...


def run_ahead(submit: Callable[[T], Pending[R]], items: Iterable[T], ahead: int = 2) -> Iterator[R]:
    """Each item's result, in order, with up to ``ahead`` more items
    submitted meanwhile: the caller stores one batch while the next ones
    are extracted."""
    pending: list[Pending[R]] = []
    todo = iter(items)
    for item in todo:
        pending.append(submit(item))
        if len(pending) > ahead:
            break
    while pending:
        done = pending.pop(0).result()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(submit(nxt))
        yield done


def extract_ahead(pool: ExtractPool, batches: Sequence[Sequence[RawDocument]],
                  settings: ExtractSettings | None = None, ahead: int = 2,
                  before: Callable[[Sequence[RawDocument]], None] | None = None) -> Iterator[Extracted]:
    """Each batch's extraction on ``pool``, in order, ``ahead`` batches
    ahead; ``before(batch)`` runs just before a batch is submitted (e.g.
    :func:`archive_pending`)."""
    def submit(batch: Sequence[RawDocument]) -> PendingExtraction:
        if before is not None:
            before(batch)
        return pool.submit(batch, settings)

    return run_ahead(submit, batches, ahead)


def _extract_alone(work: ExtractFn, docs: Sequence[RawDocument], settings: ExtractSettings | None) -> Extracted:
    """Extract a part whose worker died: in a worker of its own, then, if
    that dies too, document by document, so only the documents that kill a
    worker are recorded as failures."""
    ctx = fork_server()
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(work, list(docs), settings).result()
        except BrokenProcessPool:
            pass
    results: list[Extracted] = []
    pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        for doc in docs:
            try:
                results.append(pool.submit(work, [doc], settings).result())
            except BrokenProcessPool as exc:
                pool.shutdown(wait=False)
                pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
                results.append(Extracted(failures=[extract_failure(
                    doc, "extract_error", f"the extraction worker process died on this document ({exc})")]))
    finally:
        pool.shutdown(wait=False)
    return Extracted.join(results)


def archive_changed(extracted: Sequence[Extracted], docs: Sequence[RawDocument], store: Store,
                    archive: RawArchive, name: str) -> None:
    """Archive the documents of new or changed articles only (imports): a
    file imported again with the same content adds nothing to the archive."""
    by_url = {d.url: d for d in docs}
    articles = [a for e in extracted for a in e.articles]
    stored = store.existing(a.canonical_url for a in articles)
    changed = [a for a in articles if stored.get(a.canonical_url) != a.content_hash]
    todo = [by_url[a.url] for a in changed if a.url in by_url]
    archive_documents(archive, name, todo)
    for a in changed:
        if a.url in by_url:
            a.raw = by_url[a.url].archive


def check_sketch_params(store: Store, params: SketchParams | None = None) -> SketchParams:
    """The sketch parameters to use; refuses to mix them with an index built
    with others (signatures of different parameters cannot be compared)."""
    params = params or DEFAULT_SKETCH
    built = store.get_info("sketch_params")
    if built is None:
        store.set_info("sketch_params", params.id)
    elif built != params.id:
        raise DedupError(
            f"the dedup index was built with sketch parameters {built}, not {params.id}: "
            "run `newsmill dedup rebuild`"
        )
    return params


def rebuild_dedup(store: Store, params: SketchParams | None = None,
                  settings: DedupSettings | None = None) -> dict[str, int]:
    """Recompute every sketch and duplicate link from the stored articles,
    oldest first (after a parameter change or an upgrade). Re-run it if it
    is interrupted: it starts from an empty index each time."""
    params = params or SketchParams()
    window = (settings or DedupSettings.from_env()).window
    counts = {"articles": 0, "duplicates": 0, "duplicate_passages": 0}
    with store.exclusive():
        store.clear_dedup()
        for batch in store.stored_articles():
            result = Deduplicator(store, params, window=window).run(batch)
            store.save_dedup(result.articles, result.sketches, result.novelty)
            counts["articles"] += len(batch)
            counts["duplicates"] += sum(1 for a in batch if a.duplicate_of)
            counts["duplicate_passages"] += sum(len(a.duplicate_passages) for a in batch)
        store.set_info("sketch_params", params.id)
    return counts


def remove_recurring(articles: Sequence[Article], store: Store, min_articles: int) -> int:
    """Remove paragraphs that reach ``min_articles`` distinct original
    articles of a site only with this batch counted (the extract stage
    already removed those the store had learned): a template is cleaned
    away, not linked as a duplicate passage. Likewise the templates of the
    site's publisher group and the lines shared across sites
    (:mod:`newsmill.storage.templates`), counted with the batch, as the
    extract stage will count them once the batch is stored. Copies
    (``duplicate_of`` set by a first dedup pass) are cleaned too but not
    counted, so a story republished under many URLs never becomes a
    template of its site. Returns the number of lines removed."""
    removed = 0
    by_site: dict[str, list[Article]] = {}
    for a in articles:
        if a.site:
            by_site.setdefault(a.site, []).append(a)
    if not by_site:
        return 0
    batch_ids = {a.id for a in articles}
    # Group and shared templates (newsmill.storage.templates): the store's
    # counts of lines on several sites and of this batch's lines, plus the
    # batch's originals, in one query for all sites.
    lines = {a.id: [*a.paragraphs, *(r.text for r in a.boilerplate_removed if r.rule == "site.template")]
             for group in by_site.values() for a in group if not a.duplicate_of}
    shared = SharedLines.load(store, exclude=batch_ids, wanted=(p for mine in lines.values() for p in mine))
    for a in articles:
        if a.id in lines:
            shared.add(a.site, lines[a.id])
    learned = shared.templates(min_articles)
    for site, group in by_site.items():
        batch: dict[str, int] = {}
        for a in group:
            if not a.duplicate_of:
                for key in {template_key(p) for p in a.paragraphs}:
                    batch[key] = batch.get(key, 0) + 1
        present = {template_key(p) for a in group for p in a.paragraphs}
        templates = set(learned.get(site, {})) & present
        if batch:
            stored, _ = store.paragraph_counts(site, exclude=batch_ids)
            templates |= {k for k, n in batch.items() if k and n + stored.get(k, 0) >= min_articles}
        if not templates:
            continue
        # Near variants too (a name or number changed), as the extract
        # stage's cleaner does with learned templates: an article cleaned
        # here and one cleaned there must come out the same.
        near = Cleaner(templates)
        for a in group:
            drop = [p for p in a.paragraphs if template_key(p) in templates or near.is_template(p)]
            if not drop:
                continue
            a.paragraphs = [p for p in a.paragraphs if p not in drop]
            a.text = "\n\n".join(a.paragraphs)
            a.boilerplate_removed = [*a.boilerplate_removed, *(Removal(p, "site.template") for p in drop)]
            removed += len(drop)
    return removed


def dedup_and_store(articles: list[Article], store: Store, report: RunReport,
                    settings: DedupSettings | None = None,
                    sketches: Mapping[str, ArticleSketches] | None = None) -> None:
    """Skip unchanged articles, link duplicates against the whole store (or
    the configured window) and the batch, and save articles with their
    sketches in one transaction. ``sketches``: those computed at extraction
    (:attr:`Extracted.sketches`); the others are computed here.

    It all happens under the store's writer lock, so concurrent ingest
    processes neither miss each other's duplicates nor store a URL twice."""
    with store.exclusive():
        _dedup_and_store(articles, store, report, settings or DedupSettings.from_env(), sketches)


def _dedup_and_store(articles: list[Article], store: Store, report: RunReport, settings: DedupSettings,
                     sketches: Mapping[str, ArticleSketches] | None) -> None:
    by_url: dict[str, Article] = {}
    for article in articles:  # the same canonical URL twice in one batch: keep the first
        by_url.setdefault(article.canonical_url, article)
    params = check_sketch_params(store)
    stored = store.existing(by_url)
    unchanged = [a for url, a in by_url.items() if stored.get(url) == a.content_hash]
    fresh = [a for url, a in by_url.items() if stored.get(url) != a.content_hash]
    for article in unchanged:
        report.count(article.site, "unchanged")
    if unchanged:
        store.touch(a.canonical_url for a in unchanged)
    if not fresh:
        return
    dedup = Deduplicator(store, params, window=settings.window)
    result = dedup.run(fresh, sketches)
    if remove_recurring(fresh, store, settings.template_min_articles):
        result = dedup.run(fresh, sketches)  # the texts changed (and are sketched again): link them again
    saved = store.save_batch(result.articles, result.sketches, novelty=result.novelty, relinks=result.relinks)
    report.relinked += saved.relinked
    for article in result.articles:
        site = article.site
        report.count(site, "new" if stored.get(article.canonical_url) is None else "updated")
        report.count(site, "boilerplate_removed", len(article.boilerplate_removed))
        report.count(site, "duplicate_passages", len(article.duplicate_passages))
        if article.duplicate_of:
            report.count(site, "duplicates")
            report.duplicate_links.append(
                {
                    "article": article.id,
                    "url": article.url,
                    "duplicate_of": article.duplicate_of,
                    "similarity": round(article.similarity or 0.0, 4),
                }
            )


def read_archived(archive: RawArchive, uris: Sequence[str], *, site: str | None = None,
                  done: int = 0, total: int | None = None) -> tuple[list[RawDocument], list[Failure]]:
    """The raw documents at these archive locations (of stored articles:
    :meth:`Store.raw_locations`), read back without network: the input of
    a reprocess after a rule change, one window of locations at a time. A
    location that cannot be read is an ``archive_error`` failure. ``done``
    and ``total``: where this window is in the whole run (progress)."""
    docs: list[RawDocument] = []
    failures: list[Failure] = []
    total = len(uris) if total is None else total
    for i, uri in enumerate(uris, done + 1):
        progress.report("read archive", i, total)
        try:
            docs.append(archive.read(ArchiveLocation.from_uri(uri)))
        except ArchiveError as exc:
            failures.append(Failure(url=uri, stage="reprocess", status="archive_error", reason=str(exc),
                                    site=site or ""))
    return docs, failures


def expand_import_paths(paths: Iterable[str | Path]) -> Iterator[Path | Failure]:
    """Files to import from the given files and folders (folders recursively)."""
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            yield Failure(url=p.as_uri() if p.is_absolute() else str(p), stage="import",
                          status="not_found", reason=f"no such file or folder: {p}")
        elif p.is_dir() or p.name.endswith(IMPORT_SUFFIXES):
            yield p
        else:
            yield Failure(url=p.resolve().as_uri(), stage="import", status="unsupported",
                          reason=f"not an importable file type (want {', '.join(IMPORT_SUFFIXES)}): {p}")


def read_import_path(path: Path) -> Iterator[RawDocument | Failure]:
    """Raw documents from one file or folder given to ``newsmill import``."""
    ref = SourceRef(name="import", kind="warc" if ".warc" in path.name else "folder",
                    url=path.resolve().as_uri())
    if path.is_file() and path.name.endswith((".warc", ".warc.gz")):
        yield from iter_warc(path, ref, site="")
    else:
        yield from iter_folder(path, ref, site="")


def read_imports(paths: Iterable[str | Path], report: RunReport,
                 window: int) -> Iterator[tuple[list[RawDocument], bool]]:
    """The documents of the files and folders given to ``newsmill import``,
    ``window`` at a time, each window with whether more follow; what cannot
    be read goes to the report's failures."""
    docs: list[RawDocument] = []
    read = 0
    for item in expand_import_paths(paths):
        if isinstance(item, Failure):
            report.add_failures([item])
            continue
        for got in read_import_path(item):
            if isinstance(got, Failure):
                report.add_failures([got])
                continue
            if len(docs) >= window:
                yield docs, True
                docs = []
            docs.append(got)
            read += 1
            progress.report("read files", read, 0)
    if docs:
        yield docs, False


def prune(store: Store, raw_dir: Path, before: datetime, *, articles: bool = False,
          dry_run: bool = False) -> dict[str, int]:
    """Retention: delete raw-archive files last written before ``before``
    (after dropping the store's references to them), fetch-log and failure
    rows older than that, and, only if ``articles``, articles not seen since."""
    archive = RawArchive(raw_dir)
    old_files = archive.files_older_than(before)
    done = {"raw_files": len(old_files), "raw_bytes": 0, "articles": 0}
    if dry_run:
        done["raw_bytes"] = sum((raw_dir / f).stat().st_size for f in old_files if (raw_dir / f).exists())
        done.update(store.prune_log(before, dry_run=True))
        if articles:
            done["articles"] = store.prune_articles(before, dry_run=True)
        return done
    store.forget_raw(old_files)  # first: the store never points at a deleted file
    done["raw_bytes"] = archive.remove(old_files)
    done.update(store.prune_log(before))
    if articles:
        done["articles"] = store.prune_articles(before)
    return done


_heap_settled = False


def settle_heap() -> None:
    """Take what is alive now (the imported libraries: some 200k objects)
    out of the cyclic garbage collector's full passes, once per process. A
    run allocates many long-lived objects (documents, articles, sketches),
    which triggers a full pass every few batches; each walked the whole
    heap again (~0.1 s each in the process that dedups and stores)."""
    global _heap_settled
    if not _heap_settled:
        gc.collect()
        gc.freeze()
        _heap_settled = True


def open_context(home: str | None = None) -> tuple[Paths, Store, RawArchive]:
    """Resolve paths and open the store and the raw archive (and settle the
    process's heap: :func:`settle_heap`)."""
    settle_heap()
    paths = Paths.resolve(home)
    paths.raw_dir.mkdir(parents=True, exist_ok=True)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        store = open_store(paths.database_url)
    except NewsmillError:
        raise
    return paths, store, RawArchive(paths.raw_dir)


__all__ = [
    "POOL_WORKER",
    "WORKER_NICENESS",
    "WORKER_PRIORITY",
    "Discovered",
    "ExtractPool",
    "Extracted",
    "Fetched",
    "PendingExtraction",
    "archive_changed",
    "archive_documents",
    "archive_pending",
    "assign_items",
    "check_sketch_params",
    "commit_source_states",
    "dedup_and_store",
    "discover_source",
    "expand_import_paths",
    "extract_ahead",
    "extract_documents",
    "fetch_items",
    "fork_server",
    "learned_settings",
    "open_context",
    "read_archived",
    "read_import_path",
    "read_imports",
    "read_local_source",
    "rebuild_dedup",
    "run_ahead",
    "site_overrides",
]
