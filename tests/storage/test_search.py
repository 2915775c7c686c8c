"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector): five
languages, ranking, filters, revisions, prunes, migration 0006, the
``newsmill search`` command, and a SIGKILL between the article write and
the index write. The articles are written here for these tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from newsmill.core.records import Article, SourceRef
from newsmill.storage import Store, open_store
from newsmill.storage.search import config_for, index_text, parse_query, snippet

REPO = Path(__file__).resolve().parents[2]
REF = SourceRef("src", "feed", "https://x.example/rss")
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def story(n: int, title: str, body: str, *, site: str = "x.example", language: str = "en", **kw: object) -> Article:
    paragraphs = body.split("\n\n")
    a = Article(url=f"https://{site}/{n}", canonical_url=f"https://{site}/{n}", site=site, text=body,
                paragraphs=paragraphs, source=REF, fetched_at=T0, title=title, language=language,
                published_at=T0 - timedelta(days=n))
    return replace(a, **kw) if kw else a


RU = story(1, "Землетрясение ощутили жители Алматы",
           "Подземные толчки магнитудой 4,5 зафиксировали сейсмологи ночью.\n\n"
           "Жители города рассказали, что землетрясения такой силы здесь случаются редко.",
           site="zakon.example", language="ru")
KK = story(2, "Астанада жаңа көпір салынады",
           "Қала әкімдігі Есіл өзені арқылы өтетін жаңа көпірдің құрылысын бастады.\n\n"
           "Көпір келесі жылы пайдалануға беріледі деп күтілуде.",
           site="kaz.example", language="kk")
EN = story(3, "Council approves the river bridge budget",
           "The city council voted on Tuesday to fund a second bridge across the river.\n\n"
           "Engineers expect the bridges to carry trams as well as cars.",
           site="wire.example", language="en")
TR = story(4, "İstanbul'da deprem tatbikatı yapıldı",
           "Belediye ekipleri sabah saatlerinde büyük bir deprem tatbikatı düzenledi.\n\n"
           "Tatbikata okullar ve hastaneler de katıldı; depremler için hazırlık sürüyor.",
           site="haber.example", language="tr")
ZH = story(5, "北京地震局发布新的预警系统",
           "北京市地震局今天宣布，新的地震预警系统已经投入使用。\n\n专家表示，该系统可以提前几秒钟发出警报。",
           site="xinwen.example", language="zh")
ALL = (RU, KK, EN, TR, ZH)


def ids(hits: list[dict[str, object]]) -> list[object]:
    return [h["id"] for h in hits]


