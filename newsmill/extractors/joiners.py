"""Zero-width joiners (and C1 controls, for repair) kept through trafilatura.

trafilatura 2.3 drops every character that is not printable
(``str.isprintable``) from the text it returns and from the tree it hands
back (``utils.remove_control_characters``, used by its sanitizing of every
text node). Two of those characters are spelling, not formatting: U+200C
ZERO WIDTH NON-JOINER (the Persian, Kurdish and Urdu half-space, in
``می‌دهد``, ``کتاب‌ها``: without it two words run into one) and U+200D
ZERO WIDTH JOINER (Indic conjuncts, Sinhala ligatures, emoji sequences).
:func:`keep_joiners` replaces trafilatura's per-character filter with one
that keeps them; every other control or format character goes as before,
except the C1 controls U+0080-U+009F. Those are never text, but they are
the trace of mojibake (UTF-8 read as Latin-1: ``â\x80\x99`` for ``’``;
windows-1252 read as Latin-1: ``\x92``), and without them it cannot be
repaired. :func:`newsmill.extractors.extract.normalize_paragraph` repairs
what it can and drops the rest, as trafilatura would have.

Applied once, when :mod:`newsmill.extractors` is imported (before any
extraction). tests/extractors/test_languages.py checks it through
trafilatura itself, so a trafilatura release that moves the filter fails
there rather than silently dropping the characters again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import trafilatura.utils

JOINERS = frozenset("\u200c\u200d")
C1 = frozenset(map(chr, range(0x80, 0xA0)))
KEPT = JOINERS | C1

_RELEASED = trafilatura.utils.return_printables_and_spaces
_JOINER_BYTES = re.compile(rb"\xe2\x80[\x8c\x8d]|&zwn?j;|&#(?:8204|8205|x200[cd]);", re.IGNORECASE)
# C1 controls as UTF-8, as single bytes of a Latin-1/windows-1252 page, or
# as character references.
_KEPT_BYTES = re.compile(_JOINER_BYTES.pattern + rb"|[\x80-\x9f]|&#(?:1[2-5]\d|x[89][0-9a-f]);", re.IGNORECASE)


@lru_cache(maxsize=2**14)
def _printable_space_or_joiner(char: str) -> str:
    return char if char.isprintable() or char.isspace() or char in KEPT else ""


def keep_joiners() -> None:
    """Make trafilatura keep U+200C, U+200D and C1 controls (idempotent)."""
    if trafilatura.utils.return_printables_and_spaces is not _printable_space_or_joiner:
        trafilatura.utils.return_printables_and_spaces = _printable_space_or_joiner
        trafilatura.utils.line_processing.cache_clear()  # lines filtered before


def has_joiners(html: bytes) -> bool:
    """Whether a UTF-8 page holds U+200C/U+200D, as characters or entities."""
    return _JOINER_BYTES.search(html) is not None


def has_kept(html: bytes) -> bool:
    """Whether trafilatura's text of this page may differ once patched: it
    holds joiners or what may decode to a C1 control (a superset)."""
    return _KEPT_BYTES.search(html) is not None


@contextmanager
def as_released() -> Iterator[None]:
    """trafilatura's own filter for the duration (the benchmark's "bare
    trafilatura" baseline, on pages where the two differ)."""
    patched = trafilatura.utils.return_printables_and_spaces
    trafilatura.utils.return_printables_and_spaces = _RELEASED
    trafilatura.utils.line_processing.cache_clear()
    try:
        yield
    finally:
        trafilatura.utils.return_printables_and_spaces = patched
        trafilatura.utils.line_processing.cache_clear()
