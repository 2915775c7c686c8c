"""Lost the database, kept ``raw/``: ``newsmill import <home>/raw/`` into
a fresh store gives back the articles and duplicate links of the store the
archive was written by (a real ingest of the sample site over loopback,
its real raw archive, real SQLite stores); the archived feeds and sitemaps
are skipped, not failed; importing again changes nothing."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsmill.cli import main
from newsmill.core.records import ArchiveLocation
from newsmill.storage import RawArchive
from tests.conftest import REPO

# What an article is, apart from where and when this store put it.
SAME = ("id", "url", "canonical_url", "site", "title", "authors", "published_at", "modified_at", "fetched_at",
        "language", "description", "image", "extraction", "text", "paragraphs", "word_count", "content_hash",
        "duplicate_of", "similarity", "cluster_id", "novelty", "duplicate_passages", "boilerplate_removed",
        "source")


def _newsmill(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a process (a run in that process, no Prefect)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=300, check=False, env=env)


def _export(home: Path) -> list[dict[str, Any]]:
    out = _newsmill(home, "export", "--all")
    assert out.returncode == 0, out.stderr
    return sorted((json.loads(line) for line in out.stdout.splitlines() if line.strip()), key=lambda r: r["id"])


def _articles(home: Path) -> list[dict[str, Any]]:
    return [{k: r[k] for k in SAME} for r in _export(home)]


def _failures(home: Path) -> list[dict[str, Any]]:
    out = _newsmill(home, "failures", "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def _archive_files(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): p.stat().st_size for p in sorted((home / "raw").rglob("*.warc*"))}


def _audit(home: Path) -> Any:
    """``newsmill archive check``'s findings on a home."""
    from newsmill.storage import open_store
    from newsmill.storage.archive_audit import audit

    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}", create=False)
    try:
        return audit(store, RawArchive(home / "raw"))
    finally:
        store.close()


def _clean(home: Path) -> None:
    found = _audit(home)
    assert not found.broken and not found.dead and not found.duplicates and not found.unclaimed, found.to_dict()


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by a real ingest of the sample site (feeds, a sitemap,
    a 404 and a video page among them), and its raw archive."""
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import acquire, runs
    from newsmill.pipeline.host import LocalHost
    from newsmill.pipeline.sample_site import SampleSite

    home = tmp_path_factory.mktemp("original")
    with SampleSite(port=0) as site, LocalHost() as host:
        plan, chosen = acquire.choose_sources(None, site.sources_config(), None, None)
        report = runs.ingest(host, plan, chosen, RunSettings.from_env(str(home))).to_dict()
    assert report["totals"]["new"] >= 30, report["totals"]
    assert any(f["stage"] == "fetch" for f in report["failures"]), report["failures"]  # the 404
    _clean(home)  # each response archived once, every record pointed at and claimed
    archive = RawArchive(home / "raw")
    for f in _failures(home):  # a failed page's row points at its record (the 404's error page too)
        if f["stage"] in ("fetch", "extract") and f["raw"]:
            assert archive.read(ArchiveLocation.from_uri(f["raw"])).url == f["url"]
    assert any(f["raw"] for f in _failures(home) if f["stage"] == "fetch"), _failures(home)
    return home


def _import(home: Path, *paths: Path, options: tuple[str, ...] = ()) -> tuple[int, str]:
    """``newsmill import`` in this process: its exit status and its summary."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--home", str(home), "import", *map(str, paths), *options])
    return code, out.getvalue()


