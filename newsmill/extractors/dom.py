"""The page's own structure behind the extracted lines.

trafilatura returns the article as lines of text. Two questions need the
page behind them, and this module answers both from the parsed tree:

- which extracted lines were links, so the cleaner can tell a menu (a run
  of short linked lines) from a list in the article (short lines of text);
- which text blocks trafilatura skipped *inside* the article: between the
  first and the last block it kept, headings, list items, table rows and
  paragraphs it dropped are put back in page order (:func:`complete`).

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
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

# The elements that hold one block of text. A block that contains another
# (an <li> holding <p>s, a <blockquote> of paragraphs) gives way to it.
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "pre", "blockquote", "dt", "dd")
# Of those, what may be put back when trafilatura skipped it.
FILL_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "tr", "pre", "blockquote", "dt", "dd"})
_BLOCK_SET = frozenset(BLOCK_TAGS)
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button", "select", "textarea", "option",
                   "figcaption", "figure", "nav", "aside", "footer", "form", "iframe"})
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

_WORDS = re.compile(r"[\W_]+", re.UNICODE)
_MARK = re.compile(r"^(?:[-*•]|\d{1,3}[.)]|#{1,6})\s+")
_SPACES = re.compile(r"\s+")


_MARK_START = frozenset("-*•#")
_WORD_RUN = re.compile(r"[^\W_]+", re.UNICODE)  # what _WORDS leaves
# _WORDS on ASCII text: every character but a letter or digit.
_ASCII_NOT_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def line_key(line: str) -> str:
    """A line or block as compared here: lowercase words, list marks,
    table pipes and punctuation aside."""
    line = line.strip()
    if line and (line[0] in _MARK_START or line[0].isnumeric()):  # (a \d is numeric)
        line = _MARK.sub("", line)
    line = line.lower()
    # = _WORDS.sub(" ", line).strip(), faster
    if line.isascii():
        return " ".join(line.translate(_ASCII_NOT_WORD).split())
    return " ".join(_WORD_RUN.findall(line))


def _squeeze(text: str) -> str:
    """``_SPACES.sub(" ", text).strip()``, faster (both split on str.isspace)."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Line:
    """An extracted line and what the page says of it: ``links`` is the
    share of its text inside links (None: not found in the page) and
    ``added`` is true for a block trafilatura skipped and this module put
    back; ``opens`` is true when its text begins with a link of at least
    ``LEAD_LINK_CHARS`` characters."""

    text: str
    links: float | None = None
    added: bool = False
    opens: bool = False  # the line begins with a link (a linked headline, then its summary)


@dataclass(slots=True)
class Block:
    element: lxml_html.HtmlElement
    text: str
    key: str
    order: int


def _content(element: lxml_html.HtmlElement) -> str:
    """``element.text_content()``, cheaper: both are libxml2's
    xmlNodeGetContent of the element (its text nodes, in order)."""
    text: str = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return text


# Elements a browser starts on a line of their own: the lines of a dropped
# element are split at them (and at <br>), so "Read also" and the headline
# under it stay two lines instead of one glued string.
_LINE_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead",
    "tfoot", "tr", "ul", "caption", "option", "body", "html",
})
_CELL_TAGS = frozenset({"td", "th"})
_UNSEEN = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link"})


def element_lines(element: lxml_html.HtmlElement, *, whole: frozenset[str] = frozenset()) -> list[str]:
    """The text of ``element`` as a reader sees it, line by line: a new
    line at each block element and ``<br>``, table cells of a row joined
    with `` | ``, whitespace squeezed, script and style left out. An
    element whose tag is in ``whole`` is one line, whatever it holds."""
    parts: list[str] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _UNSEEN:
            return
        if tag in whole:
            text = " ".join(_content(node).split())
            parts.extend(("\n", text, "\n") if tag in _LINE_TAGS else (text,))
            return
        breaks = tag in _LINE_TAGS
        if breaks:
            parts.append("\n")
        elif tag in _CELL_TAGS and parts and not parts[-1].endswith("\n"):
            parts.append(" | ")
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if breaks:
            parts.append("\n")

    walk(element)
    return [line for line in (_squeeze(raw.strip(" |")) for raw in "".join(parts).split("\n")) if line]


def _text(element: lxml_html.HtmlElement) -> str:
    if element.tag == "tr":
        cells = [_squeeze(_content(c)) for c in element if c.tag in ("td", "th")]
        return "| " + " | ".join(cells) + " |" if any(cells) else ""
    return _squeeze(_content(element))


def _containers_of(elements: list[lxml_html.HtmlElement]) -> list[bool]:
    """For the block elements of a tree in page order, which hold other
    blocks (a table row never counts as one). A block's blocks, if any,
    come right after it in page order: the next block tells, mostly from
    its parent (kept referenced, so siblings share one element proxy)."""
    flags: list[bool] = []
    last = len(elements) - 1
    parent = None
    for i, element in enumerate(elements):
        if element.tag == "tr" or i == last or len(element) == 0:
            flags.append(False)
            continue
        parent = elements[i + 1].getparent()
        if parent is element:
            flags.append(True)
        elif parent is not None and parent is element.getparent():
            flags.append(False)  # the next block is a sibling: after all of this one
        else:
            flags.append(next(element.iterdescendants(*BLOCK_TAGS), None) is not None)
    return flags


