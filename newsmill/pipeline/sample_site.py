"""Serve the bundled sample news site (``raw/sample/``) on loopback.

One HTTP server per outlet on an ephemeral port (so each outlet is its own
host for the fetcher's per-host limits), stdlib only. ``{{BASE_URL}}`` in
served files is replaced by the outlet's address. Feeds and sitemaps carry
``ETag``/``Last-Modified`` and answer conditional requests with 304.
"""

from __future__ import annotations

import hashlib
import os
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import newsmill

PLACEHOLDER = b"{{BASE_URL}}"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
FEED_TYPES = {"rss.xml": "application/rss+xml; charset=utf-8", "feed.xml": "application/rss+xml; charset=utf-8",
              "atom.xml": "application/atom+xml; charset=utf-8"}
OUTLET_META = {
    "steppe-herald": {"site": "steppeherald.kz", "language": "en", "feed": "rss.xml"},
    "silk-road-wire": {"site": "silkroadwire.com", "language": "en", "feed": "feed.xml"},
    "novosti-stepi": {"site": "novostistepi.kz", "language": "ru", "feed": "atom.xml", "sitemap": "sitemap.xml"},
}
# Fixed addresses: article ids derive from URLs, so a second demo run must
# see the same URLs (NEWSMILL_SAMPLE_PORT moves them).
DEFAULT_PORT = 8781
# A fixed Last-Modified so conditional GET is reproducible.
LAST_MODIFIED = formatdate(1749600000, usegmt=True)


def default_root() -> Path:
    """``raw/sample`` of the checkout newsmill runs from."""
    root = Path(newsmill.__file__).resolve().parents[1] / "raw" / "sample"
    if not (root / "EXPECTED.json").is_file():
        raise FileNotFoundError(f"the bundled sample site is missing: {root} (run scripts/make_sample_site.py)")
    return root


def _handler(root: Path, base_url: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "newsmill-sample/1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _resolve(self) -> Path | None:
            path = unquote(urlsplit(self.path).path)
            if path.endswith("/"):
                path += "index.html"
            target = (root / path.lstrip("/")).resolve()
            if root not in target.parents or not target.is_file():
                return None
            return target

        def _send(self, head_only: bool) -> None:
            target = self._resolve()
            if target is None:
                body = b"<html><body><h1>404 Not Found</h1></body></html>"
                self.send_response(HTTPStatus.NOT_FOUND)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head_only:
                    self.wfile.write(body)
                return
            body = target.read_bytes().replace(PLACEHOLDER, base_url[0].encode("ascii"))
            ctype = FEED_TYPES.get(target.name) or CONTENT_TYPES.get(target.suffix, "application/octet-stream")
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(head_only=False)

        def do_HEAD(self) -> None:
            self._send(head_only=True)

    return Handler


class SampleSite:
    """The sample outlets served on loopback; a context manager."""

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.root = (root or default_root()).resolve()
        self.host = host
        if port is None:
            port = int(os.environ.get("NEWSMILL_SAMPLE_PORT", DEFAULT_PORT))
        self.port = port  # 0: ephemeral ports (URLs then change from run to run)
        self.outlets = sorted(p.name for p in self.root.iterdir() if p.is_dir())
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> SampleSite:
        for i, outlet in enumerate(self.outlets):
            base: list[str] = [""]
            port = self.port + i if self.port else 0
            try:
                server = ThreadingHTTPServer((self.host, port), _handler(self.root / outlet, base))
            except OSError as exc:
                self.__exit__(None, None, None)
                raise OSError(f"cannot serve the sample site on {self.host}:{port}: {exc.strerror}; "
                              "set NEWSMILL_SAMPLE_PORT to a free port") from exc
            server.daemon_threads = True
            base[0] = f"http://{self.host}:{server.server_address[1]}"
            thread = threading.Thread(target=server.serve_forever, name=f"sample-{outlet}", daemon=True)
            thread.start()
            self._servers[outlet] = server
            self._threads.append(thread)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def base_url(self, outlet: str) -> str:
        port = self._servers[outlet].server_address[1]
        return f"http://{self.host}:{port}"

    def feed_url(self, outlet: str) -> str:
        return f"{self.base_url(outlet)}/{OUTLET_META[outlet]['feed']}"

    def sources_config(self) -> dict[str, Any]:
        """A sources-file mapping for the served outlets (group ``sample``)."""
        sources: list[dict[str, Any]] = []
        for outlet in self.outlets:
            meta = OUTLET_META[outlet]
            common = {"site": meta["site"], "group": "sample", "language": meta["language"],
                      "allow_private": True, "max_articles": 100}
            sources.append({"name": outlet, "kind": "feed", "url": self.feed_url(outlet), **common})
            if "sitemap" in meta:
                sources.append({"name": f"{outlet}-sitemap", "kind": "sitemap",
                                "url": f"{self.base_url(outlet)}/{meta['sitemap']}", **common})
        return {"fetch": {"per_host_delay": 0.02, "per_host_concurrency": 4, "timeout": 20, "retries": 1},
                "sources": sources}
