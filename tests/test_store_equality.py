"""The same input gives the same store on SQLite and PostgreSQL: a run over
the sample site served on loopback, an import of a folder of pages written
here (several batches: templates a batch completes, a copy of a sample
story, shared passages, an updated page), and a reprocess of the unchanged
archive, which leaves the store as it was. Where the Scrapinghub benchmark
pages are in ../shared/benchmarks, an import of 40 of them too.

Each store is compared as a canonical dump: articles (text, paragraphs,
metadata, duplicate fields, clusters, novelty, versions, boilerplate
removals, passage links), replaced versions, learned templates and
failures, without what legitimately differs from one store to another (run
ids, fetch and storing times, ``seq`` numbers, raw-archive pointers)."""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from newsmill.core.settings import DedupSettings
from newsmill.storage import open_store
from newsmill.storage import schema as t
from newsmill.storage.templates import SharedLines
from tests.conftest import SHARED

pytestmark = pytest.mark.usefixtures("prefect_harness")

BATCH = 8  # documents per batch here: every input goes through several store steps
BENCHMARK = SHARED / "benchmarks" / "scrapinghub-article-extraction" / "html"
BENCHMARK_PAGES = 40
POSTGRES = os.environ.get("NEWSMILL_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES else [])]
Dump = dict[str, Any]


@contextmanager
def database(backend: str, home: Path) -> Iterator[str]:
    """A fresh store URL: a SQLite file under ``home``, or a schema of its
    own on the PostgreSQL test server (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{home / 'data' / 'newsmill.db'}"
        return
    from newsmill.storage.store import normalize_url

    assert POSTGRES
    base = normalize_url(POSTGRES)
    schema = f"eq_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def dump(url: str) -> Dump:
    """The store at ``url`` as plain, ordered data (see the module)."""
    store = open_store(url)
    try:
        a, br, pl, rv, f = t.articles, t.boilerplate_removals, t.passage_links, t.article_revisions, t.failures
        with store.engine.connect() as conn:
            removals: dict[str, list[tuple[Any, ...]]] = {}
            for r in conn.execute(select(br.c.article_id, br.c.position, br.c.rule, br.c.text)
                                  .order_by(br.c.article_id, br.c.position)):
                removals.setdefault(r[0], []).append(tuple(r[1:]))
            links: dict[str, list[tuple[Any, ...]]] = {}
            for r in conn.execute(select(pl.c.article_id, pl.c.paragraph, pl.c.of_article, pl.c.of_paragraph,
                                         pl.c.similarity).order_by(pl.c.article_id, pl.c.paragraph, pl.c.of_article)):
                links.setdefault(r[0], []).append(tuple(r[1:]))
            skip = {"seq", "fetched_at", "first_seen", "last_seen", "stored_at", "raw"}
            articles = {}
            for row in conn.execute(select(a).order_by(a.c.id)).mappings():
                record = {k: _plain(v) for k, v in row.items() if k not in skip}
                record["paragraphs"], record["authors"] = json.loads(row["paragraphs"]), json.loads(row["authors"])
                record["archived"] = row["raw"] is not None
                record["boilerplate_removed"] = removals.get(row["id"], [])
                record["duplicate_passages"] = links.get(row["id"], [])
                articles[row["id"]] = record
            revisions = sorted(
                (r.article_id, r.version, r.content_hash, r.url, r.title, r.text, r.paragraphs, r.extraction)
                for r in conn.execute(select(rv)))
            failures = sorted({(r.url, r.stage, r.status, r.reason) for r in conn.execute(select(f))})
        min_articles = DedupSettings().template_min_articles
        sites = sorted({r["site"] for r in articles.values() if r["site"]})
        shared = SharedLines.load(store).templates(min_articles)
        templates = {
            site: {"site": store.site_templates(site, min_articles),
                   "shared": sorted((key, (x.text, x.articles, x.sites, x.rule))
                                    for key, x in shared.get(site, {}).items())}
            for site in sites}
        return {"articles": articles, "revisions": revisions, "templates": templates, "failures": failures}
    finally:
        store.close()


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):  # both backends give UTC datetimes; SQLite's are naive
        return value.replace(tzinfo=None).isoformat()
    return value


def differences(a: Dump, b: Dump, limit: int = 10) -> list[str]:
    """The first differences between two dumps, readably."""
    out: list[str] = []
    for part in a:
        if a[part] == b[part]:
            continue
        if part != "articles":
            out.append(f"{part}: {json.dumps(a[part], default=str)[:800]} != {json.dumps(b[part], default=str)[:800]}")
            continue
        for key in sorted(set(a[part]) | set(b[part])):
            x, y = a[part].get(key), b[part].get(key)
            if x != y:
                fields = sorted(k for k in set(x or {}) | set(y or {}) if (x or {}).get(k) != (y or {}).get(k))
                out.append(f"article {key} ({(x or y or {}).get('url')}): "
                           + "; ".join(f"{k}: {(x or {}).get(k)!r:.300} != {(y or {}).get(k)!r:.300}" for k in fields))
    return out[:limit]


# -- the input: pages written here --------------------------------------------

WORDS = ["harbour", "weather", "mayor", "budget", "school", "river", "museum", "station", "orchard",
         "tariff", "border", "hotel", "ferry", "council", "market", "bridge", "festival", "airport",
         "library", "factory", "wheat", "railway", "steppe", "caravan", "pipeline", "theatre", "stadium",
         "clinic", "village", "canal"]
FOOTER = "The Lakeside Courier is published by Lakeside Media Group in the town of Aral since 1998."
SISTER = "Lakeside Media Group titles share this newsletter box with their readers every single week."


def _sentence(pick: random.Random, n: int = 18) -> str:
    words = [pick.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _page(site: str, n: int, title: str, paragraphs: list[str], day: int) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="https://{site}/news/{n}.html">'
            f'<meta property="article:published_time" content="2025-07-{day:02d}T09:00:00+00:00"></head>'
            f"<body><nav><a href='/'>Home</a> <a href='/news/'>News</a></nav><main><article><h1>{title}</h1>"
            f"{body}</article></main><footer><p>Contact us</p></footer></body></html>")


def write_pages(folder: Path, sample: Path) -> None:
    """Pages of two sister sites and a third site: a footer line on seven
    pages of one site (a template the import's batches complete), a box on
    both sisters, a paragraph shared by stories of different sites, a copy
    of a sample-site story under another address, a text file with a date."""
    pick = random.Random(22)
    shared_passage = _sentence(pick, 24)
    for n in range(14):
        site = ("courier.example", "courier-weekly.example", "plain.example")[n % 3]
        paragraphs = [_sentence(pick) for _ in range(4)]
        if site != "plain.example":
            paragraphs.append(FOOTER if site == "courier.example" or n % 2 else SISTER)
            if n % 4 == 1:
                paragraphs.append(SISTER)
        if n in (2, 7, 11):
            paragraphs.insert(1, shared_passage)
        (folder / f"page-{n:02d}.html").write_text(_page(site, n, f"Story {n} of {site}", paragraphs, 1 + n),
                                                  encoding="utf-8")
    story = (sample / "steppe-herald" / "2025" / "06" / "10" / "ferry-line-opens-kuryk.html").read_text(
        encoding="utf-8")
    (folder / "reprinted-ferry.html").write_text(
        story.replace("{{BASE_URL}}", "https://plain.example/reprints"), encoding="utf-8")
    (folder / "note.txt").write_text("date 2025-07-20\nHarbour works begin on the northern pier\n\n"
                                     + "\n\n".join(_sentence(pick, 22) for _ in range(3)) + "\n", encoding="utf-8")


# -- the runs -----------------------------------------------------------------


@dataclass
class Stores:
    imported: Dump  # after the run over the sample site and the import
    reprocessed: Dump  # after a reprocess of everything
    again: Dump  # after a second reprocess


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, Stores]:
    """Each backend's store after: a run over the sample site (served on
    loopback, one server for every backend, so the URLs are the same), an
    import of the pages written here, and two reprocesses."""
    from newsmill.flows.ingest import import_files, ingest, reprocess
    from newsmill.pipeline import extraction
    from newsmill.pipeline.sample_site import SampleSite, default_root

    pages = tmp_path_factory.mktemp("pages")
    write_pages(pages, default_root())
    out: dict[str, Stores] = {}
    with SampleSite(port=0) as site, pytest.MonkeyPatch.context() as mp:
        mp.setattr(extraction, "EXTRACT_BATCH", BATCH)
        for backend in BACKENDS:
            home = tmp_path_factory.mktemp(f"home-{backend}")
            with database(backend, home) as url:
                mp.setenv("NEWSMILL_DATABASE_URL", url)
                ran = ingest(config=site.sources_config(), home=str(home))
                assert ran["totals"]["new"] >= 30, ran["totals"]
                imported = import_files(paths=[str(pages)], home=str(home))
                assert imported["totals"]["new"] >= 14, imported["totals"]
                before = dump(url)
                first = reprocess(home=str(home))
                assert first["totals"]["new"] == 0, first["totals"]
                after = dump(url)
                second = reprocess(home=str(home))
                assert second["totals"]["new"] == 0, second["totals"]
                out[backend] = Stores(before, after, dump(url))
    return out


def test_the_store_holds_what_the_input_asks_for(stores: dict[str, Stores]) -> None:
    """The dump is not trivially equal: the input exercised what it is
    meant to (templates, copies, shared passages, failures)."""
    store = stores["sqlite"].imported
    rows = list(store["articles"].values())
    assert len(rows) >= 45
    assert any(r["duplicate_of"] for r in rows) and any(r["duplicate_passages"] for r in rows)
    assert {"plain.example", "courier.example", "steppeherald.kz"} <= {r["site"] for r in rows}
    courier = [r for r in rows if r["site"] == "courier.example"]
    assert courier and all(FOOTER not in r["text"] for r in courier)
    assert all(("site.template" in [rule for _, rule, _ in r["boilerplate_removed"]]) for r in courier)
    assert store["templates"]["courier.example"]["site"] and store["failures"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_reprocess_of_an_unchanged_archive_only_applies_later_templates(stores: dict[str, Stores],
                                                                         backend: str) -> None:
    """A reprocess of the unchanged archive leaves the store as it was but
    for the templates learned after an article was stored (the import's
    later batches completed them): it removes them from those articles. A
    second reprocess, with nothing new learned, changes nothing."""
    got = stores[backend]
    assert got.again == got.reprocessed, differences(got.reprocessed, got.again)
    before, after = got.imported["articles"], got.reprocessed["articles"]
    assert set(before) == set(after)
    changed = [key for key in before if before[key] != after[key]]
    for key in changed:
        old, new = before[key], after[key]
        gone = [p for p in old["paragraphs"] if p not in new["paragraphs"]]
        assert gone and new["paragraphs"] == [p for p in old["paragraphs"] if p not in gone], key
        assert [(rule, line) for _, rule, line in new["boilerplate_removed"] if rule == "site.template"
                and (rule, line) not in [(r, x) for _, r, x in old["boilerplate_removed"]]] == [
            ("site.template", p) for p in gone], key
        assert new["version"] == old["version"] + 1
        assert old["url"].startswith("file:"), old["url"]  # the sample site's articles are as they were
    assert len(changed) < len(before) // 4, changed


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL test server (scripts/test-services.sh starts one)")
def test_sqlite_and_postgresql_stores_are_equal(stores: dict[str, Stores]) -> None:
    lite, pg = stores["sqlite"], stores["postgresql"]
    assert lite.imported == pg.imported, differences(lite.imported, pg.imported)
    assert lite.reprocessed == pg.reprocessed, differences(lite.reprocessed, pg.reprocessed)
    assert lite.again == pg.again, differences(lite.again, pg.again)


@pytest.mark.shared
def test_benchmark_pages_give_equal_stores(shared_dir: Path, tmp_path: Path) -> None:
    """An import of the first Scrapinghub benchmark pages (read where they
    are, in ../shared) gives the same store on each backend."""
    from newsmill.flows.ingest import import_files

    if not BENCHMARK.is_dir():
        pytest.skip(f"{BENCHMARK} is absent; optional check skipped")
    paths = [str(p) for p in sorted(BENCHMARK.glob("*.html.gz"))[:BENCHMARK_PAGES]]
    assert len(paths) == BENCHMARK_PAGES
    dumps: dict[str, Dump] = {}
    with pytest.MonkeyPatch.context() as mp:
        for backend in BACKENDS:
            home = tmp_path / backend
            with database(backend, home) as url:
                mp.setenv("NEWSMILL_DATABASE_URL", url)
                report = import_files(paths=paths, home=str(home))
                assert report["totals"]["new"] >= BENCHMARK_PAGES * 3 // 4, report["totals"]
                dumps[backend] = dump(url)
    if "postgresql" not in dumps:
        pytest.skip("no PostgreSQL test server: nothing to compare the SQLite store with")
    assert dumps["sqlite"] == dumps["postgresql"], differences(dumps["sqlite"], dumps["postgresql"])
