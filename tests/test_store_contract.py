"""The store's downstream contract on SQLite and PostgreSQL: migrations
(including an in-place upgrade of a store written by newsmill's first
schema), revisions, export checkpoints, read views and retention."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, select
from sqlalchemy import text as sql

from newsmill.cli import main as cli
from newsmill.core.errors import StorageError
from newsmill.core.records import Failure, FetchOutcome, FetchStatus, PassageLink
from newsmill.pipeline.upkeep import prune
from newsmill.storage import RawArchive, Store, open_store
from newsmill.storage import schema as t
from newsmill.storage.migrations import current_revision, head_revision, upgrade
from newsmill.storage.store import open_engine
from tests.test_storage import REF, T0, art, count, raw

FIXTURE_V1 = Path(__file__).parent / "fixtures" / "store-v1.sqlite.gz"
V1_TABLES = ("schema_info", "articles", "passage_links", "boilerplate_removals", "fetches", "failures",
             "source_state", "runs", "sketches", "sketch_bands")

V1_SHAPE = ("sketches", "sketch_bands")  # changed by migration 0003


def rows(store: Store, query: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sql(query))]


# --- migrations ------------------------------------------------------------------

def test_schema_module_matches_the_migrations(store: Store) -> None:
    """``schema.py`` (what the code uses) and the Alembic revisions (what
    stores get) describe the same tables, columns and indexes."""
    def described(name: str | None, kind: str, _parent: object) -> bool:  # the search index is per backend
        return not (kind == "table" and (name or "").startswith(t.SEARCH_PREFIX))

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": described}), t.metadata)
    assert diff == []
    assert current_revision(store.engine) == head_revision()
    assert store.get_info("version") == str(t.SCHEMA_VERSION)


def test_band_rows_are_keyed_and_migration_0004_round_trips(store: Store) -> None:
    """Band rows are keyed by (key, sketch number) (SQLite: WITHOUT ROWID);
    0004 down to the 0003 shape and up again keeps every row and lookup."""
    from alembic import command

    from newsmill.dedup import Deduplicator
    from newsmill.storage.migrations import alembic_config

    shared = "A paragraph shared by both articles, long enough to be sketched with MinHash bands."
    batch = [art(1, f"First story opens here with words of its own.\n\n{shared}"),
             art(2, f"Second story opens in another way entirely.\n\n{shared}")]
    result = Deduplicator(store).run(batch)
    store.save_batch(result.articles, result.sketches, novelty=result.novelty)
    keys = [s.bands for s in result.sketches if s.kind == "passage"]
    before = rows(store, "SELECT key, sid FROM sketch_bands ORDER BY key, sid")
    found = store.candidates("passage", keys)
    with store.engine.connect() as conn:
        from sqlalchemy import inspect

        assert inspect(conn).get_pk_constraint("sketch_bands")["constrained_columns"] == ["key", "sid"]
        if conn.dialect.name == "sqlite":
            ddl = conn.execute(sql("SELECT sql FROM sqlite_master WHERE name = 'sketch_bands'")).scalar_one()
            assert "WITHOUT ROWID" in ddl.upper()
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")
    assert rows(store, "SELECT key, sid FROM sketch_bands ORDER BY key, sid") == before
    upgrade(store.engine)
    assert rows(store, "SELECT key, sid FROM sketch_bands ORDER BY key, sid") == before
    assert store.candidates("passage", keys) == found and any(found)
    assert store.get_info("version") == str(t.SCHEMA_VERSION)


def test_migration_0008_records_the_process_of_each_run(store: Store) -> None:
    """Down to 0005 and up again: ``runs.pid`` and ``runs.host`` come back
    null for the runs recorded before (which stale-run recovery leaves
    alone), and new runs carry this process's. A run left ``running`` by a
    process that is gone is marked interrupted with the counts it reached;
    this process's own run is not."""
    import socket
    import subprocess
    import sys

    from alembic import command
    from sqlalchemy import inspect

    from newsmill.storage.migrations import alembic_config

    before = store.start_run("import-files", {})
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    with store.engine.connect() as conn:
        assert not {"pid", "host"} & {c["name"] for c in inspect(conn).get_columns("runs")}
    assert store.get_info("version") == "5"
    upgrade(store.engine)
    assert store.get_info("version") == str(t.SCHEMA_VERSION)
    assert rows(store, f"SELECT pid, host, status FROM runs WHERE id = '{before}'") == [(None, None, "running")]
    mine = store.start_run("import-files", {})
    assert rows(store, f"SELECT pid, host FROM runs WHERE id = '{mine}'") == [(os.getpid(), socket.gethostname())]
    gone = store.start_run("import-files", {})
    store.run_progress(gone, {"new": 7, "failed": 1})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    with store.engine.begin() as conn:
        conn.execute(sql(f"UPDATE runs SET pid = {int(dead.stdout)} WHERE id = '{gone}'"))
    assert store.recover_stale_runs() == [gone]
    got = {run_id: (status, json.loads(counts)) for run_id, status, counts in rows(store, "SELECT id, status, counts FROM runs")}
    assert got == {before: ("running", {}), mine: ("running", {}), gone: ("interrupted", {"new": 7, "failed": 1})}
    assert store.recover_stale_runs() == []


