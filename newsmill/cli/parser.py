"""The ``newsmill`` command line: every subcommand and option, with its help."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta

from newsmill.cli import reading, running

DESCRIPTION = """\
newsmill turns news pages into one clean, deduplicated store: it fetches
sources politely, archives every response, extracts and cleans each
article, links near-duplicates and stores them in SQLite or PostgreSQL.

Run commands (demo, run, import, reprocess) run in this process; with
--prefect, or PREFECT_API_URL set, the same run is a Prefect flow run
(against that server, else a temporary local one). Ctrl-C stops a run
after the batch in flight (exit 130; run the command again to resume).
The read-only commands (stats, export, failures, templates, db status,
archive check, show, search) never create or migrate a store."""

EPILOG = """\
exit status: 0 everything asked for was done; 1 some inputs failed (they
are recorded: `newsmill failures`); 2 a usage or configuration error
(nothing was done); 130 interrupted."""


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw]?)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
AGES = "an age such as 30m, 12h, 2d or 1w (minutes, hours, days, weeks)"


def parse_age(value: str, *, bare_days: bool = False, now: datetime | None = None) -> datetime:
    """The moment ``value`` ago: ``30m``, ``12h``, ``2d``, ``1w`` (a bare
    number is days when ``bare_days``). ArgumentTypeError when it is none."""
    m = _AGE.match(value)
    if m is None or (not m.group(2) and not bare_days):
        raise argparse.ArgumentTypeError(f"not {AGES}: {value!r}")
    unit = _UNITS[m.group(2).lower() or "d"]
    try:
        return (now or datetime.now(UTC)) - timedelta(**{unit: float(m.group(1))})
    except OverflowError as exc:
        raise argparse.ArgumentTypeError(f"an age too large for a date: {value!r}") from exc


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """A ``--since`` value: an ISO date or datetime (UTC unless it names a
    zone) or an age (:func:`parse_age`) before now."""
    m = _AGE.match(value)
    if m is not None and m.group(2):
        return parse_age(value, now=now)
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"not an ISO date (2025-06-01, 2025-06-01T12:00) or {AGES}: {value!r}") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _parse_since(value: str) -> datetime:
    return parse_since(value)


def _parse_age(value: str) -> datetime:
    return parse_age(value, bare_days=True)


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


def _parse_language(value: str) -> str:
    code = value.strip().lower()
    if not _LANGUAGE.match(code) or len(code) > 16:
        raise argparse.ArgumentTypeError(f"not a language code such as en, ru or pt-br: {value!r}")
    return code


def _parse_site(value: str) -> str:
    site = value.strip()
    if not site or any(c.isspace() for c in site) or "/" in site:
        raise argparse.ArgumentTypeError(f"not a site name such as inform.kz (no spaces or slashes): {value!r}")
    return site


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of 1 or more: {value!r}")
    return n


def _version() -> str:
    from newsmill import __version__

    return f"newsmill {__version__}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsmill", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version(), help="print the version and exit")
    parser.add_argument("--home", metavar="DIR",
                        help="data directory for raw/ and data/ (default: NEWSMILL_HOME, else the current one)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log each step (INFO); without it only warnings, Prefect's too")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                help="what to do (`newsmill COMMAND --help`: its options)")

    def command(name: str, text: str, func: object, parent: object = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")  # type: ignore[attr-defined]
        p.set_defaults(func=func)
        return p

    def run_options(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--prefect", action="store_true",
                       help="make the run a Prefect flow run (also when PREFECT_API_URL is set): against "
                            "PREFECT_API_URL, else a temporary local Prefect server")
        p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                       help="log each step (INFO)")
        return p

    run_options(command("demo", "serve the bundled sample news site on loopback and ingest it", running.cmd_demo))

    p = run_options(command("run", "run the ingest flow once over the sources of a sources file", running.cmd_run))
    p.add_argument("--sources", required=True, metavar="FILE", help="the sources file (YAML; docs/configuration.md)")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    p.add_argument("--group", metavar="G", help="only the sources of this group")

    p = run_options(command("import", "ingest local files and folders (.html .htm .html.gz .txt .warc .warc.gz)",
                            running.cmd_import))
    p.add_argument("paths", nargs="+", metavar="PATH", help="a file or folder to import")
    p.add_argument("--site", type=_parse_site, metavar="NAME",
                   help="the site of every imported article (default: the host of the web address a page "
                        "declares, else `local`)")
    p.add_argument("--language", type=_parse_language, metavar="CODE",
                   help="the language of every imported article, e.g. en (default: detected from the text)")

    p = run_options(command("reprocess", "re-extract, re-clean and re-dedup stored articles from the raw archive",
                            running.cmd_reprocess))
    p.add_argument("--site", help="only articles of this site")
    p.add_argument("--since", type=_parse_since, metavar="WHEN",
                   help="only articles published (else first seen) since then: an ISO date or an age "
                        "(2d, 12h, 30m, 1w)")

    p = command("templates", "list the lines the cleaner learned as templates of a site", reading.cmd_templates)
    p.add_argument("site", help="the site, e.g. inform.kz")
    p.add_argument("--min-articles", type=int, default=None, metavar="N",
                   help="seen in at least this many articles (default: NEWSMILL_TEMPLATE_MIN_ARTICLES, else 5)")

    p = command("dedup", "maintain the near-duplicate index", None)
    dsub = p.add_subparsers(dest="dedup_command", required=True, metavar="COMMAND", help="what to do")
    command("rebuild", "recompute every sketch and duplicate link (after a parameter change)",
            reading.cmd_dedup_rebuild, dsub)

    p = command("extract", "print one JSON line per saved file with its extraction (nothing stored)",
                running.cmd_extract)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a saved page, text file, WARC or folder")

    p = command("export", "write the store's articles in storage order (canonical ones unless --all)",
                reading.cmd_export)
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="output format (default: jsonl)")
    p.add_argument("--out", metavar="FILE", help="output file (default: standard output, for jsonl); "
                                                "with --partition-by, a folder")
    p.add_argument("--partition-by", choices=("date", "site"), default=None,
                   help="parquet only: a Hive-partitioned dataset under --out, a folder per day "
                        "(date=YYYY-MM-DD, of published_at, else fetched_at, UTC) or per site (site=S)")
    p.add_argument("--all", action="store_true", help="include duplicates")
    p.add_argument("--since", type=_parse_since, metavar="WHEN",
                   help="only articles stored since then: an ISO date or an age (2d, 12h, 30m, 1w)")
    p.add_argument("--site", help="only articles of this site")
    p.add_argument("--after-seq", type=int, default=0, metavar="N",
                   help="resume: only articles stored after the record whose `seq` is N")
    p.add_argument("--checkpoint", metavar="NAME",
                   help="a named cursor kept in the store: export what is new since the last export "
                        "with this name, then advance it")

    p = command("db", "the store's schema", None)
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="COMMAND", help="what to do")
    d = command("upgrade", "apply the store's schema migrations (creates the store if there is none)",
                reading.cmd_db_upgrade, dbsub)
    d.add_argument("revision", nargs="?", default="head", help="target revision (default: the newest)")
    command("status", "show the store's schema revision and the known revisions", reading.cmd_db_status, dbsub)

    p = command("prune", "delete old raw archive files and fetch-log rows (articles only if asked)",
                reading.cmd_prune)
    p.add_argument("--older-than", required=True, type=_parse_age, metavar="AGE",
                   help="an age: 90d, 12h, 30m or 8w (a bare number means days)")
    p.add_argument("--articles", action="store_true",
                   help="also delete articles not seen since then, with their revisions and links")
    p.add_argument("--dry-run", action="store_true", help="only count what would be removed")

    p = command("archive", "verify and compact the raw archive", None)
    asub = p.add_subparsers(dest="archive_command", required=True, metavar="COMMAND", help="what to do")
    a = command("check", "read back every record the store points at (exit 1 if one is broken) and count the "
                "dead and duplicate records", reading.cmd_archive_check, asub)
    a.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    a = command("compact", "rewrite the archive files without dead or duplicate records and move the pointers",
                reading.cmd_archive_compact, asub)
    a.add_argument("--json", action="store_true", help="print what was done as one JSON object")

    p = command("show", "print one stored article: metadata, text, duplicate links with both passages, "
                "removed lines", reading.cmd_show)
    p.add_argument("article", metavar="ID|URL",
                   help="the article's id (or a start of it, 6+ characters), its URL or canonical address, "
                        "or the file it was imported from")
    p.add_argument("--json", action="store_true",
                   help="print the article as one JSON object (the export record, plus first_seen, last_seen, "
                        "original, copies and linked_passages)")

    p = command("search", "full-text search of the stored articles, best first (title matches weigh more), with "
                "snippets", reading.cmd_search)
    p.add_argument("query", metavar="QUERY",
                   help='words that must all occur (any form on PostgreSQL, which stems by the article\'s '
                        'language; as written on SQLite), "a phrase" in quotes, word* for a prefix')
    p.add_argument("--site", type=_parse_site, metavar="NAME", help="only articles of this site")
    p.add_argument("--since", type=_parse_since, metavar="WHEN",
                   help="only articles published (else first seen) since then: an ISO date or an age "
                        "(2d, 12h, 30m, 1w)")
    p.add_argument("--lang", type=_parse_language, metavar="CODE",
                   help="only articles in this language (en, ru, kk...; pt also finds pt-br)")
    p.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N articles (default: 20)")
    p.add_argument("--all", action="store_true", help="include duplicates")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per article (id, url, site, title, language, published_at, "
                        "fetched_at, duplicate_of, score, snippet), best first")

    p = command("stats", "print the store's counts: articles, sites, duplicates, removed lines, failures, "
                "fetches, runs", reading.cmd_stats)
    p.add_argument("--json", action="store_true", help="print the counts as one JSON object")

    p = command("failures", "list every recorded fetch, discovery, import or extraction failure",
                reading.cmd_failures)
    p.add_argument("--since", type=_parse_since, metavar="WHEN",
                   help="only failures last seen since then: an ISO date or an age (2d, 12h, 30m, 1w)")
    p.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    return parser


__all__ = ["DESCRIPTION", "build_parser", "parse_age", "parse_since"]
