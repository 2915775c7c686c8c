"""Discovery from feeds, sitemaps and URL lists over real loopback HTTP, and
local folder and WARC sources."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsmill.core.errors import ConfigError
from newsmill.core.records import Failure, FetchStatus, RawDocument, Skipped, SourceRef
from newsmill.core.settings import FetchSettings, SourceConfig, parse_sources
from newsmill.sources import Fetcher, canonicalize_url, discover, iter_folder, iter_warc

SETTINGS = FetchSettings(per_host_delay=0.0, timeout=2, retries=0)
ROUTES: dict[str, tuple[str, bytes]] = {}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        ctype, body = ROUTES.get(self.path.split("?")[0], ("text/plain", b""))
        status = 200 if self.path.split("?")[0] in ROUTES else 404
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.4", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.4:{server.server_address[1]}"
    yield url
    server.shutdown()


def run_discover(url: str, kind: str = "feed", **kw: Any):  # type: ignore[no-untyped-def]
    source = SourceConfig(name="s", kind=kind, url=url, site="t", allow_private=True, **kw)

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(SETTINGS) as f:
            return await discover(source, f)

    return asyncio.run(go())


def test_rss_items_with_hints_and_tracking_stripped(base: str) -> None:
    ROUTES["/rss.xml"] = ("application/rss+xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
        <title>T</title><language>ru-RU</language>
        <item><title>One</title><link>{base}/a/1.html?utm_source=rss&amp;id=1</link>
        <pubDate>Tue, 10 Jun 2025 09:00:00 +0000</pubDate></item>
        <item><title>Two</title><link>/a/2.html</link></item>
        <item><title>Dup</title><link>{base}/a/1.html?id=1&amp;fbclid=x</link></item>
        </channel></rss>""".encode())
    d = run_discover(f"{base}/rss.xml")
    assert d.outcome.status is FetchStatus.OK and not d.errors
    assert [i.url for i in d.items] == [f"{base}/a/1.html?id=1", f"{base}/a/2.html"]
    assert d.items[0].hints == {"title": "One", "published": "2025-06-10T09:00:00+00:00", "language": "ru"}
    assert d.raw and d.raw[0].body.startswith(b"<?xml")


def test_rss_1_0_and_0_91(base: str) -> None:
    ROUTES["/rdf.xml"] = ("application/rdf+xml", f"""<?xml version="1.0"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
        <channel rdf:about="{base}/"><title>R</title><link>{base}/</link><description>d</description></channel>
        <item rdf:about="{base}/r/1.html"><title>R1</title><link>{base}/r/1.html</link></item>
        </rdf:RDF>""".encode())
    ROUTES["/rss091.xml"] = ("application/rss+xml", f"""<?xml version="1.0"?><rss version="0.91"><channel>
        <title>Old</title><link>{base}/</link><description>d</description>
        <item><title>O1</title><link>{base}/o/1.html</link></item></channel></rss>""".encode())
    assert [i.url for i in run_discover(f"{base}/rdf.xml").items] == [f"{base}/r/1.html"]
    assert [i.url for i in run_discover(f"{base}/rss091.xml").items] == [f"{base}/o/1.html"]


def test_atom_json_feed_and_autodiscovery(base: str) -> None:
    ROUTES["/atom.xml"] = ("application/atom+xml", f"""<?xml version="1.0"?>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>x</id><updated>2025-06-10T00:00:00Z</updated>
        <entry><title>E</title><id>e</id><link rel="alternate" href="{base}/e.html"/>
        <updated>2025-06-10T00:00:00Z</updated></entry></feed>""".encode())
    ROUTES["/feed.json"] = ("application/feed+json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "J", "language": "en",
        "items": [{"id": "1", "url": f"{base}/j.html", "title": "J1", "date_published": "2025-06-10T10:00:00Z"}],
    }).encode())
    ROUTES["/home.html"] = ("text/html", b'<html><head><link rel="alternate" type="application/atom+xml" '
                                         b'href="/atom.xml"></head><body>home</body></html>')
    assert [i.url for i in run_discover(f"{base}/atom.xml").items] == [f"{base}/e.html"]
    j = run_discover(f"{base}/feed.json").items
    assert [i.url for i in j] == [f"{base}/j.html"] and j[0].hints["title"] == "J1"
    home = run_discover(f"{base}/home.html")
    assert [i.url for i in home.items] == [f"{base}/e.html"] and len(home.raw) == 2


