"""Local sources: folders of files and WARC archives."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsmill.core.records import Failure, RawDocument, SourceRef

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
            if name.lower().endswith(FILE_SUFFIXES):
                yield read_file(Path(root) / name, source, site)


def iter_warc(path: Path, source: SourceRef, site: str) -> Iterator[RawDocument | Failure]:
    """Response and resource records of a WARC file; a truncated or corrupt
    file yields what is readable, then one Failure for the rest."""
    try:
        fh = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        yield _failure(path, "read_error", f"cannot open {path}: {exc.strerror}", source, site)
        return
    with fh:
        it = iter(ArchiveIterator(fh))
        count = 0
        while True:
            try:
                record = next(it)
            except StopIteration:
                return
            except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
                yield _failure(path, "truncated", f"WARC unreadable after {count} record(s): {exc}",
                               source, site)
                return
            if record.rec_type not in ("response", "resource"):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            try:
                body = record.content_stream().read()
            except Exception as exc:  # zlib/brotli errors of a damaged record
                yield _failure(path, "truncated", f"record {url} unreadable: {exc}", source, site)
                return
            if getattr(record.raw_stream, "limit", 0):  # fewer bytes than the record declares
                yield _failure(path, "truncated", f"WARC truncated inside record {url} after {count} "
                               "complete record(s)", source, site)
                return
            status = None
            headers: dict[str, str] = {}
            ctype = record.rec_headers.get_header("Content-Type")
            if record.rec_type == "response" and record.http_headers is not None:
                status = int(record.http_headers.get_statuscode() or 0) or None
                headers = {k: v for k, v in record.http_headers.headers}
                ctype = record.http_headers.get_header("Content-Type")
            date = record.rec_headers.get_header("WARC-Date")
            fetched = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else datetime.now(UTC)
            count += 1
            if status is not None and status != 200:
                continue
            yield RawDocument(url=url, body=body, source=source, site=site, fetched_at=fetched,
                              http_status=status, content_type=ctype, headers=headers,
                              hints={"warc": str(path)})
