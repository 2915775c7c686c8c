"""One run story, two hosts: the run commands run in their own process
with no Prefect at all, unless asked for a Prefect flow run (``--prefect``
or ``PREFECT_API_URL``), which then shows each step as a task run named
after its source or batch. The store's run log records both alike."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsmill.cli import main
from tests.conftest import REPO

SAMPLE = REPO / "raw" / "sample"


@pytest.fixture
def two_pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in sorted(SAMPLE.rglob("*.html"))[:2]:
        (folder / page.name).write_bytes(page.read_bytes())
    return folder


def _runs(home: Path) -> list[tuple[str, str, Any]]:
    with sqlite3.connect(home / "data" / "newsmill.db") as conn:
        rows = conn.execute("SELECT flow, status, params FROM runs ORDER BY started_at").fetchall()
    return [(flow, status, json.loads(params)) for flow, status, params in rows]


def test_an_import_in_process_never_imports_prefect(two_pages: Path, tmp_path: Path) -> None:
    """Through the command (worker processes included) with a ``prefect``
    package that cannot be imported, and in one process, asking
    ``sys.modules`` afterwards."""
    poison = tmp_path / "poison" / "prefect"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text("raise ImportError('prefect was imported by an in-process run')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(poison.parent), str(REPO)]),
           "NEWSMILL_TASK_RUNNER": "processes", "NEWSMILL_PROCESSES": "2"}
    env.pop("PREFECT_API_URL", None)
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), "import", str(two_pages)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert "articles stored:     2 new" in out.stdout and "prefect" not in out.stderr.lower()
    assert _runs(home) == [("import-files", "completed", {"paths": [str(two_pages)]})]

    check = ("import sys\nfrom newsmill.cli import main\n"
             f"code = main(['--home', {str(tmp_path / 'home2')!r}, 'import', {str(two_pages)!r}])\n"
             "loaded = sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.'))\n"
             "print('prefect modules:', loaded)\nsys.exit(code)\n")
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run([sys.executable, "-c", check], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert "prefect modules: []" in out.stdout


@pytest.mark.usefixtures("prefect_harness")
def test_prefect_flag_or_api_url_makes_a_flow_run(two_pages: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)

    def flow_runs() -> list[Any]:
        with get_client(sync_client=True) as client:
            return [r for r in client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC) if r.name.startswith("import-files")]

    before = {r.id for r in flow_runs()}
    local = tmp_path / "local"
    assert main(["--home", str(local), "import", str(two_pages)]) == 0
    assert {r.id for r in flow_runs()} == before  # in process: no flow run

    flagged = tmp_path / "flagged"
    assert main(["--home", str(flagged), "import", "--prefect", str(two_pages)]) == 0
    [new] = [r for r in flow_runs() if r.id not in before]
    assert re.fullmatch(r"import-files-\d{4}-\d\d-\d\d-\d{6}", new.name), new.name  # unique to the second
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[new.id])))
    assert {"extract-batch-1", "store-batch-1", "record-failures"} <= {t.name for t in tasks}, [t.name for t in tasks]
    assert _runs(flagged) == _runs(local) == [("import-files", "completed", {"paths": [str(two_pages)]})]

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    assert main(["--home", str(tmp_path / "by-url"), "import", str(two_pages)]) == 0
    assert len([r for r in flow_runs() if r.id not in before]) == 2


def test_prefect_logs_at_warning_unless_verbose_or_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsmill.cli.running import prefect_environment

    monkeypatch.delenv("PREFECT_LOGGING_LEVEL", raising=False)
    prefect_environment(verbose=False)
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "WARNING"
    monkeypatch.delenv("PREFECT_LOGGING_LEVEL")
    prefect_environment(verbose=True)
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "INFO"
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")
    prefect_environment(verbose=False)
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "DEBUG"


def test_the_local_host_retries_as_the_prefect_tasks_do() -> None:
    from newsmill.pipeline import stopping
    from newsmill.pipeline.host import Step, with_retries

    calls: list[int] = []

    def flaky(fail: int) -> str:
        calls.append(1)
        if len(calls) <= fail:
            raise OSError("network down")
        return "ok"

    step = Step("fetch-articles", "fetch-{label}", retries=2, delays=(0, 0))
    assert with_retries(step, flaky, 2) == "ok" and len(calls) == 3
    calls.clear()
    with pytest.raises(OSError):
        with_retries(step, flaky, 3)
    assert len(calls) == 3
    calls.clear()
    stopping.request_stop()  # a stop request ends the retrying
    try:
        with pytest.raises(OSError):
            with_retries(Step("x", "x", retries=2, delays=(30,)), flaky, 3)
    finally:
        stopping.clear()
    assert len(calls) == 1


def test_a_dask_run_in_process_stores_what_the_default_runner_stores(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """The ``dask`` runner without Prefect: a LocalCluster of ``distributed``
    itself, made and closed by the run (batches of 8, several in flight)."""
    pytest.importorskip("distributed")
    import logging

    from newsmill.pipeline import extraction

    monkeypatch.setattr(extraction, "EXTRACT_BATCH", 8)

    def stored(home: Path) -> list[tuple[Any, ...]]:
        with sqlite3.connect(home / "data" / "newsmill.db") as conn:
            return sorted(conn.execute("SELECT id, title, text, duplicate_of FROM articles").fetchall())

    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    assert main(["--home", str(tmp_path / "default"), "import", str(SAMPLE)]) == 1  # the sample's robots.txt files
    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "dask")
    monkeypatch.setenv("NEWSMILL_DASK_WORKERS", "2")
    with caplog.at_level(logging.INFO, logger="newsmill.run"):
        assert main(["--home", str(tmp_path / "dask"), "import", str(SAMPLE)]) == 1
    assert any("on Dask LocalCluster, 2 worker(s)" in r.getMessage() for r in caplog.records), caplog.text
    assert stored(tmp_path / "dask") == stored(tmp_path / "default") and len(stored(tmp_path / "default")) > 20
