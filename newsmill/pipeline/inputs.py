"""Reading documents from disk: the files and folders given to ``newsmill
import`` (and ``extract``), and the raw archive read back by a reprocess."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from newsmill.core.errors import ArchiveError
from newsmill.core.records import ArchiveLocation, Failure, RawDocument, Skipped, SourceRef
from newsmill.pipeline import progress, stopping
from newsmill.pipeline.report import RunReport
from newsmill.sources import iter_folder, iter_warc, read_file
from newsmill.sources.files import FILE_SUFFIXES, WARC_SUFFIXES, walk_files
from newsmill.storage import RawArchive, Store
from newsmill.storage.archive import payload_digest

IMPORT_SUFFIXES = (*FILE_SUFFIXES, *WARC_SUFFIXES)


def expand_import_paths(paths: Iterable[str | Path]) -> Iterator[Path | Failure]:
    """Files to import from the given files and folders (folders recursively)."""
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            yield Failure(url=p.as_uri() if p.is_absolute() else str(p), stage="import",
                          status="not_found", reason=f"no such file or folder: {p}")
        elif p.is_dir() or p.name.lower().endswith(IMPORT_SUFFIXES):
            yield p
        else:
            yield Failure(url=p.resolve().as_uri(), stage="import", status="unsupported",
                          reason=f"not an importable file type (want {', '.join(IMPORT_SUFFIXES)}): {p}")


def _in_archive(path: Path, archive: RawArchive | None) -> str | None:
    """``path`` relative to the raw archive's root, when it is inside it."""
    if archive is None:
        return None
    try:
        return path.resolve().relative_to(archive.root.resolve()).as_posix()
    except (OSError, ValueError):
        return None


def _read_warc(path: Path, archive: RawArchive | None,
               skipped: Callable[[Skipped], None] | None) -> Iterator[RawDocument | Failure]:
    ref = SourceRef(name="import", kind="warc", url=path.resolve().as_uri())
    for got in iter_warc(path, ref, site="", restore_source=True, archived_as=_in_archive(path, archive)):
        if isinstance(got, Skipped):
            if skipped is not None:
                skipped(got)
        else:
            yield got


def read_import_path(path: Path, *, archive: RawArchive | None = None,
                     skipped: Callable[[Skipped], None] | None = None) -> Iterator[RawDocument | Failure]:
    """Raw documents from one file or folder given to ``newsmill import``
    (a folder: every file of IMPORT_SUFFIXES under it, WARC and ARC files too).

    A WARC record of newsmill's own raw archive comes back with what the
    archive knew (site, source, hints, final URL:
    :func:`~newsmill.sources.files.iter_warc`), so importing ``raw/``
    rebuilds the store it came from; a WARC file inside ``archive`` (the
    run's raw archive) is not archived again: its documents point at their
    records. Records that hold no page (feeds, sitemaps, error responses)
    go to ``skipped``, not to the documents."""
    if path.is_file():
        if path.name.lower().endswith(WARC_SUFFIXES):
            yield from _read_warc(path, archive, skipped)
        else:
            yield from iter_folder(path, SourceRef(name="import", kind="folder", url=path.resolve().as_uri()), "")
        return
    ref = SourceRef(name="import", kind="folder", url=path.resolve().as_uri())
    if not path.is_dir():
        yield from iter_folder(path, ref, "")  # says it is missing
        return
    for item in walk_files(path, IMPORT_SUFFIXES, ref, ""):
        if isinstance(item, Failure):
            yield item
        elif item.name.lower().endswith(WARC_SUFFIXES):
            yield from _read_warc(item, archive, skipped)
        else:
            yield read_file(item, ref, "")