def test_sitemap_index_gzip_news_and_robots(base: str) -> None:
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    child = f"""<?xml version="1.0"?><urlset {ns}>
      <url><loc>{base}/n/1.html</loc><news:news><news:publication><news:name>N</news:name>
      <news:language>kk</news:language></news:publication><news:publication_date>2025-06-10T08:00:00+05:00</news:publication_date>
      <news:title>Жаңалық</news:title></news:news></url>
      <url><loc>{base}/n/2.html</loc><lastmod>2025-06-09</lastmod></url></urlset>"""
    ROUTES["/child.xml.gz"] = ("application/gzip", gzip.compress(child.encode()))
    ROUTES["/index.xml"] = ("application/xml", f"""<?xml version="1.0"?>
        <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{base}/child.xml.gz</loc></sitemap></sitemapindex>""".encode())
    ROUTES["/robots.txt"] = ("text/plain", f"User-agent: *\nDisallow: /private/\nSitemap: {base}/index.xml\n".encode())
    for url in (f"{base}/index.xml", f"{base}/robots.txt"):
        d = run_discover(url, kind="sitemap")
        assert not d.errors, d.errors
        assert [i.url for i in d.items] == [f"{base}/n/1.html", f"{base}/n/2.html"]
        assert d.items[0].hints == {"published": "2025-06-10T08:00:00+05:00", "title": "Жаңалық", "language": "kk"}


def test_include_exclude_and_cap(base: str) -> None:
    ROUTES["/list.txt"] = ("text/plain", "\n".join(
        [f"{base}/news/{i}.html" for i in range(5)] + [f"{base}/video/1.html", "# comment", ""]).encode())
    d = run_discover(f"{base}/list.txt", kind="urls", include=("/news/", "/video/"), exclude=("/video/",),
                     max_articles=3)
    assert [i.url for i in d.items] == [f"{base}/news/{i}.html" for i in range(3)]


def test_sources_file_validation() -> None:
    with pytest.raises(ConfigError, match="kind must be one of"):
        parse_sources({"sources": [{"name": "x", "kind": "rss", "url": "http://x", "site": "x"}]})
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_sources({"sources": [{"name": "x", "kind": "feed", "url": "http://x", "site": "x", "urll": 1}]})
    with pytest.raises(ConfigError, match="bad URL pattern"):
        parse_sources({"sources": [{"name": "x", "kind": "feed", "url": "http://x", "site": "x", "include": ["("]}]})
    with pytest.raises(ConfigError, match="per_host_delay"):
        parse_sources({"fetch": {"per_host_delay": -1}, "sources": [{"name": "x", "kind": "feed", "url": "http://x",
                                                                      "site": "x"}]})


def test_canonicalize() -> None:
    assert canonicalize_url("HTTP://Example.COM:80/a?utm_source=x&b=2&a=1#f") == "http://example.com/a?a=1&b=2"
    assert canonicalize_url("../b.html", "https://x.kz/news/a/") == "https://x.kz/news/b.html"


REF = SourceRef("import", "folder", "x")


def test_folder_source_with_odd_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a story.html").write_text("<html>a</html>", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text("date 2025-06-22 text", encoding="utf-8")
    (tmp_path / "sub" / "c.html.gz").write_bytes(gzip.compress(b"<html>c</html>"))
    (tmp_path / "sub" / "ignored.pdf").write_bytes(b"%PDF")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    (tmp_path / "truncated.html.gz").write_bytes(gzip.compress(b"<html>" * 1000)[:30])
    unreadable = tmp_path / "locked.html"
    unreadable.write_text("x")
    unreadable.chmod(0)
    items = list(iter_folder(tmp_path, REF, "local"))
    docs = [i for i in items if isinstance(i, RawDocument)]
    fails = [i for i in items if isinstance(i, Failure)]
    names = sorted(Path(d.url).name for d in docs)
    assert {"a%20story.html", "b.txt", "c.html.gz"} <= set(names)
    assert any(d.body == b"<html>c</html>" for d in docs)
    statuses = {f.status for f in fails}
    assert "symlink_loop" in statuses and "read_error" in statuses
    if os.geteuid() != 0:
        assert any("locked.html" in f.url for f in fails)


def _warc(path: Path, n: int) -> None:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i in range(n):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://x.kz/{i}", "response",
                                                payload=io.BytesIO(f"<html>{i}</html>".encode() * 50),
                                                http_headers=http))


