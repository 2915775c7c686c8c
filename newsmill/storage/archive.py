"""The raw archive: every response and imported file, byte-exact, as WARC.

Files are gzip-per-record WARC (``<root>/<YYYY>/<MM>/<name>.warc.gz``), so a
record can be read by seeking to its offset. HTTP responses become
``response`` records (status line, headers, body); local files become
``resource`` records. newsmill's own metadata travels in extra WARC headers
of the same record:

- ``WARC-Newsmill-Source``: JSON ``{"name", "kind", "url"}`` of the source;
- ``WARC-Newsmill-Site``: the site the document belongs to;
- ``WARC-Newsmill-Final-URL``: the URL after redirects;
- ``WARC-Newsmill-Hints``: JSON of what the source knew (feed title, date...);
- ``WARC-Newsmill-Kind``: what the document was fetched as: ``page`` (an
  article page or an imported file), or the kind of source it was read to
  discover articles of (``feed``, ``sitemap``, ``urls``: the feed, sitemap,
  robots.txt or URL list itself, which an import of the archive skips).
  Archives written before it carry no kind.

The stored body is the payload after transfer and content decoding; the
original ``Content-Encoding``/``Transfer-Encoding``/``Content-Length``
headers are kept as ``X-Archive-Orig-*`` so readers do not decode twice.

A document is archived once: its record key (:func:`record_key`: URL, site,
language given at import and body) is claimed in the store's
``archive_records`` table in the transaction that stores the first pointer
to it, and a document whose key is claimed points at that record. Records
are written in spans (:meth:`RawArchive.span`): a mark under
``<root>/.pending/`` (locked by the writing process) says where the span
began; the span ends once its pointers are committed. A span that fails is
cut back at once; one whose process died is cut back on the next open of
the store (:meth:`RawArchive.recover`): what follows its last claimed
record is removed, so no record is left that nothing points to.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import io
import json
import os
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsmill.core.errors import ArchiveError
from newsmill.core.records import ArchiveLocation, RawDocument, SourceRef

_RENAMED_HEADERS = ("content-encoding", "transfer-encoding", "content-length")

SOURCE_HEADER = "WARC-Newsmill-Source"
KIND_HEADER = "WARC-Newsmill-Kind"
PAGE = "page"  # the kind of an article page or imported file
DISCOVERY_KINDS = ("feed", "sitemap", "urls")  # the kinds of what discovery read


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _warc_date(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


GZIP_LEVEL = 3  # see ArchiveWriter


class ArchiveWriter:
    """Appends records to one WARC file; use as a context manager."""

    def __init__(self, root: Path, relpath: str) -> None:
        self._root = root
        self.relpath = relpath
        path = root / relpath
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            is_new = not path.exists() or path.stat().st_size == 0
            # Unbuffered: a record is on disk when _write returns, and a
            # failed write leaves nothing pending to flush later.
            self._fh: IO[bytes] = open(path, "ab", buffering=0)  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise ArchiveError(f"cannot open raw archive file {path}: {exc.strerror or exc}") from exc
        # Records are serialized uncompressed into a buffer, then written as
        # one gzip member each (a record per member, as WARC readers expect)
        # at level 3. On the Scrapinghub benchmark's 181 pages (30 MB of
        # HTML): level 3 compresses 4.5x in 0.33 s, zlib's default 6 5.1x in
        # 0.70 s, warcio's 9 5.1x in 1.08 s; archiving sits on the ingest's
        # serial path, so half the CPU is worth 12% more disk.
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version="1.1")
        if is_new:
            self._write(self._writer.create_warcinfo_record(
                Path(relpath).name, {"software": "newsmill", "format": "WARC File Format 1.1"}))

    def _write(self, record: ArcWarcRecord) -> ArchiveLocation:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        member = packer.compress(self._buffer.getvalue()) + packer.flush()
        offset = self._fh.tell()
        try:
            written = 0
            while written < len(member):  # an unbuffered write may be partial
                written += self._fh.write(member[written:]) or 0
            length = len(member)
        except OSError as exc:
            # Disk full or an I/O error: cut the partial record off, so the
            # file stays a sequence of whole records and nothing points at
            # a record that is not there.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fh.fileno(), offset)
                self._fh.seek(offset)
            raise ArchiveError(
                f"cannot write to raw archive {self._root / self.relpath}: {exc.strerror or exc}"
            ) from exc
        return ArchiveLocation(path=self.relpath, offset=offset, length=length)

    def write(self, doc: RawDocument, kind: str = PAGE) -> ArchiveLocation:
        """Archive one document, fetched as ``kind`` (``page``, or one of
        :data:`DISCOVERY_KINDS`); returns where its record lives."""
        warc_headers = {
            "WARC-Date": _warc_date(doc.fetched_at),
            "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
            SOURCE_HEADER: json.dumps(doc.source.to_dict(), ensure_ascii=True),
            "WARC-Newsmill-Site": doc.site,
            "WARC-Newsmill-Hints": json.dumps(doc.hints, ensure_ascii=True, default=_json_default),
            KIND_HEADER: kind,
        }
        if doc.final_url:
            warc_headers["WARC-Newsmill-Final-URL"] = doc.final_url
        payload = io.BytesIO(doc.body)
        if doc.http_status is not None:
            headers = []
            for name, value in doc.headers.items():
                if name.lower() in _RENAMED_HEADERS:
                    name = f"X-Archive-Orig-{name}"
                headers.append((name, value))
            headers.append(("Content-Length", str(len(doc.body))))
            try:
                phrase = HTTPStatus(doc.http_status).phrase
            except ValueError:
                phrase = "Unknown"
            http = StatusAndHeaders(f"{doc.http_status} {phrase}", headers, protocol="HTTP/1.1")
            record = self._writer.create_warc_record(
                doc.url, "response", payload=payload, length=len(doc.body),
                http_headers=http, warc_headers_dict=warc_headers,
            )
        else:
            record = self._writer.create_warc_record(
                doc.url, "resource", payload=payload, length=len(doc.body),
                warc_content_type=doc.content_type or "application/octet-stream",
                warc_headers_dict=warc_headers,
            )
        return self._write(record)

    def close(self) -> None:
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise ArchiveError(f"cannot sync raw archive {self.relpath}: {exc.strerror or exc}") from exc
        finally:
            self._fh.close()

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def payload_digest(body: bytes) -> str:
    """The digest the archive writes as a record's ``WARC-Payload-Digest``
    (``sha1:`` and the base32 SHA-1 of the body it archives)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def record_key(doc: RawDocument) -> str:
    """The key a document is archived once under: ``sha1:`` and the base32
    SHA-1 of its URL, site, the language given at import (``set_language``)
    and body, what reading the record back gives the pipeline. The same
    page imported again, or fetched again unchanged, has the same key."""
    h = hashlib.sha1()
    for part in (doc.url, doc.site or "", str(doc.hints.get("set_language") or "")):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(doc.body)
    return "sha1:" + base64.b32encode(h.digest()).decode("ascii")


