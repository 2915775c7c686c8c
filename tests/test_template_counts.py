"""The template counts kept with the articles (newsmill.storage.template_counts)
against a recount from scratch, after a sequence of saves, copies, new
versions, a relink, a prune with a hand-over, a dedup rebuild and migration
0009; and the template decisions a batch takes with them against those taken
with the store-wide scan they replace (SharedLines.load, paragraph_counts).
On SQLite always; on PostgreSQL when a test server is available.

The texts are synthetic (random words from test_templates), so that no two
articles are near-duplicates unless a test makes them so."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from newsmill.core.records import Article
from newsmill.core.settings import DedupSettings
from newsmill.dedup import Deduplicator
from newsmill.pipeline.storing import (
    _original_lines,
    batch_lines,
    check_sketch_params,
    rebuild_dedup,
    remove_batch_templates,
)
from newsmill.storage import Store, open_store
from newsmill.storage.migrations import upgrade
from newsmill.storage.template_counts import Tally, TemplateCounts
from newsmill.storage.templates import BatchLines, SharedLines, template_key
from tests.helpers.statements import statements
from tests.test_templates import (
    BOX,
    FOOTER,
    QUOTE,
    SETTINGS,
    SISTERS,
    STANDARDS,
    article,
    ingest,
    words,
)

LONG = " ".join(words(f"long/{i}", 30) for i in range(4))  # a paragraph of 120 words, over 600 characters
WIRE = ["Reuters", STANDARDS]


def kept_and_recounted(store: Store) -> tuple[Tally, Tally]:
    with store.engine.connect() as conn:
        return TemplateCounts.stored(conn), TemplateCounts.tally(conn)


def assert_counts_right(store: Store) -> None:
    """The kept counts are those of every stored original counted again."""
    kept, recount = kept_and_recounted(store)
    assert kept.lines == recount.lines
    assert kept.keys == recount.keys
    assert kept.key_lines == recount.key_lines
    assert {lh: kept.texts[lh] for lh, _site in kept.lines} == {lh: recount.texts[lh] for lh, _site in recount.lines}
    assert {kh: kept.link[kh] for kh, _site in kept.keys} == {kh: recount.link[kh] for kh, _site in recount.keys}
    assert recount.lines and recount.keys  # the sequence below leaves something to count


def scanned(store: Store, articles: list[Article]) -> BatchLines:
    """A batch's template evidence as it was read before the counts were
    kept: every stored original of its sites and every line on two sites."""
    lines = _original_lines(articles)
    sites = {a.site for a in articles if a.paragraphs}
    exclude = {a.id for a in articles}
    return BatchLines(sites={site: store.paragraph_counts(site, exclude)[0] for site in sorted(sites)},
                      shared=SharedLines.load(store, exclude=exclude,
                                              wanted=[p for mine in lines.values() for p in mine]))


def assert_same_decisions(store: Store, batch: list[Article]) -> None:
    """The batch's templates come out the same from the kept counts and
    from the scan (the counts it is weighed against, the groups, the lines
    removed from each article)."""
    fresh = copy.deepcopy(batch)
    Deduplicator(store, check_sketch_params(store), window=SETTINGS.window).run(fresh)  # tells copies apart
    kept, scan = batch_lines(fresh, store), scanned(store, fresh)
    for site, counts in scan.sites.items():
        mine = {template_key(p) for a in fresh if a.site == site and not a.duplicate_of for p in a.paragraphs}
        assert {k: n for k, n in kept.sites[site].items() if k in mine} == {k: n for k, n in counts.items()
                                                                            if k in mine}
    present = {template_key(p) for a in fresh for p in a.paragraphs}
    for key in present:
        assert kept.shared.counts.get(key) == scan.shared.counts.get(key), key
    with_kept, with_scan = copy.deepcopy(fresh), copy.deepcopy(fresh)
    removed = remove_batch_templates(with_kept, kept, SETTINGS.template_min_articles)
    assert removed == remove_batch_templates(with_scan, scan, SETTINGS.template_min_articles)
    assert kept.shared.groups() == scan.shared.groups()
    assert [(a.paragraphs, a.boilerplate_removed) for a in with_kept] == [
        (a.paragraphs, a.boilerplate_removed) for a in with_scan]


def first_batches() -> list[list[Article]]:
    """Sister sites with a footer and a box (group templates), a wire line
    on unrelated sites (shared), a quote, the same box in other case on
    another site, a long paragraph and a line of over 40 words that recur
    on one site."""
    one = [article(site, i, *([BOX] if i < 2 else []), FOOTER) for site in SISTERS for i in range(4)]
    one += [article(f"wire{k}.example", i, *WIRE) for k in range(3) for i in range(2)]
    one += [article("quotes.example", i, QUOTE) for i in range(3)]
    two = [article("case.example", i, BOX.upper(), BOX.lower()) for i in range(3)]
    two += [article("long.example", i, LONG, words("over-forty", 45)) for i in range(4)]
    two += [article(SISTERS[0], 10, BOX, FOOTER), article("quotes.example", 5, QUOTE)]
    return [one, two]


def test_kept_counts_match_a_recount_through_saves_revisions_relinks_prunes_and_a_rebuild(store: Store) -> None:
    for batch in first_batches():
        assert_same_decisions(store, batch)
        ingest(store, batch)
        assert_counts_right(store)

    # copies (not counted) and a later-published "original" that an earlier
    # original arriving after it turns into a copy (a relink)
    story = [words(f"story/{i}", 30) for i in range(4)]
    late = article("late.example", 1, FOOTER, body=story, hours=50)
    copies = [article(f"copy{k}.example", 1, body=story, hours=60 + k) for k in range(2)]
    batch = [late, *copies, article(SISTERS[1], 11, FOOTER, BOX)]
    assert_same_decisions(store, batch)
    ingest(store, batch)
    early = article("early.example", 1, BOX, body=story, hours=5)
    report = ingest(store, [early])
    assert report.relinked >= 1
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT duplicate_of FROM articles WHERE id = :i"), {"i": late.id}).scalar() \
            == early.id
    assert_counts_right(store)

    # new versions: a line added to one, a template line dropped from another
    changed = article(SISTERS[2], 1, BOX, FOOTER, "A correction was added to the story after it was published.")
    dropped = article("wire0.example", 0, "Reuters")
    batch = [changed, dropped, article(SISTERS[2], 12, BOX, FOOTER)]
    assert_same_decisions(store, batch)
    ingest(store, batch)
    assert_counts_right(store)

    # a prune: an original with copies (the earliest copy takes its place)
    # and an article of a group site go
    gone = [early.id, article(SISTERS[0], 0).id]
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET last_seen = :old WHERE id IN (:a, :b)"),
                     {"old": datetime(2000, 1, 1, tzinfo=UTC), "a": gone[0], "b": gone[1]})
    assert store.prune_articles(datetime.now(UTC) - timedelta(days=3650)) == 2
    assert_counts_right(store)
    assert_same_decisions(store, [article(SISTERS[0], 20, BOX, FOOTER), article("case.example", 9, BOX)])

    # a dedup rebuild (every duplicate field cleared, then linked again)
    rebuild_dedup(store, settings=SETTINGS)
    assert_counts_right(store)
    assert_same_decisions(store, [article(s, 30, BOX, FOOTER) for s in SISTERS])
    # again with a window of 2.4 hours: the first copy, 10 hours after the
    # story it copied, is an original now (and counts)
    rebuild_dedup(store, settings=DedupSettings(template_min_articles=5, window_days=0.1))
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT duplicate_of FROM articles WHERE id = :i"), {"i": copies[0].id}).scalar() \
            is None
    assert_counts_right(store)


def test_migration_0009_counts_a_stored_store(store: Store) -> None:
    """A store taken down to 0008 (the tables gone, the articles kept) gets
    the counts a recount gives when it is upgraded."""
    from alembic import command

    from newsmill.storage.migrations import alembic_config

    for batch in first_batches():
        ingest(store, batch)
    kept, _ = kept_and_recounted(store)
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0008")
    assert store.get_info("version") == "8"
    upgrade(store.engine)
    assert store.get_info("version") == "9"
    assert_counts_right(store)
    again, _ = kept_and_recounted(store)
    assert (again.lines, again.keys, again.key_lines) == (kept.lines, kept.keys, kept.key_lines)


def plans(store: Store, read: Any) -> list[str]:
    """SQLite's plan of every statement ``read()`` runs on ``store``."""
    with statements(store) as seen:
        read()
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        return [" / ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
                for statement, parameters in seen]


