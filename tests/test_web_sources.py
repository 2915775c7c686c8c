"""Feeds and sitemaps as the real web serves them, over real loopback HTTP:
DOCTYPEs, a DOCTYPE inside CDATA, the charset only in the HTTP header,
``xml:base`` and ``Content-Location``, truncated sitemaps, text, RSS and
Atom sitemaps. Every fixture here is written for these tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from newsmill.core.records import FetchStatus
from newsmill.core.settings import FetchSettings, SourceConfig
from newsmill.sources import Discovery, Fetcher, discover
from tests.helpers.fetch_server import RouteServer

SETTINGS = FetchSettings(per_host_delay=0.0, timeout=5, retries=0)
SM_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


@pytest.fixture(scope="module")
def web() -> Iterator[RouteServer]:
    with RouteServer("127.0.0.6") as server:
        yield server


def run_discover(url: str, kind: str = "feed", **kw: Any) -> Discovery:
    source = SourceConfig(name="s", kind=kind, url=url, site="t", allow_private=True, **kw)

    async def go() -> Discovery:
        async with Fetcher(SETTINGS) as f:
            return await discover(source, f)

    return asyncio.run(go())


# -- feeds ----------------------------------------------------------------------


def test_rss_091_with_its_netscape_doctype(web: RouteServer) -> None:
    url = web.route("/rss091-doctype.xml", "application/rss+xml", f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Steppe Wire</title><link>{web.base}/</link>
<description>Wire</description><language>en-us</language>
<item><title>Grain harvest begins</title><link>{web.base}/wire/1.html</link></item>
<item><title>Rail link opens</title><link>{web.base}/wire/2.html</link></item>
</channel></rss>""")
    d = run_discover(url)
    assert not d.errors, d.errors
    assert [i.url for i in d.items] == [f"{web.base}/wire/1.html", f"{web.base}/wire/2.html"]
    assert d.items[0].hints["title"] == "Grain harvest begins"


def test_a_doctype_inside_cdata_content_is_content(web: RouteServer) -> None:
    url = web.route("/wp.xml", "application/rss+xml; charset=UTF-8", f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Blog</title>
<link>{web.base}/</link><description>d</description>
<item><title>Pasted page</title><link>{web.base}/blog/pasted/</link>
<content:encoded><![CDATA[<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><!ENTITY x SYSTEM "file:///etc/passwd">
<html><body><p>A post pasted with its page around it.</p></body></html>]]></content:encoded></item>
<item><title>Second</title><link>{web.base}/blog/second/</link></item>
</channel></rss>""")
    d = run_discover(url)
    assert not d.errors, d.errors
    assert [i.url for i in d.items] == [f"{web.base}/blog/pasted/", f"{web.base}/blog/second/"]


def test_short_literal_entities_are_accepted_and_expanding_ones_refused(web: RouteServer) -> None:
    ok = web.route("/nbsp.xml", "application/rss+xml", f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY copy "(C)">]>
<rss version="0.91"><channel><title>T&nbsp;&copy;</title><link>{web.base}/</link><description>d</description>
<item><title>One&nbsp;story</title><link>{web.base}/n/1.html</link></item></channel></rss>""")
    d = run_discover(ok)
    assert not d.errors and [i.url for i in d.items] == [f"{web.base}/n/1.html"], d.errors
    assert d.items[0].hints["title"] == "One\xa0story"
    quadratic = web.route("/quadratic.xml", "application/rss+xml",
                          '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 5000 + '">]>'
                          f"<rss><channel><title>{'&a;' * 2000}</title>"
                          f"<item><link>{web.base}/q</link></item></channel></rss>")
    d = run_discover(quadratic)
    assert not d.items and d.errors and "entity 'a' is 5000 characters" in d.errors[0], d.errors


def test_gb2312_atom_feed_with_the_charset_only_in_the_http_header(web: RouteServer) -> None:
    body = f"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>中国新闻</title><id>urn:x</id>
<updated>2026-11-30T08:00:00Z</updated>
<entry><title>中国新闻标题</title><id>urn:x:1</id><link href="{web.base}/cn/1.html"/>
<updated>2026-11-30T08:00:00Z</updated></entry></feed>""".encode("gb2312")
    url = web.route("/gb2312.xml", "application/atom+xml; charset=gb2312", body)
    d = run_discover(url)
    assert not d.errors, d.errors
    assert [i.url for i in d.items] == [f"{web.base}/cn/1.html"]
    assert d.items[0].hints["title"] == "中国新闻标题"


def test_relative_links_resolve_against_xml_base_and_content_location(web: RouteServer) -> None:
    atom = web.route("/feeds/atom-base.xml", "application/atom+xml", """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/news/"><title>B</title><id>urn:b</id>
