"""Ingest throughput from the raw archive: the ingest flow with the default
runner and with extraction on a 2-worker Dask LocalCluster, against the same
stage code called without Prefect (the baseline, measured in the same run).

The pages are the Scrapinghub benchmark's 181 real pages when ../shared is
present, else the bundled sample site's pages; each is archived ``--copies``
times under distinct URLs in one WARC file, which a ``warc`` source then
ingests into an empty store. Prefect's overhead is the share of the default
flow's wall time not spent in the stage code (flow wall time minus the
baseline's, over the flow's).

    python -m benchmarks.flow_bench [--copies N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsmill.core.records import RawDocument, SourceRef
from newsmill.core.settings import parse_sources

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "benchmarks" / "scrapinghub-article-extraction" / "html"
SOURCE = SourceRef("bench-archive", "urls", "bench")


def pages() -> tuple[str, list[tuple[str, str, bytes]]]:
    """(host, path, html) of each page: the real host when known, so sites
    group as they would in a crawl."""
    if SHARED.is_dir():
        truth = json.loads((SHARED.parent / "ground-truth.json").read_text(encoding="utf-8"))
        found = sorted(SHARED.glob("*.html.gz"))
        items = []
        for p in found:
            key = p.name.removesuffix(".html.gz")
            url = urlsplit(truth.get(key, {}).get("url") or f"https://bench.example/{key}")
            items.append((url.hostname or "bench.example", url.path or f"/{key}", gzip.decompress(p.read_bytes())))
        return f"Scrapinghub benchmark pages ({len(found)})", items
    found = sorted((REPO / "raw" / "sample").rglob("*.html"))
    return (f"bundled sample-site pages ({len(found)}; ../shared absent)",
            [(f"{p.parent.name}.example", f"/{p.stem}", p.read_bytes()) for p in found])


def write_archive(out: Path, items: list[tuple[str, str, bytes]], copies: int) -> tuple[Path, int]:
    """One WARC file with every page ``copies`` times, each copy under its
    own host (``copyK.<host>``)."""
    from newsmill.storage import RawArchive

    archive = RawArchive(out)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    n = 0
    with archive.open_writer("bench") as writer:
        for k in range(copies):
            for i, (host, path, body) in enumerate(items):
                site = f"copy{k}.{host}"
                writer.write(RawDocument(url=f"https://{site}{path}?page={i}", body=body, source=SOURCE, site=site,
                                         content_type="text/html; charset=utf-8", http_status=200, fetched_at=when))
                n += 1
    return next(out.rglob("*.warc.gz")), n


def config(warc: Path, n: int) -> dict[str, Any]:
    return {"sources": [{"name": "archive", "kind": "warc", "site": "", "path": str(warc), "max_articles": n}]}


def plain(warc: Path, n: int, home: Path) -> float:
    """The stage code of an ingest run, called directly (no Prefect)."""
    from newsmill.flows import pipeline
    from newsmill.flows.report import RunReport

    source = parse_sources(config(warc, n)).sources[0]
    start = time.perf_counter()
    _, store, archive = pipeline.open_context(str(home))
    report = RunReport(flow="ingest")
    run_id = store.start_run("ingest", {"sources": [source.name]})
    fetched = pipeline.read_local_source(source, store, archive, run_id)
    settings = pipeline.learned_settings(store, (d.site for d in fetched.docs))
    batches = [fetched.docs[i : i + 200] for i in range(0, len(fetched.docs), 200)]
    seen: set[str] = set()
    failures = []
    for batch in batches:  # as the flow does: extract a batch, then dedup and store it
        extracted = pipeline.extract_documents(batch, settings)
        articles = [a for a in extracted.articles if a.canonical_url not in seen]
        seen.update(a.canonical_url for a in articles)
        pipeline.dedup_and_store(articles, store, report)
        failures += extracted.failures
    store.record_failures(failures, run_id=run_id)
    store.finish_run(run_id, "completed", report.totals())
    store.close()
    return time.perf_counter() - start


def bare_trafilatura(items: list[tuple[str, str, bytes]], copies: int) -> float:
    """The end-to-end baseline: ``trafilatura.extract`` alone on the same
    documents (decoded as UTF-8), nothing else."""
    from benchmarks.extraction_quality import bare

    start = time.perf_counter()
    for _ in range(copies):
        for _host, _path, body in items:
            bare(body, "")
    return time.perf_counter() - start


def flow_run(warc: Path, n: int, home: Path) -> tuple[float, dict[str, Any]]:
    from newsmill.flows.ingest import ingest

    start = time.perf_counter()
    report = ingest(config=config(warc, n), home=str(home))
    return time.perf_counter() - start, report


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=0, help="copies of each page (default: about 500 documents)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best time of each is reported")
    args = ap.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    what, items = pages()
    copies = args.copies or max(1, round(500 / len(items)))
    with tempfile.TemporaryDirectory(prefix="newsmill-flow-bench-") as tmp_name, prefect_test_harness():
        tmp = Path(tmp_name)
        warc, n = write_archive(tmp / "source", items, copies)
        once, n_once = write_archive(tmp / "once", items, 1)
        flow_run(warc, 20, tmp / "warm-up")  # imports, first flow registration, trafilatura warm-up
        e2e_bares, e2e_plains, bares, bases, defaults, dasks = [], [], [], [], [], []
        for r in range(args.rounds):  # alternating, best of each: the machine is shared and noisy
            # End to end as the issue states it: each page once, from the
            # raw archive, everything included, against bare trafilatura.
            e2e_bares.append(bare_trafilatura(items, 1))
            e2e_plains.append(plain(once, n_once, tmp / f"once-{r}"))
            bares.append(bare_trafilatura(items, copies))
            bases.append(plain(warc, n, tmp / f"plain-{r}"))
            seconds, report = flow_run(warc, n, tmp / f"default-{r}")
            defaults.append(seconds)
            os.environ["NEWSMILL_TASK_RUNNER"], os.environ["NEWSMILL_DASK_WORKERS"] = "dask", "2"
            try:
                seconds, dask_report = flow_run(warc, n, tmp / f"dask-{r}")
                dasks.append(seconds)
            finally:
                del os.environ["NEWSMILL_TASK_RUNNER"], os.environ["NEWSMILL_DASK_WORKERS"]
    bare, base, default_s, dask_s = min(bares), min(bases), min(defaults), min(dasks)
    e2e_bare, e2e_plain = min(e2e_bares), min(e2e_plains)
    stored = report["totals"]["new"]
    assert dask_report["totals"] == report["totals"], (dask_report["totals"], report["totals"])
    overhead = max(default_s - base, 0.0) / default_s
    lines = [
        f"### Ingest from the raw archive: {n:,} documents ({what} x {copies}), {stored:,} articles stored "
        f"(best of {args.rounds} alternating rounds)",
        "",
        "| run | seconds | documents/s | vs stage code alone |",
        "|---|---|---|---|",
        f"| bare `trafilatura.extract` on the same documents (end-to-end baseline) | {bare:.1f} | "
        f"{n / bare:,.0f} | - |",
        f"| stage code without Prefect (baseline) | {base:.1f} | {n / base:,.0f} | 1.00 |",
        f"| ingest flow, default runner | {default_s:.1f} | {n / default_s:,.0f} | {base / default_s:.2f} |",
        f"| ingest flow, extraction on a 2-worker Dask LocalCluster | {dask_s:.1f} | {n / dask_s:,.0f} | "
        f"{base / dask_s:.2f} |",
        "",
        f"Dask speedup over the default runner: {default_s / dask_s:.2f}x (cluster start-up included). "
        f"Prefect's overhead in the default run (time outside the stage code): {overhead:.1%}.",
        "",
        f"End to end, each of the {n_once} pages once from the raw archive (read, extract, clean, dedup, store; "
        f"no Prefect): {e2e_plain:.1f} s against {e2e_bare:.1f} s for bare `trafilatura.extract` on the same "
        f"pages, {e2e_bare / e2e_plain:.2f} of its speed (target 0.85). With the copies above (every page a "
        f"near-duplicate of two others, so dedup links everything): {bare / base:.2f}; the ingest flow "
        f"{bare / default_s:.2f}.",
    ]
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