class _PageBlocks(list[Block]):
    """page_blocks' list, which also keeps the tree's containers (for
    :func:`_containers`, when the tree is the whole page)."""

    def __init__(self, blocks: list[Block], root: lxml_html.HtmlElement,
                 containers: list[lxml_html.HtmlElement]) -> None:
        super().__init__(blocks)
        self.root = root
        self.containers = containers


def page_blocks(tree: lxml_html.HtmlElement) -> list[Block]:
    """The page's text blocks in page order (innermost blocks only)."""
    out: list[Block] = []
    elements = list(tree.iter(*BLOCK_TAGS))
    containers: list[lxml_html.HtmlElement] = []
    for order, (element, container) in enumerate(zip(elements, _containers_of(elements), strict=True)):
        if container:
            containers.append(element)
            continue  # a container of blocks: its blocks speak for it
        text = _text(element)
        if text:
            out.append(Block(element, text, line_key(text), order))
    return _PageBlocks(out, tree, containers)


LOOSE_TAGS = ("div", "td", "section", "article", "main", "center", "font", "span", "body")
LOOSE_MIN_CHARS = 100


def loose_chars(tree: lxml_html.HtmlElement) -> int:
    """Characters of text that sit directly in a non-block element (prose
    in a ``<div>`` broken by ``<br>``), outside any block and skipped
    element: page text :func:`page_blocks` does not see. Only runs of
    ``LOOSE_MIN_CHARS`` or more in one element count (a label or a button's
    word does not)."""
    total = 0
    for element in tree.iter(*LOOSE_TAGS):
        n = len((element.text or "").strip()) + sum(len((c.tail or "").strip()) for c in element)
        if n < LOOSE_MIN_CHARS:
            continue
        if not any(isinstance(a.tag, str) and (a.tag in _BLOCK_SET or a.tag in _SKIP) for a in element.iterancestors()):
            total += n
    return total


LEAD_LINK_CHARS = 12  # a link that opens a line is a headline when it is this long


def _links(element: lxml_html.HtmlElement, text: str) -> tuple[float, bool]:
    """The share of ``text`` inside the element's links, and whether the
    text begins with one (a bullet or quote mark before it aside)."""
    if not text:
        return 0.0, False
    anchors = [_squeeze(_content(a)) for a in element.iter("a")]
    linked = sum(len(a) for a in anchors)
    lead = next((a for a in anchors if a), "")
    opens = len(lead) >= LEAD_LINK_CHARS and 0 <= text.find(lead) <= 2
    return min(linked / len(text), 1.0), opens


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
        if tag in _SKIP or (tag not in ("body", "html") and WIDGET.search(
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
    back in page order; ``blocks`` are :func:`page_blocks` of the page."""
    if not blocks or not lines:
        return [Line(text) for text in lines]
    by_key: dict[str, int] = {}
    for i, block in enumerate(blocks):
        by_key.setdefault(block.key, i)
    keys = [line_key(line) for line in lines]
    found = [by_key.get(key) if key else None for key in keys]
    placed = [i for i in found if i is not None]
    outer = _containers(blocks, {key for key, at in zip(keys, found, strict=True) if at is None})
    shares: dict[int, tuple[float, bool]] = {}

    def links(i: int) -> tuple[float, bool]:  # each block's link share (and lead link), once
        got = shares.get(i)
        if got is None:
            got = shares[i] = _links(blocks[i].element, blocks[i].text)
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


def _containers(blocks: Sequence[Block], wanted: set[str]) -> dict[str, tuple[float, bool]]:
    """Link shares of lines that match no single block: trafilatura joins
    the blocks of a container (a list item holding a headline and a
    teaser) into one line, so the container is looked up instead."""
    wanted.discard("")
    if not wanted or not blocks:
        return {}
    out: dict[str, tuple[float, bool]] = {}
    root = blocks[0].element.getroottree().getroot()
    if isinstance(blocks, _PageBlocks) and blocks.root is root:
        containers = blocks.containers
    else:
        elements = list(root.iter(*BLOCK_TAGS))
        containers = [e for e, container in zip(elements, _containers_of(elements), strict=True) if container]
    for element in containers:
        text = _text(element)
        key = line_key(text)
        if key in wanted and key not in out:
            out[key] = _links(element, text)
            if len(out) == len(wanted):
                break  # (the first container of each key counts)
    return out


def _as_line(block: Block, text: str | None = None) -> str:
    """A put-back block in trafilatura's own line shapes (``text``: its
    text read with its ``<br>`` breaks as spaces, when it has any)."""
    text = block.text if text is None else text
    if block.element.tag == "li":
        return "- " + text
    return text
