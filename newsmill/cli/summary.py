"""The summary a run command prints when its run ends: what was stored,
linked, removed, fetched or read, and lost, then a per-site table (the
``SITE_ROWS`` busiest sites, and one line totalling the others)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from newsmill.cli.errors import INTERRUPTED, OK, SOME_FAILED
from newsmill.pipeline.report import items_line

SITE_ROWS = 20  # per-site rows printed; the other sites are totalled on one line
LOCAL_FLOWS = ("import-files",)  # runs that read files rather than fetch: their `fetched` counts files read
ARCHIVE_FLOWS = ("reprocess",)  # runs that read the raw archive back: nothing fetched


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 article``, ``2 articles`` (``many``: an irregular plural)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def _input_line(flow: str, totals: Mapping[str, int]) -> str:
    if flow in LOCAL_FLOWS:
        return f"  read:                {plural(totals['fetched'], 'file')}"
    if flow in ARCHIVE_FLOWS:
        return "  read:                the raw archive (nothing fetched)"
    return f"  fetched:             {plural(totals['fetched'], 'response')} ({totals['blocked']} blocked)"


def summary_lines(title: str, report: Mapping[str, Any], site_rows: int = SITE_ROWS) -> list[str]:
    """The summary of a run report (``RunReport.to_dict()``), line by line."""
    totals = report["totals"]
    failures = report["failures"]
    flow = str(report.get("flow", ""))
    lines = [
        "",
        title,
        f"  articles stored:     {totals['new']} new, {totals['updated']} updated, {totals['unchanged']} unchanged",
        f"  duplicates found:    {plural(totals['duplicates'], 'article')}, "
        f"{plural(totals['duplicate_passages'], 'duplicate passage')}",
        f"  boilerplate removed: {plural(totals['boilerplate_removed'], 'line')}",
        _input_line(flow, totals),
        *([f"  items:               {items_line(report['items'], report.get('skipped_reasons', {}))}"]
          if report.get("items", {}).get("discovered") else
          [f"  skipped:             {plural(totals['skipped'], 'WARC record')} with no page (feeds, sitemaps, error responses)"] if totals.get("skipped") else []),
        f"  failures:            {len(failures)}" + (" (all of them: `newsmill failures`)" if failures else ""),
    ]
    lines += [f"    - [{f['stage']}/{f['status']}] {f['url']}: {f['reason'][:120]}" for f in failures[:10]]
    if len(failures) > 10:
        lines.append(f"    ... and {len(failures) - 10} more")
    lines += [f"  store:               {report['store']}", f"  raw archive:         {report['archive']}"]
    lines += site_table(flow, report["per_site"], site_rows)
    return lines


def _volume(row: Mapping[str, int]) -> int:
    return sum(row.get(c, 0) for c in ("fetched", "blocked", "new", "updated", "unchanged", "failed"))


# Columns whose name is a plural noun ("2 duplicates"); the others read as
# participles after a number ("2 new", "2 read", "2 boilerplate removed").
_NOUNS = {"duplicates": "duplicate", "duplicate_passages": "duplicate passage"}


def _count(n: int, column: str) -> str:
    if column in _NOUNS:
        return plural(n, _NOUNS[column], column.replace("_", " "))
    return f"{n} {column.replace('_', ' ')}"


def site_table(flow: str, per_site: Mapping[str, Mapping[str, int]], site_rows: int = SITE_ROWS) -> list[str]:
    """The per-site rows, busiest first (``site_rows`` of them), then one
    line totalling the other sites."""
    from newsmill.pipeline.report import COLUMNS

    if not per_site:
        return []
    ranked = sorted(per_site.items(), key=lambda kv: (-_volume(kv[1]), kv[0]))
    shown, rest = ranked[:site_rows], ranked[site_rows:]
    heads = ["read" if c == "fetched" and flow in LOCAL_FLOWS else c for c in COLUMNS]
    widths = [max(len(h), *(len(str(row[c])) for _, row in shown)) for h, c in zip(heads, COLUMNS, strict=True)]
    site_width = max(len("site"), *(len(site) for site, _ in shown))
    out = ["", "  " + "site".ljust(site_width) + "  " + "  ".join(h.rjust(w) for h, w in zip(heads, widths,
                                                                                               strict=True))]
    for site, row in shown:
        out.append("  " + site.ljust(site_width) + "  "
                   + "  ".join(str(row[c]).rjust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    if rest:
        sums = {c: sum(row[c] for _, row in rest) for c in COLUMNS}
        parts = [_count(sums[c], h) for c, h in zip(COLUMNS, heads, strict=True) if sums[c] or c == "new"]
        out.append(f"  … and {plural(len(rest), 'more site')}: {', '.join(parts)}")
    return out


def print_summary(title: str, report: Mapping[str, Any]) -> None:
    print("\n".join(summary_lines(title, report)))


def outcome(command: str, report: Mapping[str, Any]) -> int:
    """Print the summary; exit 1 (and say where to look) when inputs failed,
    130 (and say what was stored and how to resume) when interrupted."""
    failed = len(report["failures"])
    if report.get("interrupted"):
        print_summary(f"newsmill {command}: interrupted", report)
        totals = report["totals"]
        stored = totals["new"] + totals["updated"] + totals["unchanged"]
        print(f"newsmill {command}: interrupted; stored before the stop: {totals['new']} new, "
              f"{totals['updated']} updated, {totals['unchanged']} unchanged {'article' if stored == 1 else 'articles'} "
              f"in {report['store']}. "
              "Run the same command again to resume (what is stored already is skipped).", file=sys.stderr)
        return INTERRUPTED
    print_summary(f"newsmill {command}: done" + (f", {plural(failed, 'input')} failed" if failed else ""), report)
    if failed:
        print(f"newsmill {command}: {plural(failed, 'input')} failed; `newsmill failures` lists them",
              file=sys.stderr)
        return SOME_FAILED
    return OK


__all__ = ["SITE_ROWS", "outcome", "plural", "print_summary", "site_table", "summary_lines"]
