"""Raw document → normalized, cleaned :class:`~newsmill.core.records.Article`."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import py3langid
from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from newsmill.core.errors import ConfigError, ExtractionError
from newsmill.core.records import Article, RawDocument, Removal
from newsmill.core.urls import canonicalize_url
from newsmill.extractors import rules as r
from newsmill.extractors.body import BodyOptions, find_body
from newsmill.extractors.clean import Cleaner
from newsmill.extractors.complexity import FLATTEN_DEPTH, count_elements, flatten, reopen
from newsmill.extractors.decode import decode
from newsmill.extractors.dom import Line
from newsmill.extractors.language import load_identifier
from newsmill.extractors.metadata import PageMeta, clean_authors, page_metadata, parse_datetime
from newsmill.extractors.sites import SITE_OVERRIDES, SiteOverride, find_override
from newsmill.extractors.text import parse_text

log = logging.getLogger(__name__)

_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass(frozen=True)
class ExtractSettings:
    """Extraction settings (trafilatura's chosen by measurement, see README)."""

    favor_precision: bool = False
    favor_recall: bool = False
    # trafilatura's fast mode skips its readability/jusText comparison: on the
    # Scrapinghub benchmark that is as good (F1 +0.001 before cleaning) and
    # about a quarter faster (README, Extraction settings).
    fast: bool = True
    include_tables: bool = True
    include_comments: bool = False
    # The recall guard and the skipped-block fill (newsmill.extractors.body).
    guard: bool = True
    fill: bool = True
    # Cleaner rules switched off by name (the benchmark's ablation).
    disabled_rules: frozenset[str] = frozenset()
    min_words: int = 20
    max_html_bytes: int = 20_000_000
    # Pages of more start tags are refused as too_complex before they are
    # parsed (0: no cap); the run sets it from NEWSMILL_MAX_ELEMENTS.
    max_elements: int = 100_000
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Per-site CSS overrides (newsmill.extractors.sites): the bundled
    # registry plus the operator's NEWSMILL_SITE_OVERRIDES file.
    overrides: Mapping[str, SiteOverride] = field(default_factory=lambda: SITE_OVERRIDES)

    def __post_init__(self) -> None:
        if self.favor_precision and self.favor_recall:
            raise ConfigError("favor_precision and favor_recall exclude each other")
        if self.min_words < 1:
            raise ConfigError("min_words must be >= 1")


DEFAULT_SETTINGS = ExtractSettings()


_SPACES = re.compile(r"\s+")


# Invisible characters that are spelling, not formatting (joiners.py): the
# zero-width non-joiner and joiner. Other control and format characters
# become spaces.
_ORTHOGRAPHIC = frozenset("\t\u200c\u200d")


# Mojibake a site printed: UTF-8 bytes read as windows-1252 or Latin-1 once
# before they reached its HTML ("Itâ€™s", "cats.Â\xa0", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"): a
# two-byte lead character before a continuation one, or a three-byte lead
# before two. Only lines with that shape go to ftfy, which fixes an
# encoding only where the result is more plausible text (and leaves
# "ESPAÑA", "São" alone); its other fixes (quotes, widths, ligatures) are off.
# A C1 control alone is windows-1252 read as Latin-1 ("we\x92re"): ftfy
# maps it to its windows-1252 character; those it cannot place are dropped.
_CONTINUATION = "\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(f"[Â-ß][{_CONTINUATION}]|[à-ï][{_CONTINUATION}]{{2}}|[\x80-\x9f]")
_C1 = re.compile("[\x80-\x9f]")


def _fix_encoding(text: str) -> str:
    import ftfy  # imported on the first line that needs it (most pages have none)

    config = ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False, fix_character_width=False,
        uncurl_quotes=False, fix_line_breaks=False, fix_surrogates=False, remove_control_chars=False,
        normalization=None, explain=False)
    return ftfy.fix_text(text, config)


def normalize_paragraph(text: str) -> str:
    """Mojibake repaired, NFC, no control characters, single spaces."""
    if not text.isascii():  # ASCII is NFC already, and no mojibake
        if _MOJIBAKE.search(text):
            text = _C1.sub("", _fix_encoding(text))
        text = unicodedata.normalize("NFC", text)
    if not text.isprintable():  # the per-character pass only when needed
        text = "".join(c if c.isprintable() or c in _ORTHOGRAPHIC else " " for c in text)
    return _SPACES.sub(" ", text).strip()


def detect_language(text: str, hint: str | None = None) -> str | None:
    sample = text[:1200]  # langid's cost grows with the text; its answer settles well before this
    if r.count_words(sample) < 5:  # too little to tell (words per script: Thai and Chinese count too)
        return hint
    load_identifier()  # py3langid's model, from the cache (once per process)
    lang, _ = py3langid.classify(sample)
    return str(lang) if lang else hint


