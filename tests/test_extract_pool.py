"""The local extraction pool (``NEWSMILL_TASK_RUNNER=processes``): real
worker processes, the same results as in-process extraction, and a worker
that dies costs only the document that killed it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from newsmill.core.errors import ConfigError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.core.settings import LimitSettings
from newsmill.execution.extractor import extract_ahead
from newsmill.execution.fork import WORKER_NICENESS, fork_server
from newsmill.execution.pool import ExtractPool
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import DEFAULT_SKETCH, Extracted, extract_documents, run_ahead
from newsmill.pipeline.inputs import read_import_path

REPO = Path(__file__).resolve().parents[1]
POISON = b"<!-- kill the worker -->"


def sample_docs() -> list[RawDocument]:
    docs: list[RawDocument] = []
    for folder in sorted((REPO / "raw" / "sample").iterdir()):
        if folder.is_dir():
            docs += [d for d in read_import_path(folder) if isinstance(d, RawDocument)]
    ref = SourceRef(name="hostile", kind="folder", url="file:///hostile")
    docs += [RawDocument(url="file:///hostile/empty.html", body=b"", source=ref, site="hostile"),
             RawDocument(url="file:///hostile/binary.html", body=bytes(range(256)) * 40, source=ref, site="hostile")]
    return docs


def dies_on_poison(docs: list[RawDocument], settings: ExtractSettings | None) -> Extracted:
    """A worker function that kills its process on a poisoned document (as
    an out-of-memory kill or a crash in a C extension would)."""
    if any(POISON in d.body for d in docs):
        os._exit(9)
    return extract_documents(docs, settings)


STUCK = b"<!-- stuck in C -->"


def stuck_on_marker(docs: list[RawDocument], settings: ExtractSettings | None) -> Extracted:
    """A worker function that, on a marked document, runs a regular
    expression that backtracks for hours inside C code, holding the GIL and
    deaf to signals (as a parser stuck on a page would)."""
    import re

    if any(STUCK in d.body for d in docs):
        re.match(r"(a+)+$", "a" * 60 + "b")
    return extract_documents(docs, settings)


def summary(e: Extracted) -> tuple[list[tuple[str, str, str | None]], list[tuple[str, str]]]:
    return ([(a.url, a.text, a.title) for a in e.articles], [(f.url, f.status) for f in e.failures])


def test_pool_extracts_what_the_process_extracts() -> None:
    docs = sample_docs()
    with ExtractPool(2) as pool:
        pool.prestart()
        assert summary(pool.extract(docs)) == summary(extract_documents(docs))
        assert summary(pool.extract([])) == ([], [])


def test_extract_ahead_keeps_batch_order() -> None:
    docs = sample_docs()
    batches = [docs[i : i + 5] for i in range(0, len(docs), 5)]
    with ExtractPool(2, split=1) as pool:
        got = list(extract_ahead(pool, batches, ahead=2))
    assert [summary(e) for e in got] == [summary(extract_documents(b)) for b in batches]


def test_a_dead_worker_costs_only_the_document_that_killed_it() -> None:
    docs = sample_docs()[:12]
    bad = RawDocument(url=docs[5].url + "?poisoned", body=docs[5].body + POISON, source=docs[5].source,
                      site=docs[5].site)
    batch = [*docs[:5], bad, *docs[5:]]
    with ExtractPool(2, split=2, work=dies_on_poison) as pool:
        got = pool.extract(batch)
        assert [(f.url, f.status) for f in got.failures if "died" in f.reason] == [(bad.url, "extract_error")]
        articles, failures = summary(got)
        assert (articles, [f for f in failures if f[0] != bad.url]) == summary(extract_documents(docs))
        # the pool was restarted: it goes on working
        assert summary(pool.extract(docs)) == summary(extract_documents(docs))


def test_a_document_stuck_in_c_code_has_its_worker_killed_on_time() -> None:
    """The time limit is kept from outside the worker: the worker, stuck in
    C code holding the GIL, is killed, the document recorded as
    ``timeout`` with its size, and the rest of the part goes on in a new
    worker."""
    docs = sample_docs()[:8]
    bad = RawDocument(url=docs[3].url + "?stuck", body=docs[3].body + STUCK, source=docs[3].source,
                      site=docs[3].site)
    with ExtractPool(2, split=1, work=stuck_on_marker, limits=LimitSettings(document_seconds=1.5)) as pool:
        got = pool.extract([*docs[:3], bad, *docs[3:]])
        assert [(f.url, f.status) for f in got.failures if f.url == bad.url] == [(bad.url, "timeout")]
        assert f"{len(bad.body):,}-byte document" in next(f.reason for f in got.failures if f.url == bad.url)
        articles, failures = summary(got)
        assert (articles, [f for f in failures if f[0] != bad.url]) == summary(extract_documents(docs))
        assert pool.kills == 1 and len(pool.pids) == 2


def test_pool_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match="processes must be >= 1"):
        ExtractPool(0)
    with pytest.raises(ConfigError, match="split must be >= 1"):
        ExtractPool(2, split=0)


@pytest.fixture(scope="module")
def dask_client():  # type: ignore[no-untyped-def]
    """A real 2-worker Dask LocalCluster on loopback, its workers forked
    from the pipeline's fork server as the ``dask`` runner starts them; a
    task whose worker dies fails at once (no retries), so the poison test
    is quick."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from newsmill.execution.cluster import local_cluster_setup

    with local_cluster_setup(), dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