def test_warc_source_and_truncation(tmp_path: Path) -> None:
    path = tmp_path / "a.warc.gz"
    _warc(path, 3)
    docs = list(iter_warc(path, REF, "x"))
    assert [d.url for d in docs if isinstance(d, RawDocument)] == [f"https://x.kz/{i}" for i in range(3)]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    got = list(iter_warc(path, REF, "x"))
    assert [d.url for d in got if isinstance(d, RawDocument)] == ["https://x.kz/0", "https://x.kz/1"]
    assert isinstance(got[-1], Failure) and got[-1].status == "truncated"


def _response(w: WARCWriter, url: str, body: bytes, ctype: str, status: str = "200 OK",
              warc_headers: dict[str, str] | None = None) -> None:
    http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                        warc_headers_dict=warc_headers))


PAGE_HTML = b"<html><body><article>" + b"<p>A page of a crawl with words enough to be a page.</p>" * 5 + b"</article>"


def test_warc_records_that_hold_no_page_are_skipped(tmp_path: Path) -> None:
    """Another crawler's WARC: feeds, sitemaps, robots.txt and error
    responses are told by type and address and skipped, with the reason."""
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        _response(w, "https://x.kz/rss", b"<?xml version='1.0'?><rss><channel/></rss>", "application/rss+xml")
        _response(w, "https://x.kz/sitemap.xml", b"<?xml version='1.0'?><urlset></urlset>", "text/xml")
        _response(w, "https://x.kz/news.xml", b"<?xml version='1.0'?><feed></feed>", "application/xml")
        _response(w, "https://x.kz/robots.txt", b"Sitemap: https://x.kz/sitemap.xml", "text/plain")
        _response(w, "https://x.kz/gone", b"<html>gone</html>", "text/html", status="404 Not Found")
        _response(w, "https://x.kz/news/1", PAGE_HTML, "text/html")
    got = list(iter_warc(path, REF, ""))
    assert [(s.url, s.reason) for s in got if isinstance(s, Skipped)] == [
        ("https://x.kz/rss", "feed"), ("https://x.kz/sitemap.xml", "sitemap"), ("https://x.kz/news.xml", "feed"),
        ("https://x.kz/robots.txt", "robots.txt"), ("https://x.kz/gone", "HTTP 404")]
    docs = [d for d in got if isinstance(d, RawDocument)]
    assert [d.url for d in docs] == ["https://x.kz/news/1"] and docs[0].source == REF


def test_raw_archive_records_come_back_as_archived(tmp_path: Path) -> None:
    """A record of newsmill's raw archive is read back with its site,
    source, hints, final URL and original headers; what discovery read is
    skipped by its kind (or, in an archive written before kinds, by being
    the source's own address); inside the run's archive, each document
    points at its record."""
    from newsmill.storage import RawArchive
    from newsmill.storage.archive import SOURCE_HEADER

    feed = SourceRef("herald", "feed", "https://herald.kz/rss.xml")
    page = RawDocument(url="https://herald.kz/a", body=PAGE_HTML, source=feed, site="herald.kz",
                       final_url="https://herald.kz/news/a", http_status=200, content_type="text/html",
                       headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
                       hints={"published": "2025-06-10T08:00:00+00:00", "title": "A", "language": "kk"})
    listing = RawDocument(url="https://herald.kz/feeds/all", body=b"<rss/>", source=feed, site="herald.kz",
                          http_status=200, content_type="text/html")  # a feed served as HTML: the kind says
    archive = RawArchive(tmp_path / "raw")
    with archive.open_writer("run-1-herald") as writer:
        writer.write(listing, "feed")
        at = writer.write(page)
    path = tmp_path / "raw" / at.path
    with path.open("ab") as fh:  # a record as the archive wrote them before the kind header
        _response(WARCWriter(fh, gzip=True), feed.url, b"<rss/>", "text/html", warc_headers={
            SOURCE_HEADER: json.dumps(feed.to_dict()), "WARC-Newsmill-Site": "herald.kz"})
    got = list(iter_warc(path, REF, "", restore_source=True, archived_as=at.path))
    assert [(s.url, s.reason, s.site) for s in got if isinstance(s, Skipped)] == [
        (listing.url, "feed", "herald.kz"), (feed.url, "feed", "herald.kz")]
    (doc,) = [d for d in got if isinstance(d, RawDocument)]
    assert (doc.url, doc.final_url, doc.site, doc.source, doc.hints, doc.body) == (
        page.url, page.final_url, "herald.kz", feed, page.hints, page.body)
    assert doc.headers["Content-Encoding"] == "gzip" and doc.fetched_at == page.fetched_at
    assert doc.archive == at and archive.read(at).url == page.url
    (mine,) = [d for d in iter_warc(path, REF, "wire.kz") if isinstance(d, RawDocument)]
    assert (mine.site, mine.source, mine.archive) == ("wire.kz", REF, None)  # a source's own site and name win