def index_ids(store: Store) -> list[str]:
    """The article ids the search index holds (each once, or the check fails)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            found = [r[0] for r in conn.execute(text("SELECT article_id FROM search_index"))]
        else:
            found = [r[0] for r in conn.execute(text(
                "SELECT s.article_id FROM search_index JOIN search_ids s ON s.docid = search_index.rowid"))]
            assert conn.execute(text("SELECT COUNT(*) FROM search_ids")).scalar_one() == len(found)
    assert len(found) == len(set(found))
    return sorted(found)


def article_ids(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text("SELECT id FROM articles")))


# --- the index's text and the query language (no store) -----------------------------------

def test_unspaced_scripts_are_indexed_as_bigrams_and_queries_parsed_alike() -> None:
    assert index_text("北京地震局 said") == " 北京 京地 地震 震局  said"
    assert index_text("地") == " 地 "
    assert [t.words for t in parse_query("地震")] == [("地震",)]
    assert [t.words for t in parse_query("北京地震")] == [("北京", "京地", "地震")]  # one term: its bigrams in a row
    assert [(t.words, t.prefix) for t in parse_query('bridge "river crossing" tram* ...')] == [
        (("bridge",), False), (("river", "crossing"), False), (("tram",), True)]
    assert parse_query("?? -- !") == []
    assert parse_query("don't")[0].text == "don't"  # each backend's tokenizer reads the term as it reads text


def test_languages_map_to_postgresql_configurations_or_simple() -> None:
    assert [config_for(c) for c in ("ru", "en", "tr", "pt-br", "kk", "zh", None)] == [
        "russian", "english", "turkish", "portuguese", "simple", "simple", "simple"]
    assert config_for("ru", available={"simple"}) == "simple"  # a server without it


def test_a_snippet_is_cut_around_the_matches_and_marks_them() -> None:
    body = " ".join(f"filler{i}" for i in range(60)) + " the new bridge opens " + " ".join(
        f"tail{i}" for i in range(60))
    cut = snippet(body, parse_query("bridge"))
    assert "the new **bridge** opens" in cut and cut.startswith("… ") and cut.endswith(" …")
    assert len(cut) < 220
    assert snippet("Жители ощутили землетрясения.", parse_query("землетрясение")) == \
        "Жители ощутили **землетрясения**."  # a form of the word: its start is marked
    assert snippet("北京市地震局今天宣布", parse_query("地震")) == "北京市**地震**局今天宣布"
    assert snippet("Nothing here.", parse_query("bridge")) == "Nothing here."


# --- both backends -------------------------------------------------------------------------

def test_each_language_is_found_by_its_words(store: Store) -> None:
    """Russian, Kazakh, English, Turkish and Chinese articles, each found by
    words of its title or text as written, with a snippet marking them."""
    store.save_batch(list(ALL), [])
    cases = [("Алматы", RU), ("сейсмологи ночью", RU), ("көпірдің", KK), ("Есіл өзені", KK),
             ("trams", EN), ("council budget", EN), ("tatbikatı", TR), ("İstanbul'da", TR),
             ("地震", ZH), ("预警系统", ZH), ("警报", ZH)]
    for query, expected in cases:
        hits = store.search(query)
        assert ids(hits) == [expected.id], query
        assert hits[0]["title"] == expected.title and hits[0]["site"] == expected.site
        assert hits[0]["published_at"] == expected.published_at and hits[0]["published_at"].tzinfo is not None
    assert "**Есіл**" in store.search("Есіл")[0]["snippet"]
    assert "**警报**" in store.search("警报")[0]["snippet"]
    assert store.search("bri*")[0]["id"] == EN.id  # a prefix
    assert store.search("ALMATY алматы") == []  # every term is required
    assert ids(store.search("алматы")) == [RU.id]  # case folded
    assert store.search('"river council"') == []  # a phrase is its words in that order


def test_words_with_combining_marks_are_whole_words(store: Store) -> None:
    """Devanagari vowel signs are part of their word for the query, the
    prefix and the snippet, as for the backends' tokenizers."""
    hi = story(60, "नई दिल्ली में भूकंप के झटके", "राजधानी में सुबह भूकंप के हल्के झटके महसूस किए गए।", language="hi")
    store.save_batch([hi, EN], [])
    for query in ("भूकंप", "झटके", "भूकं*"):
        hits = store.search(query)
        assert ids(hits) == [hi.id], query
    assert store.search("भूकंप")[0]["snippet"] == "राजधानी में सुबह **भूकंप** के हल्के झटके महसूस किए गए।"


def test_postgresql_stems_by_the_article_language(store: Store) -> None:
    """PostgreSQL finds other forms of a word where it has the language's
    configuration (Russian, English, Turkish); SQLite matches words as
    written (a prefix query finds the forms there)."""
    store.save_batch(list(ALL), [])
    forms = [("землетрясений", RU), ("bridged", EN), ("depremi", TR)]
    for query, expected in forms:
        if store.dialect == "postgresql":
            assert ids(store.search(query)) == [expected.id], query
        else:
            assert store.search(query) == [], query
    assert ids(store.search("землетрясени*")) == [RU.id]
    assert ids(store.search("deprem*")) == [TR.id]


def test_title_matches_rank_first(store: Store) -> None:
    """The article with the word in its title comes before ones that only
    mention it in the text, even several times."""
    in_title = story(10, "Tram line opens downtown", "The city celebrated on Monday with music and speeches.")
    in_text = story(11, "City news of the week", "A tram broke down. The tram depot said the tram will be back "
                                                 "on the tram line soon.")
    other = story(12, "Weather", "Rain is expected over the weekend.")
    store.save_batch([in_text, other, in_title], [])
    hits = store.search("tram")
    assert ids(hits) == [in_title.id, in_text.id]
    assert hits[0]["score"] > hits[1]["score"]


def test_filters_limit_and_duplicates(store: Store) -> None:
    copy = story(20, "Council approves the river bridge budget", EN.text, site="copy.example",
                 duplicate_of=EN.id, similarity=0.98)
    pt = story(21, "Ponte sobre o rio", "A nova ponte sobre o rio abre em maio.", language="pt-br")
    store.save_batch([*ALL, copy, pt], [])
    assert ids(store.search("bridge")) == [EN.id]  # canonical articles only
    assert set(ids(store.search("bridge", include_duplicates=True))) == {EN.id, copy.id}
    assert [h["duplicate_of"] for h in store.search("bridge", site="copy.example", include_duplicates=True)] == [
        EN.id]
    assert store.search("bridge", site="zakon.example") == []
    assert ids(store.search("bridge", language="en")) == [EN.id]
    assert store.search("bridge", language="ru") == []
    assert ids(store.search("ponte", language="pt")) == [pt.id]  # regions included
    assert store.search("bridge", since=EN.published_at + timedelta(seconds=1)) == []
    assert ids(store.search("bridge", since=EN.published_at)) == [EN.id]
    exact = story(22, "Tram depot", "The tram depot reopened.", published_at=datetime(2026, 11, 2, 8, 30, 0, 500000,
                                                                                     tzinfo=UTC))
    store.save_batch([exact], [])
    assert ids(store.search("depot", since=exact.published_at)) == [exact.id]  # at the very microsecond
    assert ids(store.search("depot", since=exact.published_at.astimezone(timezone(timedelta(hours=5))))) == [
        exact.id]  # the same moment in another zone
    assert store.search("depot", since=exact.published_at + timedelta(microseconds=1)) == []
    many = [story(30 + i, f"Harvest report {i}", "The harvest is in.") for i in range(5)]
    store.save_batch(many, [])
    assert len(store.search("harvest", limit=3)) == 3 and len(store.search("harvest")) == 5
    assert store.search("harvest", limit=0) == []


