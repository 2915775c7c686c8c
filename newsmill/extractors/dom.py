"""The page's own structure behind the extracted lines.

trafilatura returns the article as lines of text. Two questions need the
page behind them, and this module answers both from the parsed tree:

- which extracted lines were links, so the cleaner can tell a menu (a run
  of short linked lines) from a list in the article (short lines of text);
- which text blocks trafilatura skipped *inside* the article: between the
  first and the last block it kept, headings, list items, table rows and
  paragraphs it dropped are put back in page order (:func:`complete`).

Only the span between the first and the last extracted block is filled,
and never from elements whose class or id names a page widget (share,
related, comment, newsletter...), from figure captions, or from blocks
that are mostly link text: the span is the article, its edges are where
boilerplate lives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
_WORDS = re.compile(r"[\W_]+", re.UNICODE)
_MARK = re.compile(r"^(?:[-*•]|\d{1,3}[.)]|#{1,6})\s+")
_SPACES = re.compile(r"\s+")


def line_key(line: str) -> str:
    """A line or block as compared here: lowercase words, list marks,
    table pipes and punctuation aside."""
    return _WORDS.sub(" ", _MARK.sub("", line.strip()).lower()).strip()


@dataclass(frozen=True, slots=True)
class Line:
    """An extracted line and what the page says of it: ``links`` is the
    share of its text inside links (None: not found in the page) and
    ``added`` is true for a block trafilatura skipped and this module put
    back."""

    text: str
    links: float | None = None
    added: bool = False


@dataclass(slots=True)
class Block:
    element: lxml_html.HtmlElement
    text: str
    key: str
    order: int


def _text(element: lxml_html.HtmlElement) -> str:
    if element.tag == "tr":
        cells = [_SPACES.sub(" ", c.text_content()).strip() for c in element if c.tag in ("td", "th")]
        return "| " + " | ".join(cells) + " |" if any(cells) else ""
    return _SPACES.sub(" ", element.text_content()).strip()


def page_blocks(tree: lxml_html.HtmlElement) -> list[Block]:
    """The page's text blocks in page order (innermost blocks only)."""
    out: list[Block] = []
    for order, element in enumerate(tree.iter(*BLOCK_TAGS)):
        if element.tag != "tr" and any(True for _ in element.iterdescendants(*BLOCK_TAGS)):
            continue  # a container of blocks: its blocks speak for it
        text = _text(element)
        if text:
            out.append(Block(element, text, line_key(text), order))
    return out


def _link_share(element: lxml_html.HtmlElement, text: str) -> float:
    if not text:
        return 0.0
    linked = sum(len(_SPACES.sub(" ", a.text_content()).strip()) for a in element.iter("a"))
    return min(linked / len(text), 1.0)


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
    found = [by_key.get(line_key(line)) if line_key(line) else None for line in lines]
    placed = [i for i in found if i is not None]
    outer = _containers(blocks, {line_key(line) for line, at in zip(lines, found, strict=True) if at is None})
    out_lines: list[Line] = []
    if len(placed) < 2 or not fill:
        for line, at in zip(lines, found, strict=True):
            links = _link_share(blocks[at].element, blocks[at].text) if at is not None else outer.get(line_key(line))
            out_lines.append(Line(line, links))
        return out_lines
    first, last = min(placed), max(placed)
    have = {i for i in placed}
    text_key = " " + " ".join(line_key(line) for line in lines) + " "
    cache: dict[lxml_html.HtmlElement, bool] = {}
    missing: list[int] = []
    for i in range(first + 1, last):
        block = blocks[i]
        if i in have or block.element.tag not in FILL_TAGS or not block.key:
            continue
        if f" {block.key} " in text_key:
            continue  # trafilatura has it, in another line's shape
        if _link_share(block.element, block.text) > MAX_LINK_SHARE or _in_widget(block.element, cache):
            continue
        if _NOT_TEXT.search(block.text) or any(True for _ in block.element.iter(*_MEDIA)):
            continue  # a picture with its caption, or code (styles, scripts) in the text
        missing.append(i)
    pending = iter(missing)
    nxt = next(pending, None)
    for line, at in zip(lines, found, strict=True):
        if at is not None:
            while nxt is not None and nxt < at:
                out_lines.append(Line(_as_line(blocks[nxt]), _link_share(blocks[nxt].element, blocks[nxt].text),
                                      added=True))
                nxt = next(pending, None)
            out_lines.append(Line(line, _link_share(blocks[at].element, blocks[at].text)))
        else:
            out_lines.append(Line(line, outer.get(line_key(line))))
    return out_lines


def _containers(blocks: Sequence[Block], wanted: set[str]) -> dict[str, float]:
    """Link shares of lines that match no single block: trafilatura joins
    the blocks of a container (a list item holding a headline and a
    teaser) into one line, so the container is looked up instead."""
    wanted.discard("")
    if not wanted or not blocks:
        return {}
    out: dict[str, float] = {}
    for element in blocks[0].element.getroottree().getroot().iter(*BLOCK_TAGS):
        if element.tag == "tr" or not any(True for _ in element.iterdescendants(*BLOCK_TAGS)):
            continue
        text = _text(element)
        key = line_key(text)
        if key in wanted and key not in out:
            out[key] = _link_share(element, text)
    return out


def _as_line(block: Block) -> str:
    """A put-back block in trafilatura's own line shapes."""
    if block.element.tag == "li":
        return "- " + block.text
    return block.text
