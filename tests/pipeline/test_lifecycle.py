"""The run lifecycle every entry point shares, on a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsmill.core.records import Failure
from newsmill.core.settings import Paths, RunSettings
from newsmill.pipeline.lifecycle import run_lifecycle
from newsmill.pipeline.report import RunReport
from newsmill.storage import Store, open_store


def settings(tmp_path: Path) -> RunSettings:
    home = tmp_path / "home"
    return RunSettings(paths=Paths(raw_dir=home / "raw", data_dir=home / "data",
                                   database_url=f"sqlite:///{home / 'data' / 'newsmill.db'}"))


def runs(tmp_path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "home" / "data" / "newsmill.db") as db:
        return db.execute("SELECT flow, status, params, counts FROM runs").fetchall()


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[Store]:
    """Every store closed while the test runs."""
    seen: list[Store] = []
    close = Store.close

    def spy(self: Store) -> None:
        seen.append(self)
        close(self)

    monkeypatch.setattr(Store, "close", spy)
    return seen


def test_a_run_that_raises_is_marked_failed_closed_and_not_published(tmp_path: Path, closed: list[Store]) -> None:
    published: list[RunReport] = []
    report = RunReport(flow="import-files")
    with pytest.raises(RuntimeError, match="boom"), \
            run_lifecycle("import-files", {"paths": ["x"]}, settings(tmp_path), report,
                          publish=published.append) as run:
        report.count("a.example", "new", 2)
        raise RuntimeError("boom")
    assert closed == [run.store]
    assert published == []  # a failed run has no report to publish
    [(flow, status, params, counts)] = runs(tmp_path)
    assert (flow, status, json.loads(params)) == ("import-files", "failed", {"paths": ["x"]})
    assert json.loads(counts)["new"] == 2


def test_a_run_records_failures_completes_closes_and_publishes(tmp_path: Path, closed: list[Store]) -> None:
    published: list[RunReport] = []
    order: list[str] = []
    report = RunReport(flow="ingest")

    def record(failures: list[Failure], store: Store, run_id: str) -> None:
        order.append("record")
        store.record_failures(failures, run_id=run_id)

    with run_lifecycle("ingest", {"sources": ["s"]}, settings(tmp_path), report, record=record,
                       publish=published.append) as run:
        assert report.store == run.settings.paths.database_url and Path(report.archive).is_dir()
        report.add_failures([Failure(url="https://a.example/1", stage="fetch", status="http_error",
                                     reason="404", site="a.example")])
        run.on_success.append(lambda: order.append("on_success"))
    assert order == ["record", "on_success"]
    assert closed == [run.store] and published == [report]
    [(_, status, _, counts)] = runs(tmp_path)
    assert status == "completed" and json.loads(counts)["failed"] == 1
    store = open_store(run.settings.paths.database_url)
    try:
        assert [f.url for f in store.failures()] == ["https://a.example/1"]
    finally:
        store.close()


def test_a_run_without_a_report_counts_nothing(tmp_path: Path, closed: list[Store]) -> None:
    with run_lifecycle("maintenance", {"optimize": True}, settings(tmp_path)) as run:
        run.store.optimize()
    [(flow, status, _, counts)] = runs(tmp_path)
    assert (flow, status, json.loads(counts)) == ("maintenance", "completed", {})
    assert len(closed) == 1
