"""storage/sketches.py: the SQL sketch index answers as the in-memory one."""

from __future__ import annotations

import pytest

from newsmill.dedup import MemorySketchIndex
from newsmill.storage import Store, open_store
from newsmill.storage.sketches import SqlSketchIndex, band_rows
from tests.helpers.statements import statements
from tests.storage.helpers import art, sketch


def test_band_rows_are_sorted_and_without_repeats() -> None:
    a, b = art(1), art(2)
    rows = band_rows([sketch(a, (5, 3, 5)), sketch(b, (3, -1))], first_sid=10)
    assert rows == [(-1, 11), (3, 10), (3, 11), (5, 10)]
    assert band_rows([], first_sid=1) == []


def test_sql_index_answers_as_the_memory_index(store: Store) -> None:
    arts = [art(i) for i in range(4)]
    sketches = [sketch(arts[0], (1, 2, 3)), sketch(arts[1], (3, 4, 5)), sketch(arts[2], (5, 6, 7)),
                sketch(arts[3], (1, 2, 3), paragraph=1), sketch(arts[3], (1, 9), kind="article", paragraph=-1)]
    store.save_batch(arts, sketches)
    index, memory = SqlSketchIndex(store.db), MemorySketchIndex()
    memory.add(sketches)
    queries = [[1, 2, 3], [3], [5, 6], [8], [], [9, 1]]
    for kind in ("passage", "article"):
        assert index.candidates(kind, queries) == memory.candidates(kind, queries)
        got = index.lookup(kind, [1, 3, 5, 8, 9])
        want = memory.lookup(kind, [1, 3, 5, 8, 9])
        assert {k: set(v) for k, v in got.items()} == {k: set(v) for k, v in want.items()}
    refs = [s.ref for s in sketches]
    assert index.shingles(refs) == dict(memory.shingles(refs))
    with store.db.connect() as conn:  # order keys come from article sketches only
        assert index.order_keys(conn, [arts[3].id, arts[0].id]) == {arts[3].id: sketches[4].order_key,
                                                                     arts[0].id: None}


def test_replacing_an_articles_sketches_drops_its_old_bands(store: Store) -> None:
    a, b = art(1), art(2)
    store.save_batch([a, b], [sketch(a, (1, 2)), sketch(b, (2, 3))])
    index = SqlSketchIndex(store.db)
    with store.db.exclusive(), store.db.begin() as conn:
        index.replace(conn, {a.id}, [sketch(a, (7,)), sketch(b, (99,))])  # b's is not one of a's: left out
    assert index.candidates("passage", [[1], [2], [7], [99]]) == [
        set(), {sketch(b, (2, 3)).ref}, {sketch(a, (7,)).ref}, set()]


def test_postgresql_reads_each_sketch_by_its_key_not_by_scanning_them(store_url: str) -> None:
    """On PostgreSQL the lookups of a batch (candidates by band key, the
    candidates' shingles, keys by band) reach each stored sketch through
    its unique key. Written as joins, they let the planner, which expects
    many more band matches than come, hash every stored sketch for each
    lookup: a cost that grew with the store. Checked on the plans
    PostgreSQL makes for the statements the index sends, on a store of
    24,000 analyzed sketches."""
    if not store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner (SQLite's plans: tests/test_template_counts.py)")
    store = open_store(store_url)
    try:
        with store.db.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO articles (id, url, canonical_url, site, authors, fetched_at, text, paragraphs, "
                "word_count, content_hash, cluster_id, source_name, source_kind, source_url, version, first_seen, "
                "last_seen, stored_at) SELECT 'a' || g, 'https://wire.example/' || g, 'https://wire.example/' || g, "
                "'wire.example', '[]', now(), 'text', '[]', 1, md5(g::text), 'a' || g, 'bench', 'urls', '', 1, "
                "now(), now(), now() FROM generate_series(1, 3000) g")
            conn.exec_driver_sql(
                "INSERT INTO sketches (kind, article_id, paragraph, order_key, shingles, params, sid) "
                "SELECT 'passage', 'a' || g, p, '2026120700', '\\x0102'::bytea, 'test-params', g * 8 + p "
                "FROM generate_series(1, 3000) g, generate_series(0, 7) p")
            conn.exec_driver_sql("INSERT INTO sketch_bands (key, sid) SELECT sid * 40 + b, sid FROM sketches, "
                                 "generate_series(0, 29) b")
            conn.exec_driver_sql("ANALYZE articles, sketches, sketch_bands")
        index = SqlSketchIndex(store.db)
        wanted = [8 * g + 3 for g in range(1, 3000, 30)]  # 100 stored sketches' numbers
        queries = [[sid * 40 + b for b in range(30)] for sid in wanted]
        with statements(store) as seen:
            found = index.candidates("passage", queries)
            by_key = index.lookup("passage", [k for q in queries[:20] for k in q])
            blobs = index.shingles({ref for refs in found for ref in refs})
        assert [{(r.article_id, r.paragraph) for r in refs} for refs in found] == [
            {(f"a{sid // 8}", sid % 8)} for sid in wanted]
        assert len(by_key) == 20 * 30 and len(blobs) == 100
        assert len(seen) == 3, seen
        with store.engine.connect() as conn:
            plans = ["\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
                     for statement, parameters in seen]
    finally:
        store.close()
    for plan in plans:
        assert "Seq Scan on sketches" not in plan and "Hash Join" not in plan, plan
        assert "sketches_pkey on sketches" in plan or "uq_sketches_sid on sketches" in plan, plan
