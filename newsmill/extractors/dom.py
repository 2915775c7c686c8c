"""The page's own structure behind the extracted lines.

trafilatura returns the article as lines of text; the cleaner and the fill
need the page behind them, and this module reads it from the parsed tree:

- the page's text blocks (:func:`page_blocks`: headings, paragraphs, list
  items, table rows...; a block that contains another gives way to it) and
  the prose written straight into containers (:func:`loose_chars`);
- an element's text as a reader sees it, a line per block and ``<br>``
  (:func:`element_lines`);
- which extracted lines were links (:func:`link_share`,
  :func:`container_links`), so the cleaner can tell a menu (a run of short
  linked lines) from a list in the article (short lines of text).

What trafilatura skipped inside the article is put back by
:mod:`newsmill.extractors.fill`.
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
_BLOCK_SET = frozenset(BLOCK_TAGS)
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button", "select", "textarea", "option",
                   "figcaption", "figure", "nav", "aside", "footer", "form", "iframe"})
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
    :func:`container_links`, when the tree is the whole page)."""

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
        if not any(isinstance(a.tag, str) and (a.tag in _BLOCK_SET or a.tag in SKIP_TAGS) for a in element.iterancestors()):
            total += n
    return total


LEAD_LINK_CHARS = 12  # a link that opens a line is a headline when it is this long


def link_share(element: lxml_html.HtmlElement, text: str) -> tuple[float, bool]:
    """The share of ``text`` inside the element's links, and whether the
    text begins with one (a bullet or quote mark before it aside)."""
    if not text:
        return 0.0, False
    anchors = [_squeeze(_content(a)) for a in element.iter("a")]
    linked = sum(len(a) for a in anchors)
    lead = next((a for a in anchors if a), "")
    opens = len(lead) >= LEAD_LINK_CHARS and 0 <= text.find(lead) <= 2
    return min(linked / len(text), 1.0), opens


def container_links(blocks: Sequence[Block], wanted: set[str]) -> dict[str, tuple[float, bool]]:
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
            out[key] = link_share(element, text)
            if len(out) == len(wanted):
                break  # (the first container of each key counts)
    return out