def _is_text(doc: RawDocument) -> bool:
    ctype = (doc.content_type or doc.headers.get("content-type", "")).lower()
    if "text/plain" in ctype:
        return True
    path = urlsplit(doc.url).path.lower()
    return path.endswith((".txt", ".txt.gz"))


def _site(doc: RawDocument, url: str) -> str:
    if doc.site:
        return doc.site
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or "local"


def _site_url(doc: RawDocument, declared: str | None) -> str:
    """The address a document's site is taken from: where it was fetched,
    or for a saved page the web address it declares."""
    return doc.effective_url if doc.effective_url.startswith(("http://", "https://")) else _canonical(doc, declared)


def _canonical(doc: RawDocument, declared: str | None) -> str:
    base = doc.effective_url
    if not base.startswith(("http://", "https://")):
        # A saved page (local file): its declared absolute web address is
        # its identity, so importing the same page from two folders (or
        # fetching it later) stores one article.
        if declared and declared.startswith(("http://", "https://")):
            cand = canonicalize_url(declared)
            if urlsplit(cand).path not in ("", "/"):
                return cand
        return base
    own = canonicalize_url(base)
    if not declared:
        return own
    cand = canonicalize_url(declared, base)
    own_host, cand_host = urlsplit(own).hostname or "", urlsplit(cand).hostname or ""
    same_site = own_host.removeprefix("www.") == cand_host.removeprefix("www.")
    # A canonical pointing at another site (syndication) or at the homepage is
    # not this page's identity.
    if not same_site or (urlsplit(cand).path in ("", "/") and urlsplit(own).path not in ("", "/")):
        return own
    return cand


def _hint_datetime(doc: RawDocument, key: str) -> Any:
    return parse_datetime(doc.hints.get(key))


@dataclass
class Extracted:
    """A document read and its article lines found, before cleaning (the
    stage the benchmark's per-rule ablation re-cleans)."""

    doc: RawDocument
    meta: PageMeta
    lines: list[Line]
    css_removed: list[Removal]
    path: str
    title: str | None
    canonical: str
    site: str
    is_text: bool
    encoding: str | None = None  # how the bytes were read (newsmill.extractors.decode)
    encoding_source: str | None = None


def extract(doc: RawDocument, *, settings: ExtractSettings | None = None) -> Article:
    """Extract, normalize and clean one article; raises ExtractionError
    (``status`` says why) when no usable article comes out."""
    s = settings or DEFAULT_SETTINGS
    return finish(read(doc, s), s)


def read(doc: RawDocument, s: ExtractSettings = DEFAULT_SETTINGS) -> Extracted:
    """Decode the document and find its article lines (no cleaning yet)."""
    body = doc.body
    if not body or not body.strip():
        raise ExtractionError("empty document", status="empty")
    if len(body) > s.max_html_bytes:
        raise ExtractionError(f"document is {len(body)} bytes, over the {s.max_html_bytes}-byte cap",
                              status="too_large")
    decoded = decode(body, doc.content_type or doc.headers.get("content-type"))
    text = decoded.text
    # On the text, so that UTF-16/32 (a NUL byte in every character) passes.
    if len(_BINARY.findall(text[:4096])) > 40:
        raise ExtractionError("binary data, not a text or HTML document", status="decode_error")
    if decoded.invalid:
        log.warning("%s: %d invalid byte sequence(s) in %s text replaced by U+FFFD", doc.url, decoded.invalid,
                    decoded.encoding)
    is_text = _is_text(doc)
    if is_text:
        tdoc = parse_text(text)
        meta = PageMeta(title=tdoc.title, published=tdoc.published,
                        authors=clean_authors(tdoc.headers.get("author") or tdoc.headers.get("authors") or []))
        lines = [Line(p) for p in tdoc.paragraphs]
        css_removed: list[Removal] = []
        path = "plaintext"
    else:
        meta, lines, css_removed, path = _extract_html(_within_limits(text, doc, s), doc, s)
    lines = [replace(line, text=t) for line in lines if (t := normalize_paragraph(line.text))]
    title = meta.title or (str(doc.hints["title"]) if doc.hints.get("title") else None)
    return Extracted(doc=doc, meta=meta, lines=lines, css_removed=css_removed, path=path, title=title,
                     canonical=_canonical(doc, meta.canonical), site=_site(doc, _site_url(doc, meta.canonical)),
                     is_text=is_text, encoding=decoded.encoding, encoding_source=decoded.source)