def test_template_reads_take_removals_by_article_not_the_whole_store(tmp_path: Path) -> None:
    """The tally of a batch's articles (before and after every save, and
    for the batch's stored versions) and a site's paragraph counts (the
    templates each import window learns, site by site) read the
    ``site.template`` removals of their articles through the removals'
    primary key. Asked for the rule as well, SQLite read every stored
    ``site.template`` removal through the rule's index instead, on every
    batch and for every site: a cost that grew with the store. Checked on
    the plan of every statement they run, as SQLite runs it on this store."""
    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    for batch in first_batches():
        ingest(store, batch)
    stored_articles = list(store.articles(include_duplicates=True))
    ids = [a["id"] for a in stored_articles][:5]
    site = str(stored_articles[0]["site"])
    counted: list[Tally] = []

    def tally() -> None:
        with store.engine.connect() as conn:
            counted.append(TemplateCounts.tally(conn, ids))

    found = plans(store, tally) + plans(store, lambda: store.paragraph_counts(site))
    with store.engine.connect() as conn:
        whole = TemplateCounts.tally(conn)
    store.close()
    assert counted[0].lines and set(counted[0].lines) <= set(whole.lines)
    reading = [plan for plan in found if "boilerplate_removals" in plan]
    assert len(reading) == 2, found
    assert all("ix_boilerplate_rule" not in plan for plan in found), found
    assert all("boilerplate_removals USING INDEX sqlite_autoindex_boilerplate_removals_1 (article_id=?)"
               in plan for plan in reading), reading
