"""Ingest throughput from the raw archive: the ingest flow with the default
runner, with the ``processes`` runner (2 local extraction workers) and with
extraction on a 2-worker Dask cluster (a LocalCluster the run starts, and
one started beforehand and reached by address), against the same stage code
called without Prefect and against bare ``trafilatura.extract`` (the
baselines, measured in the same run).

The pages are the Scrapinghub benchmark's 181 real pages when ../shared is
present, else the bundled sample site's pages; each is archived ``--copies``
times under distinct URLs in one WARC file, which a ``warc`` source then
ingests into an empty store. Prefect's overhead is the share of the default
flow's wall time not spent in the stage code, both timed in the same run
(the stage functions of ``newsmill.pipeline`` are wrapped with a
clock). The end-to-end rows import each page once.

The runs hold about 1,000 documents (``--copies``): a run also has costs
that do not grow with it (flow-run creation, artifacts, the cluster's
start, and up to a second for Prefect's heartbeat thread, which sleeps in
one-second steps, to stop after the run ended), and at about 500
documents these moved a parallel run's call time by up to an eighth from
round to round, more than the differences the speedup is about.

    python -m benchmarks.flow_bench [--copies N] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
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


def plain(warc: Path, n: int, home: Path, processes: int = 0) -> float:
    """The stage code of an ingest run, called directly (no Prefect): in
    this process, or with ``processes`` local extraction workers running
    ahead of dedup-and-store, as the flow's ``processes`` runner does."""
    from newsmill.core.settings import Paths
    from newsmill.execution.extractor import extract_ahead
    from newsmill.execution.pool import ExtractPool
    from newsmill.pipeline import extraction, storing
    from newsmill.pipeline.acquire import read_new_files
    from newsmill.pipeline.archiving import Archiver
    from newsmill.pipeline.extraction import PROCESS_AHEAD, cut_batches, learned_settings
    from newsmill.pipeline.lifecycle import open_home
    from newsmill.pipeline.report import RunReport

    source = parse_sources(config(warc, n)).sources[0]
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(ExtractPool(processes)) if processes else None
        if pool is not None:
            pool.prestart()  # as the flow does: the workers boot while the source is read
        store, archive = open_home(Paths.resolve(str(home)))
        report = RunReport(flow="ingest")
        run_id = store.start_run("ingest", {"sources": [source.name]})
        fetched = read_new_files(source, store)
        settings = learned_settings(store, (d.site for d in fetched.docs))
        batches = cut_batches(fetched.docs)  # the flow's batches
        seen: set[str] = set()
        failures = []

        archiver = Archiver(archive, run_id, "at_store", store, by_source=True)  # as the flow: archived as stored
        archiver.reading(fetched.docs)

        if pool is not None:
            stream: Iterable[Any] = extract_ahead(pool, batches, settings, ahead=PROCESS_AHEAD)
        else:
            def in_process() -> Iterator[extraction.Extracted]:
                for batch in batches:
                    yield extraction.extract_documents(batch, settings)

            stream = in_process()
        for extracted in stream:  # as the flow does: extract a batch, then dedup and store it
            articles = [a for a in extracted.articles if a.canonical_url not in seen]
            seen.update(a.canonical_url for a in articles)
            storing.store_articles(articles, store, report, sketches=extracted.sketches,
                                   before_save=archiver.before_store)
            failures += archiver.failed(fetched.docs, extracted.failures)
    failures = [f for f in failures if not f.recorded]
    store.record_failures(failures, run_id=run_id)
    store.finish_run(run_id, "completed", report.totals())
    store.close()
    return time.perf_counter() - start


def bare_trafilatura(items: list[tuple[str, str, bytes]], copies: int) -> float:
    """The end-to-end baseline: ``trafilatura.extract`` alone on the same
    documents (decoded as UTF-8), nothing else."""
    import trafilatura

    start = time.perf_counter()
    for _ in range(copies):
        for _host, _path, body in items:
            trafilatura.extract(body.decode("utf-8", "replace"), include_comments=False)
    return time.perf_counter() - start


# The stage code an ingest flow calls (module of newsmill.pipeline, function,
# where the callers look it up); in the default runner they run one after
# another in the flow's thread.
STAGES = (("lifecycle", "open_home"), ("acquire", "read_new_files"),
          ("acquire", "assign_items"), ("lifecycle", "learned_settings"), ("extraction", "extract_documents"),
          ("storing", "store_articles"), ("acquire", "commit_source_states"))


