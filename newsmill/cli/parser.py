"""The ``newsmill`` command line: every subcommand and option, with its help."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from newsmill.cli import reading, running

DESCRIPTION = """\
newsmill turns news pages into one clean, deduplicated store: it fetches
sources politely, archives every response, extracts and cleans each
article, links near-duplicates and stores them in SQLite or PostgreSQL.

Run commands (demo, run, import, reprocess) execute Prefect flows (against
PREFECT_API_URL if set, else a temporary local server); the others never
start Prefect, and the read-only ones (stats, export, failures, templates,
db status) never create or migrate a store."""

EPILOG = """\
exit status: 0 everything asked for was done; 1 some inputs failed (they
are recorded: `newsmill failures`); 2 a usage or configuration error
(nothing was done); 130 interrupted."""


def _parse_since(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _parse_age(value: str) -> datetime:
    units = {"d": "days", "h": "hours", "w": "weeks"}
    try:
        amount = float(value[:-1]) if value[-1:] in units else float(value)
        unit = units.get(value[-1:], "days")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an age like 30d, 12h or 4w: {value!r}") from exc
    if amount < 0:
        raise argparse.ArgumentTypeError("an age must not be negative")
    return datetime.now(UTC) - timedelta(**{unit: amount})


def _version() -> str:
    from newsmill import __version__

    return f"newsmill {__version__}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsmill", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version(), help="print the version and exit")
    parser.add_argument("--home", metavar="DIR",
                        help="data directory for raw/ and data/ (default: NEWSMILL_HOME, else the current one)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str, func: object, parent: object = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")  # type: ignore[attr-defined]
        p.set_defaults(func=func)
        return p

    command("demo", "serve the bundled sample news site on loopback and ingest it", running.cmd_demo)

    p = command("run", "run the ingest flow once over the sources of a sources file", running.cmd_run)
    p.add_argument("--sources", required=True, metavar="FILE", help="the sources file (YAML; docs/configuration.md)")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    p.add_argument("--group", metavar="G", help="only the sources of this group")

    p = command("import", "ingest local files and folders (.html .htm .html.gz .txt .warc .warc.gz)",
                running.cmd_import)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a file or folder to import")

    p = command("reprocess", "re-extract, re-clean and re-dedup stored articles from the raw archive",
                running.cmd_reprocess)
    p.add_argument("--site", help="only articles of this site")
    p.add_argument("--since", type=_parse_since, metavar="DATE",
                   help="only articles published since this ISO date")

    p = command("templates", "list the lines the cleaner learned as templates of a site", reading.cmd_templates)
    p.add_argument("site", help="the site, e.g. inform.kz")
    p.add_argument("--min-articles", type=int, default=None, metavar="N",
                   help="seen in at least this many articles (default: NEWSMILL_TEMPLATE_MIN_ARTICLES, else 5)")

    p = command("dedup", "maintain the near-duplicate index", None)
    dsub = p.add_subparsers(dest="dedup_command", required=True, metavar="COMMAND")
    command("rebuild", "recompute every sketch and duplicate link (after a parameter change)",
            reading.cmd_dedup_rebuild, dsub)

    p = command("extract", "print one JSON line per saved file with its extraction (nothing stored)",
                running.cmd_extract)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a saved page, text file, WARC or folder")

    p = command("export", "write the store's articles in storage order (canonical ones unless --all)",
                reading.cmd_export)
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="output format (default: jsonl)")
    p.add_argument("--out", metavar="FILE", help="output file (default: standard output, for jsonl)")
    p.add_argument("--all", action="store_true", help="include duplicates")
    p.add_argument("--since", type=_parse_since, metavar="DATE", help="only articles stored since this ISO date")
    p.add_argument("--site", help="only articles of this site")
    p.add_argument("--after-seq", type=int, default=0, metavar="N",
                   help="resume: only articles stored after the record whose `seq` is N")
    p.add_argument("--checkpoint", metavar="NAME",
                   help="a named cursor kept in the store: export what is new since the last export "
                        "with this name, then advance it")

    p = command("db", "the store's schema", None)
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    d = command("upgrade", "apply the store's schema migrations (creates the store if there is none)",
                reading.cmd_db_upgrade, dbsub)
    d.add_argument("revision", nargs="?", default="head", help="target revision (default: the newest)")
    command("status", "show the store's schema revision and the known revisions", reading.cmd_db_status, dbsub)

    p = command("prune", "delete old raw archive files and fetch-log rows (articles only if asked)",
                reading.cmd_prune)
    p.add_argument("--older-than", required=True, type=_parse_age, metavar="AGE",
                   help="age like 90d, 12h or 8w (a bare number means days)")
    p.add_argument("--articles", action="store_true",
                   help="also delete articles not seen since then, with their revisions and links")
    p.add_argument("--dry-run", action="store_true", help="only count what would be removed")

    command("stats", "print counts by site and status, duplicates, failures (JSON)", reading.cmd_stats)

    p = command("failures", "list every recorded fetch, discovery, import or extraction failure",
                reading.cmd_failures)
    p.add_argument("--since", type=_parse_since, metavar="DATE", help="only failures since this ISO date")
    p.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    return parser


__all__ = ["DESCRIPTION", "build_parser"]