def test_migration_0005_adds_the_extraction_column_to_a_stored_store(store: Store, tmp_path: Path) -> None:
    """A store at 0004 (here: one taken down to it, rows kept) upgrades in
    place: its rows get a null ``extraction``, new rows and new versions
    store theirs, and it is exported in JSON Lines and Parquet, listed by
    ``canonical_articles`` and kept with replaced versions."""
    import pyarrow.parquet as pq
    from alembic import command
    from sqlalchemy import inspect

    from newsmill.storage.export import write_jsonl, write_parquet
    from newsmill.storage.migrations import alembic_config

    old = art(1, extraction="trafilatura.fast")
    store.save_batch([old, art(2, extraction="jsonld")], [])
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    with store.engine.connect() as conn:
        for table in ("articles", "article_revisions"):
            assert "extraction" not in {c["name"] for c in inspect(conn).get_columns(table)}
    assert count(store, "articles") == 2 and rows(store, "SELECT COUNT(*) FROM canonical_articles") == [(2,)]
    assert store.get_info("version") == "4"
    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision() and store.get_info("version") == str(t.SCHEMA_VERSION)
    assert [r["extraction"] for r in store.articles()] == [None, None]  # the value was dropped with 0004
    values = ["trafilatura.cascade+fill", "plaintext", None]
    store.save_batch([art(1, text="Article one came back with a new body and a new extraction path.",
                          extraction=values[0]), art(3, extraction=values[1]), art(4)], [])
    got = {r["id"]: r["extraction"] for r in store.articles()}
    assert got == {art(2).id: None, old.id: values[0], art(3).id: values[1], art(4).id: None}
    assert [(v["version"], v["extraction"]) for v in store.revisions(old.id)] == [(2, values[0]), (1, None)]
    store.save_batch([art(2, text="Article two, now with a body from its JSON-LD.", extraction="jsonld")], [])
    assert [v["extraction"] for v in store.revisions(art(2).id)] == ["jsonld", None]
    assert rows(store, f"SELECT extraction FROM article_revisions WHERE article_id = '{old.id}'") == [(None,)]
    assert rows(store, f"SELECT extraction FROM canonical_articles WHERE id = '{old.id}'") == [(values[0],)]
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        write_jsonl(store.articles(), fh)
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["id"]: r["extraction"] for r in exported} == {**got, art(2).id: "jsonld"}
    assert list(exported[0])[11:13] == ["image", "extraction"]
    write_parquet(store.articles(), tmp_path / "out.parquet", Store.EXPORT_FIELDS)
    table = pq.read_table(tmp_path / "out.parquet")
    assert str(table.schema.field("extraction").type) == "string"
    assert dict(zip(table.column("id").to_pylist(), table.column("extraction").to_pylist(), strict=True)) == {
        **got, art(2).id: "jsonld"}


