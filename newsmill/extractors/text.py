"""Plain-text inputs (the form of captured article texts): header lines
such as ``date 2025-06-22`` become metadata, the first line becomes the
headline when it reads like one, paragraphs are split on blank lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from newsmill.extractors import rules as r
from newsmill.extractors.metadata import parse_datetime

_HEADER = re.compile(
    r"^\s*(date|published|title|author|authors|url|source|language|lang)\s*[:=]?\s+(.+?)\s*$",
    re.IGNORECASE,
)
_GLUED_DATE = re.compile(r"^\s*date\s*[:=]?\s*(\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]+)?)\s+(\S.*)$",
                         re.IGNORECASE | re.DOTALL)


@dataclass
class TextDoc:
    paragraphs: list[str]
    title: str | None = None
    published: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _split(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text)
    out: list[str] = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n")]
        # Single newlines inside a block separate list-like lines (headlines,
        # widgets) when those lines are short; otherwise they wrap prose.
        if len(lines) > 1 and all(len(line.split()) <= 16 for line in lines if line):
            out.extend(line for line in lines if line)
        else:
            joined = " ".join(line for line in lines if line)
            if joined:
                out.append(joined)
    return out


def parse_text(text: str) -> TextDoc:
    paragraphs = _split(text)
    doc = TextDoc(paragraphs=[])
    # Header lines at the top, possibly glued to the first paragraph.
    while paragraphs:
        first = paragraphs[0]
        glued = _GLUED_DATE.match(first)
        if glued and len(first.split()) > 3:
            doc.headers["date"] = glued.group(1)
            paragraphs[0] = glued.group(2).strip()
            break
        m = _HEADER.match(first)
        if m and len(first.split()) <= 12:
            doc.headers[m.group(1).lower()] = m.group(2)
            paragraphs.pop(0)
            continue
        break
    doc.published = parse_datetime(doc.headers.get("date") or doc.headers.get("published"))
    doc.title = doc.headers.get("title")
    if doc.title is None:
        for line in paragraphs[:4]:
            if r.is_copyright(line) or r.is_share(line) or r.is_photo_credit(line):
                continue
            t = r.fold(line)
            if 3 <= r.n_words(t) <= 20 and not t.endswith((*r.SENTENCE_END, "…", ":")):
                doc.title = t
            break
    doc.paragraphs = paragraphs
    return doc
