"""Templates learned over several sites (newsmill.storage.templates): a
publisher group's shared boxes, lines printed word for word on several
sites, and what must not become one (syndicated stories, quotes). On
SQLite always; on PostgreSQL when a test server is available.

The texts are synthetic: article bodies are random words, so that no two
articles are near-duplicates unless a test makes them so."""

from __future__ import annotations

import random
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsmill.core.records import Article, RawDocument, SourceRef
from newsmill.core.settings import DedupSettings
from newsmill.extractors.clean import clean
from newsmill.pipeline.extraction import extract_documents, learned_settings
from newsmill.pipeline.report import RunReport
from newsmill.pipeline.storing import store_articles
from newsmill.storage import Store
from newsmill.storage.store import template_key
from newsmill.storage.templates import GROUP, SHARED, SharedLines

T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)
SETTINGS = DedupSettings(template_min_articles=5)
WORDS = ("harbour weather mayor budget school river museum station orchard tariff border hotel ferry council "
         "teachers engineers turbine harvest growers frost players chess forum hall truck queue customs farmers "
         "canal pipeline metro tourists shore bookings summer winter bridge library clinic nurses doctors airport "
         "runway cargo wheat barley prices market bakery festival concert theatre stadium league coach striker "
         "referee election minister parliament coalition voters ballot governor")
VOCAB = WORDS.split()

FOOTER = "This paper belongs to the Example Media Group of regional newspapers and magazines."
BOX = "Politics background"
SISTERS = ("a.sister.example", "b.sister.example", "c.sister.example")
STANDARDS = "Our Standards: The Thomson Reuters Trust Principles."
QUOTE = "“We will not raise taxes this year,” the finance minister told the parliament."
ONCE = "Both outlets printed this one line about the harbour festival once each."


def words(seed: str, n: int = 24) -> str:
    pick = random.Random(zlib.crc32(seed.encode()))
    return " ".join(pick.choice(VOCAB) for _ in range(n)).capitalize() + "."


def article(site: str, n: int, *lines: str, body: list[str] | None = None, hours: int = 0) -> Article:
    """Article ``n`` of ``site``: two paragraphs of its own (or ``body``),
    then ``lines``."""
    paragraphs = [*(body or [words(f"{site}/{n}/1"), words(f"{site}/{n}/2")]), *lines]
    return Article(url=f"https://{site}/{n}", canonical_url=f"https://{site}/{n}", site=site,
                   text="\n\n".join(paragraphs), paragraphs=paragraphs,
                   source=SourceRef(site, "feed", f"https://{site}/rss"), fetched_at=T0,
                   title=f"Story {n} of {site}", published_at=T0 + timedelta(hours=hours or n))


def ingest(store: Store, articles: list[Article]) -> RunReport:
    report = RunReport("t")
    store_articles(articles, store, report, SETTINGS)
    return report


def stored(store: Store) -> dict[str, dict[str, object]]:
    return {r["url"]: r for r in store.articles(include_duplicates=True)}


def removed(record: dict[str, object], rule: str = "site.template") -> list[str]:
    return [x["text"] for x in record["boilerplate_removed"] if x["rule"] == rule]  # type: ignore[attr-defined]


def sister_articles() -> list[Article]:
    """Three sister sites with the group's footer in 5 articles each (a
    site template of each) and its politics box in 2 articles each (too
    few for any one site); a fourth sister with the footer only; a site
    of its own."""
    out = []
    for site in SISTERS:
        out += [article(site, i, *([BOX] if i < 2 else []), FOOTER) for i in range(5)]
    out += [article("d.sister.example", i, FOOTER) for i in range(5)]
    out += [article("lone.example", i, words(f"lone/{i}/3")) for i in range(5)]
    return out


def test_sister_sites_share_a_group_template(store: Store) -> None:
    ingest(store, sister_articles())
    rows = stored(store)
    for site in SISTERS:
        assert store.site_templates(site, 5) == [(FOOTER, 5)]  # the box is no site's own template
        for i in range(5):
            row = rows[f"https://{site}/{i}"]
            assert BOX not in row["paragraphs"] and FOOTER not in row["paragraphs"]  # type: ignore[operator]
            assert removed(row) == ([BOX, FOOTER] if i < 2 else [FOOTER])
    shared = SharedLines.load(store)
    group = frozenset({*SISTERS, "d.sister.example"})
    assert {site: shared.groups()[site] for site in group} == dict.fromkeys(group, group)
    assert "lone.example" not in shared.groups()
    found = shared.templates(5)
    assert {site: found[site][template_key(BOX)].rule for site in group} == dict.fromkeys(group, GROUP)
    assert found["a.sister.example"][template_key(BOX)].articles == 6
    # At 7 the 6 articles are not enough for the group, but, printed on
    # three sites, the box is still a template of those three (7 // 2).
    higher = shared.templates(7)
    assert {site: t[template_key(BOX)].rule for site, t in higher.items() if template_key(BOX) in t} == \
        dict.fromkeys(SISTERS, SHARED)
    # The extract stage applies it to every site of the group, also to the
    # sister that has not printed the box yet; not to other sites.
    templates = learned_settings(store, [*group, "lone.example"], min_articles=5).templates
    assert all(BOX in templates[site] and FOOTER in templates[site] for site in group)
    assert "lone.example" not in templates
    new = [words("d/new/1"), BOX, words("d/new/2")]
    result = clean(new, templates=templates["d.sister.example"])
    assert [(r.rule, r.text) for r in result.removed] == [("site.template", BOX)]
    assert clean(new, templates=templates.get("lone.example", ())).paragraphs == new


