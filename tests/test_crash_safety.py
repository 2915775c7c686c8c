"""Crash safety: kill the ingest process with SIGKILL at seeded points of
every stage (fetch, archive write, a span of records written but not yet
committed, extraction, dedup, store commit) and at random times, re-run it,
and compare the store with the store of an uninterrupted run: the same
articles, revisions, duplicate and passage links, clusters, no duplicated
or missing rows, a readable raw archive holding no record that nothing
points to and no record key twice.

Two phases: a new site (an empty store ingests 200 pages) and an update
(a stored site re-checked after 20 pages changed and 20 were added, which
makes revisions). The harness (a synthetic site on loopback and the ingest
story over the pipeline functions) is :mod:`tests.helpers.crash_runner`.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from newsmill.storage.store import normalize_url
from tests.conftest import REPO
from tests.helpers.crash_runner import Corpus, CrashSite, check_archive, snapshot

pytestmark = pytest.mark.slow

# Where each stage's N-th call falls inside both phases' runs.
STAGE_RANGES = {"fetch": (1, 180), "archive": (2, 180), "span": (1, 2), "extract": (1, 180), "dedup": (1, 8),
                "commit": (1, 7)}
# An update archives only what changed (20 pages changed, 20 added, the
# sitemap): the unchanged pages point at their records.
UPDATE_RANGES = {**STAGE_RANGES, "archive": (2, 40)}


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def killed(self) -> bool:
        return self.code == -9


@dataclass
class Backend:
    """Where a trial's store lives: a SQLite file in its home, or a fresh
    PostgreSQL database (copied from a template for the update phase)."""

    name: str
    admin_url: str = ""

    def url(self, home: Path) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{home / 'data' / 'newsmill.db'}"
        return self.admin_url.rsplit("/", 1)[0] + "/" + home.name.replace("-", "_")

    def create(self, home: Path, template: Path | None = None) -> None:
        """A new home, empty or a copy of ``template``'s."""
        if template is not None:
            shutil.copytree(template, home)
        else:
            home.mkdir(parents=True)
        if self.name == "postgresql":
            engine = create_engine(normalize_url(self.admin_url), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                db = home.name.replace("-", "_")
                conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                if template is not None:
                    conn.execute(text(f"CREATE DATABASE {db} TEMPLATE {template.name.replace('-', '_')}"))
                else:
                    conn.execute(text(f"CREATE DATABASE {db}"))
            engine.dispose()

    def drop_all(self, homes: list[Path]) -> None:
        if self.name != "postgresql":
            return
        engine = create_engine(normalize_url(self.admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for home in homes:
                conn.execute(text(f"DROP DATABASE IF EXISTS {home.name.replace('-', '_')} WITH (FORCE)"))
        engine.dispose()


def _backends() -> list[Any]:
    url = os.environ.get("NEWSMILL_TEST_POSTGRES_URL", "")
    return [pytest.param(Backend("sqlite"), id="sqlite"), pytest.param(Backend("postgresql", url), id="postgresql", marks=pytest.mark.skipif(
        not url, reason="no PostgreSQL test server (scripts/test-services.sh starts one)"))]


def run(home: Path, site: CrashSite, backend: Backend, *, recheck: bool, kill: str | None = None,
        kill_after: float | None = None, env: dict[str, str] | None = None) -> Outcome:
    args = [sys.executable, "-m", "tests.helpers.crash_runner", str(home), site.base]
    if recheck:
        args.append("--recheck")
    if kill:
        args += ["--kill", kill]
    environ = {**os.environ, "NEWSMILL_DATABASE_URL": backend.url(home), **(env or {})}
    proc = subprocess.Popen(args, cwd=REPO, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.kill()
    out, err = proc.communicate(timeout=300)
    return Outcome(proc.returncode, out, err)


def completed(outcome: Outcome) -> None:
    assert outcome.code == 0, outcome.err[-3000:]
    assert "done" in outcome.out


@pytest.fixture(scope="module")
def site() -> Iterator[CrashSite]:
    with CrashSite(Corpus()) as s:
        yield s


@pytest.mark.parametrize("backend", _backends())
def test_sigkill_at_every_stage_then_rerun_equals_uninterrupted_run(
        backend: Backend, site: CrashSite, tmp_path: Path) -> None:
    homes: list[Path] = []

    def new_home(name: str, template: Path | None = None) -> Path:
        home = tmp_path / f"crash-{uuid.uuid4().hex[:8]}-{name}"
        backend.create(home, template)
        homes.append(home)
        return home

    try:
        # The uninterrupted runs: generation 1 into an empty store, then
        # generation 2 re-checked on a copy of it.
        site.corpus.generation = 1
        base = new_home("base")
        start = time.monotonic()
        completed(run(base, site, backend, recheck=False))
        full_new = time.monotonic() - start
        expected_new = snapshot(backend.url(base))
        check_archive(base, backend.url(base))
        assert expected_new["counts"]["articles"] == 200
        assert any(a[3] for a in expected_new["articles"]), "the corpus must make duplicate links"
        assert expected_new["passage_links"]

        site.corpus.generation = 2
        updated = new_home("updated", template=base)
        start = time.monotonic()
        completed(run(updated, site, backend, recheck=True))
        full_update = time.monotonic() - start
        expected_update = snapshot(backend.url(updated))
        check_archive(updated, backend.url(updated))
        assert expected_update["counts"]["articles"] == 220
        assert expected_update["counts"]["article_revisions"] == 20

        rnd = random.Random(20261123)
        stages = [s for s in STAGE_RANGES for _ in range(4)] if backend.name == "sqlite" else list(STAGE_RANGES) * 2
        trials: list[tuple[str, str | None, float | None]] = []
        for n, stage in enumerate(stages):
            phase = "new" if n % 2 == 0 else "update"
            lo, hi = (STAGE_RANGES if phase == "new" else UPDATE_RANGES)[stage]
            trials.append((phase, f"{stage}:{rnd.randint(lo, hi)}", None))
        for n in range(4 if backend.name == "sqlite" else 2):
            phase = "new" if n % 2 == 0 else "update"
            trials.append((phase, None, rnd.uniform(1.0, full_new if phase == "new" else full_update)))

        killed_at: list[str] = []
        for n, (phase, kill, after) in enumerate(trials):
            site.corpus.generation = 1 if phase == "new" else 2
            home = new_home(f"t{n}", template=None if phase == "new" else base)
            first = run(home, site, backend, recheck=phase == "update", kill=kill, kill_after=after)
            if first.killed:
                killed_at.append(kill.split(":")[0] if kill else "time")
            else:
                completed(first)
            completed(run(home, site, backend, recheck=phase == "update"))
            want = expected_new if phase == "new" else expected_update
            got = snapshot(backend.url(home))
            for key in want:
                assert got[key] == want[key], f"trial {n} ({phase}, kill {kill or after}): {key} differ"
            check_archive(home, backend.url(home))

        assert len(trials) >= (24 if backend.name == "sqlite" else 12)
        assert {"fetch", "archive", "span", "extract", "dedup", "commit"} <= set(killed_at), killed_at
        assert len(killed_at) >= len(trials) - 4, f"too few kills landed: {killed_at}"
    finally:
        site.corpus.generation = 1
        backend.drop_all(homes)
