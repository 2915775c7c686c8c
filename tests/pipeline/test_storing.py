"""Storing a batch (newsmill/pipeline/storing.py): what one batch of an
import reads from the store, counted statement by statement on SQLite."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsmill.core.records import Article, RawDocument, SourceRef
from newsmill.core.settings import DedupSettings
from newsmill.pipeline.archiving import Archiver
from newsmill.pipeline.report import RunReport
from newsmill.pipeline.storing import store_articles
from newsmill.storage import RawArchive, Store, open_store
from tests.helpers.statements import statements

REF = SourceRef("files", "folder", "file:///in")
T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)
SETTINGS = DedupSettings(template_min_articles=5)
SIGNATURE = "Earlier, The Example Herald reported on the latest developments in the region and beyond."
WORDS = ["harbour", "weather", "mayor", "budget", "school", "river", "museum", "station", "orchard", "tariff",
         "border", "hotel", "ferry", "council", "market", "bridge", "festival", "airport", "library", "factory"]


def article(n: int, site: str, *extra: str) -> Article:
    opening = " ".join(WORDS[(n * 7 + i * 3) % len(WORDS)] + str(n) for i in range(16))
    paragraphs = [f"Story {n}: {opening}.", *extra]
    url = f"https://{site}/story/{n}"
    return Article(url=url, canonical_url=url, site=site, text="\n\n".join(paragraphs), paragraphs=paragraphs,
                   source=REF, fetched_at=T0, title=f"Story {n}", published_at=T0 + timedelta(hours=n),
                   language="en")


def document(a: Article) -> RawDocument:
    return RawDocument(url=a.url, body=a.text.encode(), source=REF, site=a.site, fetched_at=T0,
                       content_type="text/plain")


def import_batch(store: Store, archiver: Archiver, batch: list[Article], report: RunReport) -> None:
    """The store step of one import batch, as the import flow runs it."""
    archiver.reading([document(a) for a in batch])
    store_articles(batch, store, report, SETTINGS, seen={}, before_save=archiver.before_store)


def kind(statement: str, parameters: Any) -> str:
    """What a statement of the store step is for."""
    if not statement.startswith("SELECT"):
        return "write"
    if "articles.content_hash" in statement and "articles.canonical_url IN" in statement:
        return "stored state"  # is this URL stored, with what hash (and version)?
    if "template_lines" in statement or "template_keys" in statement:
        return "templates"  # the template counts kept with the articles
    where = statement.partition(" WHERE ")[2]
    by_id = "articles.id IN" in where or "boilerplate_removals.article_id IN" in where
    if by_id and ("articles.paragraphs" in statement or "boilerplate_removals.rule" in statement):
        return "counted articles"  # the same, the rule and originals checked on the rows read
    if "site.template" in statement or "site.template" in str(parameters) or (
            "paragraphs" in statement and ".site" in where):
        if by_id:
            return "counted articles"  # the lines of the batch's own articles
        return "template scan"  # the sites' paragraphs and the lines removed as templates
    return "other"


def test_one_import_batch_reads_what_is_stored_once_and_the_template_counts_of_its_lines(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'newsmill.db'}")
    archive = RawArchive(tmp_path / "raw")
    first = [*(article(i, "x.example", SIGNATURE) for i in range(4)),
             *(article(10 + i, "y.example") for i in range(2)), article(20, "z.example"), article(21, "z.example")]
    import_batch(store, Archiver(archive, "run-1", "at_store", store), first, RunReport("import-files"))

    changed = article(21, "z.example")
    changed.paragraphs = [*changed.paragraphs, "A correction was added to the story after it was published."]
    changed.text = "\n\n".join(changed.paragraphs)
    batch = [article(4, "x.example", SIGNATURE), article(5, "x.example", SIGNATURE),  # the signature's 5th and 6th
             article(12, "y.example"), article(20, "z.example"), changed]
    report = RunReport("import-files")
    archiver = Archiver(archive, "run-2", "at_store", store)
    with statements(store) as seen:
        import_batch(store, archiver, batch, report)
    kinds = Counter(kind(s, p) for s, p in seen)
    assert kinds["stored state"] == 1, [s for s, p in seen if kind(s, p) == "stored state"]
    # the kept counts, read for the batch's lines: the keys that may link
    # sites, the lines of the batch's keys, the batch's keys on its sites
    assert kinds["templates"] == 3, [s for s, p in seen if kind(s, p) == "templates"]
    # no site's paragraphs are read: only the batch's own stored articles'
    # lines (paragraphs, removals), not counted for the batch, and before and
    # after the save (the counts follow the change)
    assert kinds["template scan"] == 0, [s for s, p in seen if kind(s, p) == "template scan"]
    assert kinds["counted articles"] == 6, [s for s, p in seen if kind(s, p) == "counted articles"]

    # and the batch was stored as before: the signature the batch completes
    # is cleaned away, the unchanged article is only touched, the new and
    # changed ones are archived
    totals = report.totals()
    assert (totals["new"], totals["updated"], totals["unchanged"]) == (3, 1, 1)
    rows = {r["id"]: r for r in store.articles(include_duplicates=True)}
    for a in batch[:2]:
        assert SIGNATURE not in rows[a.id]["text"]
        assert {"text": SIGNATURE, "rule": "site.template"} in rows[a.id]["boilerplate_removed"]
    assert rows[changed.id]["version"] == 2 and rows[batch[3].id]["version"] == 1
    archived = [r["raw"] for r in rows.values() if r["raw"] and "run-2" in r["raw"]]
    assert len(archived) == 4
    assert len(list(archive.iter_documents(archived[0].split("#")[0]))) == 4
    store.close()


def stored_results(store: Store) -> dict[str, Any]:
    """What dedup-and-store left: each article's text, duplicate fields and
    removals, the passage links and the sketches (with their bands)."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        def rows(query: str) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in conn.execute(text(query)))

        return {
            "articles": rows("SELECT url, text, duplicate_of, similarity, novelty, cluster_id FROM articles"),
            "removals": rows("SELECT article_id, position, text, rule FROM boilerplate_removals"),
            "links": rows("SELECT article_id, paragraph, of_article, of_paragraph, similarity FROM passage_links"),
            "sketches": rows("SELECT kind, article_id, paragraph, order_key, shingles FROM sketches"),
            "bands": rows("SELECT s.article_id, s.paragraph, b.key FROM sketch_bands b JOIN sketches s ON s.sid = b.sid"),
        }


