"""Outages mid-run: the database unreachable for a while (PostgreSQL behind
a proxy that is cut), and the disk of the raw archive full. Nothing is
recorded as stored that is not, the error says what happened, and a re-run
ends with the store an uninterrupted run makes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from newsmill.core.errors import StorageError
from newsmill.storage.store import normalize_url
from tests.conftest import REPO
from tests.helpers.crash_runner import Corpus, CrashSite, check_archive, snapshot, sources_config
from tests.helpers.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow
PG_URL = os.environ.get("NEWSMILL_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="module")
def site() -> Iterator[CrashSite]:
    with CrashSite(Corpus(n=120, added=0)) as s:
        yield s


@pytest.fixture
def databases() -> Iterator[list[str]]:
    """Names of fresh PostgreSQL databases to create; dropped afterwards."""
    names: list[str] = []
    yield names
    engine = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name in names:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


def _new_database(names: list[str]) -> str:
    name = f"outage_{uuid.uuid4().hex[:10]}"
    engine = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    names.append(name)
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _count(url: str, sql: str) -> int:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    except Exception:  # the schema is not there yet
        return 0
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="no PostgreSQL test server (scripts/test-services.sh starts one)")
def test_database_unreachable_mid_run_then_rerun_completes(
        site: CrashSite, tmp_path: Path, prefect_harness: None, databases: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from newsmill.flows.ingest import ingest

    config = sources_config(site.base)
    direct = _new_database(databases)
    monkeypatch.setenv("NEWSMILL_DATABASE_URL", direct)
    assert ingest(config=config, home=str(tmp_path / "expected"), return_state=True).is_completed()
    expected = snapshot(direct)
    assert expected["counts"]["articles"] == 120

    target = _new_database(databases)
    parsed = make_url(normalize_url(target))
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    via_proxy = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    monkeypatch.setenv("NEWSMILL_DATABASE_URL", via_proxy)
    cut_at: list[float] = []

    def cut_after_fetching() -> None:
        # Once the pages are fetched and logged, the run extracts, dedups
        # and stores: take the database away for 4 s then.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _count(target, "SELECT COUNT(*) FROM fetches") > 100:
                proxy.cut()
                cut_at.append(time.monotonic())
                time.sleep(4)
                proxy.restore()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=cut_after_fetching, daemon=True)
    home = tmp_path / "outage"
    try:
        watcher.start()
        state = ingest(config=config, home=str(home), return_state=True)
        watcher.join(timeout=130)
        assert cut_at, "the database was never cut"
        if not state.is_completed():
            # Failing is allowed, but cleanly: a store error, said as such.
            assert state.is_failed()
            error = state.result(raise_on_failure=False)
            assert isinstance(error, StorageError), repr(error)
            assert "store" in str(error)
        # Whatever happened, a re-run completes and the store is whole.
        assert ingest(config=config, home=str(home), return_state=True).is_completed()
    finally:
        proxy.close()
    got = snapshot(target)
    for key in expected:
        assert got[key] == expected[key], f"{key} differ after the outage and a re-run"
    check_archive(home, target)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_works(),
                    reason="needs `unshare --user --mount` to mount a small tmpfs (user namespaces disabled here)")
def test_disk_full_while_archiving_is_a_clear_error_and_loses_nothing(site: CrashSite, tmp_path: Path) -> None:
    """The raw archive on a 160 KB tmpfs (a private mount namespace): the
    run stops with the disk-full error, the store holds nothing whose raw
    record is missing, and with space again a re-run completes."""
    expected_home = tmp_path / "expected"
    env = {**os.environ, "NEWSMILL_DATABASE_URL": ""}
    done = subprocess.run([sys.executable, "-m", "tests.helpers.crash_runner", str(expected_home), site.base],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = snapshot(f"sqlite:///{expected_home / 'data' / 'newsmill.db'}")

    home, saved = tmp_path / "full", tmp_path / "saved-raw"
    (home / "raw").mkdir(parents=True)
    saved.mkdir()
    script = ('mount -t tmpfs -o size=160k tmpfs "$1/raw" || exit 97; '
              f'"{sys.executable}" -m tests.helpers.crash_runner "$1" "$2"; rc=$?; cp -a "$1/raw/." "$3/"; exit $rc')
    full = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
                           str(home), site.base, str(saved)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert full.returncode not in (0, 97), full.stderr[-2000:]
    assert "ArchiveError" in full.stderr and "No space left on device" in full.stderr, full.stderr[-2000:]
    shutil.rmtree(home / "raw")
    shutil.move(saved, home / "raw")
    db = f"sqlite:///{home / 'data' / 'newsmill.db'}"
    check_archive_or_empty(home, db)

    again = subprocess.run([sys.executable, "-m", "tests.helpers.crash_runner", str(home), site.base],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    got = snapshot(db)
    for key in expected:
        assert got[key] == expected[key], f"{key} differ after the disk-full run and a re-run"
    check_archive(home, db)


def check_archive_or_empty(home: Path, db: str) -> None:
    """After the failed run: every archive file reads, every location the
    store holds (articles, fetch log) is a whole record, and no record is
    one that nothing points to."""
    if _count(db, "SELECT COUNT(*) FROM fetches WHERE archive IS NOT NULL") or \
            _count(db, "SELECT COUNT(*) FROM articles"):
        check_archive(home, db)
    assert _count(db, "SELECT COUNT(*) FROM articles") == 0  # the run stopped before extraction
    # and what the failed write had put on the disk is cut back: no record
    # that nothing points to, no span left pending
    from newsmill.storage import RawArchive, open_store
    from newsmill.storage.archive_audit import audit

    store = open_store(db, create=False)
    try:
        found = audit(store, RawArchive(home / "raw"))
    finally:
        store.close()
    assert not found.dead and not found.writing and not found.broken, (len(found.dead), found.broken[:3])
    assert not list((home / "raw" / ".pending").glob("*.json"))
