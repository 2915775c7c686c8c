"""The raw archive holds each record once and none that nothing points at:
re-importing a WARC file writes nothing, two imports of it at once archive
each record once, a page that fails extraction has its record (and its
failure row points at it), a span of records whose commit never came is
cut back on the next open, and ``newsmill archive check``/``compact``
verify and repair an archive with dead, duplicate and torn records, all
through real ``newsmill`` processes on a real store (SQLite, and
PostgreSQL when the test server runs)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsmill.core.records import ArchiveLocation, RawDocument, SourceRef
from newsmill.pipeline.archiving import archive_documents
from newsmill.storage import RawArchive, open_store
from newsmill.storage.archive import record_key
from newsmill.storage.archive_audit import audit
from newsmill.storage.store import normalize_url
from tests.conftest import REPO

WORDS = ("steppe", "grain", "railway", "harvest", "council", "bridge", "river", "budget", "market", "school")


def page(n: int) -> bytes:
    paras = "".join(
        f"<p>Story {n}, paragraph {i}: the {WORDS[(n + i) % 10]} report of the {WORDS[(n * 3 + i) % 10]} "
        f"office said the {WORDS[(n * 7 + i) % 10]} plan would go ahead this week after a long debate.</p>"
        for i in range(8))
    return (f"<html><head><title>Story number {n}</title></head><body><article><h1>Story number {n}</h1>"
            f"{paras}</article></body></html>").encode()


FAILING = b"<html><head><title>Stub</title></head><body><p>Too short.</p></body></html>"


def write_warc(path: Path, n: int = 6, *, failing: bool = True) -> None:
    """``n`` article pages and (``failing``) one page too short to be an article."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        items = [(f"https://wire.example/news/{i}", page(i)) for i in range(n)]
        if failing:
            items.append(("https://wire.example/stub", FAILING))
        for url, body in items:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                warc_headers_dict={"WARC-Date": "2026-11-01T10:00:00Z"}))


def env_for(home: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "NEWSMILL_HOME": str(home), "NEWSMILL_TASK_RUNNER": "default"}
    env.pop("NEWSMILL_DATABASE_URL", None)
    if database_url:
        env["NEWSMILL_DATABASE_URL"] = database_url
    return env


def newsmill(home: Path, database_url: str | None, *args: str,
             extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsmill.cli", *args], cwd=REPO,
                          env={**env_for(home, database_url), **(extra or {})}, capture_output=True, text=True,
                          timeout=300)


def raw_files(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): p.stat().st_size for p in sorted((home / "raw").rglob("*.warc.gz"))}


