"""Bytes to text: HTTP charset, then the document's own declaration, then
UTF-8, then detection (charset-normalizer).

A declared single-byte charset (ISO-8859-*, windows-125x, KOI8...) decodes
any bytes, so it never fails when it is wrong. Text in such a charset is
almost never valid UTF-8 once it holds non-ASCII bytes, while UTF-8 pages
served with a stale ``iso-8859-1`` label are common: bytes that are valid
UTF-8 with multibyte sequences are read as UTF-8 whatever the label."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.IGNORECASE)


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
    return _codec(m.group(1).decode("ascii", "replace")) if m else None


_SINGLE_BYTE = re.compile(r"^(?:iso8859-\d+|cp12\d\d|cp8\d\d|latin-1|koi8-\w+|mac-\w+|tis-620|ascii)$")


def _single_byte(enc: str) -> bool:
    return bool(_SINGLE_BYTE.match(enc))


def _utf8_multibyte(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding used). A wrong declared charset that cannot decode the
    bytes is skipped; detection is the last resort, then UTF-8 with
    replacement characters."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    candidates = [header_charset(content_type), declared_charset(body), "utf-8"]
    for enc in candidates:
        if not enc:
            continue
        if _single_byte(enc) and _utf8_multibyte(body):
            return body.decode("utf-8"), "utf-8"
        try:
            return body.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, "replace"), best.encoding
    return body.decode("utf-8", "replace"), "utf-8"
