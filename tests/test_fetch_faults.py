"""The fetcher against a real misbehaving HTTP server on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from newsmill.core.records import FetchStatus, SourceRef, SourceState
from newsmill.core.settings import FetchSettings, SourceConfig
from newsmill.extractors import extract
from newsmill.sources import Fetcher, discover
from tests.helpers.fetch_server import RUSSIAN, FetchServer

REF = SourceRef("test", "urls", "test")
SETTINGS = FetchSettings(per_host_delay=0.0, per_host_concurrency=4, timeout=1.0, connect_timeout=1.0,
                         max_bytes=1_000_000, retries=2, backoff=0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[FetchServer]:
    with FetchServer("127.0.0.2") as s:
        yield s


def fetch(url: str, settings: FetchSettings = SETTINGS, **kw: object):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(settings) as f:
            return await f.fetch(url, source=REF, site="test", allow_private=True, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("path", "status", "http_status"),
    [
        ("/ok", FetchStatus.OK, 200),
        ("/404", FetchStatus.HTTP_ERROR, 404),
        ("/slow", FetchStatus.TIMEOUT, None),
        ("/loop", FetchStatus.TOO_MANY_REDIRECTS, None),
        ("/big", FetchStatus.TOO_LARGE, None),
        ("/bomb", FetchStatus.TOO_LARGE, None),
        ("/pdf", FetchStatus.NOT_HTML, 200),
        ("/forbidden", FetchStatus.BLOCKED, 403),
        ("/challenge", FetchStatus.BLOCKED, 200),
        ("/private/page", FetchStatus.ROBOTS_DISALLOWED, None),
        ("/reset", FetchStatus.CONNECTION_ERROR, None),
    ],
)
def test_fault_statuses(server: FetchServer, path: str, status: FetchStatus, http_status: int | None) -> None:
    settings = FetchSettings(**{**SETTINGS.__dict__, "retries": 0})
    outcome, doc = fetch(server.url(path), settings)
    assert outcome.status is status, outcome.reason
    assert outcome.reason or status is FetchStatus.OK
    if http_status is not None:
        assert outcome.http_status == http_status
    if status is FetchStatus.OK:
        assert doc is not None and b"Test article" in doc.body


def test_500_then_200_is_retried_once(server: FetchServer) -> None:
    outcome, doc = fetch(server.url("/flaky"))
    assert outcome.status is FetchStatus.OK and outcome.attempts == 2
    assert doc is not None


def test_429_honours_retry_after(server: FetchServer) -> None:
    outcome, _ = fetch(server.url("/ratelimited"))
    assert outcome.status is FetchStatus.OK and outcome.attempts == 2
    assert outcome.elapsed >= 0.9  # waited for Retry-After: 1


def test_4xx_is_not_retried(server: FetchServer) -> None:
    outcome, doc = fetch(server.url("/404"))
    assert outcome.status is FetchStatus.HTTP_ERROR and outcome.attempts == 1
    assert doc is not None and doc.http_status == 404


def test_persistent_5xx_gives_up_after_retries(server: FetchServer) -> None:
    outcome, doc = fetch(server.url("/always500"))
    assert outcome.status is FetchStatus.HTTP_ERROR and outcome.http_status == 503
    assert outcome.attempts == SETTINGS.retries + 1
    assert doc is not None  # the error body is kept for the archive


def test_redirect_records_final_url(server: FetchServer) -> None:
    outcome, doc = fetch(server.url("/redirect"))
    assert outcome.status is FetchStatus.OK
    assert outcome.final_url == server.url("/ok-target") and doc is not None
    assert doc.final_url == server.url("/ok-target")


def test_charsets_kept_byte_exact_and_decoded(server: FetchServer) -> None:
    _, doc = fetch(server.url("/cp1251"))
    assert doc is not None and doc.body == RUSSIAN
    assert "Павлодаре" in extract(doc).text
    _, doc = fetch(server.url("/turkish"))  # header says utf-8, the page says windows-1254
    assert doc is not None
    assert "köprünün" in extract(doc).text


def test_conditional_get(server: FetchServer) -> None:
    outcome, doc = fetch(server.url("/etag"))
    assert outcome.status is FetchStatus.OK and doc is not None
    outcome, doc = fetch(server.url("/etag"), state=SourceState(etag='"v1"'))
    assert outcome.status is FetchStatus.NOT_MODIFIED and doc is None


def test_private_addresses_refused_unless_allowed(server: FetchServer) -> None:
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(SETTINGS) as f:
            return await f.fetch(server.url("/ok"), source=REF, site="t")

    outcome, doc = asyncio.run(go())
    assert outcome.status is FetchStatus.REFUSED_ADDRESS and doc is None
    outcome, _ = fetch("ftp://127.0.0.2/x")
    assert outcome.status is FetchStatus.INVALID_URL


def test_per_host_delay_is_respected(server: FetchServer) -> None:
    settings = FetchSettings(**{**SETTINGS.__dict__, "per_host_delay": 0.2})

    async def go() -> None:
        async with Fetcher(settings) as f:
            await asyncio.gather(*(f.fetch(server.url(f"/ok-delay-{i}"), source=REF, site="t", allow_private=True)
                                   for i in range(4)))

    # The delay is between request starts, so four requests to one host
    # take at least three delays however fast or slow the machine is (a
    # lower bound: load only adds time; gaps seen by the server are not
    # one, as a late arrival shortens the gap after it).
    start = time.monotonic()
    asyncio.run(go())
    elapsed = time.monotonic() - start
    times = [t for p, ts in server.state.times.items() if p.startswith("/ok-delay-") for t in ts]
    assert len(times) == 4 and elapsed >= 3 * 0.2 - 0.01, elapsed


def test_hosts_are_independent(server: FetchServer) -> None:
    with FetchServer("127.0.0.3") as other:
        slow, fast = fetch(server.url("/slow"), FetchSettings(**{**SETTINGS.__dict__, "retries": 0})), fetch(
            other.url("/ok"))
        assert slow[0].status is FetchStatus.TIMEOUT and fast[0].status is FetchStatus.OK


def _source(url: str, kind: str = "feed") -> SourceConfig:
    return SourceConfig(name="s", kind=kind, url=url, site="t", allow_private=True)


def test_malformed_feed_is_recorded(server: FetchServer) -> None:
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(SETTINGS) as f:
            return await discover(_source(server.url("/feed-bad")), f)

    d = asyncio.run(go())
    assert d.outcome.status is FetchStatus.OK and not d.items
    assert d.errors and "malformed" in d.errors[0]


def test_entity_bomb_feed_is_refused_fast(server: FetchServer) -> None:
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(SETTINGS) as f:
            return await discover(_source(server.url("/feed-bomb")), f)

    d = asyncio.run(go())
    assert not d.items and d.errors and "entit" in d.errors[0]


def test_article_about_access_denied_is_not_blocked() -> None:
    from newsmill.sources import blocked_reason

    article = b"<html><head><title>Access denied to reporters</title></head><body>" + b"<p>text</p>" * 5000
    assert blocked_reason(200, article) is None
    assert blocked_reason(200, b"<html><title>Just a moment...</title></html>") is not None
    assert blocked_reason(451, b"") is not None
