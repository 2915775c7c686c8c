"""Exit codes and the checks the ``newsmill`` command makes before any
work starts: paths that do not exist, folders with nothing to read, web
addresses given where files are read, the sources file."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from newsmill.core.errors import NewsmillError

OK = 0  # everything asked for was done
SOME_FAILED = 1  # some inputs failed: recorded, listed by `newsmill failures`
USAGE = 2  # a usage or configuration error: nothing was done
INTERRUPTED = 130

_WEB_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class UsageError(NewsmillError):
    """The command line asks for something that cannot be done (exit 2)."""


KNOWN_SITES_SHOWN = 10  # sites an unknown-site message lists


def check_site(site: str, known: Sequence[str]) -> None:
    """``site`` is one of the store's ``known`` sites (a UsageError listing
    some of them if not)."""
    if site in known:
        return
    if not known:
        raise UsageError(f"no site {site} in the store; known sites: none (the store has no articles yet)")
    near = [k for k in known if k.lower() == site.lower() or site.lower() in k.lower()]
    shown = list(dict.fromkeys([*near, *known]))[:KNOWN_SITES_SHOWN]
    more = len(known) - len(shown)
    tail = f", ... ({len(known)} in all; `newsmill stats --json` lists them)" if more > 0 else ""
    raise UsageError(f"no site {site} in the store; known sites: {', '.join(shown)}{tail}")


def check_paths(paths: Sequence[str], command: str) -> None:
    """Every path exists and holds something ``import``/``extract`` reads."""
    from newsmill.pipeline.inputs import IMPORT_SUFFIXES

    for text in paths:
        p = Path(text)
        if _WEB_ADDRESS.match(text) and not text.startswith("file://"):
            hint = "fetch" if command == "extract" else "ingest"
            raise UsageError(f"{command} reads saved files, not web addresses: {text}; to {hint} a page, "
                             "use `newsmill run` with a `urls` source (docs/configuration.md)")
        if not p.exists():
            raise UsageError(f"no such file or directory: {p}")
        if p.is_dir():
            if not _has_file(p, IMPORT_SUFFIXES):
                raise UsageError(f"no file to read in {p} (a folder is read for {', '.join(IMPORT_SUFFIXES)} files)")
        elif not p.name.lower().endswith(IMPORT_SUFFIXES):
            raise UsageError(f"not a file newsmill reads: {p} (it reads {', '.join(IMPORT_SUFFIXES)})")


def _has_file(folder: Path, suffixes: tuple[str, ...]) -> bool:
    for _root, _dirs, files in os.walk(folder, followlinks=True):
        if any(name.lower().endswith(suffixes) for name in files):
            return True
    return False


def check_sources(sources_file: str, group: str | None, names: list[str] | None) -> None:
    """The sources file reads, validates and selects at least one source
    (a ConfigError, one line naming the file and line, if not)."""
    from newsmill.pipeline.acquire import choose_sources

    choose_sources(sources_file, None, group, names)


def check_database(database_url: str) -> None:
    """A PostgreSQL store's server answers (an SQLite store is created
    where it is missing, so there is nothing to check)."""
    if database_url.startswith(("sqlite:", "sqlite+")):
        return
    from newsmill.storage.store import open_engine, store_revision

    store = open_engine(database_url)
    try:
        store_revision(store)
    finally:
        store.close()


__all__ = ["INTERRUPTED", "OK", "SOME_FAILED", "USAGE", "UsageError", "check_database", "check_paths",
           "check_site", "check_sources"]