def test_a_line_printed_on_several_sites_needs_fewer_articles(store: Store) -> None:
    ingest(store, [article("r1.example", 1, QUOTE, ONCE, STANDARDS),
                   article("r1.example", 2, QUOTE, STANDARDS)])
    assert all(STANDARDS in r["paragraphs"] for r in stored(store).values())  # one site: 2 of 5
    ingest(store, [article("r2.example", 3, QUOTE, ONCE, STANDARDS)])
    rows = stored(store)
    new = rows["https://r2.example/3"]
    assert removed(new) == [STANDARDS]  # 3 articles, 2 sites, twice on one: a template of both
    assert QUOTE in new["paragraphs"] and ONCE in new["paragraphs"]  # type: ignore[operator]
    assert store.site_templates("r1.example", 5) == [] and store.site_templates("r2.example", 5) == []
    shared = SharedLines.load(store)
    assert shared.groups() == {}  # nothing recurs on both sites: no publisher group
    found = shared.templates(5)
    assert set(found) == {"r1.example", "r2.example"}
    assert {key: t.rule for key, t in found["r1.example"].items()} == {template_key(STANDARDS): SHARED}
    # The quote is in 3 articles too, but a quote is left to the per-site
    # rule; the other line was printed once on each site, nowhere twice.
    templates = learned_settings(store, ["r1.example", "r2.example", "r3.example"], min_articles=5).templates
    assert templates == {"r1.example": (STANDARDS,), "r2.example": (STANDARDS,)}
    result = clean([words("r1/new/1"), STANDARDS], templates=templates["r1.example"])
    assert [(r.rule, r.text) for r in result.removed] == [("site.template", STANDARDS)]
    # The per-site threshold counts too: 10 is 5 across sites (of 3 here).
    assert SharedLines.load(store).templates(10) == {}


def test_a_syndicated_story_does_not_make_templates(store: Store) -> None:
    """A wire story carried in full on three sites (and twice on one) is one
    article: its copies are not counted. Two more sites reprint it with
    paragraphs of their own (no near-duplicates: each of its paragraphs is
    once on each of those sites); no paragraph recurs on any site."""
    story = [words("wire/1", 20), words("wire/2", 30), words("wire/3", 16), "Reporting from the harbour."]
    full = [article(site, 1, body=story, hours=h) for h, site in enumerate(("s1.example", "s2.example",
                                                                             "s3.example"), 1)]
    again = article("s1.example", 2, body=story, hours=5)
    partial = [article(site, 1, words(f"{site}/local/1", 40), words(f"{site}/local/2", 40),
                       words(f"{site}/local/3", 40), body=story, hours=6 + h)
               for h, site in enumerate(("s4.example", "s5.example"))]
    ingest(store, [full[0], *full[1:], again])
    ingest(store, partial)
    rows = stored(store)
    assert [rows[a.url]["duplicate_of"] for a in [*full, again]] == [None, full[0].id, full[0].id, full[0].id]
    assert all(rows[a.url]["duplicate_of"] is None for a in partial)
    assert all(removed(r) == [] and r["paragraphs"][:4] == story for r in rows.values())  # type: ignore[index]
    assert SharedLines.load(store).templates(5) == {}
    assert SharedLines.load(store).templates(2) == {}  # even at the lowest threshold
    sites = [f"s{i}.example" for i in range(1, 6)]
    assert learned_settings(store, sites, min_articles=5).templates == {}


