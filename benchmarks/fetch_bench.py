"""Fetch rate against the politeness bound.

2,000 article pages on 20 loopback hosts (127.0.0.10-29), 50 ms minimum
delay per host: the politeness bound is hosts / delay = 400 pages/s. Reports
newsmill's Fetcher and, as baseline in the same run, a bare httpx loop with
the same per-host pacing (no robots, no limits, no retries, no records).

    python -m benchmarks.fetch_bench [--pages N] [--hosts H] [--delay S]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
import tracemalloc
from collections import defaultdict
from typing import Any

import httpx

from newsmill.core.records import FetchStatus, SourceRef
from newsmill.core.settings import FetchSettings
from newsmill.sources import Fetcher

PAGE = ("<html><head><title>Bench</title></head><body><article>"
        + "<p>Benchmark paragraph with some words in it.</p>" * 40 + "</article></body></html>").encode()


def _response(path: bytes) -> bytes:
    robots = path == b"/robots.txt"
    body = b"User-agent: *\nAllow: /\n" if robots else PAGE
    ctype = b"text/plain" if robots else b"text/html; charset=utf-8"
    return (b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A minimal keep-alive HTTP/1.1 responder (GET only), so the server is
    not what limits the measured rate."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1]
            writer.write(_response(path))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


class Hosts:
    """``n`` loopback hosts served by one asyncio loop in a background thread."""

    def __init__(self, n: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.urls: list[str] = []
        self.servers: list[asyncio.Server] = []
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        for i in range(n):
            fut = asyncio.run_coroutine_threadsafe(asyncio.start_server(_serve, f"127.0.0.{10 + i}", 0), self.loop)
            server = fut.result()
            self.servers.append(server)
            self.urls.append(f"http://127.0.0.{10 + i}:{server.sockets[0].getsockname()[1]}")

    def close(self) -> None:
        for server in self.servers:
            self.loop.call_soon_threadsafe(server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)


async def run_newsmill(urls: list[str], delay: float) -> tuple[int, float]:
    settings = FetchSettings(per_host_delay=delay, per_host_concurrency=2, global_concurrency=64, retries=0)
    ref = SourceRef("bench", "urls", "bench")
    start = time.perf_counter()
    async with Fetcher(settings) as f:
        results = await asyncio.gather(*(f.fetch(u, source=ref, site="bench", allow_private=True) for u in urls))
    elapsed = time.perf_counter() - start
    return sum(1 for o, _ in results if o.status is FetchStatus.OK), elapsed


async def run_bare(urls: list[str], delay: float) -> tuple[int, float]:
    """A bare httpx loop with the same per-host pacing."""
    next_at: dict[str, float] = defaultdict(float)
    locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    sems: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(2))
    ok = 0

    async def one(client: httpx.AsyncClient, url: str) -> None:
        nonlocal ok
        host = httpx.URL(url).host
        async with sems[host]:
            async with locks[host]:
                now = time.monotonic()
                if next_at[host] > now:
                    await asyncio.sleep(next_at[host] - now)
                next_at[host] = time.monotonic() + delay
            r = await client.get(url)
            ok += r.status_code == 200

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as client:
        await asyncio.gather(*(one(client, u) for u in urls))
    return ok, time.perf_counter() - start


def measure(label: str, coro_factory: Any) -> dict[str, Any]:
    """Time one run, then trace its Python allocations in a second run
    (tracemalloc slows everything down, so it never runs while timing)."""
    ok, elapsed = asyncio.run(coro_factory())
    tracemalloc.start()
    asyncio.run(coro_factory())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"label": label, "ok": ok, "elapsed": elapsed, "rate": ok / elapsed, "peak_mb": peak / 1e6}


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each fetcher; the best is reported")
    args = ap.parse_args(argv)
    hosts = Hosts(args.hosts)
    urls = [f"{hosts.urls[i % args.hosts]}/article/{i}.html" for i in range(args.pages)]
    bound = args.hosts / args.delay
    # Alternate the two (best of --repeat runs each), so drift in machine load
    # hits both alike.
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "newsmill": []}
    for _ in range(args.repeat):
        runs["newsmill"].append(measure("newsmill Fetcher", lambda: run_newsmill(urls, args.delay)))
        runs["bare"].append(measure("bare httpx loop (baseline)", lambda: run_bare(urls, args.delay)))
    rows = [max(runs[k], key=lambda r: r["rate"]) for k in ("bare", "newsmill")]
    hosts.close()
    lines = [
        f"### Fetch rate: {args.pages} pages, {args.hosts} loopback hosts, {args.delay * 1000:.0f} ms per-host delay "
        f"(politeness bound {bound:.0f} pages/s; best of {args.repeat} alternating runs each)",
        "",
        "| fetcher | pages ok | seconds | pages/s | share of bound | peak traced memory (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['label']} | {r['ok']} | {r['elapsed']:.2f} | {r['rate']:.0f} | "
                     f"{r['rate'] / bound:.2f} | {r['peak_mb']:.1f} |")
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
