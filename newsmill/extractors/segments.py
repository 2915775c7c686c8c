"""Glued lines split back at the page's own paragraph boundaries.

Some paths return a whole article as one line: trafilatura's baseline
rescue reads an ``<article>`` element as one paragraph when its main
extractor found too little (an article body whose wrapper's class looks
like an ad's, say), and a JSON-LD ``articleBody`` often has no line breaks.
Stored like that, the article has one paragraph of many thousand
characters: the cleaner cannot drop a caption, credit or share line from
inside it, and passage dedup compares it as one passage.

:func:`split_glued` finds, in such a line, the page's own lines in page
order (:func:`newsmill.extractors.dom.element_lines`: a line at each block
element, ``<div>`` and ``<br>``; code blocks whole), and cuts the line at
them. Text between two of them becomes a line of its own; no text is
added, dropped or reordered. A line is cut only where the page lines found
in it cover at least ``MIN_COVER`` of it (an article glued from its
paragraphs), not where a few menu items recur inside one long paragraph;
a table row (trafilatura's ``| cell | cell |``) is not cut.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from lxml import html as lxml_html

from newsmill.extractors.dom import element_lines
from newsmill.extractors.rules.patterns import UNSPACED

GLUED_MIN_CHARS = 1000  # a line this long may be several paragraphs
ANCHOR_MIN_CHARS = 15  # shorter page lines (a name, a menu word) recur inside prose
MIN_COVER = 0.5

_WHOLE = frozenset({"pre", "code"})  # read as one line each: code is not cut at its lines


def _joined(a: str, b: str) -> bool:
    """Whether two characters side by side are within one word: letters or
    digits, neither of a script written without spaces (Chinese, Japanese,
    Thai...), where any two characters may end one line and begin the next."""
    return a.isalnum() and b.isalnum() and UNSPACED.match(a) is None and UNSPACED.match(b) is None


def _spans(text: str, anchors: list[str]) -> list[tuple[int, int]]:
    """The heaviest chain (most characters) of anchor occurrences that
    follow each other in page order and in the text, without overlapping;
    each anchor at its first occurrence on word boundaries."""
    found: list[tuple[int, int]] = []  # (start, end), in page order
    for anchor in anchors:
        if len(anchor) < ANCHOR_MIN_CHARS or len(anchor) > len(text):
            continue
        at = text.find(anchor)
        end = at + len(anchor)
        if at < 0 or (at > 0 and _joined(text[at - 1], text[at])) or (
                end < len(text) and _joined(text[end - 1], text[end])):
            continue
        found.append((at, end))
    if len(found) < 2:
        return []
    # best[i]: the heaviest chain ending with found[i]. A Fenwick tree over
    # the sorted end positions gives the best chain ending at or before a start.
    ends = sorted({end for _, end in found})
    tree = [(0, -1)] * (len(ends) + 1)
    best: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(found):
        k, prior = bisect.bisect_right(ends, start), (0, -1)
        while k > 0:
            prior = max(prior, tree[k])
            k -= k & -k
        weight = prior[0] + end - start
        best.append((weight, prior[1]))
        k = bisect.bisect_left(ends, end) + 1
        while k <= len(ends):
            tree[k] = max(tree[k], (weight, i))
            k += k & -k
    i = max(range(len(best)), key=lambda j: best[j][0])
    chain: list[tuple[int, int]] = []
    while i >= 0:
        chain.append(found[i])
        i = best[i][1]
    return chain[::-1]


def _gap(text: str) -> str:
    """The text between two page lines, as a line: '' for nothing but the
    pipes of a layout table's one cell."""
    text = text.strip()
    return "" if not text.strip("| ") else text


def split_glued(lines: Sequence[str], page: lxml_html.HtmlElement) -> list[str]:
    """``lines`` with each line of ``GLUED_MIN_CHARS`` or more that holds
    several of the page's lines cut at them (whitespace squeezed)."""
    if not any(len(line) >= GLUED_MIN_CHARS for line in lines):
        return list(lines)
    anchors: list[str] | None = None
    out: list[str] = []
    for line in lines:
        if len(line) < GLUED_MIN_CHARS or (line.startswith("|") and line.count(" | ") >= 2):
            out.append(line)  # (a table row's cells, as trafilatura writes them, stay one line)
            continue
        if anchors is None:
            anchors = element_lines(page, whole=_WHOLE)  # the page's lines as a reader sees them
        text = " ".join(line.split())
        spans = _spans(text, anchors)
        if len(spans) < 2 or sum(end - start for start, end in spans) < MIN_COVER * len(text):
            out.append(line)
            continue
        pos = 0
        for start, end in spans:
            out.extend(part for part in (_gap(text[pos:start]), text[start:end]) if part)
            pos = end
        if tail := _gap(text[pos:]):
            out.append(tail)
    return out
