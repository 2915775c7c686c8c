"""Article metadata from JSON-LD (``NewsArticle``/``Article``) and
OpenGraph/meta tags; trafilatura's own metadata fills the gaps."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as dateparser
from dateutil.tz import tzoffset

# Zone abbreviations news pages print after a date ("Nov 19, 2019 10:00 PM
# EST"), with their offsets from UTC in hours: only abbreviations that name
# one zone. CST (US Central, China), IST (India, Ireland, Israel), BST
# (British summer, Bangladesh) and AST (Atlantic, Arabia) name several: they
# are read without a zone, as any name dateutil does not know (then taken as
# UTC, as every zoneless date), and dateutil's warning about them is noise
# on the command's stderr.
_ZONE_HOURS = {
    "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8,
    "HST": -10, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "PKT": 5, "WIB": 7, "HKT": 8, "SGT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13,
}
_ZONES = {name: tzoffset(name, int(hours * 3600)) for name, hours in _ZONE_HOURS.items()}
warnings.filterwarnings("ignore", category=dateparser.UnknownTimezoneWarning)

# schema.org's Article and its subtypes (NewsArticle's, BlogPosting's with
# LiveBlogPosting, ...), lower case. Not VideoObject, ImageObject and the like:
# media embedded in an article carry their own dates (uploadDate, or a
# datePublished that is not the article's).
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "analysisnewsarticle", "askpublicnewsarticle", "backgroundnewsarticle",
    "opinionnewsarticle", "reportagenewsarticle", "reviewnewsarticle", "report", "satiricalarticle",
    "scholarlyarticle", "medicalscholarlyarticle", "techarticle", "apireference",
    "advertisercontentarticle", "blogposting", "liveblogposting",
    # Postings: an article too, but also how embedded posts are marked up,
    # so they rank below the types above.
    "socialmediaposting", "discussionforumposting",
    # The page itself: its dates are the article's only when nothing better says.
    "webpage",
})
_POSTING_TYPES = frozenset({"socialmediaposting", "discussionforumposting"})


@dataclass
class PageMeta:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    canonical: str | None = None
    description: str | None = None
    image: str | None = None


def parse_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime (naive values are taken as UTC), or None."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value.strip():
        try:
            dt = dateparser.isoparse(value.strip())
        except (ValueError, OverflowError):
            try:
                dt = dateparser.parse(value.strip(), tzinfos=_ZONES)
            except (ValueError, OverflowError, TypeError):
                return None
    else:
        return None
    if dt.year < 1990 or dt.year > 2100:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def clean_authors(value: Any) -> list[str]:
    """A clean list of person names from JSON-LD or a byline string."""
    names: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if not isinstance(item, str):
            continue
        for part in re.split(r"\s*(?:;|,|\band\b|\bи\b|\bve\b|\bund\b|\bet\b|\by\b|、|\|)\s*", item):
            part = re.sub(r"^(by|автор|author|yazar|von|par|por)\s*:?\s+", "", part.strip(), flags=re.I)
            part = part.strip(" .,:-—")
            if 2 <= len(part) <= 80 and not part.startswith("http") and part not in names:
                names.append(part)
    return names


def _jsonld_objects(doc: Any) -> list[dict[str, Any]]:
    """The page's JSON-LD objects in document order: top-level ones, those of
    an ``@graph`` and a ``mainEntity``. Other nested objects (a live blog's
    ``liveBlogUpdate`` entries, ``hasPart``, an embedded ``video``) are not
    the page's, and neither are top-level objects a ``liveBlogUpdate`` points
    at by ``@id``."""
    out: list[dict[str, Any]] = []
    updates: set[str] = set()
    for script in doc.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null")
        except (ValueError, RecursionError):  # broken, or nested past the decoder's depth
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))  # popped first to last
            elif isinstance(item, dict):
                out.append(item)
                refs = item.get("liveBlogUpdate")
                for ref in refs if isinstance(refs, list) else [refs]:
                    if isinstance(ref, dict) and isinstance(ref.get("@id"), str):
                        updates.add(ref["@id"])
                stack.extend(reversed([v for v in (item.get("@graph"), item.get("mainEntity")) if v is not None]))
    return [o for o in out if not (isinstance(o.get("@id"), str) and o["@id"] in updates)]


def _type_names(obj: dict[str, Any]) -> set[str]:
    """``@type`` names, lower case, without a vocabulary prefix
    (``https://schema.org/NewsArticle``, ``schema:NewsArticle``)."""
    t = obj.get("@type")
    names = t if isinstance(t, list) else [t]
    return {re.split(r"[/#:]", n.strip())[-1].lower() for n in names if isinstance(n, str) and n.strip()}


def _rank(types: set[str]) -> int:
    """0 for an article, 1 for a posting, 2 for a web page (sort key)."""
    if types & (ARTICLE_TYPES - _POSTING_TYPES - {"webpage"}):
        return 0
    return 1 if types & _POSTING_TYPES else 2


_META_ATTRS = ("property", "name", "itemprop")


def _meta_table(doc: Any) -> dict[tuple[str, str], str]:
    """``(attribute, value) -> content`` of the page's ``<meta>`` tags, the
    first tag of each pair winning (one walk of the tree, not one per key)."""
    table: dict[tuple[str, str], str] = {}
    for el in doc.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in _META_ATTRS:
            value = el.get(attr)
            if value is not None:
                table.setdefault((attr, value), content)
    return table


def _meta(table: dict[tuple[str, str], str], *names: str) -> str | None:
    for name in names:
        for attr in _META_ATTRS:
            found = table.get((attr, name))
            if found and found.strip():
                return found.strip()
    return None


def page_metadata(doc: Any) -> PageMeta:
    """Metadata declared by the page itself (JSON-LD first, then meta tags),
    from a parsed lxml document."""
    meta = PageMeta()
    table = _meta_table(doc)
    articles = [o for o in _jsonld_objects(doc) if _type_names(o) & ARTICLE_TYPES]
    articles.sort(key=lambda o: _rank(_type_names(o)))  # real article types first, else page order
    for obj in articles:
        meta.title = meta.title or _str(obj.get("headline")) or _str(obj.get("name"))
        meta.authors = meta.authors or clean_authors(obj.get("author"))
        meta.published = meta.published or parse_datetime(obj.get("datePublished"))
        meta.modified = meta.modified or parse_datetime(obj.get("dateModified"))
        meta.language = meta.language or _str(obj.get("inLanguage"))
        meta.description = meta.description or _str(obj.get("description"))
        publisher = obj.get("publisher")
        if isinstance(publisher, dict):
            meta.site_name = meta.site_name or _str(publisher.get("name"))
        image = obj.get("image")
        if isinstance(image, dict):
            image = image.get("url")
        if isinstance(image, list) and image:
            image = image[0] if isinstance(image[0], str) else image[0].get("url") if isinstance(image[0], dict) else None
        meta.image = meta.image or _str(image)
    meta.title = meta.title or _meta(table, "og:title", "twitter:title")
    meta.published = meta.published or parse_datetime(
        _meta(table, "article:published_time", "datePublished", "pubdate", "publish-date", "date"))
    # An update time (og:updated_time, article:modified_time) is never taken
    # as the publication date: a live blog's would be its latest entry's.
    meta.modified = meta.modified or parse_datetime(
        _meta(table, "article:modified_time", "og:updated_time", "dateModified"))
    if not meta.authors:
        meta.authors = clean_authors(_meta(table, "author", "article:author") or [])
    meta.site_name = meta.site_name or _meta(table, "og:site_name", "application-name")
    meta.description = meta.description or _meta(table, "og:description", "description")
    meta.image = meta.image or _meta(table, "og:image", "twitter:image")
    canon = doc.xpath('//link[@rel="canonical"]/@href')
    meta.canonical = str(canon[0]).strip() if canon else _meta(table, "og:url")
    lang = doc.xpath("/html/@lang")
    meta.language = meta.language or (str(lang[0]) if lang else None)
    if meta.language:
        meta.language = meta.language.split("-")[0].split("_")[0].lower()[:8] or None
    return meta


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = re.sub(r"\s+", " ", value).strip()
        return value or None
    return None
