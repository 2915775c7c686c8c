"""Deployment end to end against a real Prefect server, work pool and worker.

Starts ``prefect server start`` on a loopback port with its own PREFECT_HOME,
creates the process work pool, runs ``prefect deploy --all`` from the
repository's prefect.yaml, starts a worker, triggers the sample deployment
and waits, through the Prefect API, for the run to complete and its report
artifact to hold the expected counts. Also checks that the scheduler created
scheduled runs from the cron schedule (the failure mode of unpinned
fastapi/SQLAlchemy releases).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.helpers.browser import Browser, chromium_path

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
# What Prefect's own client retries (prefect/client/base.py, PrefectHttpxSyncClient.send).
RETRY_CODES = {408, 429, 502, 503}
RETRY_ERRORS = (httpx.ReadTimeout, httpx.PoolTimeout, httpx.ConnectTimeout, httpx.ReadError, httpx.WriteError,
                httpx.RemoteProtocolError, httpx.LocalProtocolError)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrefectStack:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.home = tmp / "prefect-home"
        self.data = tmp / "newsmill-home"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "INFO",
            "NEWSMILL_HOME": str(self.data),
            "PWD": str(REPO),
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [PREFECT, *args], cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def run(self, *args: str, timeout: float = 180) -> str:
        out = subprocess.run(
            [PREFECT, *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
        return out.stdout

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError("Prefect server did not become healthy:\n" + self.log("server"))

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One API call with the retry contract of Prefect's own client.

        The server answers 503 when its SQLite database is busy (a lock held by
        the scheduler or a worker), or keeps the request waiting on the lock,
        and Prefect's client retries those answers and timeouts with backoff; a
        raw httpx call must do the same or it fails where every Prefect tool
        would have succeeded.
        """
        attempts = 8
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                r = httpx.request(method, f"{self.api}{path}", json=body, timeout=30)
            except RETRY_ERRORS:
                if last:
                    raise
            else:
                if r.status_code not in RETRY_CODES or last:
                    break
            time.sleep(min(2**attempt * 0.5, 10))
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body)

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def log(self, name: str) -> str:
        p = self.logs / f"{name}.log"
        return p.read_text(errors="replace")[-5000:] if p.exists() else ""

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectStack]:
    s = PrefectStack(tmp_path_factory.mktemp("deploy"))
    s.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(s.port))
    try:
        s.wait_healthy()
        yield s
    finally:
        s.stop()
        artifacts = REPO / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        for log in s.logs.glob("*.log"):
            shutil.copy(log, artifacts / f"deploy-{log.name}")


