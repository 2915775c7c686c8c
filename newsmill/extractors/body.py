"""Which text is the article: trafilatura, the recall guard, the fallbacks.

trafilatura's fast mode is the first try (as good as its full cascade on
most news pages, and a third cheaper). It sometimes returns a stub: a
teaser, one caption, nothing. The *recall guard* catches that from what
the page itself says, and tries the next path:

1. ``trafilatura.fast``: fast mode, without trafilatura's own recall
   escalation when the guard is on (the guard takes that decision:
   :mod:`newsmill.extractors.engine`).
2. ``trafilatura.cascade``: the full cascade (readability and jusText
   compared), when fast mode's text is under ``GUARD_MIN_CHARS`` or under
   ``GUARD_PAGE_SHARE`` of the page's text (its blocks, and prose written
   straight into ``<div>``s: :func:`newsmill.extractors.dom.loose_chars`)
   and not ``GUARD_ENOUGH_CHARS`` long (the cascade costs about twice fast
   mode, and on text that long it almost never found more); kept when its distinct lines are over ``CASCADE_FACTOR`` times longer (a
   cascade only a little longer is mostly the same text with an edge more
   of the page; one longer by repeating lines found nothing more).
3. ``trafilatura.recall``: trafilatura's recall mode (``favor_recall``,
   fast: its own extractor without the comparisons, which on these pages
   found nothing more), when the cascade's text is still a stub by the same
   measure; kept on the same ``CASCADE_FACTOR``. Recall mode also searches
   the elements the other modes discard whole, which is where the article
   is on a page whose popup ``<aside>`` or ``<header>`` is never closed.
4. ``jsonld``: the page's JSON-LD ``articleBody``, when it is over
   ``JSONLD_FACTOR`` times longer than what trafilatura found (pages that
   render the article with JavaScript).

A path may return the article glued into one line (trafilatura's
baseline rescue reads an ``<article>`` as one paragraph; many JSON-LD
``articleBody`` values have no line breaks): such lines are cut back at
the page's own lines (:func:`newsmill.extractors.segments.split_glued`)
before the cleaner sees them.

Another signal, a cleaned text under half of what extraction returned,
was measured and is not used: on those pages the cleaner was mostly
right (the benchmark prints it). The chosen lines then go through
:func:`newsmill.extractors.fill.complete`
(link shares, skipped blocks put back: a ``+fill`` suffix on the path).
The path is the article's ``extraction`` field. Thresholds were chosen on
the development sets (benchmarks/RESULTS.md, the extraction paths table).
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from newsmill.core.errors import ExtractionError
from newsmill.extractors.dom import Block, Line, loose_chars, page_blocks
from newsmill.extractors.engine import bare_text, fast_text
from newsmill.extractors.fill import complete
from newsmill.extractors.segments import split_glued

GUARD_MIN_CHARS = 250
GUARD_PAGE_SHARE = 0.2
GUARD_ENOUGH_CHARS = 3000  # fast mode's text this long is the article found, whatever the page's size
CASCADE_FACTOR = 2.0
JSONLD_FACTOR = 2.0
JSONLD_MIN_CHARS = 500

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class BodyOptions:
    """How the body is found (the fields of ``ExtractSettings`` it reads)."""

    fast: bool = True
    guard: bool = True
    fill: bool = True
    include_comments: bool = False
    include_tables: bool = True
    favor_precision: bool = False
    favor_recall: bool = False


@dataclass(frozen=True)
class Body:
    """The article's lines (with what the page says of each) and the path
    that produced them."""

    lines: list[Line]
    path: str
    extracted_chars: int


def _trafilatura(page: lxml_html.HtmlElement, url: str | None, o: BodyOptions, *, fast: bool) -> list[str]:
    if fast and o.guard and not (o.include_comments or o.favor_precision or o.favor_recall):
        # The guard decides what trafilatura's own recall escalation would (newsmill.extractors.engine).
        return fast_text(page, url, include_tables=o.include_tables)
    return bare_text(page, url, fast=fast, include_comments=o.include_comments, include_tables=o.include_tables,
                     favor_precision=o.favor_precision, favor_recall=o.favor_recall)


def _chars(lines: list[str]) -> int:
    return sum(len(line) for line in lines)


def _walk(obj: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            out.append(item)
            stack.extend(v for k, v in item.items() if k in ("@graph", "mainEntity", "mainEntityOfPage"))
    return out


_JSONLD_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)


def jsonld_body(tree: lxml_html.HtmlElement) -> str:
    """The longest ``articleBody`` of the page's JSON-LD article objects."""
    best = ""
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = script.text or ""
        if "articleBody" not in raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for obj in _walk(data):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if not any(isinstance(k, str) and _JSONLD_TYPES.search(k) for k in kinds):
                continue
            value = obj.get("articleBody")
            if isinstance(value, str) and len(value) > len(best):
                best = value
    return best