# -- hostile feeds and sitemaps -----------------------------------------------

XXE = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def test_external_entity_feed_and_sitemap_are_refused(base: str) -> None:
    ROUTES["/xxe-feed.xml"] = ("application/rss+xml", b'<?xml version="1.0"?>' + XXE +
                               b"<rss version='2.0'><channel><title>&x;</title><item><title>&x;</title>"
                               b"<link>http://127.0.0.4/a</link></item></channel></rss>")
    ROUTES["/xxe-sitemap.xml"] = ("application/xml", b'<?xml version="1.0"?>' + XXE.replace(b"<!DOCTYPE r", b"<!DOCTYPE urlset") +
                                  b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                  b"<url><loc>http://127.0.0.4/&x;</loc></url></urlset>")
    for path, kind in (("/xxe-feed.xml", "feed"), ("/xxe-sitemap.xml", "sitemap")):
        d = run_discover(f"{base}{path}", kind=kind)
        assert not d.items, d.items
        assert d.errors and "entit" in d.errors[0].lower(), d.errors
        assert "root:" not in repr(d.items) + repr(d.errors)


def test_gzip_bomb_sitemap_stops_at_the_size_cap(base: str) -> None:
    bomb = gzip.compress(b"<" * 50_000_000, compresslevel=9)  # 50 MB from ~50 KB
    assert len(bomb) < 200_000
    ROUTES["/bomb-sitemap.xml.gz"] = ("application/gzip", bomb)
    source = SourceConfig(name="s", kind="sitemap", url=f"{base}/bomb-sitemap.xml.gz", site="t", allow_private=True)

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(per_host_delay=0.0, timeout=5, retries=0, max_bytes=5_000_000)) as f:
            return await discover(source, f)

    d = asyncio.run(go())
    assert not d.items
    assert d.errors and "expands beyond 5000000 bytes" in d.errors[0], d.errors


def test_sitemap_with_100k_entries(base: str) -> None:
    from newsmill.sources.parse import parse_sitemap

    urls = "".join(f"<url><loc>{base}/n/{i}.html</loc><lastmod>2026-01-01</lastmod></url>" for i in range(100_000))
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
    assert len(body) < FetchSettings().max_bytes
    children, items = parse_sitemap(body)
    assert not children and len(items) == 100_000 and items[-1].url == f"{base}/n/99999.html"
    ROUTES["/huge-sitemap.xml"] = ("application/xml", body)
    d = run_discover(f"{base}/huge-sitemap.xml", kind="sitemap", max_articles=1000)
    assert not d.errors
    assert len(d.items) == 1000 and d.items[0].url == f"{base}/n/0.html"  # capped, in sitemap order


LINKS_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel>
        <title>T</title>
        <item><title>a</title><link>/news/1.html</link></item>
        <item><title>b</title><link>2.html</link></item>
        <item><title>c</title><link>javascript:alert(document.cookie)</link></item>
        <item><title>d</title><link>mailto:desk@example.org</link></item>
        <item><title>e</title><link>JaVaScRiPt:void(0)</link></item>
        </channel></rss>"""


def test_feed_links_relative_resolved_javascript_rejected(base: str) -> None:
    ROUTES["/dir/links.xml"] = ("application/rss+xml", LINKS_FEED)
    d = run_discover(f"{base}/dir/links.xml")
    assert [i.url for i in d.items] == [f"{base}/news/1.html", f"{base}/dir/2.html"]
    assert not d.errors  # the feed itself is fine (its ETag is kept)
    assert len(d.rejected) == 3 and any(r.lower().startswith("javascript:") for r in d.rejected)


def test_rejected_links_are_recorded_without_failing_the_source(base: str, tmp_path: Path) -> None:
    from newsmill.pipeline.acquire import discover_articles
    from newsmill.storage import RawArchive, open_store

    ROUTES["/dir/links.xml"] = ("application/rss+xml", LINKS_FEED)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    source = SourceConfig(name="links", kind="feed", url=f"{base}/dir/links.xml", site="t", allow_private=True)
    found = discover_articles(source, SETTINGS, store, RawArchive(tmp_path / "raw"), "run-1")
    store.close()
    assert not found.failed and found.state is not None and len(found.items) == 2
    [bad] = found.failures
    assert bad.status == "bad_link" and "3 link(s)" in bad.reason and "javascript:" in bad.reason
