"""The polite async HTTP fetcher (httpx).

Per-host concurrency limit and minimum delay between requests (robots.txt
``Crawl-delay`` wins if larger), a global concurrency limit, robots.txt
obeyed, retries with exponential backoff and jitter on connection errors,
408, 429 and 5xx (honouring ``Retry-After``), conditional GET, a body size
cap enforced while streaming (also after decompression: gzip bombs stop at
the cap), manual redirects with a limit, a content-type filter for
articles, blocked-page detection and refusal of non-public addresses.

``Fetcher.fetch`` never raises for misbehaviour of the web: every outcome is
a :class:`~newsmill.core.records.FetchOutcome` with a status and a reason.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from newsmill.core.records import (
    FetchOutcome,
    FetchStatus,
    RawDocument,
    SourceRef,
    SourceState,
    utcnow,
)
from newsmill.core.settings import FetchSettings
from newsmill.sources.urls import is_http_url, private_address_reason

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
MAX_RETRY_AFTER = 60.0
ROBOTS_TTL = 3600.0
HTML_TYPES = ("text/html", "application/xhtml+xml")
_BLOCK_MARKERS = re.compile(
    rb"(cf-browser-verification|cf-challenge|challenge-platform|__cf_chl_|<title>\s*just a moment|"
    rb"<title>\s*attention required|access denied|are you a robot|verify you are (a )?human|"
    rb"captcha-delivery|px-captcha|<title>\s*403 forbidden|request unsuccessful\. incapsula|"
    rb"consent\.(google|yahoo)\.|id=\"?didomi-notice|before you continue to)",
    re.IGNORECASE,
)


def blocked_reason(status: int, body: bytes) -> str | None:
    """Why a response is a block or interstitial page rather than content."""
    if status in (403, 451):
        return f"HTTP {status}: access refused"
    # Challenge and consent interstitials are small pages; a real article that
    # merely mentions "access denied" is larger than this.
    head = body[:8_000]
    if len(body) < 30_000 and (m := _BLOCK_MARKERS.search(head)):
        return f"bot challenge or consent wall ({m.group(0).decode('ascii', 'replace')[:40]})"
    return None


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min((when - utcnow()).total_seconds(), MAX_RETRY_AFTER))


class _HostGate:
    """Per-host concurrency limit and minimum delay between request starts."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.sem = asyncio.Semaphore(concurrency)
        self.lock = asyncio.Lock()
        self.delay = delay
        self.next_at = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self.sem:
            async with self.lock:
                now = time.monotonic()
                if self.next_at > now:
                    await asyncio.sleep(self.next_at - now)
                    now = time.monotonic()
                self.next_at = now + self.delay
            yield


@dataclass
class _Robots:
    parser: Protego | None  # None: allow everything
    disallow_all: bool
    expires: float


@dataclass
class _Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str


class _TooLarge(Exception):
    pass


