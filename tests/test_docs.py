"""The docs pages say what the code does: every ``NEWSMILL_*`` variable and
every sources-file and site-overrides key in docs/configuration.md, every
rule of the catalog in docs/rules.md, the store's schema version and
migrations in docs/schema.md, the benchmark tables in docs/performance.md."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from newsmill.core.errors import ConfigError
from newsmill.core.settings import FetchSettings, LimitSettings, SourceConfig, parse_sources
from newsmill.extractors.rules import BLOCK_RULES, LINE_RULES, OTHER_RULES, RULES
from newsmill.extractors.sites import SiteOverride, parse_site_overrides
from tests.conftest import REPO

DOCS = REPO / "docs"
CODE = REPO / "newsmill"
_VAR = re.compile(r"NEWSMILL_[A-Z_]+")
# A table row whose first cell is one backticked name: (name, the other cells).
_ROW = re.compile(r"^\| `([^`]+)` \|(.*)\|\s*$", re.M)


def _doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next ``## `` heading."""
    assert f"\n## {heading}\n" in text, f"no section {heading!r}"
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def _first_cells(text: str) -> list[str]:
    return [m.group(1) for m in _ROW.finditer(text)]


# --- docs/configuration.md ---------------------------------------------------

def _code_variables() -> set[str]:
    found: set[str] = set()
    for path in CODE.rglob("*.py"):
        found |= set(_VAR.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_is_documented() -> None:
    doc = _doc("configuration.md")
    table = [name for name in _first_cells(_section(doc, "Environment variables")) if name.startswith("NEWSMILL_")]
    assert len(table) == len(set(table)), "a variable is listed twice"
    code = _code_variables()
    assert code, "no NEWSMILL_* variable found in newsmill/"
    missing = sorted(code - set(table))
    assert not missing, f"used in newsmill/ but not in docs/configuration.md's table: {missing}"
    unknown = sorted(set(_VAR.findall(doc)) - code)
    assert not unknown, f"in docs/configuration.md but read nowhere in newsmill/: {unknown}"


def _sources_keys() -> set[str]:
    """The keys the sources-file parser accepts: ``fetch``, ``limits`` and
    ``sources`` at the top, the fields of FetchSettings, LimitSettings and
    SourceConfig below them (``_build`` refuses any other key)."""
    return ({"fetch", "limits", "sources"} | {f"fetch.{f.name}" for f in fields(FetchSettings)}
            | {f"limits.{f.name}" for f in fields(LimitSettings)}
            | {f"sources[].{f.name}" for f in fields(SourceConfig)})


def test_every_sources_file_key_is_documented() -> None:
    documented = _first_cells(_section(_doc("configuration.md"), "The sources file"))
    assert len(documented) == len(set(documented)), "a key is listed twice"
    accepted = _sources_keys()
    assert not accepted - set(documented), f"accepted but not documented: {sorted(accepted - set(documented))}"
    assert not set(documented) - accepted, f"documented but refused: {sorted(set(documented) - accepted)}"


def test_the_sources_parser_accepts_exactly_those_keys() -> None:
    """The dataclass fields are the parser's list: an unknown key is refused."""
    entry = {"name": "a", "kind": "feed", "url": "https://a.example/rss", "site": "a.example"}
    parse_sources({"fetch": {}, "sources": [entry]})
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_sources({"sources": [{**entry, "no_such_key": 1}]})
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_sources({"fetch": {"no_such_key": 1}, "sources": [entry]})
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_sources({"limits": {"no_such_key": 1}, "sources": [entry]})


def test_every_site_overrides_key_is_documented() -> None:
    documented = {name.removeprefix("SITE.") for name in
                  _first_cells(_section(_doc("configuration.md"), "The site-overrides file"))}
    accepted = {f.name for f in fields(SiteOverride)} - {"site"}
    assert documented == accepted
    for key in accepted:  # each is accepted by the parser
        parse_site_overrides({"a.example": {"drop": [".x"], key: [".y"] if key != "note" else "why"}})
    with pytest.raises(ConfigError, match="unknown key"):
        parse_site_overrides({"a.example": {"drop": [".x"], "no_such_key": 1}})


# --- docs/rules.md -------------------------------------------------------------

def _kind(name: str) -> str:
    for kind, group in (("line", LINE_RULES), ("block", BLOCK_RULES), ("context", OTHER_RULES)):
        if any(rule.name == name for rule in group):
            return kind
    raise AssertionError(name)


def _catalog_row(name: str) -> str:
    description = RULES[name].description.replace("<", "\\<")
    return f"| `{name}` | {_kind(name)} | {description} |"


def test_every_rule_is_in_the_catalog_page() -> None:
    """docs/rules.md's catalog table is RULES: each rule with its kind and
    description, in catalog order."""
    section = _section(_doc("rules.md"), "The catalog")
    matches = [m for line in section.splitlines() if (m := _ROW.match(line.strip()))]
    rows = [m.group(0).strip() for m in matches]
    documented = [m.group(1) for m in matches]
    missing = [name for name in RULES if name not in documented]
    assert not missing, "rules missing from docs/rules.md; add:\n" + "\n".join(_catalog_row(n) for n in missing)
    unknown = [name for name in documented if name not in RULES]
    assert not unknown, f"docs/rules.md lists rules RULES does not have: {unknown}"
    for row, name in zip(rows, documented, strict=True):
        assert row == _catalog_row(name), f"docs/rules.md row differs from RULES; expected:\n{_catalog_row(name)}"
    assert documented == list(RULES), "docs/rules.md lists the rules in another order than RULES"


# --- docs/schema.md --------------------------------------------------------------

def _migrations() -> dict[str, str | None]:
    """revision -> down_revision of every migration file."""
    versions = CODE / "storage" / "migrations" / "versions"
    out: dict[str, str | None] = {}
    for path in sorted(versions.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*(?::[^=]+)?=\s*["\']([^"\']+)["\']', text, re.M)
        down = re.search(r'^down_revision\s*(?::[^=]+)?=\s*(?:["\']([^"\']+)["\']|None)', text, re.M)
        assert rev and down, f"{path.name}: no revision/down_revision"
        out[rev.group(1)] = down.group(1)
    assert out, f"no migrations in {versions}"
    return out


def test_schema_page_states_the_store_version_and_every_migration() -> None:
    from newsmill.storage.schema import SCHEMA_VERSION

    doc = _doc("schema.md")
    title = doc.splitlines()[0]
    stated = re.fullmatch(r"# .*schema version (\d+) \(Alembic revision `([^`]+)`\)", title)
    assert stated, f"docs/schema.md's title states no schema version and revision: {title!r}"
    assert int(stated.group(1)) == SCHEMA_VERSION
    revisions = _migrations()
    heads = set(revisions) - {down for down in revisions.values() if down}
    assert heads == {stated.group(2)}, f"newest migration {heads}, docs/schema.md says {stated.group(2)}"
    table = dict(re.findall(r"^\| `([^`]+)` \| (\d+) \|", _section(doc, "Versions and migrations"), re.M))
    assert set(table) == set(revisions), f"migrations listed {sorted(table)}, in the code {sorted(revisions)}"
    assert int(table[stated.group(2)]) == SCHEMA_VERSION


# --- docs/performance.md ---------------------------------------------------------

def test_performance_tables_are_the_recorded_ones() -> None:
    """Every table row of docs/performance.md is a row of benchmarks/RESULTS.md
    (after `make bench`, copy its tables over)."""
    recorded = set((REPO / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8").splitlines())
    rows = [line for line in _doc("performance.md").splitlines() if line.startswith("|")]
    assert rows
    stale = [row for row in rows if row not in recorded]
    assert not stale, "rows of docs/performance.md not in benchmarks/RESULTS.md:\n" + "\n".join(stale)


# --- links -------------------------------------------------------------------------

def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a page's headings."""
    heads = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


@pytest.mark.parametrize("page", ["README.md", *(f"docs/{p.name}" for p in sorted(DOCS.glob("*.md")))])
def test_relative_links_resolve(page: str) -> None:
    path = REPO / page
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", path.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        linked = (path.parent / target) if target else path
        assert linked.exists(), f"{page} links to {target}, which does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{page} links to {target}#{anchor}: no such heading"


def test_the_version_is_one_everywhere() -> None:
    """pyproject.toml, ``newsmill.__version__`` and the CHANGELOG's latest
    numbered release agree."""
    import newsmill

    declared = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.MULTILINE)
    released = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (REPO / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert declared and released
    assert newsmill.__version__ == declared.group(1) == released.group(1)