@dataclass(frozen=True)
class Claim:
    """A record written and the key it holds: stored in ``archive_records``
    in the transaction of the first pointer to it."""

    key: str
    location: ArchiveLocation
    url: str


PENDING_DIR = ".pending"  # under the archive's root: the marks of spans being written

_T = TypeVar("_T")

ClaimedLookup = Callable[[list[str]], set[str]]
"""Which of these location URIs the store has claimed (``archive_records``)."""


def whole_records(fh: IO[bytes], read: Callable[[ArcWarcRecord], _T]) -> Iterator[tuple[ArcWarcRecord, _T, int, int]]:
    """Each whole record of an open archive file from where ``fh`` stands:
    the record, what ``read`` made of it (``read`` consumes its payload),
    its offset from the file's start and its length. Stops at a torn or
    corrupt tail (a record shorter than it declares, or no record)."""
    it = ArchiveIterator(fh)
    while True:
        try:
            record = next(it)
            if not record.rec_type:
                return  # a torn gzip member reads as a record of no type
            value = read(record)
            if getattr(record.raw_stream, "limit", 0):
                return  # shorter than it declares: a torn tail
            offset = it.get_record_offset()  # from the file's start (the iterator asks the file)
            it.read_to_end()
            length = it.get_record_length()
        except Exception:  # the end of the file (StopIteration), or a corrupt tail
            return
        yield record, value, offset, length