def test_a_revision_replaces_the_old_text_in_the_index(store: Store) -> None:
    first = story(40, "Zebra crossing painted", "Workers painted a zebra crossing near the school.")
    store.save_batch([first, EN], [])
    assert ids(store.search("zebra")) == [first.id]
    second = replace(first, title="Giraffe born at the zoo", text="A giraffe calf was born overnight.",
                     paragraphs=["A giraffe calf was born overnight."])
    store.save_batch([second], [])
    assert store.search("zebra") == [] and store.search("painted") == []
    assert ids(store.search("giraffe")) == [first.id]
    assert [v["version"] for v in store.revisions(first.id)] == [2, 1]  # the old version is kept, not indexed
    store.save_batch([second], [])  # unchanged: nothing rewritten
    assert index_ids(store) == article_ids(store)


def _index_keys(store: Store) -> dict[str, object]:
    """What identifies each article's index entry as written: SQLite's
    docid (a re-index takes a new one), PostgreSQL's row version (xmin)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            return dict(conn.execute(text("SELECT article_id, xmin::text FROM search_index")).all())  # type: ignore[arg-type]
        return dict(conn.execute(text("SELECT article_id, docid FROM search_ids")).all())  # type: ignore[arg-type]


def test_only_articles_whose_text_changed_are_indexed_again(store: Store) -> None:
    """A re-save of unchanged articles (only ``last_seen`` moves) leaves
    their index entries as they were; a changed text replaces just its own."""
    store.save_batch(list(ALL), [])
    before = _index_keys(store)
    store.save_batch(list(ALL), [])
    assert _index_keys(store) == before
    changed = replace(EN, text="The council met again on Friday.", paragraphs=["The council met again on Friday."])
    store.save_batch([RU, changed, ZH], [])
    after = _index_keys(store)
    assert set(after) == set(before) and after[EN.id] != before[EN.id]
    assert {k: v for k, v in after.items() if k != EN.id} == {k: v for k, v in before.items() if k != EN.id}
    assert ids(store.search("Friday")) == [EN.id] and store.search("trams") == []


def test_postgresql_index_built_from_the_row_equals_the_text_sent(store: Store) -> None:
    """PostgreSQL builds the tsvector from the written ``articles`` row when
    :func:`index_text` leaves the text as it is (RU, KK, EN, TR here) and from
    the text sent otherwise (ZH, as bigrams): either way the document is the
    one the text as the index holds it gives."""
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL's index only")
    store.save_batch(list(ALL), [])
    with store.engine.connect() as conn:
        for a in ALL:
            cfg = config_for(a.language, [r[0] for r in conn.execute(text("SELECT cfgname FROM pg_ts_config"))])
            same = conn.execute(text(
                "SELECT s.config = CAST(:cfg AS regconfig) AND s.document = "
                "setweight(to_tsvector(CAST(:cfg AS regconfig), :title), 'A') || "
                "setweight(to_tsvector(CAST(:cfg AS regconfig), :body), 'D') FROM search_index s "
                "WHERE s.article_id = :id"),
                {"cfg": cfg, "title": index_text(a.title), "body": index_text(a.text), "id": a.id}).scalar_one()
            assert same is True, a.language
    assert index_text(ZH.text) != ZH.text and all(index_text(a.text) == a.text for a in (RU, KK, EN, TR))


def test_an_article_deleted_with_plain_sql_can_be_stored_again(store: Store) -> None:
    """An article row deleted behind newsmill's back (its index row left on
    SQLite, cascaded on PostgreSQL) does not block storing it again, and
    what was indexed of it before matches nothing."""
    store.save_batch([EN, RU], [])
    with store.engine.begin() as conn:
        for table in ("boilerplate_removals", "articles"):
            conn.execute(text(f"DELETE FROM {table} WHERE {'id' if table == 'articles' else 'article_id'} = :i"),
                         {"i": EN.id})
    assert store.search("trams") == []
    again = replace(EN, text="The council met again on Friday.", paragraphs=["The council met again on Friday."])
    store.save_batch([again], [])
    assert ids(store.search("Friday")) == [EN.id] and store.search("trams") == []
    assert index_ids(store) == article_ids(store)


def test_pruned_articles_are_gone_from_the_index(store: Store) -> None:
    store.save_batch(list(ALL), [])
    with store.engine.begin() as conn:  # two of them last seen long ago
        conn.execute(text("UPDATE articles SET last_seen = :old WHERE id IN (:a, :b)"),
                     {"old": T0 - timedelta(days=400), "a": RU.id, "b": ZH.id})
    assert store.prune_articles(T0 - timedelta(days=100)) == 2
    assert store.search("Алматы") == [] and store.search("地震") == []
    assert ids(store.search("trams")) == [EN.id]
    assert index_ids(store) == article_ids(store) == sorted([KK.id, EN.id, TR.id])


def test_migration_0006_indexes_a_stored_store(store: Store) -> None:
    """Articles stored before the index existed (here: the store taken down
    to 0005 with its rows) are indexed by the upgrade, and kept in step after."""
    from alembic import command

    from newsmill.storage.migrations import alembic_config, current_revision, head_revision, upgrade

    store.save_batch(list(ALL), [])
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    with store.engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn))
    assert not {name for name in tables if name.startswith("search_")}
    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision()
    assert index_ids(store) == article_ids(store)
    assert ids(store.search("Алматы")) == [RU.id] and ids(store.search("预警")) == [ZH.id]
    store.save_batch([replace(RU, text="Новый текст о толчках.", paragraphs=["Новый текст о толчках."])], [])
    assert ids(store.search("толчках")) == [RU.id] and store.search("сейсмологи") == []


# --- the command ---------------------------------------------------------------------------

def _cli(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, **(env or {}), "PYTHONPATH": str(REPO)})


def test_newsmill_search_prints_hits_and_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    try:
        store.save_batch(list(ALL), [])
    finally:
        store.close()
    out = _cli(home, "search", "bridge river")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == f"  1. {EN.title}"
    assert EN.id in out.stdout and "**bridge**" in out.stdout and "1 article found" in out.stderr
    out = _cli(home, "search", "地震", "--json", "--lang", "zh")
    assert out.returncode == 0, out.stderr
    (hit,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert hit["id"] == ZH.id and hit["published_at"] == ZH.published_at.isoformat() and "**地震**" in hit["snippet"]
    assert set(hit) == {"id", "url", "site", "title", "language", "published_at", "fetched_at", "duplicate_of",
                        "score", "snippet"}
    out = _cli(home, "search", "bridge", "--site", "nosuch.example")
    assert out.returncode == 2 and "no site nosuch.example in the store; known sites:" in out.stderr
    out = _cli(home, "search", "--limit", "0", "bridge")
    assert out.returncode == 2 and "--limit" in out.stderr
    out = _cli(home, "search", "...")
    assert out.returncode == 2 and "nothing to search for" in out.stderr
    out = _cli(home, "search", "nonexistentword")
    assert out.returncode == 0 and out.stdout == "" and "0 articles found" in out.stderr
    out = _cli(tmp_path / "empty", "search", "bridge")
    assert out.returncode == 2 and "no store" in out.stderr
    assert not (tmp_path / "empty" / "data" / "newsmill.db").exists()  # read-only: nothing created


# --- a crash between the article write and the index write --------------------------------

def test_a_kill_between_article_and_index_write_leaves_both_unwritten(store_url: str, tmp_path: Path) -> None:
    """A real SIGKILL of ``python -m tests.helpers.search_kill`` inside
    ``save_batch``, after the articles were written and before their index
    rows: the batch is in neither (one transaction), the store still
    answers, and saving the batch again indexes it."""
    out = subprocess.run([sys.executable, "-m", "tests.helpers.search_kill", store_url], capture_output=True,
                         text=True, timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == -9, (out.returncode, out.stdout, out.stderr)
    assert "articles written, killing before the index" in out.stdout
    store = open_store(store_url)
    try:
        assert article_ids(store) == index_ids(store) == sorted([RU.id, KK.id])  # the first batch only
        assert store.search("trams") == [] and ids(store.search("Алматы")) == [RU.id]
        store.save_batch([EN, TR, ZH], [])
        assert article_ids(store) == index_ids(store) == sorted(a.id for a in ALL)
        assert ids(store.search("trams")) == [EN.id]
    finally:
        store.close()
