"""The ``newsmill`` command's error paths and exit codes: 0 done, 1 some
inputs failed, 2 a usage or configuration error (nothing done, no store
created, no flow started)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.cli.parser import build_parser
from tests.conftest import REPO

PAGE = next((REPO / "raw" / "sample").rglob("*.html"))


def _newsmill(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsmill.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def no_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting a flow fails the test: errors must be found before."""
    import newsmill.flows.ingest as flows

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a flow was started")

    for name in ("ingest", "import_files", "demo", "reprocess"):
        monkeypatch.setattr(flows, name, refuse)


# --- version and help ------------------------------------------------------------

def test_version_is_the_package_version(tmp_path: Path) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    out = _newsmill("--version", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"newsmill {version}"


def test_every_command_and_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    assert parser.description and not parser.description.startswith("The ``newsmill``")

    def walk(p: argparse.ArgumentParser, where: str) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, child in action.choices.items():
                    assert helps.get(name) and "\n" not in helps[name], f"{where} {name}: no help"
                    assert child.description, f"{where} {name}: no description"
                    walk(child, f"{where} {name}")
            elif not isinstance(action, argparse._HelpAction):
                assert action.help, f"{where}: {action.option_strings or action.dest} has no help"

    walk(parser, "newsmill")
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0 and "exit status: 0" in capsys.readouterr().out


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--format", "csv"])
    assert exit_.value.code == 2


# --- paths --------------------------------------------------------------------------

def test_a_missing_import_path_is_a_usage_error(tmp_path: Path) -> None:
    out = _newsmill("--home", str(tmp_path / "home"), "import", "/tmp/nope.html", cwd=tmp_path)
    assert out.returncode == 2
    assert _one_line(out.stderr) == "newsmill: no such file or directory: /tmp/nope.html"
    assert not (tmp_path / "home").exists()  # nothing stored, no run started


def test_a_folder_with_nothing_to_read_is_a_usage_error(tmp_path: Path, no_flow: None,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "notes.pdf").write_bytes(b"%PDF")
    assert main(["--home", str(tmp_path / "home"), "import", str(folder)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"newsmill: no file to read in {folder}") and ".html, .htm" in line and ".txt" in line
    assert main(["--home", str(tmp_path / "home"), "import", str(folder / "notes.pdf")]) == 2
    assert "not a file newsmill reads" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "home").exists()


def test_extract_of_a_missing_file_or_a_web_address_is_a_usage_error(tmp_path: Path) -> None:
    out = _newsmill("extract", "missing.html", cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert _one_line(out.stderr) == "newsmill: no such file or directory: missing.html"
    out = _newsmill("extract", "https://example.com/news/1.html", cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    line = _one_line(out.stderr)
    assert "extract reads saved files" in line and "https://example.com/news/1.html" in line
    assert "`newsmill run` with a `urls` source" in line


def test_extract_exits_1_when_a_file_gives_no_article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stub = tmp_path / "stub.txt"
    stub.write_text("Too short.\n", encoding="utf-8")
    assert main(["extract", str(PAGE)]) == 0
    capsys.readouterr()
    assert main(["extract", str(PAGE), str(stub)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and '"error"' in out.splitlines()[1]
    assert "1 file(s) gave no article" in err


# --- read-only commands ---------------------------------------------------------------

READ_ONLY = [["stats"], ["export"], ["failures"], ["templates", "example.com"], ["db", "status"]]


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: " ".join(c))
def test_read_only_commands_never_create_a_store(command: list[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    where = tmp_path / "data" / "newsmill.db"
    assert _one_line(capsys.readouterr().err) == (
        f"newsmill: no store at {where} (run `newsmill demo`, `import` or `run` first)")
    assert list(tmp_path.iterdir()) == []
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    monkeypatch.setenv("NEWSMILL_DATABASE_URL", f"sqlite:///{missing}")
    assert main(command) == 2
    assert f"no store at {missing}" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "nonexistent").exists()


def test_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    url = "postgresql://newsmill:s3cret@127.0.0.1:1/newsmill"  # nothing listens on port 1
    for command in (["stats"], ["db", "status"]):
        out = _newsmill(*command, cwd=tmp_path, env={"NEWSMILL_DATABASE_URL": url})
        assert out.returncode == 2
        line = _one_line(out.stderr)
        assert line.startswith("newsmill: cannot connect to the database at postgresql://newsmill:***@127.0.0.1:1"
                               "/newsmill: "), line
        assert "s3cret" not in line and "Traceback" not in out.stderr


def test_a_store_of_an_older_schema_is_not_migrated_by_reading(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from newsmill.storage.migrations import current_revision, head_revision, upgrade
    from newsmill.storage.store import open_engine

    db = tmp_path / "old.db"
    store = open_engine(f"sqlite:///{db}")
    upgrade(store.engine, "0003")
    store.close()
    monkeypatch.setenv("NEWSMILL_DATABASE_URL", f"sqlite:///{db}")
    for command in (["stats"], ["export"], ["failures"]):
        assert main(command) == 2
        assert _one_line(capsys.readouterr().err) == (
            f"newsmill: store at {db} is at schema revision 0003, run `newsmill db upgrade`")
    assert main(["db", "status"]) == 0
    assert "needs `newsmill db upgrade`" in capsys.readouterr().out
    store = open_engine(f"sqlite:///{db}")
    assert current_revision(store.engine) == "0003"  # untouched
    store.close()
    assert main(["db", "upgrade"]) == 0
    assert main(["stats"]) == 0
    store = open_engine(f"sqlite:///{db}")
    assert current_revision(store.engine) == head_revision()
    store.close()


# --- the sources file -------------------------------------------------------------------

GOOD_SOURCE = "  - name: wire\n    kind: feed\n    url: https://wire.example/rss.xml\n    site: wire.example\n"
SOURCES_ERRORS = {
    "missing": (None, "cannot read sources file {file}: No such file or directory"),
    "bad-yaml": ("sources:\n  - name: [wire\n", "sources file {file}, line 3: not valid YAML"),
    "unknown-key": ("sources:\n" + GOOD_SOURCE + "    max_artcles: 5\n",
                    "sources file {file}, line 6: sources[0] (wire): unknown setting(s) max_artcles"),
    "unknown-fetch-key": ("fetch:\n  delay: 2\nsources:\n" + GOOD_SOURCE,
                          "sources file {file}, line 2: fetch: unknown setting(s) delay"),
    "bad-url": ("sources:\n  - {name: wire, kind: feed, url: 'wire.example/rss', site: w}\n",
                "sources file {file}, line 2: source 'wire': url must be an http:// or https:// address"),
    "no-match": ("sources:\n" + GOOD_SOURCE, "no source matches group='nope'"),
}


@pytest.mark.parametrize("case", sorted(SOURCES_ERRORS))
def test_sources_file_errors_are_found_before_the_flow_starts(case: str, tmp_path: Path, no_flow: None,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = SOURCES_ERRORS[case]
    file = tmp_path / "sources.yaml"
    if text is not None:
        file.write_text(text, encoding="utf-8")
    args = ["--home", str(tmp_path / "home"), "run", "--sources", str(file)]
    assert main([*args, "--group", "nope"] if case == "no-match" else args) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("newsmill: " + expected.format(file=file)), line
    assert not (tmp_path / "home").exists()


def test_a_sources_file_error_through_the_command_is_one_line(tmp_path: Path) -> None:
    file = tmp_path / "sources.yaml"
    file.write_text("sources:\n" + GOOD_SOURCE + "    colour: red\n", encoding="utf-8")
    out = _newsmill("--home", str(tmp_path / "home"), "run", "--sources", str(file), cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert _one_line(out.stderr) == f"newsmill: sources file {file}, line 6: sources[0] (wire): unknown setting(s) colour"


# --- exit 1: some inputs failed ----------------------------------------------------------

@pytest.mark.usefixtures("prefect_harness")
def test_import_exits_1_when_some_inputs_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    good, mixed = tmp_path / "good", tmp_path / "mixed"
    good.mkdir()
    mixed.mkdir()
    (good / PAGE.name).write_bytes(PAGE.read_bytes())
    (mixed / "stub.txt").write_text("Too short.\n", encoding="utf-8")
    home = str(tmp_path / "home")
    assert main(["--home", home, "import", str(good)]) == 0
    out, _ = capsys.readouterr()
    assert "failures:            0" in out and "  read:                1 file\n" in out
    assert "fetched:" not in out and "articles stored:     1 new, 0 updated, 0 unchanged" in out
    assert main(["--home", home, "import", str(mixed)]) == 1
    out, err = capsys.readouterr()
    assert "newsmill import: done, 1 input failed" in out and "`newsmill failures`" in out
    assert "newsmill import: 1 input failed; `newsmill failures` lists them" in err
    assert main(["--home", home, "failures"]) == 0
    assert "stub.txt" in capsys.readouterr().out


# --- the run summary -----------------------------------------------------------------------

def _report(flow: str, sites: int, failures: int = 0) -> dict[str, object]:
    from newsmill.pipeline.report import COLUMNS

    per_site = {f"site{i:03d}.example": {c: 0 for c in COLUMNS} | {"fetched": i + 1, "new": i + 1}
                for i in range(sites)}
    totals = {c: sum(row[c] for row in per_site.values()) for c in COLUMNS}
    fails = [{"stage": "extract", "status": "not_article", "url": f"file:///in/{i}.html", "reason": "too short"}
             for i in range(failures)]
    return {"flow": flow, "totals": totals | {"duplicates": 1, "duplicate_passages": 2, "boilerplate_removed": 1},
            "per_site": per_site, "failures": fails, "store": "/h/data/newsmill.db", "archive": "/h/raw"}


def test_the_summary_has_full_column_names_plurals_and_caps_the_sites() -> None:
    from newsmill.cli.summary import summary_lines
    from newsmill.pipeline.report import COLUMNS

    lines = summary_lines("newsmill run: done", _report("ingest", 25))
    text = "\n".join(lines)
    assert "duplicates found:    1 article, 2 duplicate passages" in text
    assert "boilerplate removed: 1 line\n" in text
    assert "fetched:             325 responses (0 blocked)" in text
    head = next(line for line in lines if line.lstrip().startswith("site "))
    assert head.split() == ["site", *COLUMNS]  # full names, no truncation
    rows = [line for line in lines if line.lstrip().startswith("site0")]
    assert len(rows) == 20 and rows[0].split()[0] == "site024.example"  # busiest first
    assert rows[-1].split()[0] == "site005.example"
    assert lines[-1] == "  … and 5 more sites: 15 fetched, 15 new"  # sites 1-5: 1+2+3+4+5
    one = "\n".join(summary_lines("t", _report("ingest", 21)))
    assert "… and 1 more site: 1 fetched, 1 new" in one
    assert "more site" not in "\n".join(summary_lines("t", _report("ingest", 20)))


def test_the_summary_of_a_local_import_says_files_read(capsys: pytest.CaptureFixture[str]) -> None:
    from newsmill.cli.summary import outcome

    assert outcome("import", _report("import-files", 1)) == 0
    out = capsys.readouterr().out
    assert "  read:                1 file\n" in out and "fetched" not in out
    assert out.splitlines()[-2].split() == ["site", "read", "new", "updated", "unchanged", "duplicates",
                                            "duplicate_passages", "boilerplate_removed", "blocked", "failed"]
    assert outcome("import", _report("import-files", 2, failures=12)) == 1
    out, err = capsys.readouterr()
    assert "newsmill import: done, 12 inputs failed" in out and "read:                3 files" in out
    assert "    ... and 2 more" in out
    assert err == "newsmill import: 12 inputs failed; `newsmill failures` lists them\n"
    assert outcome("reprocess", _report("reprocess", 1)) == 0
    assert "read:                the raw archive (nothing fetched)" in capsys.readouterr().out
