"""Acquiring documents from sources: discover a feed, sitemap or URL list,
fetch its new articles politely, read a folder or WARC source's new files;
every fetch is archived and logged."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsmill.core.errors import ConfigError
from newsmill.core.records import (
    Failure,
    FetchOutcome,
    FetchStatus,
    RawDocument,
    Skipped,
    SourceRef,
    SourceState,
)
from newsmill.core.settings import (
    FetchSettings,
    SourceConfig,
    SourcesFile,
    load_sources,
    parse_sources,
)
from newsmill.pipeline.archiving import archive_once
from newsmill.sources import DiscoveredItem, Discovery, Fetcher, discover, iter_folder, iter_warc
from newsmill.sources.discover import skipped_item
from newsmill.storage import RawArchive, Store
from newsmill.storage.archive import Claim

REMOTE_KINDS = ("feed", "sitemap", "urls")
LOCAL_KINDS = ("folder", "warc")


@dataclass
class Fetched:
    """What fetching one source produced."""

    source: str
    docs: list[RawDocument] = field(default_factory=list)
    outcomes: list[FetchOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Discovered:
    """What discovering one source produced."""

    source: SourceConfig
    items: list[DiscoveredItem] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    outcomes: list[FetchOutcome] = field(default_factory=list)
    failed: bool = False
    state: SourceState | None = None


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


def choose_sources(sources_file: str | None, config: dict[str, Any] | None, group: str | None,
                   names: list[str] | None) -> tuple[SourcesFile, list[SourceConfig]]:
    """The sources file (or the inline ``config``) and the sources of it to run."""
    if config is not None:
        plan = parse_sources(config)
    elif sources_file:
        plan = load_sources(sources_file)
    else:
        raise ConfigError("no sources: pass --sources FILE (see README, 'The sources file')")
    chosen = plan.select(names, group)
    if not chosen:
        raise ConfigError(f"no source matches group={group!r} sources={names!r}")
    return plan, chosen


async def _discover_async(source: SourceConfig, settings: FetchSettings, state: SourceState | None) -> Discovery:
    async with Fetcher(settings) as fetcher:
        return await discover(source, fetcher, state)


def discover_articles(
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
    # Every item the source listed and discovery left out has its row.
    skipped = [skip_outcome(item, source) for item in discovery.skipped]

    def commit(claims: list[Claim]) -> None:
        if discovery.raw:
            result.outcomes = [replace(o, archive=discovery.raw[0].archive) for o in result.outcomes]
        result.outcomes += skipped
        store.record_fetches(result.outcomes, run_id=run_id, claims=claims)

    archive_once(store, archive, f"{run_id}-{source.name}", discovery.raw, commit, kind=source.kind)
    if not discovery.errors:
        result.state = discovery.state
    return result


def skip_outcome(item: DiscoveredItem, source: SourceConfig) -> FetchOutcome:
    """The fetch-log row of an item not fetched on purpose (``item.skip``
    says why: ``"<reason>: <detail>"``, reasons in
    :data:`~newsmill.sources.discover.SKIP_REASONS`)."""
    return FetchOutcome(url=item.url, status=FetchStatus.SKIPPED,
                        source=SourceRef(name=source.name, kind=source.kind, url=source.location),
                        site=source.site, attempts=0, reason=item.skip, kind="article")


def assign_items(discovered: Sequence[Discovered], store: Store) -> dict[str, list[DiscoveredItem]]:
    """Items per source: each URL fetched once across sources (the first
    source that lists it wins) and never a URL already stored, except the
    source's own articles of the last ``recheck_hours``, re-checked for
    updates even when the feed is unchanged (a changed page becomes a new
    version, an unchanged one only updates ``last_seen``). An item not to be
    fetched stays in its source's list, marked with why
    (``duplicate_in_run``, ``already_stored``): :func:`fetch_items` records
    it as skipped, so every listed item has its row."""
    assigned: dict[str, list[DiscoveredItem]] = {}
    first: dict[str, str] = {}  # URL -> the source that listed it first
    for d in discovered:
        mine = []
        for item in d.items:
            if item.url in first:
                mine.append(skipped_item(item, item.url, "duplicate_in_run",
                                         f"listed by source {first[item.url]!r} too"))
            else:
                first[item.url] = d.source.name
                mine.append(item)
        assigned[d.source.name] = mine
    known = store.known_urls(first)
    taken = {u for u in first if u not in known}
    out: dict[str, list[DiscoveredItem]] = {}
    for d in discovered:
        name = d.source.name
        recent: list[str] = []
        if d.source.recheck_hours > 0:
            since = datetime.now(UTC) - timedelta(hours=d.source.recheck_hours)
            recent = [u for u in store.recent_urls(name, since) if u not in taken][: d.source.max_articles]
            taken.update(recent)
        again = set(recent)
        items = [skipped_item(i, i.url, "already_stored", "stored before, not due for a re-check")
                 if not i.skip and i.url in known and i.url not in again else i for i in assigned[name]]
        listed = {i.url for i in items if not i.skip}
        out[name] = items + [DiscoveredItem(u) for u in recent if u not in listed]
    return out


async def _fetch_async(source: SourceConfig, items: Sequence[DiscoveredItem],
                       settings: FetchSettings) -> list[tuple[FetchOutcome, RawDocument | None]]:
    ref = SourceRef(name=source.name, kind=source.kind, url=source.location)
    async with Fetcher(settings) as fetcher:
        return list(await asyncio.gather(*(
            fetcher.fetch(item.url, source=ref, site=source.site, allow_private=source.allow_private,
                          allow_host=source.allows_host)
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
    and record every fetch in the store's fetch log; an item marked as not
    to be fetched (:func:`assign_items`) is recorded as skipped."""
    result = Fetched(source=source.name)
    to_fetch = [i for i in items if not i.skip]
    fetched = iter(asyncio.run(_fetch_async(source, to_fetch, settings)) if to_fetch else [])
    docs: list[RawDocument] = []
    ok: set[int] = set()
    for item in items:
        if item.skip:
            result.outcomes.append(skip_outcome(item, source))
            continue
        outcome, doc = next(fetched)
        result.outcomes.append(outcome)
        if doc is not None:
            doc.hints = {**item.hints, **doc.hints}
            if source.language:
                doc.hints.setdefault("language", source.language)
            if outcome.status is FetchStatus.OK:
                ok.add(id(doc))
            docs.append(doc)
        if outcome.status not in (FetchStatus.OK, FetchStatus.SKIPPED):
            result.failures.append(failure_from_outcome(outcome))
    def commit(claims: list[Claim]) -> None:
        archived = {d.url: d.archive for d in docs}
        result.outcomes = [o if o.status is FetchStatus.SKIPPED else replace(o, archive=archived.get(o.url))
                           for o in result.outcomes]
        # A failed fetch that got a body (an error page) points at it too.
        result.failures = [replace(f, raw=archived.get(f.url)) for f in result.failures]
        store.record_fetches(result.outcomes, run_id=run_id, claims=claims)

    # Archived with their fetch-log rows: a page fetched again unchanged
    # points at its record; a run killed before the rows are committed
    # leaves records its next open cuts back.
    archive_once(store, archive, f"{run_id}-{source.name}", docs, commit)
    result.docs = [d for d in docs if id(d) in ok]
    return result


