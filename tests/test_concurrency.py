"""Two `newsmill import` processes writing one store at once (SQLite and
PostgreSQL) lose nothing and duplicate nothing: the store holds exactly the
articles, sketches and removals of a single sequential import of the same
files, and near-copies are linked to their originals."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsmill.core.records import SourceRef
from newsmill.pipeline.extraction import extract_documents
from newsmill.pipeline.report import RunReport
from newsmill.pipeline.storing import store_articles
from newsmill.sources import iter_folder
from newsmill.storage import Store, open_store
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def make_sets(root: Path) -> tuple[Path, Path, Path]:
    """Folders A and B sharing their middle third, and ALL (their union).
    Every page has a lightly edited copy on a mirror site, always in the
    same folder as its original."""
    pages = sorted(p for p in (REPO / "raw" / "sample").rglob("*.html") if p.name != "index.html")
    folders = [root / name for name in ("a", "b", "all")]
    for f in folders:
        f.mkdir(parents=True)
    n = len(pages)
    for i, page in enumerate(pages):
        body = page.read_text(encoding="utf-8").replace("{{BASE_URL}}", "https://origin.example")
        copy = body.replace("https://origin.example", "https://mirror.example").replace(" the ", " a ", 1)
        targets = [folders[2]]
        if i < 2 * n // 3:
            targets.append(folders[0])
        if i >= n // 3:
            targets.append(folders[1])
        for folder in targets:
            (folder / f"{i:03d}.html").write_text(body, encoding="utf-8")
            (folder / f"{i:03d}-mirror.html").write_text(copy, encoding="utf-8")
    return folders[0], folders[1], folders[2]


def reference(url: str, folder: Path) -> None:
    """The same pages stored by one process, without Prefect."""
    store = open_store(url)
    docs = [d for d in iter_folder(folder, SourceRef("import", "folder", folder.as_uri()), "")
            if not hasattr(d, "stage")]
    extracted = extract_documents(docs)
    store_articles(extracted.articles, store, RunReport(flow="reference"))
    store.close()


def snapshot(store: Store) -> dict[str, object]:
    arts = list(store.articles(include_duplicates=True))
    with store.engine.connect() as conn:
        from sqlalchemy import text

        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                  for t in ("articles", "sketches", "sketch_bands", "boilerplate_removals", "article_revisions")}
    return {"articles": sorted((a["canonical_url"], a["content_hash"], a["version"]) for a in arts),
            "counts": counts,
            "clusters": {a["id"]: a["cluster_id"] for a in arts},
            "ids": {a["canonical_url"]: a["id"] for a in arts}}


@pytest.fixture
def second_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty store on the same backend for the reference run."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'ref' / 'newsmill.db'}"
        return
    from sqlalchemy import create_engine, text

    base, _, _ = store_url.partition("?options=")
    schema = "r" + store_url.rsplit("%3D", 1)[1]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_two_import_processes_at_once(store_url: str, second_url: str, tmp_path: Path) -> None:
    a, b, union = make_sets(tmp_path / "pages")
    home = tmp_path / "home"
    procs = []
    for name, folder in (("a", a), ("b", b)):
        env = {**os.environ, "NEWSMILL_DATABASE_URL": store_url,
               "PREFECT_HOME": str(tmp_path / f"prefect-{name}")}
        env.pop("PREFECT_API_URL", None)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "newsmill.cli", "--home", str(home), "import", str(folder)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in procs:
        out, err = proc.communicate(timeout=400)
        # exit 1: the sample's video page (and its mirror) gives no article, and nothing else fails
        shown = [line.strip() for line in out.decode().splitlines() if line.strip().startswith("- [")]
        assert proc.returncode == 1 and shown, (out + err).decode()[-3000:]
        assert all(line.startswith("- [extract/not_article]") for line in shown), shown

    reference(second_url, union)
    store, ref = open_store(store_url), open_store(second_url)
    try:
        got, want = snapshot(store), snapshot(ref)
        assert got["articles"] == want["articles"]  # every article once, none lost, none bumped
        assert got["counts"] == want["counts"]  # no doubled sketches, bands or removals
        ids, clusters = got["ids"], got["clusters"]
        assert isinstance(ids, dict) and isinstance(clusters, dict)
        pairs = [(ids[url], ids[url.replace("mirror.example", "origin.example")])
                 for url in ids if url.startswith("https://mirror.example")]
        assert len(pairs) >= 20
        for mirror, origin in pairs:  # each copy and its original are linked into one cluster
            assert clusters[mirror] == clusters[origin], (mirror, origin)
        runs = store.stats()["runs"]
        assert runs == 2
    finally:
        store.close()
        ref.close()