@contextlib.contextmanager
def stage_clock() -> Iterator[list[float]]:
    """Seconds spent inside the stage functions while the block runs (the
    first element of the yielded list): the flow's time minus this is
    Prefect's (task and flow runs, API calls, artifacts, logging), measured
    in the same run, so the machine's noise hits both sides alike."""
    import importlib

    spent = [0.0]
    modules = {name: importlib.import_module(f"newsmill.pipeline.{name}") for name, _ in STAGES}
    saved = {(module, name): getattr(modules[module], name) for module, name in STAGES}

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
        return wrapper

    for (module, name), fn in saved.items():
        setattr(modules[module], name, timed(fn))
    try:
        yield spent
    finally:
        for (module, name), fn in saved.items():
            setattr(modules[module], name, fn)


RECORDED: list[float] = []  # each flow run's time as Prefect records it (see recorded_seconds)


def recorded_seconds(flow_run_id: Any) -> float:
    """A flow run's time as Prefect records it and shows it in the UI (from
    its start to its end time): the call of the flow takes up to a second
    more, while Prefect's heartbeat thread stops after the run is recorded
    as completed (it sleeps in one-second steps)."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
    assert run.start_time is not None and run.end_time is not None
    return float((run.end_time - run.start_time).total_seconds())


def flow_run(warc: Path, n: int, home: Path, runner: str = "default",
             dask_address: str | None = None) -> tuple[float, dict[str, Any]]:
    """The ingest flow with ``NEWSMILL_TASK_RUNNER=runner`` (two workers for
    ``processes`` and ``dask``; ``dask_address``: a running cluster)."""
    from newsmill.execution.cluster import environment_kept
    from newsmill.flows.ingest import ingest

    with environment_kept(("NEWSMILL_TASK_RUNNER", "NEWSMILL_PROCESSES", "NEWSMILL_DASK_WORKERS",
                           "NEWSMILL_DASK_ADDRESS")):
        os.environ.update({"NEWSMILL_TASK_RUNNER": runner, "NEWSMILL_PROCESSES": "2", "NEWSMILL_DASK_WORKERS": "2"})
        if dask_address:
            os.environ["NEWSMILL_DASK_ADDRESS"] = dask_address
        start = time.perf_counter()
        state = ingest(config=config(warc, n), home=str(home), return_state=True)
        seconds = time.perf_counter() - start
        report: dict[str, Any] = state.result()
        RECORDED.append(recorded_seconds(state.state_details.flow_run_id))
        return seconds, report


def cpu_seconds() -> float:
    """CPU-seconds used so far by this process and every process under it
    (the Prefect test server, worker processes, the fork server and what it
    reaped, a running cluster's processes): the difference over a run is
    all the CPU the run took on the machine."""
    import resource

    import psutil

    total = sum(float(getattr(resource.getrusage(who), f)) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                for f in ("ru_utime", "ru_stime"))
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def fresh_run(warc: Path, n: int, home: Path, runner: str) -> tuple[float, float]:
    """``flow_run`` in a new Python process (as a deployed flow run is),
    against the same Prefect server: the run starts its fork server and
    warms its extractors up itself. Its imports are not timed. Returns the
    call's seconds and the run time Prefect recorded."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-m", "benchmarks.flow_bench", "--one", runner, "--warc", str(warc),
                          "--count", str(n), "--home", str(home)], env=env, capture_output=True, text=True,
                         check=False, cwd=REPO)
    if out.returncode != 0:
        raise RuntimeError(f"the {runner} run in a fresh process failed:\n{out.stderr[-3000:]}")
    seconds, recorded = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(recorded)