def _local_skip(url: str, reason: str, source: SourceConfig) -> FetchOutcome:
    return FetchOutcome(url=url, status=FetchStatus.SKIPPED,
                        source=SourceRef(name=source.name, kind=source.kind, url=source.location),
                        site=source.site, attempts=0, reason=reason, kind="article")


def read_new_files(source: SourceConfig, store: Store, run_id: str | None = None) -> Fetched:
    """A ``folder`` or ``warc`` source: its files not stored yet, read as
    raw documents, not archived yet (:class:`~newsmill.pipeline.archiving.Archiver`
    archives them batch by batch as they are stored, or fail). A file its
    patterns exclude or already stored is a ``skipped`` fetch-log row with
    its reason (``excluded``, ``already_stored``), as a feed's items are;
    reading stops at ``max_articles`` documents."""
    ref = SourceRef(name=source.name, kind=source.kind, url=source.location)
    result = Fetched(source=source.name)
    path = Path(source.location)
    reader = iter_warc(path, ref, source.site) if source.kind == "warc" else iter_folder(path, ref, source.site)
    docs: list[RawDocument] = []
    for got in reader:
        if isinstance(got, Failure):
            result.failures.append(got)
        elif isinstance(got, Skipped):
            continue  # a record that holds no page: a feed, a sitemap, an error response
        elif source.wants(got.url):
            docs.append(got)
        else:
            result.outcomes.append(_local_skip(got.url, "excluded: the source's include/exclude patterns", source))
        if len(docs) >= source.max_articles:
            break
    known = store.known_urls(d.url for d in docs)
    result.docs = [d for d in docs if d.url not in known]
    result.outcomes += [_local_skip(d.url, "already_stored: stored by an earlier run", source)
                        for d in docs if d.url in known]
    if result.outcomes:
        store.record_fetches(result.outcomes, run_id=run_id)
    for doc in result.docs:
        if source.language:
            doc.hints.setdefault("language", source.language)
    return result


def commit_source_states(discovered: Sequence[Discovered], store: Store) -> None:
    """Remember each source's ETag/Last-Modified, only once its articles are
    stored: a run that dies earlier must not make the next one see a 304 and
    skip articles it never stored."""
    for d in discovered:
        if d.state is not None:
            store.set_source_state(d.source.name, d.state.etag, d.state.last_modified)


__all__ = ["LOCAL_KINDS", "REMOTE_KINDS", "Discovered", "Fetched", "assign_items", "choose_sources", "commit_source_states",
           "discover_articles", "failure_from_outcome", "fetch_items", "read_new_files", "skip_outcome"]
