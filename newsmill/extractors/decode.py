"""Bytes to text, in this order:

1. A byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides.
2. The declared charset, the HTTP header's then the document's own
   (``<?xml encoding>``, ``<meta charset>``), when the text it gives looks
   like text in that charset. A single-byte charset (ISO-8859-*,
   windows-125x, KOI8...) decodes any bytes, so it never fails when it is
   wrong; its text is mojibake (``РќРѕРІ``, ``Ã©``) when the bytes are
   UTF-8, so bytes that read as UTF-8 (multibyte sequences, at most a few
   invalid ones) are read as UTF-8 whatever the label. Any other charset
   must decode the bytes without error. A document declaring UTF-16/32 in
   its own ASCII-readable markup is UTF-8 (as browsers read it).
3. UTF-8, when the bytes read as UTF-8.
4. Detection (charset-normalizer), then UTF-8 with replacement characters.

Invalid bytes in an otherwise-UTF-8 document become U+FFFD, one per bad
sequence, and are counted (:attr:`Decoded.invalid`) rather than switching
the whole page to a single-byte charset."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.IGNORECASE)

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

Source = Literal["bom", "http", "document", "utf-8", "detected", "fallback"]


@dataclass(frozen=True)
class Decoded:
    """A document's text and how it was read: ``encoding`` (a Python codec
    name), ``source`` (``bom``, ``http``, ``document``, ``utf-8`` when the
    bytes read as UTF-8 with no usable declaration, ``detected``,
    ``fallback``), ``invalid`` (bad byte sequences replaced by U+FFFD) and
    ``rejected`` (a declared charset not used, if any)."""

    text: str
    encoding: str
    source: Source
    invalid: int = 0
    rejected: str | None = None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.IGNORECASE)
    return _codec(m.group(1)) if m else None


def declared_charset(body: bytes) -> str | None:
    head = body[:8192]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    enc = _codec(m.group(1).decode("ascii", "replace")) if m else None
    # Found in ASCII-readable bytes, so the document is not UTF-16/32.
    return "utf-8" if enc and enc.startswith(("utf-16", "utf-32")) else enc


_SINGLE_BYTE = re.compile(r"^(?:iso8859-\d+|cp12\d\d|cp8\d\d|latin-1|koi8-\w+|mac-\w+|tis-620|ascii)$")


def _single_byte(enc: str) -> bool:
    return bool(_SINGLE_BYTE.match(enc))


def _as_utf8(body: bytes) -> tuple[str, int] | None:
    """The text and its count of invalid sequences when the bytes read as
    UTF-8: multibyte characters, and at least twice as many of them as
    invalid sequences (text in a single-byte charset has almost no valid
    multibyte sequence and an invalid one at nearly every non-ASCII byte)."""
    if body.isascii():
        return None
    text = body.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - invalid
    if multibyte < 1 or invalid * 2 > multibyte:
        return None
    return text, invalid


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """The text of ``body`` (``content_type`` is the HTTP header, if any),
    read in the order of the module docstring."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            marked = body[len(bom):].decode(codec, "replace")
            return Decoded(marked, codec, "bom", marked.count("\ufffd"))
    utf8 = _as_utf8(body)
    rejected: str | None = None
    declared: tuple[tuple[str | None, Source], ...] = (
        (header_charset(content_type), "http"), (declared_charset(body), "document"))
    for enc, source in declared:
        if not enc:
            continue
        if utf8 is not None and (enc == "utf-8" or _single_byte(enc)):
            text, invalid = utf8
            return Decoded(text, "utf-8", source if enc == "utf-8" else "utf-8", invalid,
                           None if enc == "utf-8" else enc)
        try:
            return Decoded(body.decode(enc), enc, source, rejected=rejected)
        except (UnicodeDecodeError, LookupError):
            rejected = rejected or enc
            continue
    if body.isascii():
        return Decoded(body.decode("ascii"), "utf-8", "utf-8", rejected=rejected)
    if utf8 is not None:
        return Decoded(utf8[0], "utf-8", "utf-8", utf8[1], rejected)
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        detected = body.decode(best.encoding, "replace")
        return Decoded(detected, best.encoding, "detected", detected.count("\ufffd"), rejected)
    replaced = body.decode("utf-8", "replace")
    return Decoded(replaced, "utf-8", "fallback", replaced.count("\ufffd"), rejected)
