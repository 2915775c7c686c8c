"""Ctrl-C during ``newsmill import``, with a real SIGINT to the command's
process group (its extraction workers and their fork server included): the
first stops the run after the batch in flight, records it as
``interrupted`` with its counts, says what was stored and how to resume,
and exits 130; running the same command again stores the rest. A second
SIGINT ends the process at once. No timing: the run waits at a gate after
its first stored batch until the test's SIGINT has arrived
(:mod:`tests.helpers.gated_run`), and every wait is for an event, with a
generous limit."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers.crash_runner import Corpus

PAGES = 300
LIMIT = 120.0  # seconds any one wait may take before the test fails (never reached on a working run)


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSMILL_TASK_RUNNER": "processes", "NEWSMILL_PROCESSES": "2"}
    env.pop("PREFECT_API_URL", None)
    return env


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    corpus = Corpus(n=PAGES, added=0)
    for i in range(PAGES):
        (folder / f"{i:04d}.html").write_bytes(corpus.page(i, "https://crashwire.test"))
    return folder


def _until(what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + LIMIT
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"the command ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {LIMIT:.0f} s")
        time.sleep(0.05)


def _articles(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def _runs(db: Path) -> list[tuple[str, str, dict[str, int]]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT flow, status, counts FROM runs ORDER BY started_at").fetchall()
    return [(flow, status, json.loads(counts)) for flow, status, counts in rows]


def _no_process_left(pgid: int) -> None:
    """Every process of the command's group has ended (its extraction
    workers and their fork server too), within LIMIT seconds."""
    deadline = time.monotonic() + LIMIT
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            raise AssertionError(f"processes of the command's group were still running {LIMIT:.0f} s after it ended")
        time.sleep(0.05)


def _gated(mode: str, home: Path, pages: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = tmp_path / f"{mode}.out", tmp_path / f"{mode}.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.gated_run", mode, "--home", str(home),
                                 "import", str(pages)], cwd=REPO, env=_env(), stdout=o, stderr=e,
                                start_new_session=True)
    return proc, out, err


def test_first_ctrl_c_stops_after_the_batch_and_a_rerun_resumes(pages: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "data" / "newsmill.db"
    proc, out, err = _gated("stop", home, pages, tmp_path)
    try:
        _until("article in the store", lambda: _articles(db) > 0, proc)
        _until("stored batch", lambda: b"gate: first batch stored" in err.read_bytes(), proc)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=LIMIT) == 130, err.read_text()
        _no_process_left(proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    stored = _articles(db)
    assert 0 < stored < PAGES
    said = err.read_text()
    assert "stopping after the batch in flight" in said
    assert f"interrupted; stored before the stop: {stored} new, 0 updated, 0 unchanged" in said, said
    assert "Run the same command again to resume" in said
    assert "newsmill import: interrupted" in out.read_text()
    assert "Traceback" not in said
    [(flow, status, counts)] = _runs(db)
    assert (flow, status, counts["new"]) == ("import-files", "interrupted", stored)
    with sqlite3.connect(db) as conn:  # no worker died of the SIGINT: they ignore it
        assert conn.execute("SELECT COUNT(*) FROM failures").fetchone()[0] == 0

    again = subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), "import", str(pages)],
                           cwd=REPO, env=_env(), capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert _articles(db) == PAGES
    (_, first, _), (flow, status, counts) = _runs(db)
    assert (first, flow, status) == ("interrupted", "import-files", "completed")
    assert (counts["new"], counts["unchanged"]) == (PAGES - stored, stored)


def test_second_ctrl_c_quits_at_once(pages: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc, _, err = _gated("hang", home, pages, tmp_path)
    try:
        _until("stored batch", lambda: b"gate: first batch stored" in err.read_bytes(), proc)
        os.killpg(proc.pid, signal.SIGINT)
        _until("stop notice", lambda: b"stopping after the batch in flight" in err.read_bytes(), proc)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=LIMIT) == 130, err.read_text()
        _no_process_left(proc.pid)  # the workers see the run's process gone and end too
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "quitting now" in err.read_text()
    [(flow, status, _)] = _runs(home / "data" / "newsmill.db")
    assert (flow, status) == ("import-files", "running")  # ended mid-run: the store is as a crash leaves it


def test_a_killed_run_is_marked_interrupted_at_the_next_open(pages: Path, tmp_path: Path) -> None:
    """kill -9 of the whole command (no handler runs) after its first stored
    batch leaves its run ``running``; the next open of the store sees its
    process gone and marks it ``interrupted``, with the counts it reached;
    running the import again completes it."""
    from newsmill.storage import open_store

    home = tmp_path / "home"
    db = home / "data" / "newsmill.db"
    proc, _, err = _gated("hang", home, pages, tmp_path)
    try:
        _until("stored batch", lambda: b"gate: first batch stored" in err.read_bytes(), proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=LIMIT)
        _no_process_left(proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    [(flow, status, counts)] = _runs(db)
    assert (flow, status) == ("import-files", "running") and counts["new"] == _articles(db) > 0
    open_store(f"sqlite:///{db}").close()
    assert _runs(db) == [("import-files", "interrupted", counts)]
    again = subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), "import", str(pages)],
                           cwd=REPO, env=_env(), capture_output=True, text=True, timeout=LIMIT)
    assert again.returncode == 0, again.stderr[-3000:]
    assert [status for _, status, _ in _runs(db)] == ["interrupted", "completed"] and _articles(db) == PAGES


def test_pool_workers_ignore_sigint() -> None:
    """Only the run's process decides what a Ctrl-C does: a SIGINT to an
    extraction worker leaves it working."""
    from newsmill.core.records import RawDocument, SourceRef
    from newsmill.execution.pool import ExtractPool

    page = next((REPO / "raw" / "sample").rglob("*.html"))
    doc = RawDocument(url=page.as_uri(), body=page.read_bytes(), source=SourceRef("t", "folder", "t"), site="t")
    with ExtractPool(1) as pool:
        pool.prestart()
        [pid] = pool.pids
        os.kill(pid, signal.SIGINT)
        got = pool.extract([doc])
        assert len(got.articles) == 1 and pool.pids == [pid] and not got.failures