class Fetcher:
    """One httpx.AsyncClient with politeness state; an async context manager."""

    def __init__(self, settings: FetchSettings | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._global = asyncio.Semaphore(self.settings.global_concurrency)
        self._hosts: dict[str, _HostGate] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=s.global_concurrency,
                                max_keepalive_connections=s.global_concurrency),
        )
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- politeness -----------------------------------------------------------

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = _HostGate(self.settings.per_host_concurrency, self.settings.per_host_delay)
        return gate

    async def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached is not None and cached.expires > time.monotonic():
                return cached
            robots = await self._load_robots(origin)
            self._robots[origin] = robots
            if robots.parser is not None:
                delay = robots.parser.crawl_delay(self.settings.user_agent)
                if delay:
                    gate = self._gate(url)
                    gate.delay = max(gate.delay, float(delay))
            return robots

    async def _load_robots(self, origin: str) -> _Robots:
        expires = time.monotonic() + ROBOTS_TTL
        try:
            resp = await self._request(f"{origin}/robots.txt", {}, max_bytes=500_000)
        except (httpx.HTTPError, TimeoutError, _TooLarge):
            # Unreachable robots.txt: let the page fetch report the real error.
            return _Robots(None, False, time.monotonic() + 60)
        if 200 <= resp.status < 300:
            text = resp.body.decode("utf-8", "replace")
            try:
                return _Robots(Protego.parse(text), False, expires)
            except Exception:  # a robots.txt protego cannot read is treated as absent
                return _Robots(None, False, expires)
        if resp.status >= 500:  # RFC 9309: server error means complete disallow, for a while
            return _Robots(None, True, time.monotonic() + 300)
        return _Robots(None, False, expires)  # 4xx: no restrictions

    async def robots_sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs of the robots.txt of ``url``'s host."""
        robots = await self._robots_for(url)
        return list(robots.parser.sitemaps) if robots.parser is not None else []

    async def allowed(self, url: str) -> bool:
        if not self.settings.obey_robots:
            return True
        robots = await self._robots_for(url)
        if robots.disallow_all:
            return False
        return robots.parser is None or bool(robots.parser.can_fetch(url, self.settings.user_agent))

    # -- one HTTP exchange ----------------------------------------------------

    async def _request(self, url: str, headers: dict[str, str], *, max_bytes: int,
                       stop_unless_html: bool = False) -> _Response:
        assert self._client is not None, "use Fetcher as an async context manager"
        async with (
            self._global,
            self._gate(url).slot(),
            self._client.stream("GET", url, headers=headers) as resp,
        ):
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _TooLarge(f"Content-Length {declared} exceeds the {max_bytes}-byte cap")
            if stop_unless_html and resp.status_code == 200 and not _is_html(resp.headers):
                return _Response(resp.status_code, resp.headers, b"", str(resp.url))
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _TooLarge(f"body exceeds the {max_bytes}-byte cap (after decompression)")
                chunks.append(chunk)
            return _Response(resp.status_code, resp.headers, b"".join(chunks), str(resp.url))

    # -- the public fetch -------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        source: SourceRef,
        site: str,
        allow_private: bool = False,
        kind: str = "article",
        state: SourceState | None = None,
        allow_host: Callable[[str], bool] | None = None,
    ) -> tuple[FetchOutcome, RawDocument | None]:
        """Fetch one URL politely; never raises for web misbehaviour.
        ``allow_host`` (the source's :meth:`~newsmill.core.settings.SourceConfig.allows_host`)
        is asked before every hop: an address it refuses, the URL itself or
        a redirect's target, is never requested (status ``skipped``, reason
        ``host_not_allowed: ...``)."""
        started = time.monotonic()
        at = utcnow()

        def outcome(status: FetchStatus, reason: str = "", *, http_status: int | None = None,
                    final_url: str | None = None, size: int = 0, attempts: int = 1) -> FetchOutcome:
            return FetchOutcome(url=url, status=status, source=source, site=site, final_url=final_url,
                                http_status=http_status, bytes=size, elapsed=time.monotonic() - started,
                                attempts=attempts, reason=reason, at=at, kind="article" if kind == "article" else "feed")

        if not is_http_url(url):
            return outcome(FetchStatus.INVALID_URL, f"not an http(s) URL: {url[:200]}"), None
        if allow_host is not None and not allow_host(url):
            return outcome(FetchStatus.SKIPPED, _host_refused(url)), None
        if not allow_private and (why := await asyncio.to_thread(private_address_reason, url)):
            return outcome(FetchStatus.REFUSED_ADDRESS, f"refused: {why} (set allow_private to permit)"), None
        headers: dict[str, str] = {}
        if state is not None:
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            delay: float | None = None
            try:
                async with asyncio.timeout(s.timeout):
                    result = await self._follow(url, headers, kind, allow_private, allow_host)
            except _TooLarge as exc:
                return outcome(FetchStatus.TOO_LARGE, str(exc), attempts=attempt), None
            except _Refused as exc:
                return outcome(exc.status, exc.reason, final_url=exc.url, attempts=attempt), None
            except TimeoutError:
                status, reason = FetchStatus.TIMEOUT, f"no complete response within {s.timeout:g} s"
            except httpx.ConnectTimeout:
                status, reason = FetchStatus.TIMEOUT, f"connect timed out after {s.connect_timeout:g} s"
            except httpx.TimeoutException as exc:
                status, reason = FetchStatus.TIMEOUT, f"timed out: {type(exc).__name__}"
            except httpx.ConnectError as exc:
                text = str(exc)
                if "Name or service not known" in text or "nodename nor servname" in text or \
                        "getaddrinfo" in text or "Temporary failure in name resolution" in text:
                    status, reason = FetchStatus.DNS_ERROR, f"DNS lookup failed: {text}"
                else:
                    status, reason = FetchStatus.CONNECTION_ERROR, f"cannot connect: {text or type(exc).__name__}"
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                status = FetchStatus.CONNECTION_ERROR
                reason = f"connection broken mid-response: {exc or type(exc).__name__}"
            except httpx.DecodingError as exc:
                return outcome(FetchStatus.READ_ERROR, f"cannot decode response body: {exc}",
                               attempts=attempt), None
            except httpx.HTTPError as exc:
                status, reason = FetchStatus.CONNECTION_ERROR, f"{type(exc).__name__}: {exc}"
            else:
                resp, hops = result
                doc = self._document(url, resp, source, site)
                size = len(resp.body)
                final = resp.url if hops else None
                if resp.status == 304:
                    return outcome(FetchStatus.NOT_MODIFIED, "not modified since the last fetch",
                                   http_status=304, final_url=final, attempts=attempt), None
                if resp.status in RETRY_STATUS and attempt <= s.retries:
                    delay = retry_after_seconds(resp.headers.get("retry-after"))
                    await self._sleep_backoff(attempt, delay)
                    continue
                if why_blocked := blocked_reason(resp.status, resp.body):
                    return outcome(FetchStatus.BLOCKED, why_blocked, http_status=resp.status,
                                   final_url=final, size=size, attempts=attempt), doc
                if resp.status >= 400:
                    return outcome(FetchStatus.HTTP_ERROR, f"HTTP {resp.status}", http_status=resp.status,
                                   final_url=final, size=size, attempts=attempt), doc
                if 300 <= resp.status < 400:
                    return outcome(FetchStatus.HTTP_ERROR, f"HTTP {resp.status} without a usable Location",
                                   http_status=resp.status, final_url=final, attempts=attempt), doc
                if kind == "article" and not _is_html(resp.headers):
                    ctype = resp.headers.get("content-type", "(none)")
                    return outcome(FetchStatus.NOT_HTML, f"content type {ctype} is not HTML",
                                   http_status=resp.status, final_url=final, attempts=attempt), None
                ok = outcome(FetchStatus.OK, "", http_status=resp.status, final_url=final, size=size,
                             attempts=attempt)
                return ok, doc
            if attempt > s.retries:
                return outcome(status, reason, attempts=attempt), None
            await self._sleep_backoff(attempt, delay)

    async def _sleep_backoff(self, attempt: int, retry_after: float | None) -> None:
        base = self.settings.backoff * (2 ** (attempt - 1))
        wait = min(base * (1 + random.random() / 2), 30.0)
        if retry_after is not None:
            wait = max(wait, retry_after)
        await asyncio.sleep(wait)

    async def _follow(self, url: str, headers: dict[str, str], kind: str, allow_private: bool,
                      allow_host: Callable[[str], bool] | None = None) -> tuple[_Response, int]:
        """GET with manual redirects (each hop checked like the first)."""
        current = url
        for hop in range(self.settings.max_redirects + 1):
            if hop and allow_host is not None and not allow_host(current):
                raise _Refused(FetchStatus.SKIPPED, _host_refused(current, redirect=True), current)
            if hop and not allow_private and (why := await asyncio.to_thread(private_address_reason, current)):
                raise _Refused(FetchStatus.REFUSED_ADDRESS, f"redirect refused: {why}", current)
            if not await self.allowed(current):
                raise _Refused(FetchStatus.ROBOTS_DISALLOWED, f"robots.txt disallows {current}", current)
            resp = await self._request(current, headers, max_bytes=self.settings.max_bytes,
                                       stop_unless_html=kind == "article")
            location = resp.headers.get("location")
            if resp.status in (301, 302, 303, 307, 308) and location:
                nxt = urljoin(current, location)
                if not is_http_url(nxt):
                    raise _Refused(FetchStatus.INVALID_URL, f"redirect to a non-http URL: {nxt[:200]}", nxt)
                current = nxt
                continue
            return resp, hop
        raise _Refused(FetchStatus.TOO_MANY_REDIRECTS,
                       f"more than {self.settings.max_redirects} redirects (last: {current})", current)

    @staticmethod
    def _document(url: str, resp: _Response, source: SourceRef, site: str) -> RawDocument:
        return RawDocument(
            url=url,
            body=resp.body,
            source=source,
            site=site,
            fetched_at=utcnow(),
            final_url=resp.url if resp.url != url else None,
            http_status=resp.status,
            content_type=resp.headers.get("content-type"),
            headers={k: v for k, v in resp.headers.multi_items()},
        )


class _Refused(Exception):
    def __init__(self, status: FetchStatus, reason: str, url: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.url = status, reason, url


def _host_refused(url: str, *, redirect: bool = False) -> str:
    what = "a redirect to " if redirect else ""
    return f"host_not_allowed: {what}{urlsplit(url).hostname} is not among the source's hosts"


def _is_html(headers: httpx.Headers) -> bool:
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype in HTML_TYPES or ctype == ""