def test_importing_raw_into_a_fresh_store_gives_the_same_articles_and_links(
        original: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    rebuilt = tmp_path / "rebuilt"
    code, out = _import(rebuilt, original / "raw")  # the folder: only .warc.gz files in it
    before = _articles(original)
    after = _articles(rebuilt)
    assert [r["url"] for r in after] == [r["url"] for r in before]
    assert after == before  # site, source, title, text, dates, duplicate and passage links
    assert {r["site"] for r in after} == {"steppeherald.kz", "silkroadwire.com", "novostistepi.kz"}
    assert any(p for r in after for p in r["duplicate_passages"]) and any(r["duplicate_of"] for r in after)
    assert any(rm["rule"] == "site.css_drop" for r in after for rm in r["boilerplate_removed"])  # site overrides
    # The feeds and the sitemap are skipped, as is the 404 response: only the
    # pages that gave no article in the original store fail again.
    extract_failed = sorted((f["url"], f["status"]) for f in _failures(original) if f["stage"] == "extract")
    assert sorted((f["url"], f["status"]) for f in _failures(rebuilt)) == extract_failed
    assert code == (1 if extract_failed else 0)
    skipped = int(out.split("skipped:", 1)[1].split()[0])
    fetched = len([f for f in _failures(original) if f["stage"] == "fetch"])
    assert skipped == 4 + fetched, out  # 3 feeds, 1 sitemap, the error responses
    # Every article points at its copy in the new store's own raw archive.
    archive = RawArchive(rebuilt / "raw")
    for r in _export(rebuilt):
        assert archive.read(ArchiveLocation.from_uri(r["raw"])).url == r["url"]

    # Importing the same raw/ again changes nothing: no new version, no new
    # link, nothing archived a second time.
    files = _archive_files(rebuilt)
    records = _export(rebuilt)
    code, out = _import(rebuilt, original / "raw")
    assert "articles stored:     0 new, 0 updated" in out, out
    assert _export(rebuilt) == records
    assert _archive_files(rebuilt) == files
    _clean(rebuilt)


def test_lost_the_database_kept_raw(original: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same home without its database: the import rebuilds the store
    from ``<home>/raw/`` and archives nothing again (every article points
    at the record it came from, as in the lost store)."""
    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    home = tmp_path / "home"
    shutil.copytree(original, home)
    shutil.rmtree(home / "data")
    files = _archive_files(home)
    _import(home, home / "raw")
    assert _archive_files(home) == files
    assert [(r["id"], r["raw"]) for r in _export(home)] == [(r["id"], r["raw"]) for r in _export(original)]
    assert _articles(home) == _articles(original)
    # The records read back are claimed where they are; what only the lost
    # fetch log pointed at (the feeds, the sitemap, the error responses) is
    # all that nothing points to now.
    found = _audit(home)
    assert not found.broken and not found.duplicates and not found.unclaimed, found.to_dict()
    pages = {r["url"] for r in _export(home)} | {f["url"] for f in _failures(home)}
    assert found.dead and not {r.url for r in found.dead} & pages


def test_a_site_given_on_the_command_line_wins_and_is_archived(original: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``--site`` over what the archive says: the records are archived again
    with it, so a reprocess keeps it."""
    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    home = tmp_path / "home"
    shutil.copytree(original, home)
    shutil.rmtree(home / "data")
    files = _archive_files(home)
    _import(home, home / "raw", options=("--site", "mirror.example"))
    records = _export(home)
    assert records and {r["site"] for r in records} == {"mirror.example"}
    assert set(_archive_files(home)) > set(files)
    archive = RawArchive(home / "raw")
    assert {archive.read(ArchiveLocation.from_uri(r["raw"])).site for r in records} == {"mirror.example"}


def test_import_through_the_command(original: Path, tmp_path: Path) -> None:
    """``newsmill import`` as a process, given the archive's files by name."""
    home = tmp_path / "again"
    files = sorted((original / "raw").rglob("*.warc.gz"))
    done = _newsmill(home, "import", *map(str, files))
    assert done.returncode in (0, 1), done.stderr
    assert "skipped:" in done.stdout and "[import/" not in done.stdout
    assert _articles(home) == _articles(original)


def test_a_folder_of_warc_files_is_read_and_an_empty_one_is_a_usage_error(tmp_path: Path) -> None:
    from newsmill.cli.errors import UsageError, check_paths

    raw = tmp_path / "raw" / "2026" / "06"
    raw.mkdir(parents=True)
    (raw / "run-1-herald.warc.gz").write_bytes(b"")
    check_paths([str(tmp_path / "raw")], "import")  # .warc.gz files are what a folder holds
    (raw / "run-1-herald.warc.gz").rename(raw / "notes.pdf")
    with pytest.raises(UsageError, match=r"no file to read in .*\.warc, \.warc\.gz, \.arc, \.arc\.gz files\)$"):
        check_paths([str(tmp_path / "raw")], "import")