def test_deploy_schedule_and_run_sample(stack: PrefectStack) -> None:
    stack.run("work-pool", "create", "newsmill", "--type", "process", "--overwrite")
    out = stack.run("--no-prompt", "deploy", "--all")
    assert "sample" in out

    deployments = stack.post("/deployments/filter", {})
    by_name = {d["name"]: d for d in deployments}
    assert {"sample", "ingest-central-asia", "import-files", "reprocess", "maintenance"} <= set(by_name)
    assert by_name["maintenance"]["schedules"][0]["schedule"]["cron"] == "30 3 * * *"
    sample = by_name["sample"]
    assert sample["work_pool_name"] == "newsmill"
    assert sample["schedules"][0]["schedule"]["cron"] == "0 * * * *"
    assert sample["concurrency_limit"] == 1 or sample.get("global_concurrency_limit")

    # The central-asia schedule starts inactive; docs/operating.md's commands resume it.
    central = by_name["ingest-central-asia"]
    assert central["schedules"][0]["active"] is False
    listing = stack.run("deployment", "schedule", "ls", "ingest/ingest-central-asia")
    schedule_id = central["schedules"][0]["id"]
    assert schedule_id[:8] in listing
    stack.run("deployment", "schedule", "resume", "ingest/ingest-central-asia", schedule_id)
    assert stack.get(f"/deployments/{central['id']}")["schedules"][0]["active"] is True

    # The scheduler turns the cron schedule into scheduled runs.
    deadline = time.monotonic() + 90
    scheduled: list[Any] = []
    while time.monotonic() < deadline and not scheduled:
        scheduled = stack.post(
            "/flow_runs/filter",
            {"flow_runs": {"deployment_id": {"any_": [sample["id"]]}, "state": {"type": {"any_": ["SCHEDULED"]}}}},
        )
        time.sleep(2)
    assert scheduled, "the scheduler created no runs from the cron schedule:\n" + stack.log("server")

    # Trigger a run now and let a real worker execute it.
    run = stack.post(f"/deployments/{sample['id']}/create_flow_run", {"parameters": {}})
    stack.start("worker", "worker", "start", "--pool", "newsmill", "--limit", "1")
    state = _wait_for_run(stack, run["id"], 400)
    assert state == "COMPLETED", f"run ended {state}\nworker:\n{stack.log('worker')}"

    flow_run = stack.get(f"/flow_runs/{run['id']}")
    assert flow_run["name"].startswith("demo-")
    artifacts = stack.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
    keys = {a["key"]: a for a in artifacts}
    assert "run-report" in keys, artifacts
    report = keys["run-report"]["data"]
    assert "| **total** |" in report
    # The totals row: new articles stored is the third cell (site, fetched, new).
    total_row = next(line for line in report.splitlines() if line.startswith("| **total**"))
    cells = [c.strip(" *") for c in total_row.strip("|").split("|")]
    assert int(cells[2]) >= 30, total_row
    assert "failures" in keys  # the sample site has a 404 and a non-article page
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "deploy-run.json").write_text(json.dumps(flow_run, indent=2, default=str))

    # The maintenance deployment runs on the same worker and store.
    maint = stack.post(f"/deployments/{by_name['maintenance']['id']}/create_flow_run",
                       {"parameters": {"prune_older_than_days": 3650}})
    state = _wait_for_run(stack, maint["id"], 300)
    assert state == "COMPLETED", f"maintenance ended {state}\nworker:\n{stack.log('worker')}"
    assert stack.get(f"/flow_runs/{maint['id']}")["name"].startswith("maintenance-")
    artifacts = stack.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [maint["id"]]}}})
    summary = {a["key"]: a for a in artifacts}["maintenance-report"]["data"]
    assert "| optimize database | done |" in summary and "raw_files: 0" in summary, summary

    # The import-files deployment extracts on local worker processes
    # (prefect.yaml: NEWSMILL_TASK_RUNNER=processes), forked from a server
    # that imported the deployed run's main module (python -m prefect.engine).
    folder = REPO / "raw" / "sample" / "steppe-herald" / "2025"  # the article pages
    imp = stack.post(f"/deployments/{by_name['import-files']['id']}/create_flow_run",
                     {"parameters": {"paths": [str(folder)]}})
    state = _wait_for_run(stack, imp["id"], 300)
    assert state == "COMPLETED", f"import-files ended {state}\nworker:\n{stack.log('worker')}"
    assert stack.get(f"/flow_runs/{imp['id']}")["name"].startswith("import-files-")
    logs = _wait_for_log(stack, imp["id"], "local worker process", 60)
    assert any("local worker process" in m for m in logs), logs
    artifacts = stack.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [imp["id"]]}}})
    report = {a["key"]: a for a in artifacts}["run-report"]["data"]
    total_row = next(line for line in report.splitlines() if line.startswith("| **total**"))
    assert int(total_row.strip("|").split("|")[1].strip(" *")) == len(list(folder.rglob("*.html"))), total_row
    assert "found in sys.modules" not in stack.log("worker")

    _check_ui(stack, flow_run, keys["run-report"]["id"])


def _wait_for_run(stack: PrefectStack, run_id: str, timeout: float) -> str:
    """The run's state type once it is final (or the last seen at ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        state = stack.get(f"/flow_runs/{run_id}")["state"]["type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            break
        time.sleep(2)
    return state


def _wait_for_log(stack: PrefectStack, run_id: str, text: str, timeout: float) -> list[str]:
    """The run's log messages once one holds ``text`` (or as they are at
    ``timeout`` s): the run's process sends its logs in batches, and the
    last batch can reach the API after the run's final state."""
    deadline = time.monotonic() + timeout
    while True:
        logs = [entry["message"] for entry in stack.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}})]
        if any(text in m for m in logs) or time.monotonic() >= deadline:
            return logs
        time.sleep(1)


def _check_ui(stack: PrefectStack, flow_run: dict[str, Any], report_id: str) -> None:
    """The Prefect UI, in headless Chromium: the flow run page shows the
    run's name, its Artifacts tab the report, and the report page its table.
    Screenshots go to test-artifacts/."""
    binary = chromium_path()
    if binary is None:
        pytest.skip("no chromium (scripts/test-services.sh installs Debian's package when run as root)")
    shots = REPO / "test-artifacts"
    browser = Browser(binary, _free_port())
    try:
        browser.goto(f"http://127.0.0.1:{stack.port}/runs/flow-run/{flow_run['id']}")
        browser.wait_for_text(flow_run["name"])
        browser.evaluate("document.getElementById('artifacts').click()")
        # the card's key and then its description render in steps: wait for both
        text = browser.wait_for_text("run-report", "newsmill run report")
        assert "newsmill run report" in text  # the artifact's description on its card
        browser.screenshot(shots / "ui-flow-run-artifacts.png")
        browser.goto(f"http://127.0.0.1:{stack.port}/artifacts/artifact/{report_id}")
        browser.wait_for_text("total", "failed", "duplicates", flow_run["name"])
        browser.screenshot(shots / "ui-run-report.png")
    finally:
        browser.close()
