"""What one hostile page costs a run (issue 27): the memory of the whole
``newsmill import`` process tree (the run's process, the fork server, the
extraction workers) on the probe inputs, each next to three small
pages: a valid page of 1,000,000 ``<p>`` elements, a 20,000-row table,
200,000 nested ``<div>``s, and the three small pages alone. The tree is
sampled every 20 ms from ``/proc``: the peak of the sum of its
processes' resident set sizes (RSS: pages shared by forked processes are
counted in each) and of their proportional set sizes (PSS: shared pages
split between them). The budget: peak tree RSS under 1 GB with the
default limits. Baseline in the same run: a ``python -c`` process that
imports trafilatura and extracts the three small pages.

Then the cost that the defaults were chosen from: one process extracting
a page of N ``<p>`` elements with the element limit off (time and peak
RSS), which grows about with the square of N.

    python -m benchmarks.limits_bench [--sizes 25000,50000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET = 1024 * 2**20
SAMPLE_SECONDS = 0.02

SMALL = {
    "harbour": "The harbour authority opened a second ferry line across the bay on Monday morning.",
    "council": "The city council voted to rebuild the old market hall with timber from local forests.",
    "orchestra": "The youth orchestra played its first concert abroad to a full hall in the capital.",
}


def small_page(topic: str, sentence: str) -> str:
    paragraphs = "".join(f"<p>{sentence} Paragraph {i} adds what the {topic} story says next, "
                         f"in plain words for the readers of the paper.</p>" for i in range(8))
    return (f"<html><head><meta charset='utf-8'><title>The {topic} story</title></head><body><article>"
            f"<h1>The {topic} story</h1>{paragraphs}</article></body></html>")


def p_page(n: int) -> str:
    return ("<html><head><title>A long page</title></head><body><article>"
            + "".join(f"<p>w {i}</p>" for i in range(n)) + "</article></body></html>")


def table_page(rows: int) -> str:
    body = "".join(f"<tr><td>row {i}</td><td>{i * 3}</td><td>note on row {i}</td></tr>" for i in range(rows))
    return ("<html><head><title>The figures</title></head><body><article><h1>The figures</h1>"
            "<p>The table below lists every figure the office published this year, row by row.</p>"
            f"<table>{body}</table></article></body></html>")


def nested_page(depth: int) -> str:
    text = "".join(f"<p>The story inside the boxes is still a story worth reading, part {i}.</p>" for i in range(4))
    return f"<html><head><title>Nested</title></head><body>{'<div>' * depth}{text}{'</div>' * depth}</body></html>"


PROBES = {
    "three small pages": None,
    "a page of 1,000,000 `<p>`": lambda: p_page(1_000_000),
    "a 20,000-row table": lambda: table_page(20_000),
    "200,000 nested `<div>`s": lambda: nested_page(200_000),
}


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "NEWSMILL_PROGRESS": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    for key in ("PREFECT_API_URL", "NEWSMILL_HOME", "NEWSMILL_DATABASE_URL", "NEWSMILL_TASK_RUNNER",
                "NEWSMILL_DOCUMENT_SECONDS", "NEWSMILL_DOCUMENT_MEMORY_MB", "NEWSMILL_MAX_ELEMENTS"):
        env.pop(key, None)
    return {**env, **extra}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process, in bytes (0, 0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            fields = {line.split(b":")[0]: int(line.split()[1]) * 1024 for line in f if line.endswith(b"kB\n")}
        return fields.get(b"Rss", 0), fields.get(b"Pss", 0)
    except (OSError, ValueError, IndexError):
        return 0, 0


def watched(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int, int]:
    """Run ``argv``; (seconds, peak tree RSS, peak tree PSS, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_rss = peak_pss = 0
    while proc.poll() is None:
        tree = _children()
        pids, todo = [], [proc.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += tree.get(pid, [])
        sizes = [_memory(pid) for pid in pids]
        peak_rss = max(peak_rss, sum(r for r, _ in sizes))
        peak_pss = max(peak_pss, sum(p for _, p in sizes))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {proc.returncode}:\n{err[-3000:]}")
    return seconds, peak_rss, peak_pss, proc.returncode


def outcome(home: Path) -> str:
    with sqlite3.connect(home / "data" / "newsmill.db") as db:
        stored = db.execute("select count(*) from articles").fetchone()[0]
        failed = [s for (s,) in db.execute("select status from failures where stage = 'extract'")]
    return f"{stored} stored" + (f", {', '.join(f'1 {s}' for s in failed)}" if failed else "")


BARE = """\
import pathlib, sys
import trafilatura
for page in sorted(pathlib.Path(sys.argv[1]).glob("*.html")):
    trafilatura.extract(page.read_text(encoding="utf-8"), include_comments=False)
"""

ONE = """\
import json, resource, sys, time
from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import extract_documents
body = open(sys.argv[1], "rb").read()
doc = RawDocument(url="file:///bench/page.html", body=body, source=SourceRef("b", "folder", "b"), site="b")
start = time.perf_counter()
got = extract_documents([doc], ExtractSettings(max_elements=0))
print(json.dumps({"seconds": time.perf_counter() - start, "articles": len(got.articles),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f}"


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="25000,50000,100000,150000",
                    help="element counts of the one-process cost table (comma-separated)")
    args = ap.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",") if n]
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="newsmill-limits-bench-") as tmp_name:
        tmp = Path(tmp_name)
        small = tmp / "small"
        small.mkdir()
        for topic, sentence in SMALL.items():
            (small / f"{topic}.html").write_text(small_page(topic, sentence), encoding="utf-8")
        bare_s, bare_rss, bare_pss, _ = watched([sys.executable, "-c", BARE, str(small)], tmp, _env())
        rows.append(f"| `python -c` importing trafilatura, extracting the three small pages (baseline) "
                    f"| {bare_s:.1f} | {mb(bare_rss)} | {mb(bare_pss)} | - | - |")
        worst = 0
        for k, (name, make) in enumerate(PROBES.items()):
            folder = tmp / f"probe-{k}"
            folder.mkdir()
            for page in small.iterdir():
                (folder / page.name).write_bytes(page.read_bytes())
            if make is not None:
                (folder / "probe.html").write_text(make(), encoding="utf-8")
            home = tmp / f"home-{k}"
            s, rss, pss, _ = watched([sys.executable, "-m", "newsmill.cli", "--home", str(home), "import",
                                      str(folder)], tmp, _env())
            worst = max(worst, rss)
            rows.append(f"| `newsmill import`: {name}{' and the three small pages' if make else ''} "
                        f"| {s:.1f} | {mb(rss)} | {mb(pss)} | {rss / BUDGET:.2f} | {outcome(home)} |")
        # The kill path: the pre-check off, the default time and memory limits.
        home = tmp / "home-kill"
        s, rss, pss, _ = watched([sys.executable, "-m", "newsmill.cli", "--home", str(home), "import",
                                  str(tmp / "probe-1")], tmp, _env(NEWSMILL_MAX_ELEMENTS="0"))
        rows.append(f"| `newsmill import`: the 1,000,000-`<p>` page, element limit off (`NEWSMILL_MAX_ELEMENTS=0`) "
                    f"| {s:.1f} | {mb(rss)} | {mb(pss)} | {rss / BUDGET:.2f} | {outcome(home)} |")
        cost: list[str] = []
        for n in sizes:
            page = tmp / f"p{n}.html"
            page.write_text(p_page(n), encoding="utf-8")
            out = subprocess.run([sys.executable, "-c", ONE, str(page)], cwd=tmp, env=_env(), capture_output=True,
                                 text=True, check=True)
            got = json.loads(out.stdout.strip().splitlines()[-1])
            cost.append(f"| {n:,} | {page.stat().st_size / 1e6:.1f} | {got['seconds']:.1f} | {mb(got['rss'])} |")
    verdict = "meets" if worst < BUDGET else "misses"
    lines = [
        "### Limits: the `newsmill import` process tree's peak memory on hostile pages (issue 27; one run each, "
        f"{os.cpu_count()} cores: the `processes` runner, default limits)",
        "",
        "| process (exec to exit) | seconds | peak tree RSS, MB | peak tree PSS, MB | RSS / 1 GB budget | outcome |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"With the default limits the worst peak tree RSS is {mb(worst)} MB: it {verdict} the 1 GB budget. RSS counts "
        "the pages a forked worker shares with the fork server in each process; PSS splits them.",
        "",
        "One process extracting a page of N `<p>` elements (`extract_documents`, element limit off): what the "
        "defaults were chosen from (`NEWSMILL_MAX_ELEMENTS` 100,000; `NEWSMILL_DOCUMENT_SECONDS` 30; "
        "`NEWSMILL_DOCUMENT_MEMORY_MB` 1024)",
        "",
        "| elements | MB | seconds | peak RSS, MB |",
        "|---|---|---|---|",
        *cost,
    ]
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    main()
