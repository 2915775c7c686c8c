"""Kill the pipeline with SIGKILL at random points, re-run it, and compare
the store with the store of an uninterrupted run: same articles, duplicate
links and passage links, no duplicated or missing rows, a readable archive.

The pipeline runs in a subprocess without Prefect (the plain functions the
flows wrap), in batches so that kills land between and inside commits.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

RUNNER = r"""
import sys
from pathlib import Path
from newsmill.core.records import SourceRef
from newsmill.flows import pipeline
from newsmill.flows.report import RunReport
from newsmill.sources import iter_folder

home, folder = sys.argv[1], Path(sys.argv[2])
paths, store, archive = pipeline.open_context(home)
docs = [d for d in iter_folder(folder, SourceRef("crash", "folder", str(folder)), "crash.example")
        if not hasattr(d, "stage")]
report = RunReport(flow="crash")
for i in range(0, len(docs), 4):
    batch = docs[i : i + 4]
    extracted = pipeline.extract_documents(batch)
    pipeline.archive_changed([extracted], batch, store, archive, f"crash-{i}")
    pipeline.dedup_and_store(extracted.articles, store, report)
store.close()
print("done")
"""


def make_corpus(folder: Path) -> None:
    """A folder of sample-site pages plus near-copies, so links exist."""
    pages = sorted(p for p in (REPO / "raw" / "sample").rglob("*.html") if p.name != "index.html")
    folder.mkdir()
    for i, page in enumerate(pages):
        body = page.read_text(encoding="utf-8").replace("{{BASE_URL}}", "https://crash.example")
        (folder / f"{i:03d}.html").write_text(body, encoding="utf-8")
        if i % 4 == 0:  # a lightly edited copy on another site
            copy = body.replace("https://crash.example", "https://copy.example").replace("said", "stated", 1)
            (folder / f"{i:03d}-copy.html").write_text(copy, encoding="utf-8")


def run(home: Path, folder: Path, kill_after: float | None = None) -> bool:
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(home), str(folder)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is None:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        return True
    time.sleep(kill_after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return False
    proc.communicate()
    return True


def snapshot(home: Path) -> dict[str, Any]:
    db = sqlite3.connect(home / "data" / "newsmill.db")
    articles = sorted(db.execute(
        "SELECT canonical_url, content_hash, duplicate_of, similarity, cluster_id, version FROM articles").fetchall())
    links = sorted(db.execute(
        "SELECT article_id, paragraph, of_article, of_paragraph, similarity FROM passage_links").fetchall())
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("articles", "passage_links", "boilerplate_removals", "sketches", "sketch_bands")}
    db.close()
    return {"articles": articles, "links": links, "counts": counts}


def test_sigkill_and_rerun_equals_uninterrupted_run(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    make_corpus(folder)
    clean_home = tmp_path / "clean"
    start = time.monotonic()
    run(clean_home, folder)
    full = time.monotonic() - start
    expected = snapshot(clean_home)
    assert expected["counts"]["articles"] > 30 and expected["links"]
    assert any(a[2] for a in expected["articles"])  # some duplicate links exist

    rnd = random.Random(20261122)
    killed = 0
    for trial in range(8):
        home = tmp_path / f"trial-{trial}"
        for _ in range(2):  # up to two kills before the completing run
            killed += not run(home, folder, kill_after=rnd.uniform(0.5, full))
        run(home, folder)
        assert snapshot(home) == expected, f"trial {trial} differs from the uninterrupted run"
        from newsmill.storage import RawArchive

        archive = RawArchive(home / "raw")
        for rel in archive.files():
            list(archive.iter_documents(rel))  # torn tails are skipped, never fatal
    assert killed >= 4, "too few kills landed mid-run to test anything"
