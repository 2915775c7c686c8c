"""The ``newsmill`` command's error paths and exit codes: 0 done, 1 some
inputs failed, 2 a usage or configuration error (nothing done, no store
created, no flow started)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.cli.parser import build_parser
from tests.conftest import REPO
from tests.helpers.stories import COPYRIGHT, Sentences, write_stories

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
    """Starting a run (in this process or as a flow) fails the test:
    errors must be found before."""
    import newsmill.flows.ingest as flows
    import newsmill.pipeline.runs as runs

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run was started")

    for name in ("ingest", "import_files", "demo", "reprocess"):
        monkeypatch.setattr(flows, name, refuse)
        monkeypatch.setattr(runs, name, refuse)


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
                assert action.help, f"{where}: COMMAND has no help"
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, child in action.choices.items():
                    assert helps.get(name) and "\n" not in helps[name], f"{where} {name}: no help"
                    assert child.description, f"{where} {name}: no description"
                    assert child.format_help().startswith(f"usage: {where} {name}")
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
    assert "1 file gave no article" in err


# --- read-only commands ---------------------------------------------------------------

READ_ONLY = [["stats"], ["export"], ["failures"], ["templates", "example.com"], ["db", "status"],
             ["show", "0123456789abcdef0123"], ["search", "bridge"]]


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
    for command in (["stats"], ["export"], ["failures"], ["show", "https://example.com/1.html"], ["search", "x"]):
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
    "missing-key": ("sources:\n  - name: wire\n    kind: feed\n    url: https://wire.example/rss.xml\n",
                    "sources file {file}, line 2: sources[0] (wire): missing required setting(s) site"),
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
    from newsmill.cli.summary import site_table

    rest = {f"s{i}.example": {c: 0 for c in COLUMNS} | {"new": 1, "duplicate_passages": i, "duplicates": i}
            for i in range(2)}  # s0 shown (same volume: by name), s1 totalled: one passage, one duplicate
    assert site_table("ingest", rest, site_rows=1)[-1] == (
        "  … and 1 more site: 1 new, 1 duplicate, 1 duplicate passage")


def test_the_summary_of_a_local_import_says_files_read(capsys: pytest.CaptureFixture[str]) -> None:
    from newsmill.cli.summary import outcome

    assert outcome("import", _report("import-files", 1)) == 0
    out = capsys.readouterr().out
    assert "  read:                1 file\n" in out and "fetched" not in out
    assert out.splitlines()[-2].split() == ["site", "read", "new", "updated", "unchanged", "duplicates",
                                            "duplicate_passages", "boilerplate_removed", "blocked", "failed", "skipped"]
    assert outcome("import", _report("import-files", 2, failures=12)) == 1
    out, err = capsys.readouterr()
    assert "newsmill import: done, 12 inputs failed" in out and "read:                3 files" in out
    assert "    ... and 2 more" in out
    assert err == "newsmill import: 12 inputs failed; `newsmill failures` lists them\n"
    assert outcome("reprocess", _report("reprocess", 1)) == 0
    assert "read:                the raw archive (nothing fetched)" in capsys.readouterr().out


# --- a real store: show, stats, --since, import --site/--language --------------------------

@dataclass
class Library:
    home: Path
    pages: Path
    shared: str  # the paragraph the three pages share
    codes: list[int]  # the imports' exit codes
    outputs: list[str]  # their summaries


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Library:
    """A store made by two real imports of pages written here: an article
    (news.example/1, with a copyright line), a story of another site that
    repeats one of its paragraphs (other.example/2), a reprint of the
    article (other.example/3, a duplicate) and a text file too short to be
    an article (a failure); then a text file imported with --site and
    --language."""
    sentence = Sentences(23)
    pages = tmp_path_factory.mktemp("pages")
    shared = write_stories(pages, sentence)
    (pages / "stub.txt").write_text("Too short.\n", encoding="utf-8")
    wire = tmp_path_factory.mktemp("wire") / "note.txt"
    wire.write_text("date 2025-07-20\nHarbour works begin on the northern pier\n\n"
                    + "\n\n".join(sentence(22) for _ in range(3)) + "\n", encoding="utf-8")
    home = tmp_path_factory.mktemp("library") / "home"
    codes, outputs = [], []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSMILL_TASK_RUNNER", "default")
        for args in ([str(pages)], [str(wire), "--site", "wire.example", "--language", "KK"]):
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                codes.append(main(["--home", str(home), "import", *args]))
            outputs.append(out.getvalue())
    return Library(home, pages, shared, codes, outputs)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _records(library: Library, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = _run(capsys, "--home", str(library.home), "export", "--all")
    assert code == 0
    return {str(r["canonical_url"]): r for r in map(json.loads, out.splitlines())}


def test_the_library_imports(library: Library) -> None:
    assert library.codes == [1, 0]  # the stub failed; the text file did not
    assert "newsmill import: done, 1 input failed" in library.outputs[0]
    assert "read:                4 files" in library.outputs[0]
    assert "read:                1 file\n" in library.outputs[1] and "wire.example" in library.outputs[1]
    # Each file is counted read under the site it turned out to have (its
    # canonical address), beside what was stored for that site.
    rows = {line.split()[0]: line.split()[1:] for line in library.outputs[0].splitlines()
            if line.startswith("  ") and line.split() and line.split()[0].endswith(".example")}
    header = next(line.split()[1:] for line in library.outputs[0].splitlines() if line.split()[:1] == ["site"])
    read, new = header.index("read") if "read" in header else header.index("fetched"), header.index("new")
    assert {site: (int(row[read]), int(row[new])) for site, row in rows.items()} == {
        "news.example": (1, 1), "other.example": (2, 2)}


def test_import_site_and_language_are_every_document_s(library: Library,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    records = _records(library, capsys)
    wire = [r for r in records.values() if str(r["url"]).endswith("/note.txt")]
    assert len(wire) == 1 and wire[0]["site"] == "wire.example" and wire[0]["language"] == "kk"
    assert records["https://news.example/news/1.html"]["site"] == "news.example"  # without --site: as declared
    assert records["https://news.example/news/1.html"]["language"] == "en"  # without --language: detected


@pytest.mark.parametrize("args, message", [
    (["--site", "my site"], "argument --site: not a site name such as inform.kz"),
    (["--site", "https://x.example/"], "argument --site: not a site name"),
    (["--language", "english!"], "argument --language: not a language code such as en, ru or pt-br: 'english!'"),
])
def test_import_site_and_language_are_checked(args: list[str], message: str, tmp_path: Path, no_flow: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--home", str(tmp_path / "home"), "import", str(PAGE), *args])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "home").exists()


def test_show_prints_an_article_for_a_person(library: Library, capsys: pytest.CaptureFixture[str]) -> None:
    records = _records(library, capsys)
    one, two, three = (records[f"https://{s}/news/{n}.html"] for s, n in
                       (("news.example", 1), ("other.example", 2), ("other.example", 3)))
    code, out, err = _run(capsys, "--home", str(library.home), "show", "https://news.example/news/1.html")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Ferry line opens"
    for label, value in (("id", one["id"]), ("site", "news.example"), ("url", one["url"]),
                         ("published", "2025-07-01T09:00:00+00:00"), ("language", "en"), ("version", "1 (stored"),
                         ("seen", "first "), ("extraction", "trafilatura.fast")):
        assert any(line.startswith(f"  {label:<11} {value}") for line in lines), (label, out)
    assert f"  copies      {three['id']} https://other.example/news/3.html (similarity 1.00)" in lines
    assert "Text (5 paragraphs, " in out and "  ¶2   " + library.shared[:40] in out
    # The shared paragraph, side by side with the later story's copy of it.
    head = f"  ¶2 is repeated by ¶3 of the later {two['id']} https://other.example/news/2.html (similarity 1.00)"
    at = lines.index(head)
    assert lines[at + 1].startswith("  [this article, ¶2]") and lines[at + 1].endswith("│ [other.example, ¶3]")
    left, right = zip(*(line.split(" │ ") for line in lines[at + 2:at + 5]), strict=True)
    assert " ".join(x.strip() for x in left).startswith(library.shared[:60])
    assert " ".join(x.strip() for x in right).startswith(library.shared[:60])
    assert "Linked passages (6)" in out  # five paragraphs in the reprint, one in the other story
    assert "Removed lines (2)" in out and f"  footer.copyright  {COPYRIGHT}" in lines
    assert any(line.startswith("  repeat.headline") and line.endswith("Ferry line opens") for line in lines)
    # The reprint: a copy of the article, its passages found earlier, by a start of its id.
    code, out, _ = _run(capsys, "--home", str(library.home), "show", str(three["id"])[:8])
    assert code == 0 and f"  copy of     {one['id']} https://news.example/news/1.html (similarity 1.00)" in out
    assert f"  ¶2 repeats ¶2 of the earlier {one['id']}" in out
    # The file it was imported from, and the canonical address, name it too.
    for key in (str(library.pages / "three.html"), "https://other.example/news/3.html"):
        code, again, _ = _run(capsys, "--home", str(library.home), "show", key)
        assert code == 0 and again == out


def test_show_json_is_the_record_with_its_links(library: Library, capsys: pytest.CaptureFixture[str]) -> None:
    records = _records(library, capsys)
    two = records["https://other.example/news/2.html"]
    code, out, _ = _run(capsys, "--home", str(library.home), "show", "--json", str(two["url"]))
    assert code == 0
    shown = json.loads(out)
    assert {k: shown[k] for k in two} == two  # every export field, the same
    assert shown["first_seen"] and shown["last_seen"] and shown["original"] is None and shown["copies"] == []
    for key in ("published_at", "fetched_at", "stored_at", "first_seen", "last_seen"):  # ISO 8601 with offset
        assert datetime.fromisoformat(shown[key]).utcoffset() == timedelta(0), key
    [link] = shown["linked_passages"]
    assert link["direction"] == "earlier" and link["paragraph"] == 2 and link["text"] == library.shared
    assert link["other"]["canonical_url"] == "https://news.example/news/1.html"
    assert link["other"]["paragraph"] == 1 and link["other"]["text"] == library.shared
    assert link["similarity"] == 1.0


def test_show_of_an_unknown_article_is_a_usage_error(library: Library, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    where = library.home / "data" / "newsmill.db"
    for key in ("https://nowhere.example/1.html", "0123456789abcdef0123", "ffff"):
        code, out, err = _run(capsys, "--home", str(library.home), "show", key)
        assert code == 2 and out == ""
        assert _one_line(err).startswith(f"newsmill: no article {key!r} in the store at {where} (give an id"), err
    monkeypatch.chdir(tmp_path)  # no store here: none is made
    code, _, err = _run(capsys, "show", "0123456789abcdef0123")
    assert code == 2 and "no store at" in err and list(tmp_path.iterdir()) == []



def test_an_unknown_site_is_a_usage_error_naming_the_known_ones(library: Library, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    known = "known sites: news.example, other.example, wire.example"
    out_file = tmp_path / "nosuch.parquet"
    for args in (["export", "--site", "nosuch"], ["export", "--format", "parquet", "--out", str(out_file),
                                                   "--site", "nosuch"], ["templates", "nosuch"]):
        code, out, err = _run(capsys, "--home", str(library.home), *args)
        assert code == 2 and out == "", args
        assert _one_line(err) == f"newsmill: no site nosuch in the store; {known}", err
    assert not out_file.exists()
    code, out, err = _run(capsys, "--home", str(library.home), "templates", "Other.Example")
    assert code == 2 and "no site Other.Example in the store; known sites: other.example, news.example" in err
    code, out, _ = _run(capsys, "--home", str(library.home), "export", "--site", "wire.example")
    assert code == 0 and [json.loads(line)["site"] for line in out.splitlines()] == ["wire.example"]
    assert _run(capsys, "--home", str(library.home), "templates", "news.example")[0] == 0


def test_an_unknown_site_message_lists_at_most_ten_sites() -> None:
    from newsmill.cli.errors import UsageError, check_site

    known = [f"site{i:02d}.example" for i in range(25)]
    check_site("site03.example", known)
    with pytest.raises(UsageError) as caught:
        check_site("nosuch", known)
    assert str(caught.value) == ("no site nosuch in the store; known sites: " + ", ".join(known[:10])
                                 + ", ... (25 in all; `newsmill stats --json` lists them)")
    with pytest.raises(UsageError, match=r"known sites: none \(the store has no articles yet\)"):
        check_site("nosuch", [])

def test_stats_prints_a_table_and_json_on_request(library: Library, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--home", str(library.home), "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert set(stats) == {"articles", "canonical", "duplicates", "passage_links", "boilerplate_removed",
                          "boilerplate_by_rule", "by_site", "failures", "fetches", "runs"}
    assert stats["articles"] == 4 and stats["duplicates"] == 1 and stats["runs"] == 2
    code, out, _ = _run(capsys, "--home", str(library.home), "stats")
    assert code == 0
    lines = out.splitlines()
    assert "  articles:            4 (3 canonical, 1 duplicate)" in lines
    assert "  sites:               3" in lines and "  runs:                2" in lines
    assert f"  passage links:       {stats['passage_links']}" in lines
    assert "  failures:            1" in lines
    at = lines.index("by site")
    assert lines[at + 1].split() == ["site", "articles", "duplicates"]
    assert lines[at + 2].split() == ["other.example", "2", "1"]  # the most articles first
    assert "  footer.copyright" in out and "  extract/not_article" in out


def test_stats_caps_its_site_rows() -> None:
    from newsmill.cli.views import stats_lines

    stats = {"articles": 30, "canonical": 30, "duplicates": 0, "passage_links": 0, "boilerplate_removed": 1,
             "boilerplate_by_rule": {}, "failures": {}, "fetches": {}, "runs": 1,
             "by_site": {f"s{i:02d}.example": {"articles": i + 1, "duplicates": 0} for i in range(25)}}
    lines = stats_lines(stats)
    assert "  boilerplate removed: 1 line" in lines and "  articles:            30 (30 canonical, 0 duplicates)" in lines
    rows = [line for line in lines if line.startswith("  s") and ".example" in line]
    assert len(rows) == 20 and rows[0].split() == ["s24.example", "25", "0"]
    assert lines[-1] == "  … and 5 more sites: 15 articles, 0 duplicates"


@pytest.mark.parametrize("value, ago", [("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)),
                                        ("2d", timedelta(days=2)), ("1w", timedelta(weeks=1)),
                                        ("1.5D", timedelta(days=1.5))])
def test_since_takes_an_age(value: str, ago: timedelta) -> None:
    from newsmill.cli.parser import parse_since

    now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert parse_since(value, now=now) == now - ago


def test_since_takes_an_iso_date() -> None:
    from newsmill.cli.parser import parse_since

    assert parse_since("2025-06-01") == datetime(2025, 6, 1, tzinfo=UTC)
    assert parse_since("2025-06-01T12:00+05:00") == datetime(2025, 6, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("command", [["export"], ["failures"], ["reprocess"]], ids=lambda c: c[0])
@pytest.mark.parametrize("value", ["yesterday", "2", "-2d", "2y", "1e999d", ""])
def test_a_bad_since_is_a_usage_error(command: list[str], value: str, tmp_path: Path, no_flow: None,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--home", str(tmp_path / "home"), *command, f"--since={value}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --since: not an ISO date (2025-06-01, 2025-06-01T12:00) or an age such as 30m, 12h, 2d or 1w " \
           f"(minutes, hours, days, weeks): {value!r}" in err
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize("value", ["soon", "-3d", "3y", "1e999", "99999999999d"])
def test_a_bad_prune_age_is_a_usage_error(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--home", str(tmp_path / "home"), "prune", f"--older-than={value}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --older-than: " in err and repr(value) in err
    assert not (tmp_path / "home").exists()


def test_export_and_failures_since_an_age(library: Library, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(library.home)
    code, out, err = _run(capsys, "--home", home, "export", "--all", "--since", "1h")
    assert code == 0 and len(out.splitlines()) == 4 and "exported 4 articles" in err
    code, out, _ = _run(capsys, "--home", home, "export", "--all", "--since", "2099-01-01")
    assert code == 0 and out == ""
    code, out, _ = _run(capsys, "--home", home, "failures", "--since", "1w")
    assert code == 0 and "stub.txt" in out
    code, out, _ = _run(capsys, "--home", home, "failures", "--since", "2099-01-01")
    assert code == 0 and out == ""


def test_an_imported_site_and_language_survive_the_archive(tmp_path: Path) -> None:
    """What --site and --language set is archived with each file, so a
    reprocess (which reads the archive back) keeps them."""
    from newsmill.extractors import extract
    from newsmill.pipeline.archiving import archive_documents
    from newsmill.pipeline.inputs import read_imports
    from newsmill.pipeline.report import RunReport
    from newsmill.storage import RawArchive

    [(docs, more)] = list(read_imports([PAGE], RunReport(flow="import-files"), 10, site="wire.example",
                                       language="kk"))
    assert not more and [(d.site, d.hints["set_language"]) for d in docs] == [("wire.example", "kk")]
    archive = RawArchive(tmp_path / "raw")
    archive_documents(archive, "import-test", docs)
    assert docs[0].archive is not None
    again = archive.read(docs[0].archive)
    article = extract(again)
    assert (article.site, article.language) == ("wire.example", "kk")
    assert extract(docs[0]).language == "kk"
    [(plain, _)] = list(read_imports([PAGE], RunReport(flow="import-files"), 10))
    assert extract(plain[0]).language == "en" and extract(plain[0]).site != "wire.example"


def test_prune_takes_the_shared_age_and_says_what_it_would_remove(library: Library,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--home", str(library.home), "prune", "--older-than", "1w", "--dry-run")
    assert code == 0
    assert out == "would remove: 0 raw archive files (0 bytes), 0 fetch-log rows, 0 failure rows, 0 articles\n"


def test_side_by_side_columns_hold_wide_characters() -> None:
    from newsmill.cli.views import _cells, side_by_side, wrap

    chinese = "北京市政府今天宣布新的交通计划将于明年开始实施" * 3
    assert all(_cells(line) <= 20 for line in wrap(chinese, 20)) and "".join(wrap(chinese, 20)) == chinese
    lines = side_by_side(chinese, "short words " * 8, 20)
    assert all(_cells(line.split(" │ ")[0]) == 22 for line in lines[:-1])  # two spaces, then 20 cells
    assert wrap("", 20) == [""]
