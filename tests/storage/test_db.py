"""storage/db.py: the helpers every part of the store goes through."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from newsmill.core.errors import StorageError
from newsmill.storage import Store
from newsmill.storage import schema as t
from newsmill.storage.db import CHUNK, insert_many, rows_in, sanitize, upsert


def test_rows_in_reads_more_values_than_one_in_list_holds(store: Store) -> None:
    keys = [f"k{i}" for i in range(CHUNK * 2 + 7)]
    with store.db.begin() as conn:
        insert_many(conn, t.schema_info, ("key", "value"), [(k, "v") for k in keys])
    wanted = [*keys, "absent"]
    with store.db.connect() as conn:
        found = {r[0] for r in rows_in(conn, select(t.schema_info.c.key), t.schema_info.c.key, wanted)}
    assert set(keys) <= found and "absent" not in found


def test_upsert_keeps_or_updates_the_stored_row(store: Store) -> None:
    with store.db.begin() as conn:
        upsert(conn, t.schema_info, {"key": "x", "value": "1"})
        upsert(conn, t.schema_info, {"key": "x", "value": "2"})  # no updates: the stored row stays
    assert store.db.get_info("x") == "1"
    with store.db.begin() as conn:
        upsert(conn, t.schema_info, {"key": "x", "value": "3"}, ["key"], {"value": "3"})
    assert store.db.get_info("x") == "3"


def test_database_errors_become_storage_errors(store: Store) -> None:
    with pytest.raises(StorageError, match="store error"), store.db.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    store.db.set_info("dup", "1")
    with pytest.raises(StorageError), store.db.begin() as conn:  # the driver's own error, from COPY / executemany
        insert_many(conn, t.schema_info, ("key", "value"), [("dup", "2")])
    assert store.db.get_info("dup") == "1"


def test_writer_lock_is_reentrant_and_exclusive(store: Store) -> None:
    events: list[str] = []

    def other() -> None:
        with store.db.exclusive():
            events.append("other")

    with store.db.exclusive():
        with store.db.exclusive():  # re-entrant within a thread
            events.append("inner")
        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.2)
        events.append("outer")
    thread.join(10)
    assert events == ["inner", "outer", "other"]


def test_sanitize_drops_what_no_backend_stores() -> None:
    assert sanitize("a\x00b") == "ab"
    assert sanitize("x\udc80y") == "x?y"
    assert sanitize(None) is None


def test_postgresql_sessions_compile_no_statement_just_in_time(store: Store) -> None:
    """JIT compiling a lookup by key cost more than running it once a store
    was large enough for the planner's estimate to pass jit_above_cost: the
    store's sessions turn it off, and keep it off through rolled-back and
    committed transactions of the pool's connections."""
    if store.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's JIT")
    with store.engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
        conn.rollback()
        assert conn.execute(text("SHOW jit")).scalar() == "off"
    with store.engine.begin() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
    with store.engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