def check(home: Path, database_url: str | None) -> tuple[int, dict[str, Any]]:
    done = newsmill(home, database_url, "archive", "check", "--json")
    assert done.stdout.strip(), done.stderr[-2000:]
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """(home, database URL or None for the home's SQLite file)."""
    if request.param == "sqlite":
        yield tmp_path / "home", None
        return
    base = os.environ.get("NEWSMILL_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("no PostgreSQL test server (scripts/test-services.sh starts one)")
    db = f"arch_{os.getpid()}_{tmp_path.name[-12:]}".replace("-", "_").lower()
    admin = create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {db}"))
    try:
        yield tmp_path / "home", base.rsplit("/", 1)[0] + "/" + db
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()


BACKENDS = pytest.mark.parametrize("target", ["sqlite", "postgresql"], indirect=True)


def url_of(home: Path, database_url: str | None) -> str:
    return database_url or f"sqlite:///{home / 'data' / 'newsmill.db'}"


def rows(home: Path, database_url: str | None, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(normalize_url(url_of(home, database_url)))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


@BACKENDS
def test_reimporting_a_warc_writes_nothing_and_a_failed_page_has_its_record(target: Any, tmp_path: Path) -> None:
    home, db = target
    warc = tmp_path / "in.warc.gz"
    write_warc(warc)
    first = newsmill(home, db, "import", str(warc))
    assert first.returncode == 1, first.stderr[-2000:]  # the stub page failed: recorded, exit 1
    assert rows(home, db, "SELECT COUNT(*) FROM articles") == [(6,)]
    before = raw_files(home)
    assert len(before) == 1
    code, counts = check(home, db)
    assert code == 0 and counts["records"] == 7 and counts["claims"] == 7, counts
    assert (counts["dead_records"], counts["duplicate_records"], counts["broken_pointers"]) == (0, 0, 0), counts

    # the failed page: its failure row points at a record holding its bytes
    [(status, raw)] = rows(home, db, "SELECT status, raw FROM failures WHERE url = 'https://wire.example/stub'")
    assert status in ("not_article", "empty") and raw
    doc = RawArchive(home / "raw").read(ArchiveLocation.from_uri(raw))
    assert doc.body == FAILING and doc.url == "https://wire.example/stub"

    again = newsmill(home, db, "import", str(warc))
    assert again.returncode == 1, again.stderr[-2000:]
    assert raw_files(home) == before  # not a byte written
    assert rows(home, db, "SELECT COUNT(*) FROM archive_records") == [(7,)]
    assert rows(home, db, "SELECT raw, count FROM failures WHERE url = 'https://wire.example/stub'") == [(raw, 2)]
    code, counts = check(home, db)
    assert code == 0 and counts["records"] == 7 and counts["dead_records"] == 0, counts


@BACKENDS
def test_two_imports_of_one_warc_at_once_archive_each_record_once(target: Any, tmp_path: Path) -> None:
    home, db = target
    warc = tmp_path / "in.warc.gz"
    write_warc(warc, 40)
    newsmill(home, db, "db", "upgrade")  # both find the store made
    procs = [subprocess.Popen([sys.executable, "-m", "newsmill.cli", "import", str(warc)], cwd=REPO,
                              env=env_for(home, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], [err[-2000:] for _, err in outs]
    assert rows(home, db, "SELECT COUNT(*) FROM articles") == [(40,)]
    code, counts = check(home, db)
    assert code == 0, counts
    assert counts["records"] == 41 and counts["claims"] == 41, counts
    assert (counts["dead_records"], counts["duplicate_records"]) == (0, 0), counts


KILLER = """
import os, signal, sys
from newsmill.storage.archive import ArchiveSpan
sync = ArchiveSpan.sync
def dying_sync(self):
    sync(self)
    if self.written:  # the records are on disk, their pointers not committed
        sys.stderr.write("KILLED after writing %d record(s)\\n" % self.written)
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
ArchiveSpan.sync = dying_sync
from newsmill.cli import main
sys.exit(main(sys.argv[1:]))
"""


@BACKENDS
def test_records_of_a_run_killed_before_its_commit_are_cut_back_on_the_next_open(target: Any,
                                                                               tmp_path: Path) -> None:
    home, db = target
    warc = tmp_path / "in.warc.gz"
    write_warc(warc, 5, failing=False)
    killed = subprocess.run([sys.executable, "-c", KILLER, "import", str(warc)], cwd=REPO, env=env_for(home, db),
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert "KILLED after writing 5 record(s)" in killed.stderr
    written = raw_files(home)
    assert written and list((home / "raw" / ".pending").glob("*.json"))
    store = open_store(url_of(home, db), create=False)
    try:
        found = audit(store, RawArchive(home / "raw"))
    finally:
        store.close()
    assert len(found.dead) == 5 and not found.broken  # what the kill left, before any recovery

    done = newsmill(home, db, "import", str(warc))
    assert done.returncode == 0, done.stderr[-2000:]
    assert not list((home / "raw" / ".pending").glob("*.json"))
    assert not set(written) & set(raw_files(home))  # the killed run's file was all dead: removed
    code, counts = check(home, db)
    assert code == 0 and counts["records"] == 5 and counts["dead_records"] == 0, counts
    assert rows(home, db, "SELECT COUNT(*) FROM articles WHERE raw IS NOT NULL") == [(5,)]


def test_archive_check_and_compact_repair_dead_duplicate_and_torn_records(tmp_path: Path) -> None:
    home = tmp_path / "home"
    warc = tmp_path / "in.warc.gz"
    write_warc(warc, 6)
    assert newsmill(home, None, "import", str(warc)).returncode == 1
    archive = RawArchive(home / "raw")
    stored = dict(rows(home, None, "SELECT url, raw FROM articles"))
    bodies = {url: archive.read(ArchiveLocation.from_uri(uri)).body for url, uri in stored.items()}

    # Dead records (nothing points at them: as a killed run of an older
    # newsmill left them), one a copy of a stored page (a duplicate too)...
    ref = SourceRef("import", "warc", warc.as_uri())
    dead = [RawDocument(url=f"https://wire.example/lost/{i}", body=page(100 + i), source=ref, site="wire.example")
            for i in range(3)]
    copy_of = archive.read(ArchiveLocation.from_uri(stored["https://wire.example/news/0"]))
    copy_of.archive = None
    archive_documents(archive, "dead-run", [*dead, copy_of])
    # ...a pointed duplicate: article 1 moved onto a second copy of its record
    # (its first record is now claimed but pointed at by nothing else)...
    second = archive.read(ArchiveLocation.from_uri(stored["https://wire.example/news/1"]))
    second.archive = None
    archive_documents(archive, "second-copy", [second])
    assert second.archive is not None and record_key(second) in {
        k for (k,) in rows(home, None, "SELECT key FROM archive_records")}
    engine = create_engine(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET raw = :r WHERE url = 'https://wire.example/news/1'"),
                     {"r": second.archive.to_uri()})
        # and a record pointed at without a claim (as a store upgraded from
        # schema version 5 has them): compact adopts it
        conn.execute(text("DELETE FROM archive_records WHERE url = 'https://wire.example/news/2'"))
    # ...and a torn tail: half a record appended to the dead file.
    dead_file = home / "raw" / dead[0].archive.path  # type: ignore[union-attr]
    with dead_file.open("ab") as fh:
        fh.write(dead_file.read_bytes()[dead[1].archive.offset:][:200])  # type: ignore[union-attr]

    code, counts = check(home, None)
    assert code == 0, counts
    # dead: the 3 lost pages, the copy of page 0, article 1's first record
    assert counts["dead_records"] == 5, counts
    assert counts["duplicate_keys"] == 2 and counts["duplicate_records"] == 2, counts
    assert counts["torn_files"] == 1 and counts["unclaimed_records"] == 2, counts
    assert counts["claims"] == 6, counts
    before = sum(raw_files(home).values())

    # A broken pointer: check exits 1 and says which.
    with engine.begin() as conn:
        good = conn.execute(text("SELECT raw FROM failures WHERE raw IS NOT NULL")).scalar_one()
        conn.execute(text("UPDATE failures SET raw = :r"), {"r": good.split("#")[0] + "#offset=7&length=10"})
    broken = newsmill(home, None, "archive", "check")
    assert broken.returncode == 1 and "broken pointers: 1" in broken.stdout, broken.stdout
    assert "offset=7" in broken.stdout
    with engine.begin() as conn:
        conn.execute(text("UPDATE failures SET raw = :r"), {"r": good})
    engine.dispose()

    compacted = newsmill(home, None, "archive", "compact", "--json")
    assert compacted.returncode == 0, compacted.stderr[-2000:]
    done = json.loads(compacted.stdout)
    assert done["records_removed"] == 5 and done["records_adopted"] == 1, done
    assert (done["files_rewritten"], done["files_removed"]) == (1, 1), done  # the import's; the dead one
    assert done["bytes_after"] < done["bytes_before"] == before, done
    code, counts = check(home, None)
    assert code == 0 and counts["records"] == 7 and counts["claims"] == 7, counts
    assert (counts["dead_records"], counts["duplicate_records"], counts["torn_files"],
            counts["unclaimed_records"]) == (0, 0, 0, 0), counts
    # every article still reads back its page, the failure its
    after = dict(rows(home, None, "SELECT url, raw FROM articles"))
    assert {url: archive.read(ArchiveLocation.from_uri(uri)).body for url, uri in after.items()} == bodies
    [(raw,)] = rows(home, None, "SELECT raw FROM failures WHERE raw IS NOT NULL")
    assert archive.read(ArchiveLocation.from_uri(raw)).body == FAILING
    # and compacting again changes nothing
    again = json.loads(newsmill(home, None, "archive", "compact", "--json").stdout)
    assert (again["files_rewritten"], again["files_removed"], again["records_removed"]) == (0, 0, 0), again
    # a reprocess reads the archive back as before, the failed page from its moved record too
    reprocessed = newsmill(home, None, "reprocess")
    assert reprocessed.returncode == 1 and "1 input failed" in reprocessed.stderr, reprocessed.stderr[-2000:]
    assert rows(home, None, "SELECT raw, count FROM failures WHERE raw IS NOT NULL") == [(raw, 2)]


def test_a_failed_span_is_cut_back_to_the_records_an_earlier_span_committed(tmp_path: Path) -> None:
    """Two spans of one run write one file (a source's sitemap, then its
    pages); the second failing before its commit leaves the first's records
    and nothing after them, and a file only a failed span wrote is gone."""
    archive = RawArchive(tmp_path / "raw")
    ref = SourceRef("s", "sitemap", "https://wire.example/sitemap.xml")
    docs = [RawDocument(url=f"https://wire.example/{i}", body=page(i), source=ref, site="wire.example")
            for i in range(4)]
    committed: set[str] = set()

    def claimed(uris: list[str]) -> set[str]:
        return committed & set(uris)

    with archive.span("run-s", claimed) as span:
        first = span.write(docs[0], "sitemap")
        span.sync()
        committed.add(first.to_uri())
    size = (archive.root / first.path).stat().st_size
    with pytest.raises(RuntimeError), archive.span("run-s", claimed) as span:
        for d in docs[1:]:
            span.write(d)
        span.sync()
        raise RuntimeError("the commit failed")
    assert (archive.root / first.path).stat().st_size == size
    assert [d.url for d in archive.iter_documents(first.path)] == [docs[0].url]
    assert not list((archive.root / ".pending").glob("*"))
    with pytest.raises(RuntimeError), archive.span("other", claimed) as span:
        lone = span.write(docs[1])
        raise RuntimeError("the commit failed")
    assert not (archive.root / lone.path).exists()


def test_a_page_that_failed_is_read_again_by_a_reprocess_after_the_rule_is_fixed(tmp_path: Path) -> None:
    """A site override that drops one page's article body (a bad rule)
    makes that page fail; with the rule fixed, ``newsmill reprocess`` reads
    the failed page back from its record and stores its article, pointing
    at that record, without writing to the archive."""
    home = tmp_path / "home"
    warc = tmp_path / "in.warc.gz"
    with warc.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i in range(3):
            body = page(i)
            if i == 2:
                body = body.replace(b"<article>", b'<article class="story-body">')
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://wire.example/news/{i}", "response",
                                                payload=io.BytesIO(body), http_headers=http))
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text('wire.example:\n  drop: [".story-body"]\n  note: a bad rule\n', encoding="utf-8")
    bad = newsmill(home, None, "import", str(warc), extra={"NEWSMILL_SITE_OVERRIDES": str(overrides)})
    assert bad.returncode == 1, bad.stderr[-2000:]
    [(url, raw)] = rows(home, None, "SELECT url, raw FROM failures WHERE stage = 'extract'")
    assert url == "https://wire.example/news/2" and raw
    assert rows(home, None, "SELECT COUNT(*) FROM articles") == [(2,)]
    files = raw_files(home)

    fixed = newsmill(home, None, "reprocess")
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert rows(home, None, "SELECT raw FROM articles WHERE url = 'https://wire.example/news/2'") == [(raw,)]
    assert raw_files(home) == files  # nothing archived again
    code, counts = check(home, None)
    assert code == 0 and counts["records"] == 3 and counts["dead_records"] == 0, counts
    again = newsmill(home, None, "reprocess")  # the failed page holds an article now: not read as one
    assert again.returncode == 0 and rows(home, None, "SELECT COUNT(*) FROM articles") == [(3,)]
