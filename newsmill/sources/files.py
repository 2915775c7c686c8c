"""Local sources: folders of files and WARC archives."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from newsmill.core.records import ArchiveLocation, Failure, RawDocument, Skipped, SourceRef
from newsmill.storage.archive import (
    DISCOVERY_KINDS,
    archived_kind,
    document_from_record,
    is_archive_record,
)

FILE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".txt")
MAX_FILE_BYTES = 50_000_000
_CONTENT_TYPES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html"}


def _failure(path: Path | str, status: str, reason: str, source: SourceRef, site: str) -> Failure:
    uri = Path(path).absolute().as_uri()
    return Failure(url=uri, stage="import", status=status, reason=reason, site=site, source=source.name)


def _content_type(name: str) -> str:
    base = name[:-3] if name.endswith(".gz") else name
    return _CONTENT_TYPES.get(Path(base).suffix.lower(), "application/octet-stream")


def read_file(path: Path, source: SourceRef, site: str) -> RawDocument | Failure:
    """One local file as a raw document (``.gz`` files are decompressed)."""
    try:
        resolved = path.resolve(strict=True)
        size = resolved.stat().st_size
        if size > MAX_FILE_BYTES:
            return _failure(path, "too_large", f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte cap",
                            source, site)
        body = resolved.read_bytes()
        if resolved.name.endswith(".gz"):
            with gzip.GzipFile(fileobj=__import__("io").BytesIO(body)) as fh:
                body = fh.read(MAX_FILE_BYTES + 1)
            if len(body) > MAX_FILE_BYTES:
                return _failure(path, "too_large", "decompressed file exceeds the size cap", source, site)
        mtime = datetime.fromtimestamp(resolved.stat().st_mtime, UTC)
    except RuntimeError as exc:  # symlink loop (pathlib raises RuntimeError on some versions)
        return _failure(path, "read_error", f"cannot resolve path: {exc}", source, site)
    except (OSError, EOFError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _failure(path, "read_error", f"cannot read {path}: {reason}", source, site)
    return RawDocument(url=resolved.as_uri(), body=body, source=source, site=site, fetched_at=mtime,
                       content_type=_content_type(resolved.name), hints={"file": str(resolved)})


def walk_files(path: Path, suffixes: tuple[str, ...], source: SourceRef, site: str) -> Iterator[Path | Failure]:
    """Every file under the folder ``path`` whose name ends with one of
    ``suffixes``, sorted; folders that cannot be entered and symlink loops
    yield a Failure instead of raising."""
    visited: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(path, followlinks=True, onerror=None):
        try:
            st = os.stat(root)
        except OSError as exc:
            yield _failure(root, "read_error", f"cannot enter {root}: {exc.strerror}", source, site)
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in visited:
            yield _failure(root, "symlink_loop", f"symlink loop at {root}; skipped", source, site)
            dirs[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(suffixes):
                yield Path(root) / name


def iter_folder(path: Path, source: SourceRef, site: str) -> Iterator[RawDocument | Failure]:
    """Every importable file under ``path`` (or ``path`` itself), sorted;
    unreadable files and symlink loops yield a Failure instead of raising."""
    path = Path(path)
    if path.is_file():
        yield read_file(path, source, site)
        return
    if not path.is_dir():
        yield _failure(path, "not_found", f"no such file or folder: {path}", source, site)
        return
    for item in walk_files(path, FILE_SUFFIXES, source, site):
        yield item if isinstance(item, Failure) else read_file(item, source, site)


# What feeds and sitemaps are served as: a record of these types is no page.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
XML_TYPES = ("application/xml", "text/xml")


def skip_reason(doc: RawDocument, kind: str | None) -> str | None:
    """Why a WARC record's document is no page to extract, or None: a
    response other than 200 OK, or what the raw archive read to discover
    articles (``kind``: the record's ``WARC-Newsmill-Kind``). A record
    without a kind (another crawler's WARC, or an archive written before
    the archive said) is told by its address and type: the source's own
    address, robots.txt, a feed type, an XML sitemap or feed."""
    if doc.http_status is not None and doc.http_status != 200:
        return f"HTTP {doc.http_status}"
    if kind is not None:
        return kind if kind in DISCOVERY_KINDS else None
    if doc.source.kind in DISCOVERY_KINDS and doc.url == doc.source.url:
        return doc.source.kind
    path = urlsplit(doc.url).path.lower()
    if path.endswith("/robots.txt"):
        return "robots.txt"
    media = (doc.content_type or "").split(";")[0].strip().lower()
    if media in FEED_TYPES:
        return "feed"
    head = doc.body[:2048]
    if path.endswith(".xml.gz") and head[:2] == b"\x1f\x8b":
        return "sitemap"
    if media in XML_TYPES or path.endswith(".xml"):
        if b"<urlset" in head or b"<sitemapindex" in head:
            return "sitemap"
        if b"<rss" in head or b"<feed" in head or b"<rdf:RDF" in head:
            return "feed"
    return None


HTML_TYPES = ("text/html", "application/xhtml+xml")
# Text newsmill reads as a page (an imported ``.txt`` file is archived as
# ``text/plain``); a type that says nothing is sniffed.
_TEXT_TYPES = (*HTML_TYPES, "text/plain")
_UNTOLD_TYPES = ("", "application/octet-stream", "unk", "no-type", "unknown/unknown", "binary/octet-stream")
# The first bytes of what is often archived beside pages: images, PDF,
# archives, fonts, audio and video.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
                 b"BM", b"II*\x00", b"MM\x00*", b"wOFF", b"wOF2", b"OggS", b"ID3", b"fLaC", b"\x00\x00\x01\x00",
                 b"\x1a\x45\xdf\xa3")


def sniffed_type(body: bytes) -> str | None:
    """What the first bytes of a body say it is when it is no text: a
    known binary signature (PNG, JPEG, PDF, ZIP...), a RIFF/MP4 container,
    or NUL bytes in what should be markup; None when it may be a page."""
    head = body[:512]
    if head.startswith(_BINARY_MAGIC) or (head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI ")):
        return "binary data"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 pages have NULs
        return "binary data"
    return None


def not_html_reason(doc: RawDocument) -> str | None:
    """Why a WARC/ARC record's document is no HTML page, or None: its
    Content-Type names something else (an image, a PDF, a script...), or,
    when it names nothing useful, its first bytes are no text."""
    media = (doc.content_type or "").split(";")[0].strip().lower()
    if media in _TEXT_TYPES:
        return None
    if media not in _UNTOLD_TYPES:
        return f"content type {media} is not HTML"
    sniffed = sniffed_type(doc.body)
    if sniffed is not None:
        return f"content type {media or '(none)'} is not HTML: the body is {sniffed}"
    return None


def _foreign_document(record: ArcWarcRecord, body: bytes, path: Path, source: SourceRef,
                      site: str) -> RawDocument:
    """The document of a WARC record from elsewhere (no ``WARC-Newsmill-*``
    headers): its body after transfer and content decoding."""
    status = None
    headers: dict[str, str] = {}
    ctype = record.rec_headers.get_header("Content-Type")
    if record.rec_type == "response" and record.http_headers is not None:
        status = int(record.http_headers.get_statuscode() or 0) or None
        headers = {k: v for k, v in record.http_headers.headers}
        ctype = record.http_headers.get_header("Content-Type")
    date = record.rec_headers.get_header("WARC-Date")
    fetched = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else datetime.now(UTC)
    return RawDocument(url=record.rec_headers.get_header("WARC-Target-URI") or "", body=body, source=source,
                       site=site, fetched_at=fetched, http_status=status, content_type=ctype, headers=headers,
                       hints={"warc": str(path)})


WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")  # ARC files are read as WARC (warcio's arc2warc)


def iter_warc(path: Path, source: SourceRef, site: str, *, restore_source: bool = False,
              archived_as: str | None = None) -> Iterator[RawDocument | Failure | Skipped]:
    """Response and resource records of a WARC or ARC file, as raw
    documents; a truncated or corrupt file yields what is readable, then
    one Failure for the rest. A file with no response or resource record at
    all (requests, revisits or metadata only) yields one ``no_records``
    Failure; a record that holds no HTML (an image, a PDF: by its
    Content-Type, else by its first bytes) a ``not_html`` Failure of its
    URL.

    A record of newsmill's raw archive (``WARC-Newsmill-*`` headers) comes
    back as it was archived: its URL, site (unless ``site`` names one),
    hints, fetch time, final URL and original headers, and with
    ``restore_source`` its source (else ``source``). ``archived_as``: the
    file's path inside the raw archive of the run, when it is there: its
    records are archived already, and each document says where
    (``doc.archive``). A record that holds no page to extract
    (:func:`skip_reason`) is yielded as Skipped."""
    try:
        fh = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        yield _failure(path, "read_error", f"cannot open {path}: {exc.strerror}", source, site)
        return
    with fh:
        reader = ArchiveIterator(fh, arc2warc=True)
        it = iter(reader)
        count = 0
        others: dict[str, int] = {}  # records of other types, by type
        while True:
            try:
                record = next(it)
            except StopIteration:
                break
            except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
                yield _failure(path, "truncated", f"WARC unreadable after {count} record(s): {exc}",
                               source, site)
                return
            if record.rec_type not in ("response", "resource"):
                others[record.rec_type] = others.get(record.rec_type, 0) + 1
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            ours = is_archive_record(record)
            try:
                doc = document_from_record(record) if ours else _foreign_document(
                    record, record.content_stream().read(), path, source, site)
            except Exception as exc:  # zlib/brotli errors of a damaged record, bad JSON headers
                yield _failure(path, "truncated", f"record {url} unreadable: {exc}", source, site)
                return
            if getattr(record.raw_stream, "limit", 0):  # fewer bytes than the record declares
                yield _failure(path, "truncated", f"WARC truncated inside record {url} after {count} "
                               "complete record(s)", source, site)
                return
            count += 1
            reason = skip_reason(doc, archived_kind(record) if ours else None)
            if ours:
                doc.site = site or doc.site
                if not restore_source:
                    doc.source = source
                if archived_as is not None:
                    doc.archive = ArchiveLocation(archived_as, reader.get_record_offset(),
                                                  reader.get_record_length())
            if reason is not None:
                yield Skipped(url=doc.url, reason=reason, site=doc.site)
                continue
            why = not_html_reason(doc)
            if why is not None:
                yield Failure(url=doc.url, stage="import", status="not_html", reason=why, site=doc.site,
                              source=doc.source.name)
                continue
            yield doc
    if count == 0:
        told = f"{others.pop('request', 0)} request, {others.pop('revisit', 0)} revisit"
        told += "".join(f", {n} {kind}" for kind, n in sorted(others.items()) if kind != "warcinfo")
        yield _failure(path, "no_records", f"no response records ({told})", source, site)
