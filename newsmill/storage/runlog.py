"""The operational log: flow runs, every fetch, failures (kept once per
distinct failure), and each source's conditional-GET state.

None of it is article content: retention may prune the fetch log and
failures without touching what was stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func, insert, select, update

from newsmill.core.records import ArchiveLocation, Failure, FetchOutcome, SourceState
from newsmill.storage import schema as t
from newsmill.storage.archive import Claim
from newsmill.storage.claims import ArchiveRecords
from newsmill.storage.db import Database, chunks, now, sanitize, upsert, utc

# A run's status (``runs.status``): running until it ends completed, failed,
# or interrupted (stopped early on request, e.g. Ctrl-C: what it counts was
# stored; running it again resumes it).
RUNNING, COMPLETED, FAILED, INTERRUPTED = "running", "completed", "failed", "interrupted"
RUN_STATUSES = (RUNNING, COMPLETED, FAILED, INTERRUPTED)


class RunLog:
    """The ``runs``, ``fetches``, ``failures`` and ``source_state`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def start_run(self, flow: str, params: Mapping[str, Any]) -> str:
        run_id = f"{flow}-{now():%Y%m%dT%H%M%S}-{uuid4().hex[:6]}"
        with self.db.begin() as conn:
            conn.execute(insert(t.runs).values(id=run_id, flow=flow, started_at=now(), status=RUNNING,
                                               params=json.dumps(params, default=str), pid=os.getpid(),
                                               host=_host()))
        return run_id

    def run_progress(self, run_id: str, counts: Mapping[str, Any]) -> None:
        """The counts a run under way has reached (kept if its process dies)."""
        with self.db.begin() as conn:
            conn.execute(update(t.runs).where((t.runs.c.id == run_id) & (t.runs.c.status == RUNNING)).values(
                counts=json.dumps(counts, default=str)))

    def recover_stale_runs(self) -> list[str]:
        """Mark ``interrupted`` each run left ``running`` on this host by a
        process that is gone (killed, or the machine restarted: its pid
        free, or now another process's, started after the run), keeping the
        counts it reached; the ids of those runs. Runs of other hosts, and
        runs recorded before the pid was (schema version 8), are left alone."""
        r = t.runs
        with self.db.connect() as conn:
            rows = conn.execute(select(r.c.id, r.c.pid, r.c.started_at).where(
                (r.c.status == RUNNING) & (r.c.host == _host()) & r.c.pid.is_not(None))).all()
        stale = [run_id for run_id, pid, started in rows if not _running_since(int(pid), utc(started))]
        if stale:
            with self.db.begin() as conn:
                conn.execute(update(r).where(r.c.id.in_(stale) & (r.c.status == RUNNING)).values(
                    status=INTERRUPTED, finished_at=now()))
        return stale

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, Any]) -> None:
        if status not in RUN_STATUSES[1:]:
            raise ValueError(f"not a final run status: {status!r}")
        with self.db.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(
                status=status, finished_at=now(), counts=json.dumps(counts, default=str)))

    def record_fetches(self, outcomes: Iterable[FetchOutcome], run_id: str | None = None,
                       claims: Sequence[Claim] = ()) -> None:
        rows = [
            {"run_id": run_id, "url": sanitize(o.url), "final_url": sanitize(o.final_url),
             "status": o.status.value, "http_status": o.http_status, "bytes": o.bytes,
             "elapsed": o.elapsed, "attempts": o.attempts, "reason": sanitize(o.reason) or "",
             "at": utc(o.at), "archive": o.archive.to_uri() if o.archive else None,
             "source": o.source.name, "site": o.site}
            for o in outcomes
        ]
        with self.db.begin() as conn:
            for part in chunks(rows, 200):
                conn.execute(insert(t.fetches), list(part))
            ArchiveRecords.insert(conn, claims)

    def record_failures(self, failures: Iterable[Failure], run_id: str | None = None,
                        claims: Sequence[Claim] = ()) -> None:
        """Record failures; the same failure (url, stage, status, reason) is
        kept once (with the latest raw record of its page)."""
        with self.db.begin() as conn:
            for f in failures:
                fp = hashlib.sha256("\x1f".join((f.url, f.stage, f.status, f.reason)).encode(
                    "utf-8", "replace")).hexdigest()
                at = utc(f.at) or now()
                raw = f.raw.to_uri() if f.raw else None
                again: dict[str, Any] = {"last_at": at, "count": t.failures.c["count"] + 1}
                if raw:
                    again["raw"] = raw
                upsert(
                    conn, t.failures,
                    {"run_id": run_id, "url": sanitize(f.url), "stage": f.stage, "status": f.status,
                     "reason": sanitize(f.reason), "fingerprint": fp, "at": at, "last_at": at,
                     "count": 1, "site": f.site, "source": f.source, "raw": raw},
                    ["fingerprint"],
                    again,
                )
            ArchiveRecords.insert(conn, claims)

    def failed_pages(self, *, site: str | None = None, since: datetime | None = None) -> list[str]:
        """Raw-archive locations of the pages whose extraction failed and
        whose URL no article was stored under since (of one site, last
        failing since ``since``), oldest first, once each."""
        f, a = t.failures, t.articles
        q = (select(f.c.raw, func.min(f.c.id))
             .where(f.c.raw.is_not(None), f.c.stage == "extract", f.c.url.not_in(select(a.c.url)))
             .group_by(f.c.raw).order_by(func.min(f.c.id)))
        if site is not None:
            q = q.where(f.c.site == site)
        if since is not None:
            q = q.where(f.c.last_at >= utc(since))
        with self.db.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def failures(self, since: datetime | None = None) -> Iterator[Failure]:
        q = select(t.failures).order_by(t.failures.c.id)
        if since is not None:
            q = q.where(t.failures.c.last_at >= utc(since))
        with self.db.connect() as conn:
            rows = conn.execute(q).mappings().all()
        for r in rows:
            yield Failure(url=r["url"], stage=r["stage"], status=r["status"], reason=r["reason"],
                          at=utc(r["at"]) or now(), site=r["site"], source=r["source"],
                          raw=ArchiveLocation.from_uri(r["raw"]) if r["raw"] else None)

    def get_source_state(self, name: str) -> SourceState | None:
        """The stored conditional-GET state of a source, as ``(etag, last_modified)`` or None."""
        s = t.source_state
        with self.db.connect() as conn:
            row = conn.execute(select(s.c.etag, s.c.last_modified).where(s.c.name == name)).first()
        return None if row is None else SourceState(etag=row[0], last_modified=row[1])

    def set_source_state(self, name: str, etag: str | None, last_modified: str | None) -> None:
        with self.db.begin() as conn:
            upsert(conn, t.source_state,
                   {"name": name, "etag": etag, "last_modified": last_modified, "last_seen": now()},
                   ["name"], {"etag": etag, "last_modified": last_modified, "last_seen": now()})


def _host() -> str:
    return socket.gethostname()[:255]


def _running_since(pid: int, started: datetime | None) -> bool:
    """Whether process ``pid`` exists and started no later than ``started``
    (a run's start: a process started after it is another one that got the
    pid again)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists (another user's)
    born = _process_start(pid)
    return born is None or started is None or born <= started.timestamp() + 1.0


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), from /proc
    (None where there is none)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open("/proc/stat", "rb") as f:
            boot = next(float(line.split()[1]) for line in f if line.startswith(b"btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


__all__ = ["COMPLETED", "FAILED", "INTERRUPTED", "RUNNING", "RUN_STATUSES", "RunLog"]