def test_a_copy_alone_in_its_batch_is_cleaned_of_its_sites_templates(store: Store) -> None:
    """A site's line stored in 5 of its originals is its template. A story
    it reprints from another site, stored in a batch with no original of
    the site beside it, loses that line as it does with one beside it (and
    as the extract stage removes it once learned): left in, every such copy
    kept the site's line, and each later article's lookup of the line found
    all of them."""
    tips = "Have a story? Write to the Harbour Gazette at tips@harbour.example."
    ingest(store, [article("harbour.example", i, tips) for i in range(5)])
    story = [words("wire/a", 30), words("wire/b", 30)]
    original = article("wire.example", 1, body=story, hours=10)
    ingest(store, [original])
    alone = article("harbour.example", 20, tips, body=story, hours=11)
    beside = article("harbour.example", 21, tips, body=story, hours=12)
    ingest(store, [alone])
    ingest(store, [beside, article("harbour.example", 22, tips, hours=13)])
    rows = stored(store)
    for copy in (alone, beside):
        record = rows[copy.url]
        assert record["duplicate_of"] == original.id
        assert record["paragraphs"] == story
        assert removed(record) == [tips]
    assert removed(rows["https://harbour.example/22"]) == [tips]


def _page(site: str, n: int, paragraphs: list[str]) -> RawDocument:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n} of {site}</h1>{body}"
            "</article></body></html>")
    return RawDocument(url=f"https://{site}/{n}", body=html.encode(), source=SourceRef(site, "feed", f"https://{site}/rss"),
                       site=site, fetched_at=T0, content_type="text/html", http_status=200,
                       hints={"published": T0 + timedelta(hours=n)})


def _snapshot(store: Store) -> list[tuple[object, ...]]:
    return sorted((r["id"], r["text"], r["version"], r["seq"], r["content_hash"], r["duplicate_of"],
                   str(r["duplicate_passages"]), str(sorted(map(str, r["boilerplate_removed"]))))
                  for r in store.articles(include_duplicates=True))


def test_rerunning_the_same_pages_changes_nothing(store: Store) -> None:
    """Pages of sister sites and of sites sharing a line, in two batches,
    extracted with the learned templates and stored; the same two batches
    again: nothing changes (the batch pass removed, with the stored counts,
    what the extract stage now removes). The third sister comes in the
    second batch: its boxes are removed with the first batch's counted."""
    def sister(site: str) -> list[RawDocument]:
        return [_page(site, i, [words(f"{site}/{i}/1"), *([BOX] if i < 2 else []), words(f"{site}/{i}/2"),
                                FOOTER]) for i in range(5)]

    first_batch = [*sister(SISTERS[0]), *sister(SISTERS[1]),
                   *(_page(site, i, [words(f"{site}/{i}/1"), words(f"{site}/{i}/2"), STANDARDS])
                     for site, i in (("r1.example", 1), ("r1.example", 2), ("r2.example", 3)))]
    batches = [first_batch, sister(SISTERS[2])]

    def run(pages: list[RawDocument]) -> tuple[RunReport, int]:
        settings = learned_settings(store, {d.site for d in pages}, min_articles=5)
        extracted = extract_documents(pages, settings)
        assert not extracted.failures and len(extracted.articles) == len(pages)
        at_extraction = sum(r.rule == "site.template" for a in extracted.articles for r in a.boilerplate_removed)
        report = RunReport("t")
        store_articles(extracted.articles, store, report, SETTINGS)
        return report, at_extraction

    firsts = [run(pages) for pages in batches]
    assert [f[0].totals()["new"] for f in firsts] == [len(pages) for pages in batches]
    assert firsts[1][1] == 0  # the third sister is not linked yet: the batch pass removes its box and footer
    rows = stored(store)
    assert all(BOX not in r["text"] and FOOTER not in r["text"] and STANDARDS not in r["text"]  # type: ignore[operator]
               for r in rows.values())
    assert sum(BOX in removed(r) for r in rows.values()) == 6
    before = _snapshot(store)
    again = [run(pages) for pages in batches]
    assert [a[1] for a in again] == [4 + 10 + 3, 2 + 5]  # box, footer, standards: now at extraction
    assert all(a[0].totals()["unchanged"] == len(pages) for a, pages in zip(again, batches, strict=True))
    assert all(a[0].totals()["updated"] == 0 for a in again) and _snapshot(store) == before


def test_the_templates_command_lists_group_and_shared_lines(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from newsmill.cli import main as cli
    from newsmill.storage import open_store

    home = tmp_path / "home"
    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    ingest(store, sister_articles())
    store.close()
    assert cli(["--home", str(home), "templates", "a.sister.example", "--min-articles", "5"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"    5  {FOOTER}", f"    6  {BOX}  [group: on 3 sites of its publisher group]"]
    assert "1 learned template line for" in err and "1 learned over several sites" in err
    assert cli(["--home", str(home), "templates", "lone.example", "--min-articles", "5"]) == 0
    assert capsys.readouterr().out == ""