def archived_document(record: ArcWarcRecord) -> RawDocument | None:
    """The document a response or resource record holds (its body read);
    other records' payloads are read past."""
    if record.rec_type in ("response", "resource"):
        return document_from_record(record, None)
    record.content_stream().read()
    return None


def _records_from(path: Path, relpath: str, start: int) -> list[tuple[ArchiveLocation, int]]:
    """The whole records of a file from byte ``start`` (each with where it
    ends), stopping at a torn or corrupt tail."""
    try:
        fh = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return []
    with fh:
        fh.seek(start)
        return [(ArchiveLocation(relpath, offset, length), offset + length)
                for _, _, offset, length in whole_records(fh, lambda r: r.content_stream().read())]


def cut_back(root: Path, relpath: str, start: int, claimed: ClaimedLookup) -> int:
    """Remove what a span wrote from byte ``start`` of ``relpath`` after
    its last claimed record (all of it when none is claimed; the file when
    the span made it); returns the bytes removed."""
    path = root / relpath
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    if size <= start:
        return 0
    records = _records_from(path, relpath, start)
    have = claimed([loc.to_uri() for loc, _ in records]) if records else set()
    keep = start
    for loc, end in records:
        if loc.to_uri() in have:
            keep = end
    if keep >= size:
        return 0
    if keep == 0:
        path.unlink()  # the span made the file: nothing else is in it
        return size
    with open(path, "r+b") as fh:
        fh.truncate(keep)
        os.fsync(fh.fileno())
    return size - keep


