"""What a page costs before it is parsed: its element count, checked
against ``ExtractSettings.max_elements`` (a page over it is refused as
``too_complex`` before trafilatura's work, which grows about with the
square of the element count: benchmarks/RESULTS.md, Limits), and what the
HTML parser would silently lose repaired first:

- nesting deeper than libxml2 keeps (it drops what is nested more than 256
  elements deep) flattened, so that text inside thousands of nested
  ``<div>``s is extracted;
- a document closed before its end (a template's ``</body></html>`` after
  the header, the article after it) reopened: libxml2 drops what follows
  ``</html>`` and puts what follows ``</body>`` outside the body, where a
  browser (HTML5 parsing) shows both as the body's.
"""

from __future__ import annotations

import itertools
import re

# Container and inline tags whose removal keeps the text they hold; opened
# deeper than this among themselves, they are removed with their end tags.
# Counted without parsing, so tags in scripts and never-closed ones count
# too: 200 leaves room for those, and for the other elements (html, body,
# p, tables, lists) under libxml2's 256.
FLATTEN_DEPTH = 200
_CONTAINER = re.compile(
    r"<(/?)(div|span|section|article|main|aside|header|footer|nav|font|center|blockquote|b|i|em|strong|u|small|big)"
    r"(?=[\s/>])[^>]*>", re.IGNORECASE)
_SIGN = re.compile(_CONTAINER.pattern.replace(r"[^>]*>", "").replace("(div|", "(?:div|"), re.IGNORECASE)
_DELTA = {"": 1, "/": -1}
_MATCH_SPAN = 8  # an end tag closes one of the last 8 open containers of its name, or none


# An end tag of the document; its letters written out rather than
# IGNORECASE, so that the search runs on its literal "</" prefix.
_DOCUMENT_END = re.compile(r"</(?:[bB][oO][dD][yY]|[hH][tT][mM][lL])\s*>")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def reopen(html: str) -> tuple[str, bool]:
    """``html`` without its ``</body>`` and ``</html>`` end tags when
    anything but whitespace and comments follows the first of them (the
    parser closes the document at its end, as a browser does), and whether
    it was reopened."""
    end = _DOCUMENT_END.search(html)
    if end is None or not _DOCUMENT_END.sub("", _COMMENT.sub("", html[end.end():])).strip():
        return html, False
    return _DOCUMENT_END.sub("", html), True


def count_elements(html: str) -> int:
    """Start tags in ``html`` (``<`` not opening an end tag, a comment or a
    doctype): a cheap count, without parsing."""
    return html.count("<") - html.count("</") - html.count("<!")


def flatten(html: str, depth: int = FLATTEN_DEPTH) -> tuple[str, int]:
    """``html`` with the container tags (:data:`_CONTAINER`) opened more
    than ``depth`` deep among themselves removed, with their end tags, and
    how many were removed."""
    if html.count("<") <= depth:
        return html, 0
    # The common case at C speed: the running count of open containers
    # (each start tag +1, each end tag -1) never passes ``depth``.
    signs = _SIGN.findall(html)
    if not signs or max(itertools.accumulate(map(_DELTA.__getitem__, signs))) <= depth:
        return html, 0
    stack: list[tuple[str, bool]] = []  # open containers: (name, removed)
    cut: list[tuple[int, int]] = []
    for m in _CONTAINER.finditer(html):
        name = m.group(2).lower()
        if not m.group(1):
            if m.group(0).endswith("/>"):  # written as empty: nothing nests in it
                continue
            removed = len(stack) >= depth
            stack.append((name, removed))
            if removed:
                cut.append(m.span())
            continue
        for k in range(len(stack) - 1, max(-1, len(stack) - 1 - _MATCH_SPAN), -1):
            if stack[k][0] == name:
                if stack[k][1]:
                    cut.append(m.span())
                del stack[k:]
                break
    if not cut:
        return html, 0
    parts: list[str] = []
    at = 0
    for a, b in cut:
        parts.append(html[at:a])
        at = b
    parts.append(html[at:])
    return "".join(parts), sum(1 for a, _ in cut if html[a + 1] != "/")


__all__ = ["FLATTEN_DEPTH", "count_elements", "flatten", "reopen"]