@contextlib.contextmanager
def running_cluster(workers: int = 2) -> Iterator[str]:
    """A Dask cluster on loopback started as docs/scaling.md says for a
    long-running one (``dask scheduler``; ``dask worker --preload
    newsmill.execution.worker``), in processes of its own; yields the
    scheduler's address."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with tempfile.TemporaryDirectory(prefix="newsmill-dask-") as tmp:
        info = Path(tmp) / "scheduler.json"
        procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(info)], **quiet)]  # type: ignore[call-overload]
        try:
            deadline = time.monotonic() + 60
            while not info.exists() or not info.read_text(encoding="utf-8").strip():
                if time.monotonic() > deadline or procs[0].poll() is not None:
                    raise RuntimeError("the Dask scheduler did not start")
                time.sleep(0.1)
            address = str(json.loads(info.read_text(encoding="utf-8"))["address"])
            procs.append(subprocess.Popen([dask, "worker", address, "--host", "127.0.0.1", "--nworkers", str(workers),
                                           "--nthreads", "1", "--no-dashboard", "--preload",
                                           "newsmill.execution.worker"], **quiet))  # type: ignore[call-overload]
            with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call]
                client.wait_for_workers(workers, timeout=120)
            yield address
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in reversed(procs):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=0, help="copies of each page (default: about 1,000 documents)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best time of each is reported")
    ap.add_argument("--one", choices=("default", "dask"), help=argparse.SUPPRESS)  # fresh_run's child process
    ap.add_argument("--warc", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--count", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if args.one:
        import newsmill.flows.ingest  # noqa: F401  imported before the clock starts, as in a deployed run

        seconds, _ = flow_run(args.warc, args.count, args.home, args.one)
        print(f"{seconds:.4f} {RECORDED[-1]:.4f}")
        return []
    from prefect.testing.utilities import prefect_test_harness

    what, items = pages()
    copies = args.copies or max(1, round(1000 / len(items)))
    names = {"default": "ingest flow, default runner (extraction in the flow's process)",
             "processes": "ingest flow, `processes` runner (2 local extraction workers)",
             "dask": "ingest flow, `dask` runner, starting a 2-worker LocalCluster",
             "dask cluster": "ingest flow, `dask` runner on a running 2-worker cluster (`NEWSMILL_DASK_ADDRESS`)",
             "default fresh": "ingest flow, default runner, in a fresh process (as a deployed run)",
             "dask fresh": "ingest flow, `dask` runner, LocalCluster, in a fresh process (fork server included)"}
    runs: dict[str, list[float]] = {}
    recorded_runs: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    reports: dict[str, dict[str, Any]] = {}

    def timed(name: str, seconds: float, recorded_as: float | None = None) -> None:
        """A run's seconds; for flow runs also the run time Prefect
        recorded (by default that of the last flow run in this process)."""
        runs.setdefault(name, []).append(seconds)
        if name in names:
            recorded_runs.setdefault(name, []).append(RECORDED[-1] if recorded_as is None else recorded_as)

    @contextlib.contextmanager
    def counted(name: str) -> Iterator[None]:
        """The CPU-seconds the block took on the whole machine (this
        process and all under it)."""
        before = cpu_seconds()
        yield
        time.sleep(0.5)  # worker processes that just exited get reaped
        cpu.setdefault(name, []).append(cpu_seconds() - before)

    with tempfile.TemporaryDirectory(prefix="newsmill-flow-bench-") as tmp_name, prefect_test_harness():
        tmp = Path(tmp_name)
        warc, n = write_archive(tmp / "source", items, copies)
        once, n_once = write_archive(tmp / "once", items, 1)
        # Imports, flow registration, the fork server of the local workers
        # (started by the first run that needs it, with what a dask run preloads).
        for runner in ("default", "dask", "processes"):
            flow_run(warc, 20, tmp / f"warm-up-{runner}", runner)
        overheads: list[float] = []
        outside: list[float] = []
        recorded: list[float] = []
        for r in range(args.rounds):  # alternating, best of each: the machine is shared and noisy
            # End to end as the issue states it: each page once, from the
            # raw archive, everything included, against bare trafilatura.
            timed("e2e bare", bare_trafilatura(items, 1))
            timed("e2e plain", plain(once, n_once, tmp / f"once-{r}"))
            timed("e2e processes", plain(once, n_once, tmp / f"once-processes-{r}", processes=2))
            timed("bare", bare_trafilatura(items, copies))
            timed("plain", plain(warc, n, tmp / f"plain-{r}"))
            with stage_clock() as spent, counted("default"):
                seconds, reports["default"] = flow_run(warc, n, tmp / f"default-{r}", "default")
            timed("default", seconds)
            overheads.append(1 - spent[0] / seconds)
            outside.append(seconds - spent[0])
            recorded.append(1 - spent[0] / RECORDED[-1])
            for runner in ("processes", "dask"):
                with counted(runner):
                    seconds, reports[runner] = flow_run(warc, n, tmp / f"{runner}-{r}", runner)
                timed(runner, seconds)
            for runner in ("default", "dask"):  # as deployed runs: a process of their own
                timed(f"{runner} fresh", *fresh_run(warc, n, tmp / f"{runner}-fresh-{r}", runner))
            # The running cluster only for its own runs: an idle Dask
            # cluster takes about 5% of the machine (heartbeats, monitors).
            with running_cluster() as address:
                flow_run(warc, 20, tmp / f"warm-up-cluster-{r}", "dask", address)
                with counted("dask cluster"):
                    seconds, reports["dask cluster"] = flow_run(warc, n, tmp / f"cluster-{r}", "dask", address)
                timed("dask cluster", seconds)
    best = {name: min(times) for name, times in runs.items()}
    stored = reports["default"]["totals"]["new"]
    for runner in ("processes", "dask", "dask cluster"):
        assert reports[runner]["totals"] == reports["default"]["totals"], (runner, reports[runner]["totals"])
    bare, base = best["bare"], best["plain"]
    overhead = statistics.median(overheads)
    spread = ", ".join(f"{name} {min(t):.1f}-{max(t):.1f}" for name, t in runs.items())
    lines = [
        f"### Ingest from the raw archive: {n:,} documents ({what} x {copies}), {stored:,} articles stored "
        f"(best of {args.rounds} alternating rounds)",
        "",
        "| run | seconds | documents/s | vs stage code alone | vs bare trafilatura | CPU-seconds | cores busy "
        "| run time recorded by Prefect (s) |",
        "|---|---|---|---|---|---|---|---|",
        f"| bare `trafilatura.extract` on the same documents | {bare:.1f} | {n / bare:,.0f} | - | 1.00 | - | - | - |",
        f"| stage code without Prefect, one process (baseline) | {base:.1f} | {n / base:,.0f} | 1.00 | "
        f"{bare / base:.2f} | - | - | - |",
    ]
    # The run time Prefect records (best of the rounds): without the up to
    # one second its heartbeat thread takes to stop after the run ended,
    # which makes the calls' times move in steps of about a second.
    as_recorded = {name: min(v) for name, v in recorded_runs.items()}
    # CPU-seconds on the whole machine (median over the rounds), for the
    # runs in this process; busy cores: those CPU-seconds over the best time.
    used = {name: statistics.median(v) for name, v in cpu.items()}
    for runner, label in names.items():
        took = best[runner]
        load = f"{used[runner]:.1f} | {used[runner] / took:.2f}" if runner in used else "- | -"
        lines.append(f"| {label} | {took:.1f} | {n / took:,.0f} | {base / took:.2f} | {bare / took:.2f} | {load} "
                     f"| {as_recorded[runner]:.2f} |")
    e2e_bare, e2e_plain, e2e_proc = best["e2e bare"], best["e2e plain"], best["e2e processes"]
    lines += [
        "",
        f"Speedup over the default runner on 2 cores: `processes` {best['default'] / best['processes']:.2f}x; "
        f"Dask {best['default'] / best['dask cluster']:.2f}x on a running cluster, "
        f"{best['default'] / best['dask']:.2f}x when the run starts its LocalCluster; in fresh processes, as "
        f"deployed runs, {best['default fresh'] / best['dask fresh']:.2f}x. On 2 cores a run takes at least half "
        f"its CPU-seconds: the default run's ({used['default']:.1f}) allow at best "
        f"{best['default'] / (used['default'] / 2):.2f}x, the Dask LocalCluster run's ({used['dask']:.1f}) "
        f"{best['default'] / (used['dask'] / 2):.2f}x. By the run times Prefect recorded: `processes` "
        f"{as_recorded['default'] / as_recorded['processes']:.2f}x, Dask "
        f"{as_recorded['default'] / as_recorded['dask cluster']:.2f}x on a running cluster, "
        f"{as_recorded['default'] / as_recorded['dask']:.2f}x starting its LocalCluster, "
        f"{as_recorded['default fresh'] / as_recorded['dask fresh']:.2f}x in fresh processes. Prefect's overhead in the "
        f"default runs (the share of the flow's wall time outside the stage code, both timed in the same run; "
        f"median of {len(overheads)}): {overhead:.1%} (rounds: "
        f"{', '.join(f'{o:.1%}' for o in overheads)}); in seconds {', '.join(f'{o:.2f}' for o in outside)}, "
        f"most of it per run, not per batch (flow start and end, artifacts, and up to 1 s for Prefect's "
        f"heartbeat thread to stop), so the share falls as runs grow. Of the run time Prefect records (start to "
        f"end of the flow run, as the UI shows it; the heartbeat thread stops after it): "
        f"{statistics.median(recorded):.1%} (rounds: {', '.join(f'{o:.1%}' for o in recorded)}).",
        "",
        f"End to end, each of the {n_once} pages once from the raw archive (read, archive, extract, clean, dedup, "
        f"store; no Prefect), against bare `trafilatura.extract` on the same pages ({e2e_bare:.1f} s): "
        f"with 2 extraction worker processes {e2e_proc:.1f} s, **{e2e_bare / e2e_proc:.2f}** of its speed "
        f"(target 0.85); in one process {e2e_plain:.1f} s, {e2e_bare / e2e_plain:.2f}.",
        "",
        f"Spread over the rounds (seconds, best-worst): {spread}.",
    ]
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