<updated>2026-11-30T08:00:00Z</updated>
<entry><title>E1</title><id>urn:b:1</id><link href="2026/e1.html"/><updated>2026-11-30T08:00:00Z</updated></entry>
<entry xml:base="/sport/"><title>E2</title><id>urn:b:2</id><link href="e2.html"/>
<updated>2026-11-30T08:00:00Z</updated></entry></feed>""")
    d = run_discover(atom)
    assert [i.url for i in d.items] == [f"{web.base}/news/2026/e1.html", f"{web.base}/sport/e2.html"], d.errors
    # The server says where the feed really lives: its relative links are from there.
    rss = web.route("/mirror/rss.xml", "application/rss+xml", """<?xml version="1.0"?>
<rss version="2.0"><channel><title>M</title><link>/</link><description>d</description>
<item><title>R1</title><link>stories/r1.html</link></item></channel></rss>""",
                    Content_Location="/origin/rss.xml")
    d = run_discover(rss)
    assert [i.url for i in d.items] == [f"{web.base}/origin/stories/r1.html"], d.errors
    # Without either, relative links are from the feed's own URL.
    plain = web.route("/plain/rss.xml", "application/rss+xml", """<?xml version="1.0"?>
<rss version="2.0"><channel><title>P</title><link>/</link><description>d</description>
<item><title>P1</title><link>p1.html</link></item></channel></rss>""")
    assert [i.url for i in run_discover(plain).items] == [f"{web.base}/plain/p1.html"]


def test_feed_served_without_a_charset_keeps_its_declaration(web: RouteServer) -> None:
    body = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Новости</title><link>/</link><description>d</description>
<item><title>Павлодар</title><link>/kz/1.html</link></item></channel></rss>""".encode("cp1251")
    d = run_discover(web.route("/cp1251.xml", "text/xml", body))
    assert d.outcome.status is FetchStatus.OK and not d.errors, d.errors
    assert [i.hints["title"] for i in d.items] == ["Павлодар"]


# -- sitemaps -------------------------------------------------------------------


def _urlset(base: str, n: int, path: str = "s") -> str:
    entries = "".join(f"<url><loc>{base}/{path}/{i}.html</loc><lastmod>2026-11-{1 + i % 28:02d}</lastmod></url>\n"
                      for i in range(n))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {SM_NS}>\n{entries}</urlset>\n'


def test_a_sitemap_cut_mid_url_keeps_its_complete_entries(web: RouteServer) -> None:
    full = _urlset(web.base, 50)
    cut = full[: full.index(f"{web.base}/s/49.html") + len(web.base) + 5]  # inside the 50th <loc>
    d = run_discover(web.route("/cut-mid-url.xml", "application/xml", cut), kind="sitemap")
    assert sorted(i.url for i in d.items) == sorted(f"{web.base}/s/{i}.html" for i in range(49))
    assert any("truncated" in e and "kept its 49 complete entries" in e for e in d.errors), d.errors


def test_a_sitemap_missing_its_closing_tag_keeps_every_entry(web: RouteServer) -> None:
    d = run_discover(web.route("/no-close.xml", "application/xml", _urlset(web.base, 50).replace("</urlset>", "")),
                     kind="sitemap")
    assert len(d.items) == 50 and {i.url for i in d.items} == {f"{web.base}/s/{i}.html" for i in range(50)}
    assert d.items[0].hints["modified"].startswith("2026-11-28")  # newest first
    assert any("kept its 50 complete entries" in e for e in d.errors), d.errors


def test_a_truncated_sitemap_index_follows_its_complete_children(web: RouteServer) -> None:
    web.route("/child-a.xml", "application/xml", _urlset(web.base, 3, "a"))
    web.route("/child-b.xml", "application/xml", _urlset(web.base, 2, "b"))
    index = (f'<?xml version="1.0"?><sitemapindex {SM_NS}>'
             f"<sitemap><loc>{web.base}/child-a.xml</loc></sitemap>"
             f"<sitemap><loc>{web.base}/child-b.xml</loc></sitemap>"
             f"<sitemap><loc>{web.base}/child-c")
    d = run_discover(web.route("/cut-index.xml", "application/xml", index), kind="sitemap")
    assert sorted(i.url for i in d.items) == sorted([f"{web.base}/a/{i}.html" for i in range(3)]
                                                    + [f"{web.base}/b/{i}.html" for i in range(2)])
    assert web.hits["/child-c"] == 0


def test_a_plain_text_sitemap_listed_in_robots_txt(web: RouteServer) -> None:
    web.route("/sitemap.txt", "text/plain; charset=utf-8",
              f"{web.base}/t/1.html\n{web.base}/t/2.html\r\n\n{web.base}/t/3.html\n")
    web.route("/robots.txt", "text/plain", f"User-agent: *\nDisallow: /private/\nSitemap: {web.base}/sitemap.txt\n")
    d = run_discover(web.url("/robots.txt"), kind="sitemap")
    assert not d.errors, d.errors
    assert [i.url for i in d.items] == [f"{web.base}/t/{i}.html" for i in (1, 2, 3)]
    # The text sitemap as the source itself, too.
    assert len(run_discover(web.url("/sitemap.txt"), kind="sitemap").items) == 3


