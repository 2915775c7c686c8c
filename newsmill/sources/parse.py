"""Parsing of feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed), XML sitemaps
(indexes, Google News) and URL lists into discovered items.

XML is parsed defensively. The prolog is read with lxml set to never
resolve entities, load a DTD or touch the network; a document whose
internal DTD declares an entity that could expand or reach out (an external
or parameter entity, one that refers to other entities, or a long one) is
refused before feedparser sees it. A DOCTYPE alone (RSS 0.91's public DTD)
is fine and never loaded, and a DOCTYPE inside an item's CDATA is content.
Feeds are then parsed by feedparser with the response's headers (charset,
``Content-Location``); sitemaps by lxml's pull parser, which keeps the
complete entries of a truncated file.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import struct_time
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree
from lxml import html as lxml_html

from newsmill.core.errors import SourceError

_SAFE_XML: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
MAX_ENTITY_VALUE = 200  # characters: longer declared entities are refused (quadratic-blowup attack)
_ENTITY_REF = re.compile(r"[&%][^#\s]")  # a reference to another entity (not a character reference)
_FIRST_ELEMENT = re.compile(rb"<([a-z][\w:.-]*)")
_SOFT_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
               "application/rdf+xml", "text/xml", "application/xml")
NS_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True)
class DiscoveredItem:
    """A URL a source points at, with what the source says about it."""

    url: str  # "" for an entry that has no link
    hints: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    skip: str = field(default="", compare=False)  # why it is not fetched: "<reason>: <detail>" (SKIP_REASONS)


def _internal_dtd(body: bytes) -> etree.DTD | None:
    """The internal DTD of the document's prolog, read by lxml without
    resolving entities or loading anything; None when it has none (or lxml
    finds no element)."""
    parser = etree.XMLPullParser(events=("start",), recover=True, **_SAFE_XML)
    for at in range(0, len(body), 65_536):
        try:
            parser.feed(body[at:at + 65_536])
        except etree.XMLSyntaxError:
            return None
        for _, element in parser.read_events():
            dtd: etree.DTD | None = element.getroottree().docinfo.internalDTD
            return dtd
    return None


def refuse_dangerous_xml(body: bytes) -> None:
    """Raise SourceError when the document's DTD declares an entity that
    could expand or reach out: external (``SYSTEM``/``PUBLIC``), a parameter
    entity, one whose value refers to other entities, or one over
    ``MAX_ENTITY_VALUE`` characters. Short literal entities (``&nbsp;``
    as ``&#160;``) and a DOCTYPE naming an external DTD that is never loaded
    are accepted."""
    dtd = _internal_dtd(body)
    if dtd is None:
        return
    for entity in dtd.iterentities():
        value = entity.orig or ""
        if entity.system_url is not None or entity.content is None:
            why = f"external entity {entity.name!r} ({str(entity.system_url)[:80]})"
        elif _ENTITY_REF.search(value):
            why = f"entity {entity.name!r} refers to other entities"
        elif len(value) > MAX_ENTITY_VALUE:
            why = f"entity {entity.name!r} is {len(value)} characters long"
        else:
            continue
        raise SourceError(f"XML declares an {why}; refused (entity-expansion or external-entity attack)",
                          status="parse_error")


def gunzip_capped(body: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip body, refusing more than ``max_bytes`` of output."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            out = fh.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise SourceError(f"broken gzip data: {exc}", status="parse_error") from exc
    if len(out) > max_bytes:
        raise SourceError(f"gzip data expands beyond {max_bytes} bytes; refused", status="too_large")
    return out


def _to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, struct_time):
        return datetime(*value[:6], tzinfo=UTC)
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def looks_like_html(body: bytes) -> bool:
    """An HTML page: an HTML DOCTYPE or ``<html>`` as its first element (an
    ``<html>`` inside a feed's CDATA content is no such thing)."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<!doctype html"):
        return True
    first = _FIRST_ELEMENT.search(head)
    return first is not None and first.group(1) == b"html"


def discover_feed_links(body: bytes, base_url: str) -> list[str]:
    """Feed URLs announced by an HTML page's ``<link rel="alternate">``."""
    try:
        doc = lxml_html.fromstring(body, base_url=base_url)
    except (etree.ParserError, ValueError):
        return []
    doc.make_links_absolute(base_url)
    links = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        ctype = (link.get("type") or "").lower()
        if "alternate" in rel and ctype in _FEED_TYPES and link.get("href"):
            links.append(str(link.get("href")))
    return links


def feed_headers(headers: Mapping[str, str], content_type: str = "", base_url: str = "") -> dict[str, str]:
    """The response headers feedparser is given: lower-case names, a
    ``Content-Location`` made absolute against ``base_url`` (the feed's URL
    when the response names none, so relative links and ``xml:base``
    resolve against where the feed was), and a neutral XML type when the
    response had none (feedparser would otherwise read it as ISO-8859-1)."""
    out = {k.lower(): v for k, v in headers.items()}
    if content_type and "content-type" not in out:
        out["content-type"] = content_type
    out.setdefault("content-type", "application/xml")
    location = out.get("content-location", "")
    out["content-location"] = urljoin(base_url, location) if base_url else location
    if not out["content-location"]:
        del out["content-location"]
    return out


def parse_feed(body: bytes, content_type: str = "", headers: Mapping[str, str] | None = None,
               base_url: str = "") -> tuple[str, list[DiscoveredItem]]:
    """Items of an RSS, Atom or JSON feed (title, date, language as hints).
    ``headers`` are the response's (their charset wins over the document's
    declaration for XML media types, as RFC 3023 says), ``base_url`` the
    feed's URL: relative links resolve against ``xml:base``, then
    ``Content-Location``, then it."""
    stripped = body.lstrip()
    if "json" in content_type or stripped.startswith(b"{"):
        return parse_json_feed(body)
    refuse_dangerous_xml(body)
    parsed = feedparser.parse(body, response_headers=feed_headers(headers or {}, content_type, base_url))
    hard = parsed.bozo and not isinstance(parsed.get("bozo_exception"), _SOFT_BOZO)
    if hard and not any(e.get("link") for e in parsed.entries):
        err = parsed.get("bozo_exception")
        raise SourceError(f"malformed feed: {err}", status="parse_error")
    feed_lang = parsed.feed.get("language")
    items: list[DiscoveredItem] = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        hints: dict[str, Any] = {}
        if entry.get("title"):
            hints["title"] = entry["title"]
        published = _to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
        if published:
            hints["published"] = published.isoformat()
        if feed_lang:
            hints["language"] = str(feed_lang).split("-")[0].lower()
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if authors:
            hints["authors"] = authors
        items.append(_entry(str(link), hints, len(items) + 1))
    return str(parsed.get("version") or "feed"), items


def _entry(link: str, hints: dict[str, Any], n: int) -> DiscoveredItem:
    """An item; one without a link keeps its place in the document
    (``entry`` hint) for the row that says it was skipped."""
    return DiscoveredItem(link, hints if link else {**hints, "entry": n})


def parse_json_feed(body: bytes) -> tuple[str, list[DiscoveredItem]]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"malformed JSON feed: {exc}", status="parse_error") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError("not a JSON Feed: no `items` list", status="parse_error")
    lang = data.get("language")
    items: list[DiscoveredItem] = []
    for entry in data["items"]:
        if not isinstance(entry, dict):
            items.append(_entry("", {}, len(items) + 1))  # not an item object: an entry without a link
            continue
        link = entry.get("url") or entry.get("external_url")
        if not isinstance(link, str):
            link = ""
        hints: dict[str, Any] = {}
        if isinstance(entry.get("title"), str):
            hints["title"] = entry["title"]
        published = _to_datetime(entry.get("date_published"))
        if published:
            hints["published"] = published.isoformat()
        if isinstance(lang, str):
            hints["language"] = lang.split("-")[0].lower()
        items.append(_entry(link, hints, len(items) + 1))
    return "json", items


def parse_sitemap(body: bytes, content_type: str = "", headers: Mapping[str, str] | None = None,
                  base_url: str = "", notes: list[str] | None = None) -> tuple[list[str], list[DiscoveredItem]]:
    """(child sitemap URLs, page items) of a sitemap in any form sitemaps.org
    allows: an XML sitemap or sitemap index, a plain-text sitemap (one URL
    a line), or an RSS or Atom feed (read by :func:`parse_feed`). A
    truncated or broken XML sitemap keeps the entries that were complete
    (their closing tag read); what was lost is said in ``notes``."""
    if body[:2] == b"\x1f\x8b":
        raise SourceError("gzip sitemap must be decompressed first", status="parse_error")
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return [], parse_text_sitemap(body)
    refuse_dangerous_xml(body)
    return _parse_xml_sitemap(body, content_type, headers, base_url, notes)


def parse_text_sitemap(body: bytes) -> list[DiscoveredItem]:
    """A plain-text sitemap: one URL a line (UTF-8). Lines that are no
    http(s) URL are kept as items, for discovery to reject and count."""
    lines = [line.strip() for line in body.decode("utf-8", "replace").splitlines()]
    items = [DiscoveredItem(line) for line in lines if line]
    if not any(i.url.lower().startswith(("http://", "https://")) for i in items):
        raise SourceError("not a sitemap: neither XML nor lines of http(s) URLs", status="parse_error")
    return items


_FEED_ROOTS = ("rss", "RDF", "feed")


def _parse_xml_sitemap(body: bytes, content_type: str, headers: Mapping[str, str] | None, base_url: str,
                       notes: list[str] | None) -> tuple[list[str], list[DiscoveredItem]]:
    parser = etree.XMLPullParser(events=("start", "end"), recover=True, **_SAFE_XML)
    root_tag = ""
    root_closed = False
    children: list[str] = []
    items: list[DiscoveredItem] = []
    for at in range(0, len(body), 1 << 20):
        try:
            parser.feed(body[at:at + (1 << 20)])
        except etree.XMLSyntaxError as exc:
            if notes is not None:
                notes.append(f"sitemap {base_url or ''} is malformed ({exc}); kept its complete entries")
            break
        for event, element in parser.read_events():
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if event == "start":
                if not root_tag:
                    root_tag = tag
                    if tag in _FEED_ROOTS:
                        return [], parse_feed(body, content_type, headers, base_url)[1]
                    if tag not in ("urlset", "sitemapindex"):
                        raise SourceError(f"not a sitemap: root element <{tag}>", status="parse_error")
                continue
            if element.getparent() is None:
                root_closed = True
            elif tag == "sitemap" and root_tag == "sitemapindex":
                loc = _child_text(element, "loc")
                if loc:
                    children.append(urljoin(base_url, loc) if base_url else loc)
                _forget(element)
            elif tag == "url" and root_tag == "urlset":
                entry = _sitemap_entry(element, base_url)
                items.append(_entry(entry.url, entry.hints, len(items) + 1))
                _forget(element)
    if not root_tag:
        raise SourceError("malformed sitemap XML: no root element", status="parse_error")
    if not root_closed and notes is not None:
        kept = len(children) if root_tag == "sitemapindex" else len(items)
        notes.append(f"sitemap {base_url} ends before its closing </{root_tag}> (truncated?); "
                     f"kept its {kept} complete entries")
    return children, items


def _forget(element: etree._Element) -> None:
    """Drop an entry once read, so a 50,000-entry sitemap stays small."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _child_text(element: etree._Element, name: str, ns: str | None = None) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name and \
                (ns is None or etree.QName(child).namespace == ns):
            return (child.text or "").strip() or None
    return None


def _sitemap_entry(url: etree._Element, base_url: str) -> DiscoveredItem:
    loc = _child_text(url, "loc") or ""
    hints: dict[str, Any] = {}
    lastmod = _to_datetime(_child_text(url, "lastmod"))
    if lastmod:
        hints["modified"] = lastmod.isoformat()
    news = url.find(f"{{{NS_NEWS}}}news")
    if news is not None:
        pub = _to_datetime(news.findtext(f"{{{NS_NEWS}}}publication_date"))
        if pub:
            hints["published"] = pub.isoformat()
        title = news.findtext(f"{{{NS_NEWS}}}title")
        if title:
            hints["title"] = title.strip()
        lang = news.findtext(f"{{{NS_NEWS}}}publication/{{{NS_NEWS}}}language")
        if lang:
            hints["language"] = lang.strip().lower()
    return DiscoveredItem(urljoin(base_url, loc) if base_url and loc else loc, hints)


def parse_url_list(text: str) -> list[DiscoveredItem]:
    """One URL per line; blank lines and ``#`` comments are skipped."""
    return [DiscoveredItem(line.strip()) for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]
