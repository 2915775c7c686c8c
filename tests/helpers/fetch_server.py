"""A real, misbehaving HTTP server on loopback for fetcher tests.

Each route reproduces one way the web misbehaves. Start one server per
loopback address (127.0.0.2, 127.0.0.3...) to test per-host behaviour.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

ARTICLE = (
    "<html><head><title>Test article</title></head><body><article><h1>Test article</h1>"
    + "".join(f"<p>Paragraph {i} of a perfectly ordinary test article with enough words to count.</p>"
              for i in range(6))
    + "</article></body></html>"
).encode()
RUSSIAN = (
    "<html><head><title>Новости</title></head><body><article><h1>Новости Павлодара</h1>"
    + "<p>В Павлодаре этим летом заменят около сорока километров изношенных тепловых сетей, "
      "сообщили в городском акимате. Работы начнутся после окончания отопительного сезона.</p>" * 3
    + "</article></body></html>"
).encode("cp1251")
TURKISH = (
    '<html><head><meta charset="windows-1254"><title>Haber</title></head><body><article><h1>Haber</h1>'
    + "<p>Şehirde yeni köprünün yapımı için çalışmalar başladı; işçiler ağır makinelerle gece gündüz "
      "çalışıyor ve ilçe sakinleri değişikliği büyük bir memnuniyetle karşılıyor.</p>" * 3
    + "</article></body></html>"
).encode("cp1254")
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol4;</title><item><link>http://127.0.0.2/a</link></item></channel></rss>"""


class State:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.lock = threading.Lock()


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            with state.lock:
                state.hits[path] += 1
                n = state.hits[path]
                state.times.setdefault(path, []).append(time.monotonic())
            if path == "/robots.txt":
                self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            elif path.startswith("/ok") or path.startswith("/private/"):
                self.send(200, ARTICLE)
            elif path == "/404":
                self.send(404, b"<html>not here</html>")
            elif path == "/flaky":
                self.send(500, b"oops") if n == 1 else self.send(200, ARTICLE)
            elif path == "/always500":
                self.send(503, b"down")
            elif path == "/ratelimited":
                if n == 1:
                    self.send(429, b"slow down", headers={"Retry-After": "1"})
                else:
                    self.send(200, ARTICLE)
            elif path == "/slow":
                time.sleep(2.0)
                self.send(200, ARTICLE)
            elif path in ("/loop", "/loop2"):
                other = "/loop2" if path == "/loop" else "/loop"
                self.send(302, b"", headers={"Location": other})
            elif path == "/redirect":
                self.send(301, b"", headers={"Location": "/ok-target"})
            elif path == "/big":
                self.send(200, b"<html>" + b"x" * 2_000_000 + b"</html>")
            elif path == "/bomb":
                payload = gzip.compress(b"\0" * 30_000_000)
                self.send(200, payload, headers={"Content-Encoding": "gzip"})
            elif path == "/cp1251":
                self.send(200, RUSSIAN, "text/html")
            elif path == "/turkish":
                self.send(200, TURKISH, "text/html; charset=utf-8")
            elif path == "/pdf":
                self.send(200, b"%PDF-1.4 fake", "application/pdf")
            elif path == "/forbidden":
                self.send(403, b"<html>Access denied</html>")
            elif path == "/challenge":
                self.send(200, b"<html><head><title>Just a moment...</title></head><body>cf-challenge</body></html>")
            elif path == "/feed-bad":
                self.send(200, b"<rss><channel><item><link>broken", "application/rss+xml")
            elif path == "/feed-bomb":
                self.send(200, BILLION_LAUGHS, "application/rss+xml")
            elif path == "/etag":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send(200, ARTICLE, headers={"ETag": '"v1"'})
            elif path == "/reset":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b"<html>" + b"a" * 1000)
                self.wfile.flush()
                # Abort: RST with SO_LINGER 0, and shut the socket so no FIN-clean end is possible.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            else:
                self.send(404, b"unknown route")

    return Handler


class _Loopback:
    """A threading HTTP server of ``handler`` on ``host`` (a free port),
    serving while used as a context manager."""

    def __init__(self, host: str, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer((host, 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path


class FetchServer(_Loopback):
    """One misbehaving server on ``host``; a context manager."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.state = State()
        super().__init__(host, make_handler(self.state))


class RouteServer(_Loopback):
    """A loopback server of fixed responses, set with :meth:`route`; other
    paths are 404. A context manager; ``hits`` counts the requests of each
    path."""

    def __init__(self, host: str = "127.0.0.5") -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.hits: Counter[str] = Counter()
        routes, hits, lock = self.routes, self.hits, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with lock:
                    hits[path] += 1
                status, ctype, body, extra = routes.get(path, (404, "text/plain", b"not here", {}))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(host, Handler)

    def route(self, path: str, content_type: str, body: bytes | str, status: int = 200, **headers: str) -> str:
        """Serve ``body`` at ``path`` with ``status`` (extra headers:
        ``Content_Location="..."`` is sent as ``Content-Location``); returns
        the path's URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, content_type, data, {k.replace("_", "-"): v for k, v in headers.items()})
        return self.url(path)
