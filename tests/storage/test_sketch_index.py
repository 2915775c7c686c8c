"""storage/sketches.py: the SQL sketch index answers as the in-memory one."""

from __future__ import annotations

from newsmill.dedup import MemorySketchIndex
from newsmill.storage import Store
from newsmill.storage.sketches import SqlSketchIndex, band_rows
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