def test_migration_0007_adds_archive_records_failure_raw_and_the_encoding_to_a_stored_store(
        store: Store, tmp_path: Path) -> None:
    """A store at 0005 (here: one taken down to it, rows kept) upgrades in
    place: its articles and failures get null ``encoding``/``raw``, the
    ``archive_records`` table starts empty, and new rows keep their
    encoding (current and replaced versions, exported) and their claims."""
    from alembic import command
    from sqlalchemy import inspect

    from newsmill.core.records import ArchiveLocation
    from newsmill.storage.archive import Claim
    from newsmill.storage.migrations import alembic_config

    store.save_batch([art(1, encoding="cp1251", encoding_source="document")], [])
    store.record_failures([Failure(url="https://x.example/stub", stage="extract", status="not_article",
                                   reason="short", at=T0, raw=ArchiveLocation("a.warc.gz", 0, 10))])
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    with store.engine.connect() as conn:
        assert "archive_records" not in inspect(conn).get_table_names()
        assert "raw" not in {c["name"] for c in inspect(conn).get_columns("failures")}
        for table in ("articles", "article_revisions"):
            assert "encoding" not in {c["name"] for c in inspect(conn).get_columns(table)}
    assert store.get_info("version") == "5" and count(store, "articles") == 1
    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision() and store.get_info("version") == str(t.SCHEMA_VERSION)
    assert [(r["encoding"], r["encoding_source"]) for r in store.articles()] == [(None, None)]
    assert [f.raw for f in store.failures()] == [None] and count(store, "archive_records") == 0
    loc = ArchiveLocation("2026/12/run.warc.gz", 273, 400)
    store.save_batch([art(1, text="Article one, decoded again from its UTF-16 bytes.", encoding="utf-16-le",
                          encoding_source="bom", raw=loc)], [], claims=[Claim("sha1:K", loc, art(1).url)])
    assert [(v["encoding"], v["encoding_source"]) for v in store.revisions(art(1).id)] == [
        ("utf-16-le", "bom"), (None, None)]
    assert store.archived_records(["sha1:K", "sha1:other"]) == {"sha1:K": loc}
    assert store.claimed_locations([loc.to_uri(), "x#offset=0&length=1"]) == {loc.to_uri()}
    [record] = store.articles()
    assert list(record)[12:15] == ["extraction", "encoding", "encoding_source"]


