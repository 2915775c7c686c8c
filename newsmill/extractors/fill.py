"""Blocks trafilatura skipped inside the article, put back (the ``+fill``
suffix of the ``extraction`` path).

Between the first and the last block it kept, trafilatura sometimes drops
headings, list items, table rows and paragraphs of the article itself;
:func:`complete` puts them back in page order, with every line's link
share (:mod:`newsmill.extractors.dom`) for the cleaner.

Only the span between the first and the last extracted block is filled
(and the article's other chunks: a body a CMS split into sibling
containers of one class inside its ``<article>``, of which trafilatura
kept one), and never from elements whose class or id names a page widget
(share, related, comment, newsletter...), from figure captions, or from
blocks that are mostly link text: the span is the article, its edges are
where boilerplate lives. A ``<main>`` or ``<article>`` holding the whole span is
the article whatever it or its ancestors are named (broken markup can put
it inside a ``<nav>``), and a block's lines broken by ``<br>`` are read
apart, as trafilatura reads them, before the block counts as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import html as lxml_html

from newsmill.extractors.dom import (
    BLOCK_TAGS,
    SKIP_TAGS,
    Block,
    Line,
    container_links,
    element_lines,
    line_key,
    link_share,
)

# The page's block tags that may be put back when trafilatura skipped them:
# all but the headline.
FILL_TAGS = frozenset(BLOCK_TAGS) - {"h1"}

WIDGET = re.compile(
    r"share|social|related|recommend|newsletter|subscri|promo|advert|(?:^|[\s_-])ads?(?:$|[\s_-])|sponsor|"
    r"comment|footer|sidebar|widget|breadcrumb|cookie|consent|popup|modal|author|byline|(?:^|[\s_-])tags?"
    r"(?:$|[\s_-])|(?:^|[\s_-])nav|menu|banner|signup|toolbar|masthead|disclaimer|caption|credit|"
    r"(?:^|[\s_-])meta(?:$|[\s_-])|pagination|read-?more|more-?stories|trending|popular|teaser|card|"
    r"gallery|slide|carousel|lightbox",
    re.IGNORECASE,
)
MAX_LINK_SHARE = 0.5
_MEDIA = ("img", "picture", "video", "audio", "script", "style", "iframe", "svg")
_NOT_TEXT = re.compile(r"\{[^{}]*[:;][^{}]*\}|\w\(\s*[\[{'\"]|function\s*\(|=>")


def _may_be_code(text: str) -> bool:
    """Whether _NOT_TEXT may match: each of its alternatives needs one of these."""
    return "{" in text or "(" in text or "=>" in text


def _in_widget(element: lxml_html.HtmlElement, cache: dict[lxml_html.HtmlElement, bool]) -> bool:
    """Whether the element sits in a skipped element or one whose class or
    id names a widget (cached per ancestor: siblings share them). The cache
    holds the elements themselves: lxml's element proxies live only while
    referenced, so an ``id()`` would be reused by another element."""
    chain: list[lxml_html.HtmlElement] = []
    node: lxml_html.HtmlElement | None = element
    verdict = False
    while node is not None:
        known = cache.get(node)
        if known is not None:
            verdict = known
            break
        chain.append(node)
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIP_TAGS or (tag not in ("body", "html") and WIDGET.search(
                f"{node.get('class') or ''} {node.get('id') or ''}")):
            verdict = True
            break
        node = node.getparent()
    for seen in chain:
        cache[seen] = verdict
    return verdict



def complete(blocks: Sequence[Block], lines: Sequence[str], *, fill: bool = True) -> list[Line]:
    """``lines`` with their link shares, and (``fill``) the blocks
    trafilatura skipped between the first and the last block it kept put
    back in page order; ``blocks`` are :func:`~newsmill.extractors.dom.page_blocks` of the page."""
    if not blocks or not lines:
        return [Line(text) for text in lines]
    by_key: dict[str, int] = {}
    for i, block in enumerate(blocks):
        by_key.setdefault(block.key, i)
    keys = [line_key(line) for line in lines]
    found = [by_key.get(key) if key else None for key in keys]
    placed = [i for i in found if i is not None]
    outer = container_links(blocks, {key for key, at in zip(keys, found, strict=True) if at is None})
    shares: dict[int, tuple[float, bool]] = {}

    def links(i: int) -> tuple[float, bool]:  # each block's link share (and lead link), once
        got = shares.get(i)
        if got is None:
            got = shares[i] = link_share(blocks[i].element, blocks[i].text)
        return got

    def share(i: int) -> float:
        return links(i)[0]

    def placed_line(line: str, key: str, at: int | None) -> Line:
        if at is not None:
            share_at, opens = links(at)
            return Line(line, share_at, opens=opens)
        got = outer.get(key)
        return Line(line, got[0], opens=got[1]) if got is not None else Line(line)

    if len(placed) < 2 or not fill:
        return [placed_line(line, key, at) for line, key, at in zip(lines, keys, found, strict=True)]
    first, last = min(placed), max(placed)
    have = set(placed)
    text_key = " " + " ".join(keys) + " "
    # A <main> or <article> that holds both the first and the last kept block
    # is the article, and so is what holds it: none of them is a widget,
    # whatever its name (a page that never closes its <nav> puts its <main>
    # inside it).
    cache: dict[lxml_html.HtmlElement, bool] = dict.fromkeys(_article_region(
        blocks[first].element, blocks[last].element), False)
    spaced_text: dict[int, str] = {}

    def fillable(i: int) -> bool:
        block = blocks[i]
        if i in have or block.element.tag not in FILL_TAGS or not block.key:
            return False
        if f" {block.key} " in text_key:
            return False  # trafilatura has it, in another line's shape
        if share(i) > MAX_LINK_SHARE or _in_widget(block.element, cache):
            return False
        if ((_may_be_code(block.text) and _NOT_TEXT.search(block.text))
                or next(block.element.iter(*_MEDIA), None) is not None):
            return False  # a picture with its caption, or code (styles, scripts) in the text
        if next(block.element.iter("br"), None) is not None:
            # Lines broken by <br>: the block's text glues them ("BenchBrand");
            # read them apart, as trafilatura did, before asking again.
            spaced = " ".join(element_lines(block.element))
            if f" {line_key(spaced)} " in text_key:
                return False
            spaced_text[i] = spaced
        return True

    before, after = _chunks(blocks, first, last)
    missing = [i for i in (*before, *range(first + 1, last), *after) if fillable(i)]
    out_lines: list[Line] = []
    pending = iter(missing)
    nxt = next(pending, None)
    end = 0  # where blocks after the last kept one go: right after its line
    for line, key, at in zip(lines, keys, found, strict=True):
        if at is not None:
            while nxt is not None and nxt < at:
                out_lines.append(_added(blocks, nxt, spaced_text.get(nxt), links(nxt)))
                nxt = next(pending, None)
        out_lines.append(placed_line(line, key, at))
        if at == last:
            end = len(out_lines)
    rest = [] if nxt is None else [nxt, *pending]
    out_lines[end:end] = [_added(blocks, i, spaced_text.get(i), links(i)) for i in rest]
    return out_lines


def _added(blocks: Sequence[Block], i: int, spaced: str | None, links: tuple[float, bool]) -> Line:
    return Line(_as_line(blocks[i], spaced), links[0], added=True, opens=links[1])


CHUNK_LEVELS = 3  # how far above the kept blocks' container the article's chunks are looked for


def _chunks(blocks: Sequence[Block], first: int, last: int) -> tuple[list[int], list[int]]:
    """The blocks before ``first`` and after ``last`` that sit in the
    article's other chunks: CMSs split a long body into several containers
    of one tag and class (around ad slots and embeds), and trafilatura may
    keep only one of them. The container of the kept blocks (or one of its
    ``CHUNK_LEVELS`` nearest ancestors) must have siblings of its tag and
    class, inside an ``<article>``, and none of them may hold an ``<h1>``
    or an ``<article>`` (the next story of an endless page)."""
    a, b = blocks[first].element, blocks[last].element
    above_b = set(b.iterancestors())
    box = next((e for e in (a, *a.iterancestors()) if e is b or e in above_b), None)
    if box is not None and box is a:
        box = box.getparent()
    same: list[lxml_html.HtmlElement] = []
    for _ in range(CHUNK_LEVELS):
        if box is None or box.tag in ("body", "html"):
            return [], []
        cls = box.get("class")
        if cls:
            same = [s for s in (*box.itersiblings(preceding=True), *box.itersiblings())
                    if s.tag == box.tag and s.get("class") == cls and next(s.iter("article", "h1"), None) is None]
            if same:
                break
        box = box.getparent()
    if not same or box is None or not any(e.tag == "article" for e in box.iterancestors()):
        return [], []
    inside = {e for s in same for e in s.iter(*BLOCK_TAGS)}
    return ([i for i in range(first) if blocks[i].element in inside],
            [i for i in range(last + 1, len(blocks)) if blocks[i].element in inside])


_REGION_TAGS = frozenset({"main", "article"})


def _article_region(a: lxml_html.HtmlElement, b: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The innermost ``<main>``, ``<article>`` or ``role="main"`` element
    that contains both ``a`` and ``b``, with its ancestors; none: ``[]``."""
    above_b = [b, *b.iterancestors()]  # kept alive: the ids below are of live proxies
    ids = {id(e) for e in above_b}
    chain = [a, *a.iterancestors()]
    for i, e in enumerate(chain):
        if id(e) in ids:
            for j in range(i, len(chain)):
                if chain[j].tag in _REGION_TAGS or chain[j].get("role") == "main":
                    return chain[j:]
            return []
    return []



def _as_line(block: Block, text: str | None = None) -> str:
    """A put-back block in trafilatura's own line shapes (``text``: its
    text read with its ``<br>`` breaks as spaces, when it has any)."""
    text = block.text if text is None else text
    if block.element.tag == "li":
        return "- " + text
    return text


__all__ = ["CHUNK_LEVELS", "FILL_TAGS", "MAX_LINK_SHARE", "WIDGET", "complete"]
