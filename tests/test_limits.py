"""No page can stall a run: pages written to break the extraction workers,
imported by ``newsmill import`` as a real process next to three normal
pages. A page of a million elements is refused before it is parsed
(``too_complex``); with the pre-check off, it runs into the memory limit,
and a page of 200,000 into the time limit, and the worker is killed from
outside (``too_much_memory``, ``timeout``, with its size; the time limit on
the local pool and on Dask); a
20,000-row table and text inside 200,000 nested ``<div>``s are extracted.
Each time the normal pages are stored and the run ends in a bounded time
(a generous bound: these are not timing tests; the time limit is set to a
few seconds so that they are quick)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.limits_bench import SMALL, p_page, small_page, table_page
from newsmill.core.errors import ConfigError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.core.settings import LimitSettings, parse_sources
from newsmill.extractors import ExtractSettings, extract
from newsmill.extractors.complexity import FLATTEN_DEPTH, count_elements, flatten
from tests.conftest import REPO

BOUND = 240.0  # seconds a whole import may take here (a run that stalls never ends)
STORIES = SMALL  # three normal pages, as the limits benchmark imports them


NESTED_TEXT = "The story inside two hundred thousand boxes is still a story worth reading to the end."


def nested_page(depth: int = 200_000) -> str:
    text = "".join(f"<p>{NESTED_TEXT} Part {i} of it.</p>" for i in range(4))
    return f"<html><head><title>Nested</title></head><body>{'<div>' * depth}{text}{'</div>' * depth}</body></html>"


def folder_with(tmp_path: Path, name: str, bad: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for topic, sentence in STORIES.items():
        (folder / f"{topic}.html").write_text(small_page(topic, sentence), encoding="utf-8")
    (folder / name).write_text(bad, encoding="utf-8")
    return folder


def run_import(home: Path, folder: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    environ = {**os.environ, "PYTHONPATH": str(REPO), "NEWSMILL_TASK_RUNNER": "processes", "NEWSMILL_PROCESSES": "2",
               **env}
    environ.pop("PREFECT_API_URL", None)
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), "import", str(folder)],
                         cwd=REPO, env=environ, capture_output=True, text=True, timeout=BOUND)
    return out, time.monotonic() - started


def stored(home: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    """(URLs of the stored articles, (file name, status, reason) of the failures)."""
    with sqlite3.connect(home / "data" / "newsmill.db") as db:
        urls = sorted(Path(u).name for (u,) in db.execute("select url from articles"))
        failures = sorted((Path(u).name, s, r) for u, s, r in db.execute("select url, status, reason from failures"))
    return urls, failures


NORMAL = sorted(f"{topic}.html" for topic in STORIES)


def test_a_page_of_a_million_elements_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "million.html", p_page(1_000_000))
    out, _ = run_import(tmp_path / "home", folder)
    assert out.returncode == 1, out.stderr[-3000:]
    urls, failures = stored(tmp_path / "home")
    assert urls == NORMAL
    assert [(name, status) for name, status, _ in failures] == [("million.html", "too_complex")]
    assert "1,000,005 HTML elements" in failures[0][2] and "100,000-element limit" in failures[0][2]


@pytest.mark.parametrize("runner", ["processes", "dask"])
def test_a_page_over_the_time_limit_has_its_worker_killed(tmp_path: Path, runner: str) -> None:
    """3 s of CPU time: the worker is killed on it, not on the clock, so a
    busy machine does not change the outcome."""
    if runner == "dask":
        pytest.importorskip("distributed")
    # 200,000 elements: about a minute of CPU time to extract, under 500 MB (the element limit off)
    folder = folder_with(tmp_path, "million.html", p_page(200_000))
    size = (folder / "million.html").stat().st_size
    out, _ = run_import(tmp_path / "home", folder, NEWSMILL_MAX_ELEMENTS="0", NEWSMILL_DOCUMENT_SECONDS="3",
                        NEWSMILL_TASK_RUNNER=runner, NEWSMILL_DASK_WORKERS="2")
    assert out.returncode == 1, out.stderr[-3000:]
    urls, failures = stored(tmp_path / "home")
    assert urls == NORMAL
    assert [(name, status) for name, status, _ in failures] == [("million.html", "timeout")]
    assert f"over 3 s of CPU time on this {size:,}-byte document" in failures[0][2]
    # and the next run, with the worker replaced, imports again (nothing new to store)
    again, _ = run_import(tmp_path / "home", folder, NEWSMILL_MAX_ELEMENTS="0", NEWSMILL_DOCUMENT_SECONDS="3",
                          NEWSMILL_TASK_RUNNER=runner, NEWSMILL_DASK_WORKERS="2")
    assert again.returncode == 1, again.stderr[-3000:]
    assert stored(tmp_path / "home")[0] == NORMAL


def test_a_page_over_the_memory_limit_has_its_worker_killed(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "million.html", p_page(1_000_000))
    out, _ = run_import(tmp_path / "home", folder, NEWSMILL_MAX_ELEMENTS="0", NEWSMILL_DOCUMENT_SECONDS="0",
                        NEWSMILL_DOCUMENT_MEMORY_MB="400")
    assert out.returncode == 1, out.stderr[-3000:]
    urls, failures = stored(tmp_path / "home")
    assert urls == NORMAL
    assert [(name, status) for name, status, _ in failures] == [("million.html", "too_much_memory")]
    assert "over 400 MB (resident)" in failures[0][2]


def test_a_table_of_twenty_thousand_rows_is_stored(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "table.html", table_page(20_000))
    out, _ = run_import(tmp_path / "home", folder, NEWSMILL_DOCUMENT_SECONDS="120")
    assert out.returncode == 0, out.stderr[-3000:]
    urls, failures = stored(tmp_path / "home")
    assert (urls, failures) == (sorted([*NORMAL, "table.html"]), [])
    with sqlite3.connect(tmp_path / "home" / "data" / "newsmill.db") as db:
        (text,) = db.execute("select text from articles where url like '%table.html'").fetchone()
    assert "note on row 19999" in text


def test_text_inside_200000_nested_divs_is_extracted(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "nested.html", nested_page())
    out, _ = run_import(tmp_path / "home", folder)
    assert out.returncode == 0, out.stderr[-3000:]
    urls, failures = stored(tmp_path / "home")
    assert (urls, failures) == (sorted([*NORMAL, "nested.html"]), [])
    with sqlite3.connect(tmp_path / "home" / "data" / "newsmill.db") as db:
        (paragraphs,) = db.execute("select paragraphs from articles where url like '%nested.html'").fetchone()
    assert [p for p in json.loads(paragraphs) if NESTED_TEXT in p] == [
        f"{NESTED_TEXT} Part {i} of it." for i in range(4)]


# --- the pieces, in process ------------------------------------------------------------

REF = SourceRef("limits", "folder", "file:///limits")


def doc(html: str, name: str = "page.html") -> RawDocument:
    return RawDocument(url=f"file:///limits/{name}", body=html.encode(), source=REF, site="limits.example")


def test_flatten_keeps_the_text_and_the_shallow_structure() -> None:
    page = "<div class='a'><span>x</span>" + "<div>" * 300 + "<b>deep</b>" + "</div>" * 300 + "</div>"
    flat, removed = flatten(page)
    assert removed == 300 - FLATTEN_DEPTH + 1 + 1  # the deep divs and the <b> inside them
    assert "deep" in flat and flat.startswith("<div class='a'><span>x</span>")
    assert flat.count("<div") == flat.count("</div>") == FLATTEN_DEPTH
    assert flatten("<p>short</p>") == ("<p>short</p>", 0)
    # an end tag with no open container of its name is left alone
    assert flatten("<div>" * 5 + "</span>" + "</div>" * 5, depth=3)[0] == "<div>" * 3 + "</span>" + "</div>" * 3


def test_nested_text_is_extracted_and_a_huge_page_refused_in_process() -> None:
    article = extract(doc(nested_page(5000)))
    assert NESTED_TEXT in article.text
    assert count_elements(p_page(200)) == 205
    with pytest.raises(Exception, match="over the 1,000-element limit") as refused:
        extract(doc(p_page(2000)), settings=ExtractSettings(max_elements=1000))
    assert getattr(refused.value, "status", None) == "too_complex"


def test_limits_come_from_the_sources_file_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"name": "a", "kind": "folder", "site": "a.example", "path": "/tmp"}
    plan = parse_sources({"limits": {"document_seconds": 12, "max_elements": 5000}, "sources": [entry]})
    assert plan.limits == LimitSettings(document_seconds=12, max_elements=5000)
    for name in ("NEWSMILL_DOCUMENT_SECONDS", "NEWSMILL_DOCUMENT_MEMORY_MB", "NEWSMILL_MAX_ELEMENTS"):
        monkeypatch.delenv(name, raising=False)
    assert LimitSettings.from_env(plan.limits) == plan.limits
    monkeypatch.setenv("NEWSMILL_DOCUMENT_MEMORY_MB", "512")
    monkeypatch.setenv("NEWSMILL_DOCUMENT_SECONDS", "2.5")
    assert LimitSettings.from_env(plan.limits) == LimitSettings(document_seconds=2.5, document_memory_mb=512,
                                                                max_elements=5000)
    monkeypatch.setenv("NEWSMILL_DOCUMENT_SECONDS", "soon")
    with pytest.raises(ConfigError, match="NEWSMILL_DOCUMENT_SECONDS must be a number"):
        LimitSettings.from_env()
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_sources({"limits": {"seconds": 1}, "sources": [entry]})
    with pytest.raises(ConfigError, match="document_memory_mb must be 0"):
        LimitSettings(document_memory_mb=10)


# --- an error that ends a run: one line first ------------------------------------------

def _unshare_works() -> bool:
    import shutil

    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_works(),
                    reason="needs `unshare --user --mount` to mount a small tmpfs (user namespaces disabled here)")
@pytest.mark.parametrize("how", ["local", "prefect", "verbose"])
def test_a_full_disk_ends_the_import_with_one_clear_line(tmp_path: Path, how: str) -> None:
    """The raw archive on a 100 KB tmpfs: the import stops at once (a full
    disk is not retried) and says so in one line, the first on stderr;
    with ``-v`` the traceback follows that line. The run is recorded failed."""
    from tests.helpers.crash_runner import Corpus

    folder = tmp_path / "in"
    folder.mkdir()
    corpus = Corpus(n=300, added=0)
    for i in range(300):  # about 1 MB to archive
        (folder / f"{i:04d}.html").write_bytes(corpus.page(i, "https://crashwire.test"))
    home = tmp_path / "home"
    (home / "raw").mkdir(parents=True)
    flags = {"local": [], "prefect": ["--prefect"], "verbose": ["-v"]}[how]
    command = " ".join([f'"{sys.executable}"', "-m", "newsmill.cli", "--home", f'"{home}"', "import", *flags,
                        f'"{folder}"'])
    environ = {**os.environ, "PYTHONPATH": str(REPO), "NEWSMILL_PROGRESS": "0"}
    environ.pop("PREFECT_API_URL", None)
    out = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                          f'mount -t tmpfs -o size=100k tmpfs "{home}/raw" || exit 97; exec {command}'],
                         cwd=REPO, env=environ, capture_output=True, text=True, timeout=BOUND)
    assert out.returncode == 2, out.stderr[-3000:]
    lines = out.stderr.splitlines()
    said = [line for line in lines if line.startswith("newsmill: ")]
    assert len(said) == 1 and "No space left on device" in said[0], out.stderr[-3000:]
    assert "retry" not in out.stderr
    if how == "verbose":
        assert "Traceback (most recent call last)" in out.stderr
        assert out.stderr.index(said[0]) < out.stderr.index("Traceback")
    else:
        assert lines == said, out.stderr[-3000:]
    with sqlite3.connect(home / "data" / "newsmill.db") as db:
        assert [s for (s,) in db.execute("select status from runs")] == ["failed"]


def test_an_unexpected_error_is_one_line_and_its_traceback_with_v(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from newsmill.cli import SOME_FAILED, main, reading

    def broken(args: object) -> int:
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(reading, "cmd_stats", broken)
    import logging

    level = logging.getLogger("newsmill").level
    monkeypatch.setattr(logging.getLogger("newsmill"), "level", level)  # -v below sets it to INFO: restored after
    assert main(["stats"]) == SOME_FAILED
    err = capsys.readouterr().err
    assert err.splitlines() == ["newsmill: unexpected error: RuntimeError: a bug over two lines (-v shows where)"]
    assert main(["-v", "stats"]) == SOME_FAILED
    err = capsys.readouterr().err
    assert err.startswith("newsmill: unexpected error: RuntimeError: a bug over two lines\n") and "Traceback" in err
