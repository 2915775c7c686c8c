"""The run report: what a run fetched, stored, linked and lost, per site.

Plain data (no Prefect): the flows turn it into artifacts, the CLI prints it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from newsmill.core.records import Failure, FetchOutcome, FetchStatus

COLUMNS = (
    "fetched",
    "new",
    "updated",
    "unchanged",
    "duplicates",
    "duplicate_passages",
    "boilerplate_removed",
    "blocked",
    "failed",
    "skipped",  # left out on purpose, neither articles nor failures: WARC records an import leaves out
    # (feeds, sitemaps, error responses: core.records.Skipped), discovered items an ingest does not fetch
)
ITEMS = ("discovered", "fetched", "skipped", "failed")  # the article items of a run: the first is the sum of the others


def items_line(items: dict[str, int], reasons: dict[str, int]) -> str:
    """``12 items discovered: 5 fetched, 6 skipped (no_link 1, ...), 1 failed``."""
    why = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    return (f"{items['discovered']} items discovered: {items['fetched']} fetched, {items['skipped']} skipped"
            + (f" ({why})" if why else "") + f", {items['failed']} failed")


@dataclass
class RunReport:
    """Counts per site plus the failures and new duplicate links of one run."""

    flow: str
    per_site: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    )
    failures: list[Failure] = field(default_factory=list)
    duplicate_links: list[dict[str, Any]] = field(default_factory=list)
    store: str = ""
    archive: str = ""
    sources_total: int = 0
    sources_failed: int = 0
    relinked: int = 0
    stored_batches: int = 0
    extracted_batches: int = 0
    interrupted: bool = False  # stopped early on request: what is counted was stored, the rest was not read
    items: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ITEMS, 0))
    skipped_reasons: dict[str, int] = field(default_factory=dict)  # discovered items not fetched, by reason

    def count(self, site: str, column: str, n: int = 1) -> None:
        if column not in COLUMNS:
            raise ValueError(f"unknown report column {column!r}")
        self.per_site[site or "(unknown)"][column] += n

    def add_fetches(self, outcomes: list[FetchOutcome]) -> None:
        """Count fetches (the columns count every response, a source's own
        documents too) and, for article items, :attr:`items`: each item a
        source listed is fetched, skipped (its reason in
        :attr:`skipped_reasons`) or failed."""
        for o in outcomes:
            if o.status is FetchStatus.OK:
                self.count(o.site, "fetched")
            elif o.status is FetchStatus.BLOCKED:
                self.count(o.site, "blocked")
            elif o.status is FetchStatus.SKIPPED:
                self.count(o.site, "skipped")
                why = o.reason.split(":", 1)[0].strip() or "unknown"
                self.skipped_reasons[why] = self.skipped_reasons.get(why, 0) + 1
            if o.kind == "article":
                self.items["discovered"] += 1
                self.items["fetched" if o.status is FetchStatus.OK else
                           "skipped" if o.status is FetchStatus.SKIPPED else "failed"] += 1

    def add_read_items(self, read: int, failed: int) -> None:
        """Count a local source's files as :attr:`items`: ``read`` of them
        read (as an item fetched), ``failed`` unreadable."""
        self.items["discovered"] += read + failed
        self.items["fetched"] += read
        self.items["failed"] += failed

    def add_failures(self, failures: list[Failure]) -> None:
        for f in failures:
            # Blocked pages have a column of their own; a feed's bad links
            # are listed with the failures but are no failed page.
            if f.status not in (FetchStatus.BLOCKED.value, "bad_link"):
                self.count(f.site, "failed")
        self.failures.extend(failures)

    def total(self, column: str) -> int:
        return sum(row[column] for row in self.per_site.values())

    def totals(self) -> dict[str, int]:
        return {c: self.total(c) for c in COLUMNS}

    @property
    def stored(self) -> int:
        return self.total("new") + self.total("updated")

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "totals": self.totals(),
            "per_site": {site: dict(row) for site, row in sorted(self.per_site.items())},
            "failures": [f.to_dict() for f in self.failures],
            "duplicate_links": list(self.duplicate_links),
            "relinked": self.relinked,
            "interrupted": self.interrupted,
            "items": dict(self.items),
            "skipped_reasons": dict(sorted(self.skipped_reasons.items())),
            "store": self.store,
            "archive": self.archive,
        }

    def items_line(self) -> str:
        return items_line(self.items, self.skipped_reasons)

    def to_markdown(self) -> str:
        """The per-site table shown as the run's report artifact."""
        head = "| site | " + " | ".join(c.replace("_", " ") for c in COLUMNS) + " |"
        sep = "|---" * (len(COLUMNS) + 1) + "|"
        rows = [
            f"| {site} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |"
            for site, row in sorted(self.per_site.items())
        ]
        totals = self.totals()
        rows.append("| **total** | " + " | ".join(f"**{totals[c]}**" for c in COLUMNS) + " |")
        lines = [f"# newsmill {self.flow} report", "", head, sep, *rows, ""]
        if self.failures:
            lines.append(f"{len(self.failures)} failure(s); see the failures table artifact.")
        else:
            lines.append("No failures.")
        if self.items["discovered"]:
            lines.append(self.items_line() + "  ")
        if self.relinked:
            lines.append(f"{self.relinked} stored article(s) relinked to an earlier original that arrived in this run.")
        if self.store:
            lines += ["", f"Store: `{self.store}`  ", f"Raw archive: `{self.archive}`"]
        return "\n".join(lines) + "\n"
