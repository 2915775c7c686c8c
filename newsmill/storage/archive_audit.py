"""``newsmill archive check`` and ``newsmill archive compact``: every
pointer of the store into the raw archive read back, and the records
nothing points to (or that hold a key another record holds) taken out.

A *pointer* is an article's or revision's ``raw``, a failure's ``raw`` or a
fetch's ``archive``; a *claim* is an ``archive_records`` row. A pointer is
broken when no whole record starts where it says, or when the record there
does not hold the key its claim says. A record is *dead* when no pointer
points at it (a claim alone does not keep it: the rows that pointed at it
were pruned, or a run died before committing them), a *duplicate* when an
earlier record holds its key.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.recordloader import ArcWarcRecord

from newsmill.core.errors import ArchiveError
from newsmill.core.records import ArchiveLocation
from newsmill.storage.archive import (
    PENDING_DIR,
    Claim,
    RawArchive,
    archived_document,
    record_key,
    whole_records,
)
from newsmill.storage.store import Store

BROKEN_SHOWN = 20  # broken pointers a check lists


@dataclass(frozen=True)
class Record:
    """One whole record of an archive file."""

    location: ArchiveLocation
    kind: str  # the WARC record type
    key: str | None  # record_key of a response or resource record
    url: str

    @property
    def place(self) -> tuple[str, int]:
        return (self.location.path, self.location.offset)


@dataclass
class ArchiveFile:
    """What a scan found in one file: its records and the bytes after the
    last whole one (a torn tail)."""

    relpath: str
    size: int
    records: list[Record] = field(default_factory=list)
    torn: int = 0


def _key(record: ArcWarcRecord) -> str | None:
    """A document record's key (its payload read); other records' payloads read past."""
    doc = archived_document(record)
    return record_key(doc) if doc is not None else None


def scan_file(archive: RawArchive, relpath: str) -> ArchiveFile:
    """Every whole record of one archive file, in order."""
    path = archive.root / relpath
    try:
        size = path.stat().st_size
        fh = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise ArchiveError(f"cannot read archive file {path}: {exc.strerror or exc}") from exc
    found = ArchiveFile(relpath, size)
    end = 0
    with fh:
        for record, key, offset, length in whole_records(fh, _key):
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            found.records.append(Record(ArchiveLocation(relpath, offset, length), record.rec_type, key, url))
            end = offset + length
    found.torn = size - end
    return found


def _being_written(archive: RawArchive) -> dict[str, int]:
    """Files a live process is writing a span of, with where its span began
    (records from there are not counted dead: their commit is under way)."""
    out: dict[str, int] = {}
    pending = archive.root / PENDING_DIR
    with contextlib.suppress(OSError):
        for mark in pending.glob("*.json"):
            try:
                with open(mark, encoding="utf-8") as fh:
                    try:
                        fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    except OSError:  # locked: its writer lives
                        fh.seek(0)
                        told = json.loads(fh.read() or "{}")
                        path, offset = str(told["path"]), int(told["offset"])
                        out[path] = min(offset, out.get(path, offset))
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return out


@dataclass
class Audit:
    """What ``archive check`` found."""

    files: list[ArchiveFile]
    pointers: dict[str, int]  # location URI -> rows pointing at it
    claims: dict[str, str]  # key -> location URI
    broken: list[tuple[str, str]] = field(default_factory=list)  # (location URI, why)
    dead: list[Record] = field(default_factory=list)
    duplicates: dict[str, list[Record]] = field(default_factory=dict)  # key -> its records, first kept
    unclaimed: list[Record] = field(default_factory=list)  # pointed at, no claim: compact adopts them
    writing: int = 0  # records of spans being written by a live process

    @property
    def records(self) -> int:
        return sum(1 for f in self.files for r in f.records if r.key is not None)

    @property
    def torn(self) -> list[ArchiveFile]:
        return [f for f in self.files if f.torn]

    @property
    def dead_bytes(self) -> int:
        extra = [r for recs in self.duplicates.values() for r in recs[1:] if r not in self.dead]
        return (sum(r.location.length for r in self.dead) + sum(r.location.length for r in extra)
                + sum(f.torn for f in self.files))

    def to_dict(self) -> dict[str, object]:
        return {
            "files": len(self.files), "records": self.records, "pointers": len(self.pointers),
            "claims": len(self.claims), "broken_pointers": len(self.broken),
            "dead_records": len(self.dead),
            "duplicate_keys": len(self.duplicates),
            "duplicate_records": sum(len(r) - 1 for r in self.duplicates.values()),
            "torn_files": len(self.torn), "unclaimed_records": len(self.unclaimed),
            "being_written": self.writing, "reclaimable_bytes": self.dead_bytes,
            "broken": [{"location": uri, "reason": why} for uri, why in self.broken[:BROKEN_SHOWN]],
        }


def _place(uri: str) -> tuple[str, int] | None:
    try:
        loc = ArchiveLocation.from_uri(uri)
    except ValueError:
        return None
    return (loc.path, loc.offset)


def audit(store: Store, archive: RawArchive) -> Audit:
    """Check every pointer and claim against the archive's files, and find
    the dead and duplicate records (see the module's doc). Reads only."""
    writing = _being_written(archive)
    files = [scan_file(archive, rel) for rel in archive.files()]
    pointers, claims = store.archive_pointers(), store.archive_claims()
    found = Audit(files, pointers, claims)
    at: dict[tuple[str, int], Record] = {r.place: r for f in files for r in f.records}
    claimed_at = {place: key for key, uri in claims.items() if (place := _place(uri)) is not None}
    for uri in sorted(set(pointers) | set(claims.values())):
        place = _place(uri)
        record = at.get(place) if place is not None else None
        if record is None or record.key is None:
            path = archive.root / place[0] if place else None
            why = ("no such file" if path is not None and not path.exists()
                   else "no response or resource record starts there")
            found.broken.append((uri, why))
        elif place in claimed_at and claimed_at[place] != record.key:
            found.broken.append((uri, f"the record holds key {record.key}, its claim says {claimed_at[place]}"))
    pointed = {p for uri in pointers if (p := _place(uri)) is not None}
    by_key: dict[str, list[Record]] = {}
    for f in files:
        for r in f.records:
            if r.key is None:
                continue
            if r.location.offset >= writing.get(f.relpath, 1 << 62):
                found.writing += 1
                continue
            by_key.setdefault(r.key, []).append(r)
            if r.place not in pointed:
                found.dead.append(r)
            elif r.place not in claimed_at:
                found.unclaimed.append(r)
    for key, recs in by_key.items():
        if len(recs) > 1:
            # The one kept: the first pointed at, else the first claimed, else the first.
            recs.sort(key=lambda r: (r.place not in pointed, r.place not in claimed_at))
            found.duplicates[key] = recs
    return found


@dataclass
class Compacted:
    """What ``archive compact`` did."""

    files_rewritten: int = 0
    files_removed: int = 0
    records_removed: int = 0
    records_adopted: int = 0
    pointers_moved: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    spans_recovered: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _copy_members(archive: RawArchive, source: ArchiveFile, keep: list[Record]) -> tuple[str, dict[str, str]]:
    """A new file next to ``source`` holding its warcinfo and the ``keep``
    records, byte for byte; returns its path and old URI -> new URI."""
    stem = Path(source.relpath).name.removesuffix(".warc.gz")
    relpath = str(Path(source.relpath).parent / f"{stem}.c{uuid.uuid4().hex[:8]}.warc.gz")
    moved: dict[str, str] = {}
    info = [r for r in source.records[:1] if r.kind == "warcinfo"]
    with open(archive.root / source.relpath, "rb") as src, open(archive.root / relpath, "wb") as out:
        for r in [*info, *keep]:
            src.seek(r.location.offset)
            data = src.read(r.location.length)
            new = ArchiveLocation(relpath, out.tell(), len(data))
            out.write(data)
            moved[r.location.to_uri()] = new.to_uri()
        out.flush()
        os.fsync(out.fileno())
    return relpath, moved


def compact(store: Store, archive: RawArchive) -> tuple[Compacted, Audit]:
    """Rewrite the files holding dead or duplicate records or a torn tail
    into new files with only the records kept (byte for byte), move every
    pointer and claim to them and claim the records pointed at without one,
    in one transaction, then delete the old files. Under the store's writer
    lock, after recovering spans of killed runs. Killed part way, the
    archive is as before (new files nothing points at yet) or holds old
    files nothing points at any more: compacting again removes them.
    Broken pointers are left as they are (the audit returned says which)."""
    done = Compacted()
    with store.exclusive():
        done.spans_recovered = archive.recover(store.claimed_locations)["spans"]
        found = audit(store, archive)
        done.bytes_before = sum(f.size for f in found.files)
        drop = {r.place for r in found.dead}
        alias: dict[tuple[str, int], Record] = {}  # a duplicate -> the record kept for its key
        for recs in found.duplicates.values():
            for r in recs[1:]:
                drop.add(r.place)
                alias[r.place] = recs[0]
        keep_place = {r.place for f in found.files for r in f.records if r.key is not None} - drop
        moves: dict[str, str] = {}
        new_files: list[str] = []
        old_files: list[str] = []
        writing = _being_written(archive)
        for f in found.files:
            kept = [r for r in f.records if r.place in keep_place]
            held = sum(1 for r in f.records if r.key is not None)
            if f.relpath in writing or (len(kept) == held and held and not f.torn):
                continue  # nothing to take out (or a live run is writing it)
            old_files.append(f.relpath)
            done.records_removed += sum(1 for r in f.records if r.key is not None) - len(kept)
            if kept:
                relpath, moved = _copy_members(archive, f, kept)
                new_files.append(relpath)
                moves.update(moved)
                done.files_rewritten += 1
            else:
                done.files_removed += 1
        # Where each pointer and claim goes: its record's new place, or that
        # of the record kept for its key.
        by_place = {r.place: r for f in found.files for r in f.records}
        final: dict[str, str] = {}
        forget: list[str] = []
        claimed = set(found.claims.values())
        for uri in set(found.pointers) | claimed:
            place = _place(uri)
            if place is None or place not in by_place:
                continue  # broken: left as it is
            target = alias.get(place, by_place[place])
            if target.place in drop:  # only a claim: its record goes (a pointed record is kept)
                if uri in claimed:
                    forget.append(uri)
                continue
            new = moves.get(target.location.to_uri(), target.location.to_uri())
            if new != uri:
                final[uri] = new
        adopt_keys = set(found.claims)
        adopt: list[Claim] = []
        for r in found.unclaimed:
            target = alias.get(r.place, r)
            if r.key is None or r.key in adopt_keys:
                continue
            adopt_keys.add(r.key)
            loc = ArchiveLocation.from_uri(moves.get(target.location.to_uri(), target.location.to_uri()))
            adopt.append(Claim(r.key, loc, r.url))
        try:
            if final or adopt or forget:
                store.relocate_records(final, adopt, forget)
        except BaseException:
            archive.remove(new_files)  # nothing points at them
            raise
        done.pointers_moved = sum(found.pointers.get(uri, 0) for uri in final)
        done.records_adopted = len(adopt)
        archive.remove(old_files)
        done.bytes_after = sum((archive.root / rel).stat().st_size for rel in archive.files())
    return done, found


def iter_broken(found: Audit) -> Iterator[str]:
    """The broken pointers as lines for a person."""
    for uri, why in found.broken[:BROKEN_SHOWN]:
        yield f"  {uri}: {why}"
    if len(found.broken) > BROKEN_SHOWN:
        yield f"  ... and {len(found.broken) - BROKEN_SHOWN} more"


__all__ = ["ArchiveFile", "Audit", "Compacted", "Record", "audit", "compact", "iter_broken", "scan_file"]