def test_the_second_dedup_run_reads_only_what_the_template_pass_changed_and_links_the_same(
        tmp_path: Path, monkeypatch: Any) -> None:
    """A batch whose template pass removes a line is linked again after it:
    with the store's answers of the first run kept (ReadOnce) the second run
    asks the store only for the sketches the pass changed, and the store
    ends exactly as with two runs that each ask the store for everything
    (what storing did before)."""
    from newsmill.pipeline import storing

    shared = "The ministry said the new ferry line will carry containers across the lake from next spring on."
    first = [*(article(i, "x.example", SIGNATURE) for i in range(4)), article(30, "y.example", shared)]

    def second() -> list[Article]:  # completes the signature (5th and 6th), a copy, a passage shared with y
        body = [" ".join(f"{WORDS[(k * 5 + i) % len(WORDS)]}{k}x{i}" for i in range(30)) + "." for k in range(4)]
        copy_of = article(4, "x.example", *body, SIGNATURE)
        copy = Article(url="https://z.example/copy", canonical_url="https://z.example/copy", site="z.example",
                       text=copy_of.text, paragraphs=list(copy_of.paragraphs), source=REF, fetched_at=T0,
                       title="Copy", published_at=T0 + timedelta(hours=40), language="en")
        return [copy_of, article(5, "x.example", SIGNATURE, shared), article(31, "y.example"), copy]

    asked: list[int] = []
    real = storing.ReadOnce

    class Counting(real):  # type: ignore[misc, valid-type]
        def candidates(self, kind: str, bands: Any) -> Any:
            before = self.asked
            out = super().candidates(kind, bands)
            asked.append(self.asked - before)
            return out

    results = []
    for name, index in (("kept", Counting), ("plain", lambda store: store)):
        store = open_store(f"sqlite:///{tmp_path / name}.db")
        monkeypatch.setattr(storing, "ReadOnce", index)
        store_articles(first, store, RunReport("t"), SETTINGS)
        asked.clear()
        report = RunReport("t")
        store_articles(second(), store, report, SETTINGS)
        if name == "kept":
            # two runs of two kinds each; the second run asked again only for
            # the article sketches of the texts the pass cleaned
            assert len(asked) == 4, asked
            first_run, second_run = sum(asked[:2]), sum(asked[2:])
            assert 0 < second_run < first_run, asked
        assert report.totals()["duplicates"] == 1 and report.totals()["boilerplate_removed"] == 2
        results.append(stored_results(store))
        store.close()
    assert results[0] == results[1]
