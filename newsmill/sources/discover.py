"""Discovery: what articles a source points at right now."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsmill.core.errors import SourceError
from newsmill.core.records import FetchOutcome, FetchStatus, RawDocument, SourceRef, SourceState
from newsmill.core.settings import SourceConfig
from newsmill.sources.parse import (
    DiscoveredItem,
    discover_feed_links,
    gunzip_capped,
    looks_like_html,
    parse_feed,
    parse_sitemap,
    parse_url_list,
)
from newsmill.sources.urls import canonicalize_url, is_http_url

if TYPE_CHECKING:  # the caller brings the fetcher: reading files needs no HTTP stack
    from newsmill.sources.fetcher import Fetcher

MAX_SITEMAP_DEPTH = 3
MAX_CHILD_SITEMAPS = 200
# Why a discovered item is not fetched: each is a `skipped` row of the fetch
# log and a count of the run report, whose reason begins with one of these.
SKIP_REASONS = (
    "no_link",  # the entry has no link
    "bad_link",  # its link is no http(s) URL
    "host_not_allowed",  # on a host the source does not allow (also a redirect there)
    "duplicate_in_feed",  # listed again by the same source
    "excluded",  # by the source's include/exclude patterns
    "too_old",  # dated before max_age_hours
    "over_limit",  # past max_articles
    "duplicate_in_run",  # listed by an earlier source of the run too
    "already_stored",  # stored before, and not due for a re-check
)


@dataclass
class Discovery:
    """The items of a source, the fetch of the source document itself and
    its raw bytes (archived like any response), and the new conditional-GET
    state. ``errors`` lists what went wrong without stopping discovery."""

    items: list[DiscoveredItem]
    outcome: FetchOutcome
    raw: list[RawDocument] = field(default_factory=list)
    state: SourceState | None = None
    errors: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # links that are no http(s) URL
    skipped: list[DiscoveredItem] = field(default_factory=list)  # items left out, each with its reason


def _too_old(item: DiscoveredItem, cutoff: datetime | None) -> bool:
    if cutoff is None:
        return False
    when = item.hints.get("published") or item.hints.get("modified")
    if not isinstance(when, str):
        return False  # undated items are kept: the page itself may say more
    try:
        dt = datetime.fromisoformat(when)
    except ValueError:
        return False
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)) < cutoff


def skipped_item(item: DiscoveredItem, url: str, reason: str, detail: str) -> DiscoveredItem:
    """``item`` marked as not to be fetched, with why: ``"<reason>: <detail>"``."""
    return replace(item, url=url, skip=f"{reason}: {detail}")


def _entry_name(item: DiscoveredItem, n: int) -> str:
    """``entry 3 ('Title')``: its place in the document when the parser
    kept it, else in the list."""
    title = item.hints.get("title")
    return f"entry {item.hints.get('entry', n)}" + (f" ({str(title)[:80]!r})" if title else "")


def select_items(source: SourceConfig, items: list[DiscoveredItem], base: str,
                 rejected: list[str] | None = None,
                 skipped: list[DiscoveredItem] | None = None) -> list[DiscoveredItem]:
    """Resolve, canonicalize, filter (hosts, include/exclude, freshness),
    dedupe and cap. Every item left out goes to ``skipped``, marked with
    its reason (:data:`SKIP_REASONS`); links that are no http(s) URL even
    once resolved (``javascript:``, ``mailto:``, garbage) also go to
    ``rejected``."""
    seen: set[str] = set()
    out: list[DiscoveredItem] = []
    left: list[DiscoveredItem] = [] if skipped is None else skipped
    cutoff = datetime.now(UTC) - timedelta(hours=source.max_age_hours) if source.max_age_hours else None
    for n, item in enumerate(items, 1):
        if not item.url.strip():
            left.append(skipped_item(item, base or source.location, "no_link", f"{_entry_name(item, n)} has no link"))
            continue
        url = canonicalize_url(item.url, base)
        if not is_http_url(url):
            if rejected is not None:
                rejected.append(item.url)
            left.append(skipped_item(item, item.url[:2000], "bad_link", "no http(s) URL"))
        elif not source.allows_host(url):
            left.append(skipped_item(item, url, "host_not_allowed",
                                     f"{urlsplit(url).hostname} is not among the source's hosts "
                                     f"({', '.join(source.allowed_hosts())})"))
        elif url in seen:
            left.append(skipped_item(item, url, "duplicate_in_feed", "listed again by the source"))
        elif not source.wants(url):
            left.append(skipped_item(item, url, "excluded", "by the source's include/exclude patterns"))
        elif _too_old(item, cutoff):
            when = item.hints.get("published") or item.hints.get("modified")
            left.append(skipped_item(item, url, "too_old", f"dated {when}, over max_age_hours "
                                                            f"({source.max_age_hours:g})"))
        elif len(out) >= source.max_articles:
            left.append(skipped_item(item, url, "over_limit", f"past max_articles ({source.max_articles})"))
        else:
            seen.add(url)
            out.append(DiscoveredItem(url, item.hints))
    return out


async def discover(source: SourceConfig, fetcher: Fetcher, state: SourceState | None = None) -> Discovery:
    """Read one feed, sitemap or URL-list source. Never raises for bad input:
    failures are in ``outcome`` and ``errors``."""
    ref = SourceRef(name=source.name, kind=source.kind, url=source.location)
    url = source.location
    if source.kind == "urls" and not is_http_url(url):
        return _local_url_list(source, ref)
    outcome, doc = await fetcher.fetch(url, source=ref, site=source.site, allow_private=source.allow_private,
                                       kind="feed", state=state, allow_host=source.allows_host)
    result = Discovery(items=[], outcome=outcome, raw=[doc] if doc is not None else [])
    if doc is None or outcome.status is not FetchStatus.OK:
        return result
    result.state = SourceState(etag=doc.headers.get("etag") or doc.headers.get("ETag"),
                               last_modified=doc.headers.get("last-modified") or doc.headers.get("Last-Modified"))
    try:
        if source.kind == "feed":
            items = await _feed_items(source, fetcher, ref, doc, result)
        elif source.kind == "sitemap":
            items = await _sitemap_items(source, fetcher, ref, doc, result)
        else:
            items = parse_url_list(doc.body.decode("utf-8", "replace"))
    except SourceError as exc:
        result.errors.append(str(exc))
        return result
    result.items = select_items(source, items, doc.effective_url, result.rejected, result.skipped)
    return result


async def _feed_items(source: SourceConfig, fetcher: Fetcher, ref: SourceRef, doc: RawDocument,
                      result: Discovery) -> list[DiscoveredItem]:
    ctype = (doc.content_type or "").lower()
    if "html" in ctype or looks_like_html(doc.body):
        links = discover_feed_links(doc.body, doc.effective_url)
        if not links:
            raise SourceError(f"{doc.effective_url} is an HTML page announcing no feed", status="parse_error")
        outcome, feed = await fetcher.fetch(links[0], source=ref, site=source.site,
                                            allow_private=source.allow_private, kind="feed",
                                            allow_host=source.allows_host)
        if feed is not None:
            result.raw.append(feed)
        if feed is None or outcome.status is not FetchStatus.OK:
            raise SourceError(f"discovered feed {links[0]} failed: {outcome.reason}", status=outcome.status.value)
        doc = feed
        ctype = (doc.content_type or "").lower()
    _, items = parse_feed(doc.body, ctype, doc.headers, doc.effective_url)
    return items


async def _sitemap_items(source: SourceConfig, fetcher: Fetcher, ref: SourceRef, doc: RawDocument,
                         result: Discovery) -> list[DiscoveredItem]:
    """The items of a sitemap source: a sitemap or sitemap index (XML, text,
    RSS or Atom; gzipped or not) or a ``robots.txt`` whose ``Sitemap:``
    lines are followed, child sitemaps down to ``MAX_SITEMAP_DEPTH``."""
    max_bytes = fetcher.settings.max_bytes
    queue: list[tuple[str, int]] = []
    docs: list[tuple[RawDocument, int]] = []
    if urlsplit(doc.effective_url).path.endswith("robots.txt"):
        todo = await fetcher.robots_sitemaps(doc.effective_url)
        if not todo:
            raise SourceError(f"{doc.effective_url} lists no Sitemap", status="parse_error")
        queue = [(u, 0) for u in todo]
    else:
        docs = [(doc, 0)]
    items: list[DiscoveredItem] = []
    seen: set[str] = {doc.effective_url}
    while docs or queue:
        if docs:
            sm, depth = docs.pop()
        else:
            sm_url, depth = queue.pop(0)
            if sm_url in seen:
                continue
            seen.add(sm_url)
            outcome, got = await fetcher.fetch(sm_url, source=ref, site=source.site,
                                               allow_private=source.allow_private, kind="feed",
                                            allow_host=source.allows_host)
            if got is not None:
                result.raw.append(got)
            if got is None or outcome.status is not FetchStatus.OK:
                result.errors.append(f"sitemap {sm_url}: {outcome.reason or outcome.status.value}")
                continue
            sm = got
        data = sm.body
        try:
            if data[:2] == b"\x1f\x8b":
                data = gunzip_capped(data, max_bytes)
            children, page_items = parse_sitemap(data, (sm.content_type or "").lower(), sm.headers,
                                                 sm.effective_url, result.errors)
        except SourceError as exc:
            result.errors.append(str(exc))
            continue
        items.extend(page_items)
        if depth < MAX_SITEMAP_DEPTH:
            queue.extend((c, depth + 1) for c in children[:MAX_CHILD_SITEMAPS])
        if len(items) >= source.max_articles * 4:
            break
    # Newest first when dates are known, so max_articles keeps the fresh ones.
    items.sort(key=lambda i: str(i.hints.get("published") or i.hints.get("modified") or ""), reverse=True)
    return items


def _local_url_list(source: SourceConfig, ref: SourceRef) -> Discovery:
    path = Path(source.location.removeprefix("file://"))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        outcome = FetchOutcome(url=source.location, status=FetchStatus.READ_ERROR, source=ref, site=source.site,
                               reason=f"cannot read URL list {path}: {exc}", kind="feed")
        return Discovery(items=[], outcome=outcome)
    outcome = FetchOutcome(url=source.location, status=FetchStatus.OK, source=ref, site=source.site,
                           bytes=len(text.encode("utf-8")), kind="feed")
    skipped: list[DiscoveredItem] = []
    rejected: list[str] = []
    items = select_items(source, parse_url_list(text), "", rejected, skipped)
    return Discovery(items=items, outcome=outcome, rejected=rejected, skipped=skipped)