def _jsonld_lines(text: str) -> list[str]:
    # articleBody is plain text, sometimes with HTML left in it.
    if "<" in text and ">" in text:
        with contextlib.suppress(etree.ParserError, ValueError):  # keep the text as it came
            text = lxml_html.fragment_fromstring(text, create_parent="div").text_content()
    elif "&" in text:  # HTML whose tags the CMS stripped and whose entities it left ("You&rsquo;re")
        text = html.unescape(text)
    return [line.strip() for line in re.split(r"\n\s*\n|\n|\r", text) if line.strip()]


def _too_short(chars: int, blocks: list[Block], page: lxml_html.HtmlElement) -> bool:
    """Whether fast mode's ``chars`` are a stub of the page's text (its
    blocks, and the prose outside blocks only when the blocks alone do
    not already say so)."""
    if chars < GUARD_MIN_CHARS:
        return True
    block_chars = sum(len(b.text) for b in blocks)
    return chars < GUARD_PAGE_SHARE * block_chars or chars < GUARD_PAGE_SHARE * (block_chars + loose_chars(page))


def _fallbacks(o: BodyOptions) -> Iterator[tuple[str, BodyOptions, bool]]:
    """The guard's paths after fast mode, in order: the path's name, its
    options and whether it runs in fast mode. Recall mode last (it also
    searches the elements the others drop whole, such as an unclosed popup
    ``<aside>`` wrapping the page), unless it is the user's setting already."""
    yield "trafilatura.cascade", o, False
    if not o.favor_recall:
        yield "trafilatura.recall", replace(o, favor_recall=True, favor_precision=False), True


def find_body(tree: lxml_html.HtmlElement, page: lxml_html.HtmlElement, url: str | None, o: BodyOptions) -> Body:
    """The article text of ``page`` (``tree`` narrowed by a site override,
    or ``tree`` itself); raises ExtractionError when every path fails."""
    lines = _trafilatura(page, url, o, fast=o.fast)
    path = "trafilatura.fast" if o.fast else "trafilatura.cascade"
    blocks: list[Block] | None = None
    if o.guard:
        chars = _chars(lines)
        if o.fast:
            blocks = page_blocks(page)
            for name, alt_options, alt_fast in _fallbacks(o):
                if chars >= GUARD_ENOUGH_CHARS or not _too_short(chars, blocks, page):
                    break
                alt = _trafilatura(page, url, alt_options, fast=alt_fast)
                # Distinct lines: a text longer only by repeating itself
                # (a page's hidden copies of its teasers) has found nothing more.
                if _chars(list(dict.fromkeys(alt))) > CASCADE_FACTOR * chars:
                    lines, path, chars = alt, name, _chars(alt)
        body = jsonld_body(tree)
        # Much longer than what trafilatura found, or what trafilatura found
        # itself (its own last resort reads articleBody, as one paragraph).
        # Its length is the text's, not the layout's: some CMSs put the
        # rendered HTML's indentation into articleBody.
        found = _jsonld_lines(body) if len(body) >= JSONLD_MIN_CHARS else []
        flat = " ".join(_SPACE.sub(" ", line) for line in found)
        if len(flat) >= JSONLD_MIN_CHARS and (len(flat) > JSONLD_FACTOR * max(chars, 1) or (
                flat == " ".join(_SPACE.sub(" ", line).strip() for line in lines))):
            found = split_glued(found, page)
            return Body([Line(line) for line in found], "jsonld", _chars(found))
    if not lines:
        raise ExtractionError("trafilatura found no article text", status="not_article")
    if blocks is None:
        blocks = page_blocks(page)
    completed = complete(blocks, split_glued(lines, page), fill=o.fill)
    if any(line.added for line in completed):
        path += "+fill"
    return Body(completed, path, _chars([line.text for line in completed]))