def test_a_migration_that_fails_half_way_leaves_nothing_behind(store_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration is one transaction, DDL included (on SQLite the sqlite3
    module would run CREATE/DROP outside it): cut off after 0004 created
    its new table and dropped the old one, the store is still at 0003."""
    from alembic import op
    from sqlalchemy import inspect

    store = open_engine(store_url)
    try:
        upgrade(store.engine, "0003")

        def cut(*args: object, **kwargs: object) -> None:
            raise RuntimeError("killed half-way through the migration")

        monkeypatch.setattr(op, "rename_table", cut)
        with pytest.raises(RuntimeError, match="half-way"):
            upgrade(store.engine)
        assert current_revision(store.engine) == "0003"
        with store.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert "sketch_bands" in tables and "sketch_bands_v4" not in tables
        monkeypatch.undo()
        assert upgrade(store.engine) == head_revision()
    finally:
        store.close()


def _v1_fixture(tmp_path: Path) -> Path:
    """The SQLite store written by newsmill's first schema (before Alembic):
    5 articles imported from the sample site, one of them a duplicate."""
    db = tmp_path / "v1" / "newsmill.db"
    db.parent.mkdir(parents=True)
    with gzip.open(FIXTURE_V1, "rb") as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return db


def _v1_rows(tmp_path: Path, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{_v1_fixture(tmp_path / 'rows')}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sql(query))]
    finally:
        engine.dispose()


def _load_v1(store_url: str, tmp_path: Path) -> dict[str, int]:
    """Make ``store_url`` a first-schema store holding the fixture's rows."""
    source = create_engine(f"sqlite:///{_v1_fixture(tmp_path)}")
    meta = MetaData()
    meta.reflect(source)
    target = open_engine(store_url).engine  # (creates the SQLite file's folder)
    upgrade(target, "0001")
    counts: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        dst.execute(sql("DROP TABLE alembic_version"))  # first-schema stores had none
        dst.execute(sql("DELETE FROM schema_info"))
        for name in V1_TABLES:
            data = [dict(r._mapping) for r in src.execute(select(meta.tables[name]))]
            counts[name] = len(data)
            if data:  # tables that changed shape since: as the first schema had them
                table = meta.tables[name] if name in V1_SHAPE else t.metadata.tables[name]
                dst.execute(insert(table), data)
        if target.dialect.name == "postgresql":  # keep serial columns ahead of the copied ids
            for table, col in (("articles", "seq"), ("fetches", "id"), ("failures", "id")):
                dst.execute(sql(f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
                                f"(SELECT COALESCE(MAX({col}), 1) FROM {table}))"))
    source.dispose()
    target.dispose()
    return counts


def test_first_schema_store_upgrades_in_place(store_url: str, tmp_path: Path) -> None:
    counts = _load_v1(store_url, tmp_path)
    assert counts["articles"] == 5 and counts["sketches"] > 0 and counts["passage_links"] > 0
    engine_only = open_engine(store_url)
    assert current_revision(engine_only.engine) == "legacy-0001"
    engine_only.close()
    before = None
    store = open_store(store_url)
    try:
        assert current_revision(store.engine) == head_revision()
        assert store.get_info("version") == str(t.SCHEMA_VERSION)
        for name, n in counts.items():
            if name != "schema_info":
                assert count(store, name) == n, name
        records = list(store.articles(include_duplicates=True))
        assert len(records) == 5 and sum(1 for r in records if r["duplicate_of"]) == 1
        assert [r["extraction"] for r in records] == [None] * 5  # stored before 0005: not known
        # the band rows still find their sketches (0003 renumbered them)
        v1_bands = _v1_rows(tmp_path, "SELECT kind, key, article_id, paragraph FROM sketch_bands")
        for kind, key, article_id, paragraph in v1_bands[:: max(1, len(v1_bands) // 50)]:
            found = store.lookup(kind, [key])
            assert (article_id, paragraph) in {(r.article_id, r.paragraph) for r in found[key]}
        before = {r["id"]: r["text"] for r in records}
        # the upgraded store works: a changed article becomes revision 2, the old text is kept
        first = records[0]
        from newsmill.core.records import Article, SourceRef

        changed = Article(url=first["url"], canonical_url=first["canonical_url"], site=first["site"],
                          text=first["text"] + "\n\nA correction was appended to this story later on.",
                          paragraphs=[*first["paragraphs"], "A correction was appended to this story later on."],
                          source=SourceRef(**first["source"]), fetched_at=T0)
        assert store.save_batch([changed], []).updated == 1
        versions = store.revisions(first["id"])
        assert [v["version"] for v in versions] == [2, 1] and versions[1]["text"] == before[first["id"]]
        assert [v["extraction"] for v in versions] == [None, None]
        assert rows(store, "SELECT COUNT(*) FROM canonical_articles") == [(4,)]
    finally:
        store.close()


def test_sqlite_fixture_opened_directly(tmp_path: Path) -> None:
    """The fixture file itself, as an operator would have it on disk."""
    db = _v1_fixture(tmp_path)
    os.environ["NEWSMILL_DATABASE_URL"] = f"sqlite:///{db}"
    try:
        assert cli(["db", "status"]) == 0
        assert cli(["db", "upgrade"]) == 0
        assert cli(["db", "upgrade"]) == 0  # idempotent
    finally:
        del os.environ["NEWSMILL_DATABASE_URL"]
    store = open_engine(f"sqlite:///{db}")
    try:
        assert current_revision(store.engine) == head_revision()
        assert count(store, "articles") == 5
    finally:
        store.close()


def test_a_store_from_a_newer_newsmill_is_refused(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.begin() as conn:
        conn.execute(sql("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StorageError, match="newer version"):
        open_store(store_url)


# --- revisions and cursors ---------------------------------------------------------

def test_changed_content_makes_a_revision_and_moves_to_the_end(store: Store) -> None:
    store.save_batch([art(1), art(2), art(3)], [])
    seqs = {r["id"]: r["seq"] for r in store.articles()}
    changed = art(1, text="A rewritten body for the first article, now with other words in it.")
    assert store.save_batch([changed], []).updated == 1
    assert store.save_batch([changed], []).unchanged == 1  # the same content again: nothing new
    assert count(store, "article_revisions") == 1
    now = {r["id"]: r for r in store.articles()}
    assert now[changed.id]["version"] == 2 and now[changed.id]["seq"] > max(seqs.values())
    assert [r["id"] for r in store.articles(after_seq=max(seqs.values()))] == [changed.id]
    history = store.revisions(changed.id)
    assert [(h["version"], h["current"]) for h in history] == [(2, True), (1, False)]
    assert history[1]["text"] == art(1).text and history[1]["replaced_at"] is not None



def test_the_python_api_gives_aware_datetimes_and_jsonl_iso_with_offset(store: Store) -> None:
    """Every time the Python API returns is a timezone-aware UTC datetime
    (records, ``article``, ``revisions``, ``checkpoints``); JSON Lines
    writes them as ISO 8601 with offset."""
    import io

    from newsmill.storage.export import write_jsonl

    edt = T0.astimezone(timezone(timedelta(hours=-4)))  # stored in UTC whatever the offset given
    store.save_batch([art(1, published_at=edt, modified_at=edt + timedelta(hours=1)), art(2)], [])
    store.save_batch([art(1, text="A second version of the first article, with other words.", published_at=edt,
                          modified_at=edt + timedelta(hours=1))], [])
    store.set_checkpoint("daily", 1, 1)

    def aware(value: object) -> bool:
        return isinstance(value, datetime) and value.utcoffset() == timedelta(0)

    record = next(r for r in store.articles() if r["id"] == art(1).id)
    assert record["published_at"] == T0 and record["modified_at"] == T0 + timedelta(hours=1)
    assert all(aware(record[k]) for k in ("published_at", "modified_at", "fetched_at", "stored_at"))
    shown = store.article(art(1).id)
    assert shown is not None and all(aware(shown[k]) for k in ("published_at", "stored_at", "first_seen",
                                                               "last_seen"))
    history = store.revisions(art(1).id)
    assert all(aware(v[k]) for v in history for k in ("published_at", "modified_at", "fetched_at", "stored_at"))
    assert history[0]["replaced_at"] is None and aware(history[1]["replaced_at"])
    assert aware(store.checkpoints()[0]["updated_at"])
    out = io.StringIO()
    write_jsonl(store.articles(), out)
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["published_at"] == "2025-06-01T12:00:00+00:00" and line["stored_at"].endswith("+00:00")
    assert datetime.fromisoformat(line["fetched_at"]) == T0

def test_export_checkpoint_pulls_only_what_is_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    store.save_batch([art(1), art(2), art(3)], [])

    def export(name: str = "downstream") -> list[dict[str, object]]:
        out = tmp_path / "out.jsonl"
        assert cli(["--home", str(home), "export", "--checkpoint", name, "--out", str(out)]) == 0
        return [json.loads(line) for line in out.read_text().splitlines()]

    assert len(export()) == 3
    assert export() == []  # nothing new
    store.save_batch([art(4), art(1, text="Article one was corrected with a new body of several words.")], [])
    second = export()
    assert sorted(r["id"] for r in second) == sorted([art(4).id, art(1).id])  # new and changed
    assert next(r for r in second if r["id"] == art(1).id)["version"] == 2
    assert len(export("another")) == 4  # cursors are independent
    assert [c["name"] for c in store.checkpoints()] == ["another", "downstream"]
    assert store.checkpoints()[1]["exported"] == 5
    store.close()


def test_failed_export_does_not_advance_the_checkpoint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    store.save_batch([art(1)], [])
    bad_out = tmp_path / "missing-dir" / "x.jsonl"
    assert cli(["--home", str(home), "export", "--checkpoint", "c", "--out", str(bad_out)]) == 2
    assert store.checkpoint("c") == 0
    good_out = tmp_path / "x.jsonl"
    assert cli(["--home", str(home), "export", "--checkpoint", "c", "--out", str(good_out)]) == 0
    assert store.checkpoint("c") == next(store.articles())["seq"]
    store.close()


# --- read views ------------------------------------------------------------------------

def test_read_views(store: Store) -> None:
    a = art(1, text="First paragraph of the original story.\n\nSecond paragraph, shared with a copy.")
    b = art(2, duplicate_of=a.id, similarity=0.9, duplicate_passages=[PassageLink(1, a.id, 1, 0.97)])
    store.save_batch([a, b, art(3)], [])
    store.record_failures([
        Failure(url="https://x.example/404", stage="fetch", status="http_error", reason="HTTP 404", at=T0,
                site="x.example"),
        Failure(url="https://x.example/500", stage="fetch", status="http_error", reason="HTTP 500", at=T0,
                site="x.example"),
    ])
    assert {r[0] for r in rows(store, "SELECT id FROM canonical_articles")} == {a.id, art(3).id}
    assert rows(store, "SELECT article_id, duplicate_of, original_url, similarity FROM duplicate_pairs") == [
        (b.id, a.id, a.url, 0.9)]
    assert rows(store, "SELECT article_id, paragraph, of_article, of_url, of_paragraph FROM passage_pairs") == [
        (b.id, 1, a.id, a.url, 1)]
    assert rows(store, "SELECT cluster_id, members FROM clusters") == [(a.id, 2)]
    assert rows(store, "SELECT site, stage, status, failures FROM failures_by_site") == [
        ("x.example", "fetch", "http_error", 2)]
    paragraphs = rows(store, f"SELECT position, text FROM article_paragraphs WHERE article_id = '{a.id}' "
                             "ORDER BY position")
    assert paragraphs == [(0, "First paragraph of the original story."),
                          (1, "Second paragraph, shared with a copy.")]


def test_read_views_give_times_with_their_offset(store: Store) -> None:
    """SQLite views give ISO 8601 text with ``+00:00``, as the export writes
    it (no fraction when it is zero); PostgreSQL views give timestamptz."""
    a = art(1, published_at=datetime(2026, 12, 2, 18, 37, 42, 706024, tzinfo=UTC), modified_at=None)
    b = art(2, duplicate_of=a.id, similarity=0.9)
    store.save_batch([a, b], [])
    store.record_failures([Failure(url="https://x.example/404", stage="fetch", status="http_error",
                                   reason="HTTP 404", at=datetime(2026, 12, 2, 18, 0, tzinfo=UTC), site="x.example")])
    record = store.article(a.id)
    assert record is not None
    got = rows(store, f"SELECT published_at, modified_at, fetched_at, first_seen, last_seen, stored_at "
                      f"FROM canonical_articles WHERE id = '{a.id}'")[0]
    cluster = rows(store, "SELECT first_seen, last_seen FROM clusters")[0]
    failed = rows(store, "SELECT last_at FROM failures_by_site")[0][0]
    if store.dialect == "sqlite":
        assert got[:3] == ("2026-12-02T18:37:42.706024+00:00", None, "2025-06-01T12:00:00+00:00")
        for value in (*got[3:], *cluster):
            assert isinstance(value, str) and datetime.fromisoformat(value).utcoffset() == timedelta(0), value
        assert got[3:] == tuple(record[k].isoformat() for k in ("first_seen", "last_seen", "stored_at"))
        assert failed == "2026-12-02T18:00:00+00:00"
    else:
        assert got[0] == a.published_at and got[0].utcoffset() == timedelta(0) and got[1] is None
        assert all(isinstance(v, datetime) and v.tzinfo is not None for v in (*got[2:], *cluster, failed))
    assert datetime.fromisoformat(str(got[0]).replace(" ", "T")) == record["published_at"]


# --- retention ------------------------------------------------------------------------

def test_prune_old_raw_files_and_fetch_log_but_not_articles(store: Store, tmp_path: Path) -> None:
    archive = RawArchive(tmp_path / "raw")
    with archive.open_writer("old-run") as w:
        old_loc = w.write(raw(b"<html><p>old</p></html>"))
    with archive.open_writer("new-run") as w:
        w.write(raw(b"<html><p>new</p></html>"))
    old_file = archive.root / old_loc.path
    month_ago = (datetime.now(UTC) - timedelta(days=40)).timestamp()
    os.utime(old_file, (month_ago, month_ago))
    old = art(1, raw=old_loc)
    store.save_batch([old, art(2)], [])
    store.record_fetches([
        FetchOutcome(url="https://x.example/1", status=FetchStatus.OK, source=REF, site="x.example",
                     at=datetime.now(UTC) - timedelta(days=40), archive=old_loc),
        FetchOutcome(url="https://x.example/2", status=FetchStatus.OK, source=REF, site="x.example"),
    ])
    cutoff = datetime.now(UTC) - timedelta(days=30)
    dry = prune(store, archive.root, cutoff, dry_run=True)
    assert (dry["raw_files"], dry["fetches"], dry["articles"]) == (1, 1, 0) and old_file.exists()
    done = prune(store, archive.root, cutoff)
    assert done["raw_files"] == 1 and done["raw_bytes"] > 0 and done["fetches"] == 1
    assert not old_file.exists() and len(archive.files()) == 1
    assert count(store, "articles") == 2 and count(store, "fetches") == 1
    assert next(r for r in store.articles() if r["id"] == old.id)["raw"] is None  # no dangling reference
    assert prune(store, archive.root, cutoff) == {"raw_files": 0, "raw_bytes": 0, "articles": 0,
                                                  "fetches": 0, "failures": 0}


def test_pruning_an_original_hands_its_story_to_the_earliest_copy(store: Store, tmp_path: Path) -> None:
    """The copies of a pruned original stay in the canonical store: the
    earliest becomes canonical, the others its duplicates, and all get a new
    seq, so an export resuming from its checkpoint sees them."""
    original = art(1)
    late, early = (art(n, duplicate_of=original.id, similarity=0.9) for n in (2, 3))  # art(3) is the earlier
    lone = art(4)
    store.save_batch([original], [])
    with store.engine.begin() as conn:
        conn.execute(sql("UPDATE articles SET last_seen = :t"), {"t": datetime.now(UTC) - timedelta(days=400)})
    store.save_batch([late, early, lone], [])  # art(n) is published n hours before T0
    checkpoint = max(r["seq"] for r in store.articles(include_duplicates=True))
    assert {r["id"] for r in store.articles()} == {original.id, lone.id}

    assert prune(store, tmp_path / "raw", datetime.now(UTC) - timedelta(days=365), articles=True)["articles"] == 1
    got = {r["id"]: r for r in store.articles(include_duplicates=True)}
    assert set(got) == {early.id, late.id, lone.id}
    assert (got[late.id]["duplicate_of"], got[late.id]["similarity"]) == (early.id, None)
    assert (got[early.id]["duplicate_of"], got[early.id]["similarity"]) == (None, None)
    assert got[early.id]["cluster_id"] == got[late.id]["cluster_id"] == original.id
    assert [r["id"] for r in store.articles(after_seq=checkpoint)] == [early.id]  # canonical, new seq
    assert {r["id"] for r in store.articles(include_duplicates=True, after_seq=checkpoint)} == {early.id, late.id}
    assert rows(store, "SELECT article_id, duplicate_of FROM duplicate_pairs") == [(late.id, early.id)]


def test_prune_articles_only_when_asked(store: Store, tmp_path: Path) -> None:
    a = art(1, text="An original paragraph that a later copy shares with it, word for word here.")
    b = art(2, duplicate_passages=[PassageLink(0, a.id, 0, 1.0)])
    store.save_batch([a], [])
    with store.engine.begin() as conn:
        conn.execute(sql("UPDATE articles SET last_seen = :t"), {"t": datetime.now(UTC) - timedelta(days=400)})
    store.save_batch([b], [], novelty={b.id: 0.0})  # its one paragraph repeats the original
    cutoff = datetime.now(UTC) - timedelta(days=365)
    assert prune(store, tmp_path / "raw", cutoff)["articles"] == 0 and count(store, "articles") == 2
    seq, novelty = next((r["seq"], r["novelty"]) for r in store.articles() if r["id"] == b.id)
    assert novelty == 0.0
    assert prune(store, tmp_path / "raw", cutoff, articles=True)["articles"] == 1
    assert [r["id"] for r in store.articles()] == [b.id]
    assert count(store, "passage_links") == 0 and count(store, "boilerplate_removals") == 1
    # its only linked paragraph now links to nothing: all of it counts as new, and the change is exported
    (got,) = store.articles()
    assert got["duplicate_passages"] == [] and got["novelty"] == 1.0 and got["seq"] > seq