def worker_facts() -> tuple[int, bool, bool, str, int]:
    """(parent process, pipeline imported, glibc's memory trimming set in the
    environment the process started with, Dask's tick interval, niceness)
    of the process it runs in."""
    import dask

    started_with = Path("/proc/self/environ").read_bytes().split(b"\0")
    return (os.getppid(), "newsmill.execution.worker" in sys.modules,
            any(v.startswith(b"MALLOC_TRIM_THRESHOLD_=") for v in started_with),
            dask.config.get("distributed.admin.tick.interval"), os.nice(0))


def lowered(niceness: int) -> int:
    """A local worker's niceness, started from a process of ``niceness``."""
    return min(19, niceness + WORKER_NICENESS)


def test_local_workers_run_below_the_flows_priority() -> None:
    """The fork server, and so every local worker (the pool's, a
    LocalCluster's), runs at a lower CPU priority than the flow: the flow
    dedups and stores while they extract, and every batch waits for it."""
    from concurrent.futures import ProcessPoolExecutor

    if "NEWSMILL_WORKER_NICENESS" in os.environ:
        pytest.skip("NEWSMILL_WORKER_NICENESS is set for this run")
    with ProcessPoolExecutor(1, mp_context=fork_server()) as pool:
        assert pool.submit(os.nice, 0).result() == lowered(os.nice(0))


def test_local_cluster_workers_fork_from_the_fork_server(dask_client) -> None:  # type: ignore[no-untyped-def]
    """The LocalCluster's workers are children of the fork server, not of
    this process, start with the pipeline imported and warmed up, and run
    with the LocalCluster's settings: batch-job check intervals, glibc's
    own memory trimming."""
    facts = dask_client.run(worker_facts)
    parents = {parent for parent, *_ in facts.values()}
    assert len(facts) == 2 and len(parents) == 1 and os.getpid() not in parents
    assert all(ready for _, ready, *_ in facts.values())
    assert not any(trim for _, _, trim, *_ in facts.values())
    assert {tick for *_, tick, _ in facts.values()} == {"1s"}
    if "NEWSMILL_WORKER_NICENESS" not in os.environ:
        assert {nice for *_, nice in facts.values()} == {lowered(os.nice(0))}


