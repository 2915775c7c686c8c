"""The ``newsmill`` command as a whole process: ``newsmill import`` of the
181 Scrapinghub pages into a fresh store (time from exec to exit: Python's
start, the imports, the worker pool's start, extraction, dedup, the store
and the archive), against bare ``trafilatura.extract`` over the same pages
on the same basis (a ``python -c`` process that imports trafilatura and
extracts them all, timed from exec to exit), both measured in the same run,
in alternating rounds. The bar: bare time / newsmill time >= 0.85. Also
``newsmill --help`` from exec to exit (the bar: under 1 s).

Skipped when ../shared (the benchmark pages) is absent.

    python -m benchmarks.cli_bench [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO.parent / "shared" / "benchmarks" / "scrapinghub-article-extraction" / "html"
TARGET = 0.85

BARE = """\
import gzip, pathlib, sys
import trafilatura
for page in sorted(pathlib.Path(sys.argv[1]).glob("*.html.gz")):
    trafilatura.extract(gzip.decompress(page.read_bytes()).decode("utf-8", "replace"), include_comments=False)
"""


def _env() -> dict[str, str]:
    env = {**os.environ, "NEWSMILL_PROGRESS": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    for key in ("PREFECT_API_URL", "NEWSMILL_HOME", "NEWSMILL_DATABASE_URL", "NEWSMILL_TASK_RUNNER"):
        env.pop(key, None)
    return env


def timed(argv: list[str], cwd: Path) -> float:
    """Seconds from exec to exit of ``argv`` (which must succeed)."""
    start = time.perf_counter()
    out = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {out.returncode}:\n{out.stderr[-3000:]}")
    return seconds


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best time of each is reported")
    args = ap.parse_args(argv)
    title = "### The `newsmill` command as a whole process: `newsmill import` of the Scrapinghub pages"
    if not PAGES.is_dir():
        lines = [title, "", "Skipped: ../shared (the benchmark pages) is absent."]
        print("\n".join(lines))
        return lines
    n = len(list(PAGES.glob("*.html.gz")))
    bare: list[float] = []
    mill: list[float] = []
    helps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="newsmill-cli-bench-") as tmp_name:
        tmp = Path(tmp_name)
        timed([sys.executable, "-c", BARE, str(PAGES)], tmp)  # warm the page cache and .pyc files, not timed
        timed([sys.executable, "-m", "newsmill.cli", "--home", str(tmp / "warm"), "import", str(PAGES)], tmp)
        for r in range(args.rounds):
            bare.append(timed([sys.executable, "-c", BARE, str(PAGES)], tmp))
            mill.append(timed([sys.executable, "-m", "newsmill.cli", "--home", str(tmp / f"home-{r}"), "import",
                               str(PAGES)], tmp))
            helps.append(timed([sys.executable, "-m", "newsmill.cli", "--help"], tmp))
    best_bare, best_mill, best_help = min(bare), min(mill), min(helps)
    ratio = best_bare / best_mill
    verdict = "meets" if ratio >= TARGET else "misses"
    lines = [
        f"{title} ({n}; best of {args.rounds} alternating rounds, each a fresh store in a temporary directory)",
        "",
        "| process (exec to exit) | seconds | pages/s | bare time / this |",
        "|---|---|---|---|",
        f"| `python -c` importing trafilatura and running `trafilatura.extract` on each page (baseline) "
        f"| {best_bare:.2f} | {n / best_bare:,.0f} | 1.00 |",
        f"| `newsmill import` into a fresh store (in process, {os.cpu_count()} cores: the `processes` runner "
        f"when there are several) | {best_mill:.2f} | {n / best_mill:,.0f} | **{ratio:.2f}** |",
        f"| `newsmill --help` | {best_help:.2f} | - | - |",
        "",
        f"Ratio {ratio:.2f} {verdict} the target {TARGET}; `newsmill --help` {best_help:.2f} s (target: under 1 s). "
        f"Rounds (seconds): bare {', '.join(f'{t:.2f}' for t in bare)}; newsmill "
        f"{', '.join(f'{t:.2f}' for t in mill)}; help {', '.join(f'{t:.2f}' for t in helps)}.",
    ]
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    main()
