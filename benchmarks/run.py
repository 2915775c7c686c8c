"""Run every benchmark and write benchmarks/RESULTS.md (`make bench`).

Each benchmark prints its own table and a baseline measured in the same run;
this collects them with the machine and the date.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    cli_bench,
    dedup_bench,
    extraction_quality,
    fetch_bench,
    flow_bench,
    limits_bench,
    search_bench,
    store_bench,
    syndication_bench,
)

OUT = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}; newsmill {revision()}")


def revision() -> str:
    """The commit measured, and the tracked files changed since (this
    report aside), which the measurement includes."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], capture_output=True, text=True, check=False, cwd=OUT.parent)
        return out.stdout.strip() if out.returncode == 0 else ""

    rev = git("rev-parse", "--short", "HEAD") or "?"
    changed = [path for path in git("diff", "HEAD", "--name-only").splitlines()
               if path and path != "benchmarks/RESULTS.md"]
    return f"{rev} with uncommitted changes to {', '.join(changed)}" if changed else rev


def main() -> None:
    sections = [
        "# newsmill benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "Reproduce with `make bench`. Absolute times on shared machines are noisy: compare each row with the",
        "baseline measured in the same run.",
        "",
    ]
    for bench in (extraction_quality, dedup_bench, fetch_bench, store_bench, search_bench, flow_bench,
                  syndication_bench, cli_bench, limits_bench):
        print(f"== {bench.__name__}", flush=True)
        sections += [*bench.main([]), ""]
    OUT.write_text("\n".join(sections) + "\n", encoding="utf-8")
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