class ArchiveSpan:
    """Records written to one archive file until their pointers are
    committed (see :meth:`RawArchive.span`)."""

    def __init__(self, archive: RawArchive, name: str) -> None:
        self._archive, self._name = archive, name
        self._writer: ArchiveWriter | None = None
        self._mark: IO[str] | None = None
        self._mark_path: Path | None = None
        self.relpath = ""
        self.start = 0
        self.written = 0

    def write(self, doc: RawDocument, kind: str = PAGE) -> ArchiveLocation:
        if self._writer is None:
            self._open()
        assert self._writer is not None
        loc = self._writer.write(doc, kind)
        self.written += 1
        return loc

    def _open(self) -> None:
        self.relpath = self._archive.file_for(self._name)
        path = self._archive.root / self.relpath
        try:
            self.start = path.stat().st_size
        except FileNotFoundError:
            self.start = 0
        pending = self._archive.root / PENDING_DIR
        mark: IO[str] | None = None
        mark_id = uuid.uuid4().hex
        tmp, final = pending / f".{mark_id}.tmp", pending / f"{mark_id}.json"
        try:
            pending.mkdir(parents=True, exist_ok=True)
            mark = open(tmp, "w+", encoding="utf-8")  # noqa: SIM115 - closed in _release
            fcntl.flock(mark, fcntl.LOCK_EX)  # held while this process writes: the span's owner lives
            json.dump({"path": self.relpath, "offset": self.start, "pid": os.getpid()}, mark)
            mark.flush()
            os.fsync(mark.fileno())
            os.replace(tmp, final)  # only a locked, complete mark is ever seen
        except OSError as exc:
            if mark is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                mark.close()
            raise ArchiveError(f"cannot mark raw archive file {path} as being written: "
                               f"{exc.strerror or exc}") from exc
        self._mark, self._mark_path = mark, final
        self._writer = ArchiveWriter(self._archive.root, self.relpath)

    def sync(self) -> None:
        """Put the records on disk (before the pointers are committed)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()

    def _release(self) -> None:
        if self._mark_path is not None:
            with contextlib.suppress(OSError):
                self._mark_path.unlink()
        if self._mark is not None:
            self._mark.close()
        self._mark = self._mark_path = None

    def finish(self) -> None:
        """The pointers are committed: the span is done."""
        self.sync()
        self._release()

    def abort(self, claimed: ClaimedLookup) -> None:
        """The commit failed (or may have): cut back what nothing claims. If
        the store cannot say, the mark stays for the next open to recover."""
        if self._writer is not None:
            with contextlib.suppress(ArchiveError):
                self.sync()
        if self._mark is None:
            return
        try:
            cut_back(self._archive.root, self.relpath, self.start, claimed)
        except Exception:
            self._mark.close()
            self._mark = self._mark_path = None
            return
        self._release()


def is_archive_record(record: ArcWarcRecord) -> bool:
    """Whether a WARC record was written by newsmill's raw archive (it
    carries the ``WARC-Newsmill-*`` headers)."""
    return record.rec_headers.get_header(SOURCE_HEADER) is not None


def archived_kind(record: ArcWarcRecord) -> str | None:
    """What a raw-archive record was fetched as (``WARC-Newsmill-Kind``;
    None for a record archived before the archive said)."""
    return record.rec_headers.get_header(KIND_HEADER) or None


def document_from_record(record: ArcWarcRecord, loc: ArchiveLocation | None = None) -> RawDocument:
    """The document a raw-archive record holds, as it was archived: URL,
    body, source, site, fetch time, final URL, status, original headers and
    hints, with its location ``loc``. Reads the record's body."""
    wh = record.rec_headers
    url = wh.get_header("WARC-Target-URI") or ""
    body = record.content_stream().read() if record.rec_type == "resource" else record.raw_stream.read()
    headers: dict[str, str] = {}
    status: int | None = None
    content_type = wh.get_header("Content-Type")
    if record.rec_type == "response" and record.http_headers is not None:
        status = int(record.http_headers.get_statuscode() or 0) or None
        for name, value in record.http_headers.headers:
            if name.lower() == "content-length":
                continue
            if name.lower().startswith("x-archive-orig-"):
                name = name[len("X-Archive-Orig-"):]
            headers[name] = value
        content_type = record.http_headers.get_header("Content-Type")
    source = json.loads(wh.get_header(SOURCE_HEADER) or "{}")
    hints = json.loads(wh.get_header("WARC-Newsmill-Hints") or "{}")
    return RawDocument(
        url=url,
        body=body,
        source=SourceRef(name=source.get("name", ""), kind=source.get("kind", ""), url=source.get("url", "")),
        site=wh.get_header("WARC-Newsmill-Site") or "",
        fetched_at=_parse_warc_date(wh.get_header("WARC-Date")),
        final_url=wh.get_header("WARC-Newsmill-Final-URL"),
        http_status=status,
        content_type=content_type,
        headers=headers,
        hints=hints,
        archive=loc,
    )