def test_local_cluster_setup_leaves_the_environment_as_it_was(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Dask's pre-spawn variables are set while the LocalCluster runs and
    gone afterwards (its nannies leave theirs in the flow's environment)."""
    pytest.importorskip("distributed")
    from newsmill.execution.cluster import local_cluster_setup

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    with local_cluster_setup():
        assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "3"
        assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
        os.environ["PYTHONHASHSEED"] = "6640"  # as a nanny does
    assert "OMP_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "3"
    assert "PYTHONHASHSEED" not in os.environ


def test_the_fork_server_imports_the_main_module_once() -> None:
    """A program run as a module (``python -m prefect.engine`` in a
    deployed run) has its main module imported by the fork server, so a
    worker does not import it again (and what it imports) on its own."""
    out = subprocess.run([sys.executable, "-m", "tests.helpers.fork_main"], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split() == ["True"], out.stderr[-2000:]
    assert "RuntimeWarning" not in out.stderr


def test_cluster_extracts_what_the_process_extracts(dask_client) -> None:  # type: ignore[no-untyped-def]
    from newsmill.execution.cluster import ClusterExtractor

    docs = sample_docs()
    cluster = ClusterExtractor(dask_client)
    assert cluster.workers == 2
    batches = [docs[i : i + 5] for i in range(0, len(docs), 5)]
    got = list(run_ahead(cluster.submit, batches, 2))
    assert [summary(e) for e in got] == [summary(extract_documents(b)) for b in batches]


def test_cluster_waits_for_a_client_still_starting(dask_client) -> None:  # type: ignore[no-untyped-def]
    """The flow hands the extractor a future of the client while the cluster
    starts in the background; the first batch waits for it."""
    from newsmill.execution.cluster import ClusterExtractor

    docs = sample_docs()[:6]
    starting: Future[Any] = Future()
    threading.Timer(0.3, starting.set_result, args=(dask_client,)).start()
    assert summary(ClusterExtractor(starting).extract(docs)) == summary(extract_documents(docs))


def test_extraction_sketches_every_article_for_dedup() -> None:
    docs = sample_docs()[:4]
    got = extract_documents(docs)
    assert set(got.sketches) == {a.id for a in got.articles} and got.articles
    assert all(got.sketches[a.id].fits(a, DEFAULT_SKETCH) for a in got.articles)
    assert extract_documents(docs, params=None).sketches == {}


def test_a_dead_dask_worker_costs_only_the_document_that_killed_it(dask_client) -> None:  # type: ignore[no-untyped-def]
    from newsmill.execution.cluster import ClusterExtractor

    docs = sample_docs()[:12]
    bad = RawDocument(url=docs[5].url + "?poisoned", body=docs[5].body + POISON, source=docs[5].source,
                      site=docs[5].site)
    cluster = ClusterExtractor(dask_client, work=dies_on_poison)
    got = cluster.extract([*docs[:5], bad, *docs[5:]])
    assert [(f.url, f.status) for f in got.failures if "Dask task failed" in f.reason] == [(bad.url, "extract_error")]
    articles, failures = summary(got)
    assert (articles, [f for f in failures if f[0] != bad.url]) == summary(extract_documents(docs))
    assert summary(cluster.extract(docs)) == summary(extract_documents(docs))  # and it goes on
    with pytest.raises(ConfigError, match="split must be >= 1"):
        ClusterExtractor(dask_client, split=0)


def test_a_dask_task_stuck_in_c_code_is_stopped_on_time(dask_client) -> None:  # type: ignore[no-untyped-def]
    """On Dask the guard runs in the worker: the document's child process is
    killed, the document recorded as ``timeout``, and the worker itself
    lives on."""
    from newsmill.execution.cluster import ClusterExtractor

    docs = sample_docs()[:6]
    bad = RawDocument(url=docs[2].url + "?stuck", body=docs[2].body + STUCK, source=docs[2].source,
                      site=docs[2].site)
    before = dask_client.run(os.getpid)
    cluster = ClusterExtractor(dask_client, work=stuck_on_marker, limits=LimitSettings(document_seconds=1.5))
    got = cluster.extract([*docs[:2], bad, *docs[2:]])
    assert [(f.url, f.status) for f in got.failures if f.url == bad.url] == [(bad.url, "timeout")]
    articles, failures = summary(got)
    assert (articles, [f for f in failures if f[0] != bad.url]) == summary(extract_documents(docs))
    assert before.items() <= dask_client.run(os.getpid).items()  # (a worker restarted by an earlier test may join)
