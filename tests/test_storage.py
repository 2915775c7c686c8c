"""The raw archive and the SQL store (SQLite always; PostgreSQL when a test
server is available, see scripts/test-services.sh)."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from newsmill.core.errors import ArchiveError, StorageError
from newsmill.core.records import (
    Article,
    Failure,
    FetchOutcome,
    FetchStatus,
    PassageLink,
    RawDocument,
    Removal,
    SourceRef,
)
from newsmill.dedup import Deduplicator, MemorySketchIndex
from newsmill.storage import RawArchive, Store, open_store
from newsmill.storage.export import json_value, write_jsonl, write_parquet

REF = SourceRef("src", "feed", "https://x.example/rss")
T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)
def art(n: int, text: str | None = None, **kw: object) -> Article:
    paragraphs = (text or f"Article number {n} has a body with several words in it for testing.").split("\n\n")
    a = Article(url=f"https://x.example/{n}", canonical_url=f"https://x.example/{n}", site="x.example",
                text="\n\n".join(paragraphs), paragraphs=paragraphs, source=REF, fetched_at=T0,
                title=f"Title {n}", authors=["A. Author"], published_at=T0 - timedelta(hours=n),
                language="en", boilerplate_removed=[Removal("ПОДЕЛИТЬСЯ", "share.buttons")])
    return replace(a, **kw) if kw else a


# --- raw archive ---------------------------------------------------------------

def raw(body: bytes, status: int | None = 200) -> RawDocument:
    return RawDocument(url="https://x.example/a", body=body, source=REF, site="x.example", fetched_at=T0,
                       http_status=status, content_type="text/html; charset=windows-1251",
                       headers={"Content-Type": "text/html; charset=windows-1251", "Content-Encoding": "gzip",
                                "ETag": '"1"'}, hints={"title": "Заголовок", "published": T0})


def test_archive_roundtrip_byte_exact(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    body = "Привет, мир".encode("cp1251")
    with archive.open_writer("run-1") as w:
        loc = w.write(raw(body))
        loc2 = w.write(raw(b"plain file text", status=None))
    doc = archive.read(loc)
    assert doc.body == body and doc.http_status == 200 and doc.url == "https://x.example/a"
    assert doc.headers["Content-Encoding"] == "gzip"  # original header kept, body stored decoded
    assert doc.source == REF and doc.site == "x.example" and doc.hints["title"] == "Заголовок"
    assert doc.fetched_at == T0
    res = archive.read(loc2)
    assert res.body == b"plain file text" and res.http_status is None
    assert [d.body for d in archive.iter_documents(loc.path)] == [body, b"plain file text"]


def test_archive_torn_tail_is_skipped(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    with archive.open_writer("run-2") as w:
        first = w.write(raw(b"first body"))
        second = w.write(raw(b"second body " * 100))
    path = tmp_path / first.path
    data = path.read_bytes()
    path.write_bytes(data[: second.offset + second.length // 2])
    assert [d.body for d in archive.iter_documents(first.path)] == [b"first body"]
    with pytest.raises(ArchiveError):
        archive.read(second)


def test_archive_write_errors_are_clear(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ArchiveError, match="cannot open raw archive"):
        RawArchive(blocker).open_writer("x")


def test_archive_files_are_standard_gzip_warc(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    with archive.open_writer("run-3") as w:
        loc = w.write(raw(b"x"))
    content = gzip.decompress((tmp_path / loc.path).read_bytes())
    assert content.startswith(b"WARC/1.1") and b"WARC-Type: response" in content


# --- store -------------------------------------------------------------------------

def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sql(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_save_is_idempotent_and_versions_changes(store: Store) -> None:
    batch = [art(1), art(2)]
    result = Deduplicator(store).run(batch)
    saved = store.save_batch(result.articles, result.sketches, novelty=result.novelty)
    assert (saved.inserted, saved.updated, saved.unchanged) == (2, 0, 0)
    counts = {t: count(store, t) for t in ("articles", "boilerplate_removals", "sketches", "sketch_bands")}
    again = store.save_batch([art(1), art(2)], result.sketches)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert {t: count(store, t) for t in counts} == counts
    changed = art(1, text="A corrected body for article one, with different words than before.")
    store.save_batch([changed], [])
    rows = {r["id"]: r for r in store.articles(include_duplicates=True)}
    assert rows[changed.id]["version"] == 2 and rows[changed.id]["text"].startswith("A corrected")
    assert store.existing([changed.canonical_url]) == {changed.canonical_url: changed.content_hash}


def test_export_shape_matches_article(store: Store) -> None:
    a = art(1)
    b = art(2, duplicate_of=a.id, similarity=0.91,
            duplicate_passages=[PassageLink(0, a.id, 0, 0.95)])
    store.save_batch([a, b], [])
    records = list(store.articles(include_duplicates=True))
    expected = b.to_dict()
    # As exported in JSON Lines (the Python API's times are datetimes, written as ISO 8601 with offset).
    got = json.loads(json.dumps(next(r for r in records if r["id"] == b.id), default=json_value))
    for key, value in expected.items():
        assert got[key] == value, key
    assert [r["id"] for r in store.articles()] == [a.id]  # canonical only by default
    assert {r["cluster_id"] for r in records} == {a.id}
    c = art(3, duplicate_of=b.id, similarity=0.85)  # a copy of the copy joins the same cluster
    store.save_batch([c], [])
    assert next(r for r in store.articles(include_duplicates=True) if r["id"] == c.id)["cluster_id"] == a.id


def test_lookup_and_shingles(store: Store) -> None:
    a = art(1, text="The port received the first ferry of a new weekly line linking two shores today.")
    result = Deduplicator(store).run([a])
    store.save_batch(result.articles, result.sketches)
    sk = next(s for s in result.sketches if s.kind == "passage")
    found = store.lookup("passage", sk.bands)
    assert all(sk.ref in refs for refs in found.values()) and found
    assert store.shingles([sk.ref]) == {sk.ref: sk.shingles}
    # candidates: per query, each matching stored sketch once, however many bands match
    other = next(s for s in result.sketches if s.kind == "article")
    got = store.candidates("passage", [sk.bands, [sk.bands[0]], [12345], []])
    assert got == [{sk.ref}, {sk.ref}, set(), set()]
    assert store.candidates("article", [other.bands, sk.bands]) == [{other.ref}, set()]
    memory = MemorySketchIndex()
    memory.add(result.sketches)
    assert memory.candidates("passage", [sk.bands, [sk.bands[0]], [12345], []]) == got
    b = art(2, text=a.text, published_at=T0 + timedelta(days=1))
    Deduplicator(store).run([b])
    assert b.duplicate_of == a.id


def test_failures_are_not_duplicated(store: Store) -> None:
    f = Failure(url="https://x.example/404", stage="fetch", status="http_error", reason="HTTP 404", at=T0)
    store.record_failures([f], run_id="r1")
    store.record_failures([replace(f, at=T0 + timedelta(days=1))], run_id="r2")
    got = list(store.failures())
    assert len(got) == 1 and got[0].at == T0
    assert list(store.failures(since=T0 + timedelta(days=2))) == []


def test_fetch_log_runs_state_and_stats(store: Store) -> None:
    store.record_fetches([FetchOutcome(url="https://x.example/1", status=FetchStatus.OK, source=REF,
                                       site="x.example", http_status=200, bytes=10)], run_id="r")
    run = store.start_run("ingest", {"sources": ["src"]})
    store.finish_run(run, "completed", {"new": 1})
    store.set_source_state("src", '"e1"', "Mon, 01 Jan 2025 00:00:00 GMT")
    state = store.get_source_state("src")
    assert state is not None and state.etag == '"e1"'
    store.save_batch([art(1)], [])
    stats = store.stats()
    assert stats["articles"] == 1 and stats["fetches"] == {"ok": 1} and stats["runs"] == 1
    assert stats["boilerplate_by_rule"] == {"share.buttons": 1}


def test_hostile_text_is_stored(store: Store) -> None:
    nasty = art(1, text="NUL\x00 byte, lone \udcff surrogate, quotes ' \" ; DROP TABLE articles; --",
                title="x" * 5000)
    store.save_batch([nasty], [])
    got = next(store.articles())
    assert "DROP TABLE" in got["text"] and "\x00" not in got["text"] and len(got["title"]) == 5000
    assert count(store, "articles") == 1


def test_streaming_export(store: Store, tmp_path: Path) -> None:
    store.save_batch([art(i) for i in range(1200)], [])
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        assert write_jsonl(store.articles(), fh) == 1200
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1200
    assert write_parquet(store.articles(), tmp_path / "out.parquet") == 1200
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 1200 and tuple(table.column_names) == Store.EXPORT_FIELDS
    last = list(store.articles())[-1]["seq"]
    assert list(store.articles(after_seq=last)) == []
    assert tuple(next(store.articles())) == Store.EXPORT_FIELDS
    # Nothing to export (here: nothing after the last seq) still writes a
    # file of the same columns, for the reader that expects one.
    assert write_parquet(store.articles(after_seq=last), tmp_path / "none.parquet", Store.EXPORT_FIELDS) == 0
    empty = pq.read_table(tmp_path / "none.parquet")
    assert empty.num_rows == 0 and empty.schema == table.schema


def test_bad_urls_are_storage_errors(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        open_store("nosuchdriver://x")


def _links(store: Store) -> list[tuple[object, ...]]:
    return sorted((r["id"], r["duplicate_of"], r["cluster_id"],
                   tuple((p["paragraph"], p["of_article"], p["of_paragraph"]) for p in r["duplicate_passages"]))
                  for r in store.articles(include_duplicates=True))


def test_dedup_rebuild_reproduces_links_and_params_are_checked(store: Store) -> None:
    from newsmill.core.errors import DedupError
    from newsmill.pipeline.report import RunReport
    from newsmill.pipeline.storing import check_sketch_params, rebuild_dedup, store_articles

    shared = "A shared paragraph about the new ferry line that several outlets printed word for word today."
    base = [art(i, text=f"Story {i} opens with its own words about topic number {i} in the region.\n\n{shared}")
            for i in range(6)]
    copy = art(9, text=base[0].text + " Extra.", published_at=T0 + timedelta(days=1))
    store_articles([*base, copy], store, RunReport(flow="test"))
    before = _links(store)
    assert any(dup for _, dup, _, _ in before) and any(links for *_, links in before)
    counts = rebuild_dedup(store)
    assert counts["articles"] == 7 and _links(store) == before
    store.set_info("sketch_params", "affine32/seed=2/old")
    with pytest.raises(DedupError, match="dedup rebuild"):
        check_sketch_params(store)
    rebuild_dedup(store)
    assert _links(store) == before and check_sketch_params(store)


def test_learned_site_templates(store: Store) -> None:
    from newsmill.core.records import RawDocument
    from newsmill.pipeline.extraction import extract_documents, learned_settings

    signature = "Earlier, The Example Herald reported on the latest developments in the region."
    arts = [art(i, text=f"Story {i} has its own opening paragraph with a dozen or more words in it.\n\n{signature}")
            for i in range(6)]
    store.save_batch(arts, [])
    assert store.site_templates("x.example", 5) == [(signature, 6)]
    assert store.site_templates("x.example", 7) == []
    settings = learned_settings(store, ["x.example"])
    body = ("<html><body><article><h1>New</h1><p>A new story with plenty of words to be counted as an article "
            f"body by the extractor, about the harbour.</p><p>{signature}</p></article></body></html>").encode()
    doc = RawDocument(url="https://x.example/new", body=body, source=REF, site="x.example",
                      content_type="text/html", http_status=200)
    article = extract_documents([doc], settings).articles[0]
    assert signature not in article.text
    assert ("site.template", signature) in [(r.rule, r.text) for r in article.boilerplate_removed]


def _state(store: Store) -> list[tuple[object, ...]]:
    return sorted((r["id"], r["duplicate_of"], r["cluster_id"], r["novelty"],
                   tuple((p["paragraph"], p["of_article"], p["of_paragraph"]) for p in r["duplicate_passages"]))
                  for r in store.articles(include_duplicates=True))


def test_relinking_many_stored_copies_takes_as_many_statements_as_a_few(store_url: str) -> None:
    """A late original of a story stored on many sites relinks them all in
    a few statements per batch, not several per copy (a wire story carried
    by a thousand sites brought thousands of round trips into one
    transaction); the links end up as they do for a few copies."""
    from sqlalchemy import event

    from newsmill.pipeline.report import RunReport
    from newsmill.pipeline.storing import store_articles

    words = ["harbour", "weather", "mayor", "budget", "school", "river", "museum", "station", "orchard", "tariff", "border", "hotel"]

    def paragraph(seed: int) -> str:
        pick = random.Random(seed)
        return " ".join(pick.choice(words) for _ in range(20))

    store = open_store(store_url)
    statements: dict[int, int] = {}
    for story, copies in ((1, 3), (2, 12)):  # two stories in one store
        shared = [paragraph(story * 1000 + 1), paragraph(story * 1000 + 2)]
        later = [art(story * 100 + i, text="\n\n".join([paragraph(story * 1000 + 10 + i), *shared]),
                     published_at=T0 + timedelta(hours=i + 1), site=f"site{i}.example")  # syndicated
                 for i in range(copies)]
        store_articles(later, store, RunReport("t"))
        original = art(story, text="\n\n".join([paragraph(story * 1000 + 3), *shared]), published_at=T0)
        count = [0]

        def counted(*_: object, count: list[int] = count) -> None:
            count[0] += 1

        event.listen(store.engine, "before_cursor_execute", counted)
        report = RunReport("t")
        store_articles([original], store, report)
        event.remove(store.engine, "before_cursor_execute", counted)
        statements[copies] = count[0]
        assert report.relinked == copies
        links = [{"paragraph": 1, "of_article": original.id, "of_paragraph": 1, "similarity": 1.0},
                 {"paragraph": 2, "of_article": original.id, "of_paragraph": 2, "similarity": 1.0}]
        ids = {a.id for a in later}
        assert [r["duplicate_passages"] for r in store.articles(include_duplicates=True) if r["id"] in ids] == [
            links] * copies
    assert statements[12] == statements[3], statements


def test_late_original_relinks_stored_copies_as_if_in_order(store_url: str, tmp_path: Path) -> None:
    """An original published first but fetched last becomes the original of
    the stored copies: the store ends as if the articles had come in order."""
    from newsmill.pipeline.report import RunReport
    from newsmill.pipeline.storing import store_articles

    shared = "The ministry said the new ferry line will carry containers across the lake from next spring on."
    body = "\n\n".join([
        "A long opening paragraph about the ferry line and its timetable for the coming season here.",
        shared,
        "The closing paragraph quotes the port director on the number of trucks in the queue today."])

    def three() -> list[Article]:  # copies C (2 h after) and B (1 h after) of original A
        a = art(1, text=body, published_at=T0)
        b = art(2, text=body, published_at=T0 + timedelta(hours=1))
        c = art(3, text=body.replace("today.", "this week."), published_at=T0 + timedelta(hours=2))
        d = art(4, text=f"A different story about the school budget and the new teachers in town.\n\n{shared}",
                published_at=T0 + timedelta(hours=3))
        return [a, b, c, d]

    in_order = open_store(store_url)
    store_articles(three(), in_order, RunReport("t"))
    expected = _state(in_order)
    in_order.engine.dispose()
    with in_order.engine.begin() as conn:  # the same database serves the late-arrival run
        for table in ("passage_links", "sketch_bands", "sketches", "boilerplate_removals", "article_revisions",
                      "articles", "template_lines", "template_keys"):
            conn.execute(sql(f"DELETE FROM {table}"))

    store = open_store(store_url)
    a, b, c, d = three()
    report = RunReport("t")
    store_articles([c, d], store, report)
    store_articles([b], store, report)
    seq_before = {r["id"]: r["seq"] for r in store.articles(include_duplicates=True)}
    report = RunReport("t")
    store_articles([a], store, report)
    assert report.relinked == 3  # B and C as articles, D's shared passage
    assert _state(store) == expected
    rows = {r["id"]: r for r in store.articles(include_duplicates=True)}
    assert rows[b.id]["duplicate_of"] == a.id and rows[c.id]["duplicate_of"] == a.id
    assert {rows[x]["cluster_id"] for x in (a.id, b.id, c.id)} == {a.id}
    assert rows[d.id]["duplicate_passages"] == [
        {"paragraph": 1, "of_article": a.id, "of_paragraph": 1, "similarity": 1.0}]
    assert all(rows[x]["seq"] > max(seq_before.values()) for x in (b.id, c.id, d.id))
    assert all(rows[x]["version"] == 1 for x in rows)
    store_articles(three(), store, report)  # re-running changes nothing
    assert _state(store) == expected


def test_templates_recurring_in_one_batch_are_cleaned_not_linked(store: Store) -> None:
    from newsmill.core.settings import DedupSettings
    from newsmill.pipeline.report import RunReport
    from newsmill.pipeline.storing import store_articles

    signature = "Earlier, The Example Herald reported on the latest developments in the region and beyond."
    openings = ["The ferry line across the lake will run twice a day from next spring, its operator said.",
                "Teachers in the northern district got a raise after the city council passed its budget.",
                "Engineers finished the second turbine of the river dam three months ahead of schedule.",
                "Apple growers expect a record harvest as orchards recover from last year's late frost.",
                "Young players from six countries met at the chess forum held in the old museum hall."]
    arts = [art(i, text=f"{opening}\n\n{signature}") for i, opening in enumerate(openings)]
    settings = DedupSettings(template_min_articles=5)
    store_articles(arts, store, RunReport("t"), settings)
    rows = store.articles(include_duplicates=True)
    assert all(signature not in r["text"] and not r["duplicate_passages"] for r in rows)
    assert all(("site.template", signature) in [(x["rule"], x["text"]) for x in r["boilerplate_removed"]]
               for r in rows)
    assert store.site_templates("x.example", 5) == [(signature, 5)]  # still learned, from the removals
    one = art(9, text=f"A later story with its own words about the metro station and its mayor.\n\n{signature}")
    store_articles([one], store, RunReport("t"), settings)
    (row,) = [r for r in store.articles(include_duplicates=True) if r["id"] == one.id]
    assert signature not in row["text"] and not row["duplicate_passages"]
    others = ["Truck queues at the border crossing grew to nine kilometres before the customs post reopened.",
              "Hotel owners on the southern shore report that tourist bookings doubled over the summer.",
              "The metro will add four stations to its eastern line, the mayor told reporters on Monday.",
              "Farmers along the canal asked the water agency to repair the pipeline before the season."]
    few = [art(20 + i, text=f"{opening}\n\nA line that four stories share is not yet a template of this site at all.")
           for i, opening in enumerate(others)]
    store_articles(few, store, RunReport("t"), settings)
    kept = [r for r in store.articles(include_duplicates=True) if r["id"] in {a.id for a in few}]
    assert all("four stories share" in r["text"] for r in kept)
    assert sum(len(r["duplicate_passages"]) for r in kept) == 3


def test_near_duplicate_recurring_passages_become_templates(store: Store) -> None:
    """A standard sentence whose wording varies (an agency name) is linked as
    a near-duplicate passage until it recurs in enough articles of the site;
    then it is a learned template and the cleaner removes it."""
    from newsmill.core.settings import DedupSettings
    from newsmill.extractors.clean import clean
    from newsmill.pipeline.extraction import learned_settings
    from newsmill.pipeline.report import RunReport
    from newsmill.pipeline.storing import store_articles

    def sentence(agency: str) -> str:
        return (f"Earlier, {agency} reported that the ministry of transport plans to open the new ferry line "
                "across the lake next spring.")

    openings = ["Teachers in the northern district got a raise after the city council passed its budget.",
                "Engineers finished the second turbine of the river dam three months ahead of schedule.",
                "Apple growers expect a record harvest as orchards recover from last year's late frost.",
                "Young players from six countries met at the chess forum held in the old museum hall.",
                "Truck queues at the border crossing grew to nine kilometres before the customs post reopened."]
    agencies = ["Kazinform", "Tengrinews", "Kaztag", "Vlast", "Orda"]
    settings = DedupSettings(template_min_articles=5)
    for i, (opening, agency) in enumerate(zip(openings, agencies, strict=True)):
        a = art(100 - i, text=f"{opening}\n\n{sentence(agency)}")  # one run each, oldest first
        store_articles([a], store, RunReport("t"), settings)
        assert store.linked_templates("x.example", 5) == ([] if i < 4 else [(sentence("Kazinform"), 5)])
    assert (sentence("Kazinform"), 5) in store.site_templates("x.example", 5)
    templates = learned_settings(store, ["x.example"], min_articles=5).templates["x.example"]
    result = clean(["A new story about the metro and its four new stations on the eastern line of the city.",
                    sentence("Sputnik Kazakhstan"),
                    "The ministry of transport said the ferry line across the lake is a priority for next year."],
                   templates=templates)
    assert [r.rule for r in result.removed] == ["site.template"]
    assert result.removed[0].text == sentence("Sputnik Kazakhstan")
    assert len(result.paragraphs) == 2  # real content that shares words with the template stays


def test_the_exported_record_is_documented_field_by_field() -> None:
    """docs/schema.md lists the export record's fields in their order (a
    row may document two fields, e.g. `published_at`, `modified_at`)."""
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")
    section = doc.split("## The exported record", 1)[1].split("\n## ", 1)[0]
    documented = [name for row in re.findall(r"^\| (`[^|]+`) \|", section, re.M)
                  for name in re.findall(r"`([a-z_]+)`", row)]
    assert tuple(documented) == Store.EXPORT_FIELDS