class RawArchive:
    """The raw archive under ``root``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def file_for(self, name: str) -> str:
        """The file (relative to the root) records named ``name`` go to
        now: ``<YYYY>/<MM>/<name>.warc.gz``."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        if not safe:
            raise ArchiveError("archive file name must not be empty")
        now = datetime.now(UTC)
        return f"{now:%Y}/{now:%m}/{safe}.warc.gz"

    def open_writer(self, name: str) -> ArchiveWriter:
        """A writer appending to ``<YYYY>/<MM>/<name>.warc.gz`` (no span:
        for archives the store does not point into)."""
        return ArchiveWriter(self.root, self.file_for(name))

    @contextlib.contextmanager
    def span(self, name: str, claimed: ClaimedLookup) -> Iterator[ArchiveSpan]:
        """Write records to ``<name>``'s file while the block commits the
        pointers to them (and their claims) as its last step; the block
        runs under the store's writer lock. An error in the block cuts back
        what nothing claims (``claimed``); a kill leaves the span's mark for
        :meth:`recover`."""
        span = ArchiveSpan(self, name)
        try:
            yield span
        except BaseException:
            span.abort(claimed)
            raise
        span.finish()

    def recover(self, claimed: ClaimedLookup) -> dict[str, int]:
        """Cut back the spans whose writing process is gone (their mark is
        not locked): a killed run's records that nothing points to. Runs
        when a run opens the store; returns spans recovered and bytes
        removed."""
        done = {"spans": 0, "bytes": 0}
        pending = self.root / PENDING_DIR
        try:
            marks = sorted(pending.iterdir())
        except OSError:
            return done
        for mark in marks:
            try:
                fh = open(mark, "r+", encoding="utf-8")  # noqa: SIM115
            except OSError:
                continue
            with fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its process is writing
                if os.fstat(fh.fileno()).st_nlink == 0:
                    continue  # recovered meanwhile by another process
                if mark.name.endswith(".json"):
                    try:
                        told = json.loads(fh.read() or "{}")
                        done["bytes"] += cut_back(self.root, str(told["path"]), int(told["offset"]), claimed)
                    except (ValueError, KeyError, TypeError):
                        pass  # a mark that says nothing usable: nothing to cut back
                    except OSError as exc:
                        raise ArchiveError(f"cannot recover raw archive file of {mark}: {exc}") from exc
                    done["spans"] += 1
                mark.unlink()
        return done

    def read(self, loc: ArchiveLocation) -> RawDocument:
        """The document archived at ``loc``."""
        path = self.root / loc.path
        try:
            with open(path, "rb") as fh:
                fh.seek(loc.offset)
                for record in ArchiveIterator(fh):
                    if record.rec_type in ("response", "resource"):
                        doc = document_from_record(record, loc)
                        if getattr(record.raw_stream, "limit", 0):
                            raise ArchiveError(f"archive record {loc.to_uri()} is truncated")
                        return doc
                    break
        except (OSError, ArchiveLoadFailed, EOFError, ValueError) as exc:
            raise ArchiveError(f"cannot read archive record {loc.to_uri()}: {exc}") from exc
        raise ArchiveError(f"no response or resource record at {loc.to_uri()}")

    def payload_digest(self, loc: ArchiveLocation) -> str | None:
        """The ``WARC-Payload-Digest`` of the record at ``loc`` (as written:
        ``sha1:`` and base32 of the archived body), else that digest of its
        body; None when the record cannot be read."""
        try:
            with open(self.root / loc.path, "rb") as fh:
                fh.seek(loc.offset)
                for record in ArchiveIterator(fh):
                    if record.rec_type not in ("response", "resource"):
                        return None
                    told = str(record.rec_headers.get_header("WARC-Payload-Digest") or "")
                    if told and told.lower().startswith("sha1:"):
                        return "sha1:" + told[5:].upper()
                    return payload_digest(document_from_record(record).body)
        except (OSError, ArchiveLoadFailed, EOFError, ValueError):
            return None
        return None

    def iter_documents(self, relpath: str) -> Iterator[RawDocument]:
        """Every document of one archive file, in order. A torn or corrupt
        tail (an interrupted write) ends the iteration instead of failing."""
        path = self.root / relpath
        try:
            fh = open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise ArchiveError(f"cannot open archive file {path}: {exc.strerror or exc}") from exc
        with fh:
            for _, doc, offset, length in whole_records(fh, archived_document):
                if doc is not None:
                    doc.archive = ArchiveLocation(relpath, offset, length)
                    yield doc

    def files(self) -> list[str]:
        """Archive files, relative to the root, oldest first."""
        if not self.root.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*.warc.gz")
                      if not p.relative_to(self.root).parts[0].startswith("."))

    def files_older_than(self, before: datetime) -> list[str]:
        """Archive files last written before ``before`` (by modification time)."""
        cutoff = before.timestamp()
        out = []
        for rel in self.files():
            try:
                if (self.root / rel).stat().st_mtime < cutoff:
                    out.append(rel)
            except OSError:
                continue
        return out

    def remove(self, files: list[str]) -> int:
        """Delete archive files (relative paths); returns bytes freed."""
        freed = 0
        for rel in files:
            path = self.root / rel
            try:
                size = path.stat().st_size
                path.unlink()
                freed += size
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ArchiveError(f"cannot delete archive file {path}: {exc}") from exc
        return freed

