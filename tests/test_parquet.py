"""The Parquet export as analysts read it: typed columns (UTC timestamps,
lists, structs) read back with pyarrow, pandas, polars and DuckDB, from a
store made by a real import of pages written here."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.storage.export import EXPORT_FIELDS, export_schema
from tests.helpers.stories import COPYRIGHT, Sentences, write_stories

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

# The Arrow type of every column, as docs/schema.md gives them.
TYPES = {
    "id": "string", "url": "string", "canonical_url": "string", "site": "string", "title": "string",
    "authors": "list<item: string>",
    "published_at": "timestamp[us, tz=UTC]", "modified_at": "timestamp[us, tz=UTC]",
    "fetched_at": "timestamp[us, tz=UTC]",
    "language": "string", "description": "string", "image": "string", "extraction": "string", "encoding": "string",
    "encoding_source": "string", "text": "string",
    "paragraphs": "list<item: string>", "word_count": "int64", "content_hash": "string",
    "duplicate_of": "string", "similarity": "double", "cluster_id": "string", "novelty": "double",
    "duplicate_passages": "list<item: struct<paragraph: int64, of_article: string, of_paragraph: int64, "
                          "similarity: double>>",
    "boilerplate_removed": "list<item: struct<text: string, rule: string>>",
    "source": "struct<name: string, kind: string, url: string>",
    "raw": "string", "version": "int64", "seq": "int64", "stored_at": "timestamp[us, tz=UTC]",
}


@dataclass
class Export:
    home: Path
    full: Path  # every record (--all)
    empty: Path  # nothing after the last seq
    shared: str  # the paragraph the pages share


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Export:
    """A store made by a real import of three pages (an article with a
    copyright line, a story of another site repeating one of its
    paragraphs, a reprint of the article), exported to Parquet in full and
    after its last record."""
    pages = tmp_path_factory.mktemp("pages")
    shared = write_stories(pages, Sentences(25), author="Ann Writer", offset="+03:00")
    out = tmp_path_factory.mktemp("out")
    home = out / "home"
    full, empty = out / "full.parquet", out / "empty.parquet"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSMILL_TASK_RUNNER", "default")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(["--home", str(home), "import", str(pages)]) == 0
            assert main(["--home", str(home), "export", "--all", "--format", "parquet", "--out", str(full)]) == 0
            last = max(pq.read_table(full).column("seq").to_pylist())
            assert main(["--home", str(home), "export", "--all", "--format", "parquet", "--out", str(empty),
                         "--after-seq", str(last)]) == 0
    return Export(home, full, empty, shared)


def test_the_schema_is_declared_and_documented() -> None:
    schema = export_schema()
    assert tuple(schema.names) == EXPORT_FIELDS
    assert {f.name: str(f.type) for f in schema} == TYPES
    doc = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")
    rows = [line.split("|") for line in doc.splitlines() if line.startswith("| `")]
    documented: dict[str, str] = {}
    for row in rows:
        if len(row) < 6 or not row[3].strip().startswith("`"):
            continue
        names, arrow = [n.strip(" `") for n in row[1].split(",")], row[3].strip().strip("`")
        for name in names:
            documented[name] = arrow
    assert {k: documented.get(k) for k in TYPES} == TYPES


def test_pyarrow_reads_typed_columns(export: Export) -> None:
    table = pq.read_table(export.full)
    assert table.schema == export_schema() and table.num_rows == 3
    rows = {r["canonical_url"]: r for r in table.to_pylist()}
    one, two = rows["https://news.example/news/1.html"], rows["https://other.example/news/2.html"]
    assert one["published_at"] == datetime(2025, 7, 1, 6, 0, tzinfo=UTC)
    assert one["published_at"].utcoffset() is not None and isinstance(one["stored_at"], datetime)
    assert one["authors"] == ["Ann Writer"] and export.shared in one["paragraphs"]
    assert one["source"] == {"name": "import", "kind": "folder", "url": one["source"]["url"]}
    assert {"text": COPYRIGHT, "rule": "footer.copyright"} in one["boilerplate_removed"]
    passage = two["duplicate_passages"][0]
    assert passage["of_article"] == one["id"] and isinstance(passage["paragraph"], int)
    assert isinstance(passage["similarity"], float) and isinstance(two["word_count"], int)
    # Written in row groups of the declared schema.
    assert pq.ParquetFile(export.full).metadata.num_row_groups >= 1


def test_an_empty_export_has_the_same_schema(export: Export) -> None:
    empty, full = pq.read_table(export.empty), pq.read_table(export.full)
    assert empty.num_rows == 0 and empty.schema == full.schema == export_schema()


def test_pandas_reads_timestamps_and_lists(export: Export) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(export.full)
    assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"
    assert str(frame["stored_at"].dtype) == "datetime64[us, UTC]"
    assert frame["word_count"].dtype.kind == "i" and frame["novelty"].dtype.kind == "f"
    one = frame[frame["canonical_url"] == "https://news.example/news/1.html"].iloc[0]
    assert one["published_at"] == pd.Timestamp("2025-07-01T06:00:00Z")
    assert list(one["authors"]) == ["Ann Writer"] and one["source"]["kind"] == "folder"
    assert pd.read_parquet(export.empty).dtypes.to_dict() == frame.dtypes.to_dict()


def test_polars_reads_typed_columns(export: Export) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(export.full)
    schema = frame.schema
    assert schema["published_at"] == pl.Datetime("us", "UTC")
    assert schema["authors"] == pl.List(pl.String) and schema["paragraphs"] == pl.List(pl.String)
    assert schema["duplicate_passages"] == pl.List(pl.Struct({
        "paragraph": pl.Int64, "of_article": pl.String, "of_paragraph": pl.Int64, "similarity": pl.Float64}))
    assert schema["boilerplate_removed"] == pl.List(pl.Struct({"text": pl.String, "rule": pl.String}))
    assert schema["source"] == pl.Struct({"name": pl.String, "kind": pl.String, "url": pl.String})
    assert schema["word_count"] == pl.Int64 and schema["similarity"] == pl.Float64
    passages = frame.select("id", "duplicate_passages").explode("duplicate_passages").drop_nulls() \
        .unnest("duplicate_passages")
    assert passages.height >= 2
    assert pl.read_parquet(export.empty).schema == schema


def test_duckdb_unnests_passages_and_joins_them_to_their_original(export: Export) -> None:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    try:
        path = str(export.full).replace("'", "''")
        got = con.execute(f"SELECT id, unnest(duplicate_passages, recursive := true) FROM '{path}'").fetchall()
        assert len(got) >= 2
        # Each linked paragraph beside the paragraph of the original it repeats (DuckDB lists count from 1).
        joined = con.execute(f"""
            WITH f AS (SELECT * FROM '{path}'),
                 p AS (SELECT id, paragraphs, unnest(duplicate_passages) AS link FROM f)
            SELECT p.id, o.id, p.paragraphs[link.paragraph + 1], o.paragraphs[link.of_paragraph + 1],
                   o.canonical_url
            FROM p JOIN f AS o ON o.id = link.of_article
            ORDER BY p.id""").fetchall()
        assert joined and all(theirs is not None for _, _, _, theirs, _ in joined)
        assert {row[4] for row in joined} == {"https://news.example/news/1.html"}
        assert any(mine == theirs == export.shared for _, _, mine, theirs, _ in joined)
        kind = con.execute(f"SELECT typeof(published_at), typeof(authors) FROM '{path}' LIMIT 1").fetchone()
        assert kind == ("TIMESTAMP WITH TIME ZONE", "VARCHAR[]")
        empty = str(export.empty).replace("'", "''")
        assert con.execute(f"DESCRIBE SELECT * FROM '{empty}'").fetchall() == \
            con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()
    finally:
        con.close()


def _cli(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


def test_a_partitioned_export_is_read_back_with_a_partition_filter(export: Export, tmp_path: Path) -> None:
    import pyarrow.dataset as ds

    by_date, by_site = tmp_path / "by-date", tmp_path / "by-site"
    home = str(export.home)
    assert _cli("--home", home, "export", "--all", "--format", "parquet", "--partition-by", "date",
                "--out", str(by_date)) == 0
    assert _cli("--home", home, "export", "--all", "--format", "parquet", "--partition-by", "site",
                "--out", str(by_site)) == 0
    # Hive layout: a folder per day (published_at's, UTC) and per site.
    assert sorted(p.name for p in by_date.iterdir()) == ["date=2025-07-01", "date=2025-07-02", "date=2025-07-03"]
    assert sorted(p.name for p in by_site.iterdir()) == ["site=news.example", "site=other.example"]
    dataset = ds.dataset(by_date, format="parquet", partitioning="hive")
    day = dataset.to_table(filter=ds.field("date") == "2025-07-02")
    assert day.column("canonical_url").to_pylist() == ["https://other.example/news/2.html"]
    assert day.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert day.schema.field("duplicate_passages").type == export_schema().field("duplicate_passages").type
    sites = ds.dataset(by_site, format="parquet", partitioning=ds.HivePartitioning.discover(infer_dictionary=False))
    other = sites.to_table(filter=ds.field("site") == "other.example")
    assert sorted(other.column("canonical_url").to_pylist()) == [
        "https://other.example/news/2.html", "https://other.example/news/3.html"]
    # The partition is read back as the column it was.
    assert set(other.column("site").to_pylist()) == {"other.example"}
    full = pq.read_table(export.full)
    assert sites.count_rows() == dataset.count_rows() == full.num_rows
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    try:
        glob = str(by_site / "**" / "*.parquet").replace("'", "''")
        got = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true) "
                          "WHERE site = 'news.example'").fetchone()
        assert got == (1,)
    finally:
        con.close()
    # A second export into the folder (an export cursor's next run) adds files beside the first's.
    last = max(full.column("seq").to_pylist())
    assert _cli("--home", home, "export", "--all", "--format", "parquet", "--partition-by", "date",
                "--out", str(by_date), "--after-seq", str(last)) == 0
    assert ds.dataset(by_date, format="parquet", partitioning="hive").count_rows() == full.num_rows


def test_partition_by_needs_parquet_and_a_folder(export: Export, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    home = str(export.home)
    assert main(["--home", home, "export", "--partition-by", "site", "--out", str(tmp_path / "x")]) == 2
    assert "--partition-by needs --format parquet" in capsys.readouterr().err
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert main(["--home", home, "export", "--format", "parquet", "--partition-by", "date",
                 "--out", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err