def read_imports(paths: Iterable[str | Path], report: RunReport, window: int, archive: RawArchive | None = None,
                 *, site: str | None = None, language: str | None = None
                 ) -> Iterator[tuple[list[RawDocument], bool]]:
    """The documents of the files and folders given to ``newsmill import``,
    ``window`` at a time, each window with whether more follow; what cannot
    be read goes to the report's failures, WARC records that hold no page
    to its ``skipped`` counts. ``archive``: the run's raw archive (see
    :func:`read_import_path`). ``site``, ``language``: given by the user
    (``--site``, ``--language``), they are every document's (the language
    as the ``set_language`` hint, kept in the archive), over what a raw
    archive's record says. Reading ends early when a stop is requested
    (:mod:`~newsmill.pipeline.stopping`)."""
    docs: list[RawDocument] = []
    read = 0

    def skip(record: Skipped) -> None:
        report.count(site or record.site or "local", "skipped")  # as the flow counts what it read

    for item in expand_import_paths(paths):
        if isinstance(item, Failure):
            report.add_failures([item])
            continue
        for got in read_import_path(item, archive=archive, skipped=skip):
            if stopping.stop_requested():
                break
            if isinstance(got, Failure):
                report.add_failures([got])
                continue
            if len(docs) >= window:
                yield docs, True
                docs = []
            if (site and got.site != site) or (language and got.hints.get("set_language") != language):
                got.archive = None  # a record of the raw archive says otherwise: archive it as it is now
            if site:
                got.site = site
            if language:
                got.hints["set_language"] = language
            docs.append(got)
            read += 1
            progress.report("read files", read, 0)
    if docs:
        yield docs, False


def capture_rounds(docs: Sequence[RawDocument]) -> list[list[RawDocument]]:
    """The documents in rounds that hold one capture of a URL each: the
    first round the earliest capture (``fetched_at``: a record's WARC-Date)
    of every URL, in reading order, the next the second capture of the
    URLs captured more than once, and so on. Stored round after round, each
    changed capture of a URL becomes a new version over the one before and
    the latest is current; no batch holds two captures of one URL."""
    by_url: dict[str, list[RawDocument]] = {}
    for doc in docs:
        by_url.setdefault(doc.url, []).append(doc)
    rounds: list[list[RawDocument]] = []
    for captures in by_url.values():
        captures.sort(key=lambda d: d.fetched_at)  # stable: captures of one date stay in reading order
        for i, doc in enumerate(captures):
            if i == len(rounds):
                rounds.append([])
            rounds[i].append(doc)
    return rounds


def stored_already(docs: Sequence[RawDocument], store: Store, archive: RawArchive,
                   report: RunReport) -> list[RawDocument]:
    """The documents whose body is not the archived raw document of a
    stored version of their URL (the current one or a revision: same
    payload digest). The others (a file or WARC record imported before)
    are counted ``unchanged`` and marked seen, neither extracted nor
    archived again: importing the same input twice changes nothing."""
    versions = store.archived_versions(d.url for d in docs)
    if not versions:
        return list(docs)
    digests: dict[str, str | None] = {}
    todo: list[RawDocument] = []
    same: list[str] = []
    for doc in docs:
        mine = payload_digest(doc.body) if doc.url in versions else None
        hit = None
        for canonical, site, raw in versions.get(doc.url, []):
            if raw not in digests:
                try:
                    digests[raw] = archive.payload_digest(ArchiveLocation.from_uri(raw))
                except ValueError:
                    digests[raw] = None
            if digests[raw] == mine:
                hit = (canonical, site)
                break
        if hit is None:
            todo.append(doc)
        else:
            for counted in ("fetched", "unchanged"):  # read, under its article's site, and found unchanged
                report.count(hit[1] or doc.site or "local", counted)
            same.append(hit[0])
    if same:
        store.touch(dict.fromkeys(same))
    return todo


def read_archived(archive: RawArchive, uris: Sequence[str], *, site: str | None = None,
                  done: int = 0, total: int | None = None) -> tuple[list[RawDocument], list[Failure]]:
    """The raw documents at these archive locations (of stored articles:
    :meth:`Store.raw_locations`), read back without network: the input of
    a reprocess after a rule change, one window of locations at a time. A
    location that cannot be read is an ``archive_error`` failure. ``done``
    and ``total``: where this window is in the whole run (progress)."""
    docs: list[RawDocument] = []
    failures: list[Failure] = []
    total = len(uris) if total is None else total
    for i, uri in enumerate(uris, done + 1):
        progress.report("read archive", i, total)
        try:
            docs.append(archive.read(ArchiveLocation.from_uri(uri)))
        except ArchiveError as exc:
            failures.append(Failure(url=uri, stage="reprocess", status="archive_error", reason=str(exc),
                                    site=site or ""))
    return docs, failures


__all__ = ["IMPORT_SUFFIXES", "WARC_SUFFIXES", "capture_rounds", "expand_import_paths", "read_archived",
           "read_import_path", "read_imports", "stored_already"]