def test_rss_and_atom_sitemaps(web: RouteServer) -> None:
    rss = web.route("/sitemap-rss.xml", "application/rss+xml", f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>S</title><link>{web.base}/</link><description>d</description>
<item><title>R1</title><link>{web.base}/r/1.html</link><pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate></item>
<item><title>R2</title><link>/r/2.html</link><pubDate>Sun, 29 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>""")
    atom = web.route("/sitemap-atom.xml", "application/atom+xml", f"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2026-11-30T08:00:00Z</updated>
<entry><title>A1</title><id>urn:a:1</id><link href="{web.base}/atom/1.html"/><updated>2026-11-30T08:00:00Z</updated></entry>
</feed>""")
    d = run_discover(rss, kind="sitemap")
    assert not d.errors and [i.url for i in d.items] == [f"{web.base}/r/1.html", f"{web.base}/r/2.html"], d.errors
    assert [i.url for i in run_discover(atom, kind="sitemap").items] == [f"{web.base}/atom/1.html"]
    # ... and as the children of a sitemap index.
    index = web.route("/index-of-feeds.xml", "application/xml", f'<?xml version="1.0"?><sitemapindex {SM_NS}>'
                      f"<sitemap><loc>{rss}</loc></sitemap><sitemap><loc>{atom}</loc></sitemap></sitemapindex>")
    assert len(run_discover(index, kind="sitemap").items) == 3


def test_something_that_is_no_sitemap_is_said(web: RouteServer) -> None:
    d = run_discover(web.route("/page.html", "text/html", "<html><body>hello</body></html>"), kind="sitemap")
    assert not d.items and d.errors and "not a sitemap: root element <html>" in d.errors[0]
    d = run_discover(web.route("/words.txt", "text/plain", "just some words\nand more\n"), kind="sitemap")
    assert not d.items and d.errors and "not a sitemap" in d.errors[0]


# -- what a source may fetch, and entries without a link -------------------------


def test_child_sitemaps_and_announced_feeds_on_other_hosts_are_never_requested(web: RouteServer) -> None:
    with RouteServer("127.0.0.9") as other:
        other.route("/elsewhere.xml", "application/xml", _urlset(other.base, 2, "e"))
        other.route("/feed.xml", "application/rss+xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
<title>O</title><link>{other.base}/</link><description>d</description>
<item><title>O1</title><link>{web.base}/o/1.html</link></item></channel></rss>""")
        index = web.route("/index-elsewhere.xml", "application/xml", f'<?xml version="1.0"?><sitemapindex {SM_NS}>'
                          f"<sitemap><loc>{other.base}/elsewhere.xml</loc></sitemap>"
                          f"<sitemap><loc>{web.base}/child-a.xml</loc></sitemap></sitemapindex>")
        web.route("/child-a.xml", "application/xml", _urlset(web.base, 3, "a"))
        d = run_discover(index, kind="sitemap")
        assert len(d.items) == 3 and other.hits["/elsewhere.xml"] == 0
        assert any("host_not_allowed: 127.0.0.9" in e for e in d.errors), d.errors
        home = web.route("/announces-elsewhere.html", "text/html", '<html><head><link rel="alternate" '
                         f'type="application/rss+xml" href="{other.base}/feed.xml"></head><body>x</body></html>')
        d = run_discover(home)
        assert not d.items and other.hits["/feed.xml"] == 0 and "host_not_allowed" in d.errors[0], d.errors
        # Listed, the other host is fetched from, and its items on it are taken.
        d = run_discover(index, kind="sitemap", hosts=("127.0.0.9",))
        assert len(d.items) == 5 and other.hits["/elsewhere.xml"] == 1, d.errors


def test_entries_without_a_link_are_skipped_with_their_reason(web: RouteServer) -> None:
    sm = web.route("/no-loc.xml", "application/xml", f'<?xml version="1.0"?><urlset {SM_NS}>'
                   f"<url><loc>{web.base}/l/1.html</loc></url><url><lastmod>2026-11-30</lastmod></url></urlset>")
    d = run_discover(sm, kind="sitemap")
    assert [i.url for i in d.items] == [f"{web.base}/l/1.html"]
    assert [(i.url, i.skip) for i in d.skipped] == [(sm, "no_link: entry 2 has no link")]
    jf = web.route("/no-url.json", "application/feed+json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "J",
        "items": [{"id": "1", "url": f"{web.base}/j/1.html"}, {"id": "2", "title": "Only text"}, "junk"]}))
    d = run_discover(jf)
    assert [i.url for i in d.items] == [f"{web.base}/j/1.html"]
    assert [i.skip for i in d.skipped] == ["no_link: entry 2 ('Only text') has no link", "no_link: entry 3 has no link"]