def finish(x: Extracted, s: ExtractSettings = DEFAULT_SETTINGS) -> Article:
    """Clean the lines found by :func:`read` and build the article."""
    doc, meta, title = x.doc, x.meta, x.title
    authors = meta.authors or clean_authors(doc.hints.get("authors") or [])
    cleaner = Cleaner(s.templates.get(x.site, ()), trailing_runs=x.is_text, disabled=s.disabled_rules)
    cleaned = cleaner.clean([line.text for line in x.lines], title=title,
                            urls=(doc.url, doc.effective_url, x.canonical), links=[line.links for line in x.lines],
                            leads=[line.opens for line in x.lines], authors=authors)
    body_text = "\n\n".join(cleaned.paragraphs)
    words = r.count_words(body_text)
    if words < s.min_words:
        status = "empty" if not x.lines else "not_article"
        raise ExtractionError(
            f"only {words} word(s) of article text after cleaning (minimum {s.min_words})", status=status)
    # `set_language`: given by the user (`newsmill import --language`), so not detected.
    language = doc.hints.get("set_language") or detect_language(body_text, meta.language or doc.hints.get("language"))
    return Article(
        url=doc.url,
        canonical_url=x.canonical,
        site=x.site,
        text=body_text,
        paragraphs=cleaned.paragraphs,
        source=doc.source,
        fetched_at=doc.fetched_at,
        title=normalize_paragraph(title) if title else None,
        authors=authors,
        published_at=meta.published or _hint_datetime(doc, "published"),
        modified_at=meta.modified or _hint_datetime(doc, "modified"),
        language=language,
        description=meta.description,
        image=meta.image,
        boilerplate_removed=[*x.css_removed, *cleaned.removed],
        raw=doc.archive,
        extraction=x.path,
        encoding=x.encoding,
        encoding_source=x.encoding_source,
    )


def _within_limits(html: str, doc: RawDocument, s: ExtractSettings) -> str:
    """``html`` reopened when its document ends before its end and with its
    too deep nesting flattened (:mod:`~newsmill.extractors.complexity`);
    an ExtractionError (``too_complex``) when it has more than
    ``max_elements`` start tags even so."""
    html, reopened = reopen(html)
    if reopened:
        log.debug("%s: the document's end tags come before its end: removed", doc.url)
    html, flattened = flatten(html)
    if flattened:
        log.warning("%s: %d container element(s) nested over %d deep removed (their text kept)", doc.url,
                    flattened, FLATTEN_DEPTH)
    # A start tag takes 3 characters at least (`<p>`): a shorter page cannot be over the limit.
    elements = count_elements(html) if s.max_elements and len(html) > 3 * s.max_elements else 0
    if s.max_elements and elements > s.max_elements:
        raise ExtractionError(f"{elements:,} HTML elements in this {len(doc.body):,}-byte document, over the "
                              f"{s.max_elements:,}-element limit (NEWSMILL_MAX_ELEMENTS)", status="too_complex")
    return html


def _extract_html(html: str, doc: RawDocument, s: ExtractSettings
                  ) -> tuple[PageMeta, list[Line], list[Removal], str]:
    # One parse, with trafilatura's own loader and parser settings: the tree
    # it would build from the string, shared by the metadata, trafilatura
    # (which works on a copy), the recall guard and htmldate.
    try:
        tree = load_html(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unparsable HTML: {exc}", status="not_article") from exc
    if tree is None:
        raise ExtractionError("unparsable HTML: no document tree", status="not_article")
    meta = page_metadata(tree)
    url = doc.effective_url if doc.effective_url.startswith("http") else None
    page: lxml_html.HtmlElement = tree
    css_removed: list[Removal] = []
    override = find_override(s.overrides, _site(doc, _site_url(doc, meta.canonical))) if s.overrides else None
    if override is not None:
        narrowed, css_removed = override.apply(tree)
        if narrowed is not None:
            page = narrowed
    options = BodyOptions(fast=s.fast, guard=s.guard, fill=s.fill, include_comments=s.include_comments,
                          include_tables=s.include_tables, favor_precision=s.favor_precision,
                          favor_recall=s.favor_recall)
    body = find_body(tree, page, url, options)
    if meta.published is None and not doc.hints.get("published"):
        # The page declares no date: let htmldate look (costly, so only now).
        meta.published = parse_datetime(find_date(tree, url=url, extensive_search=False, outputformat="%Y-%m-%d",
                                                  original_date=True))
    if not meta.title:
        h1 = tree.xpath("//h1")
        meta.title = (h1[0].text_content().strip() or None) if h1 else None
        meta.title = meta.title or _html_title(html)
    return meta, body.lines, css_removed, body.path


def _html_title(html: str) -> str | None:
    m = re.search(r"<title[^>]*>(.*?)</title>", html[:50_000], re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    title = re.sub(r"\s+", " ", m.group(1)).strip()
    return re.split(r"\s+[|–—-]\s+", title)[0].strip() or None
