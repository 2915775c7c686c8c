"""Streaming exports of store records: the queries that page through
them in storage order (``seq``), the named cursors that resume an export,
and the JSON Lines and Parquet writers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, insert, select, update

from newsmill.core.errors import StorageError
from newsmill.storage import schema as t
from newsmill.storage.db import CHUNK, Database, iso, now, utc

PARQUET_BATCH = 1000
INT_FIELDS = frozenset({"word_count", "version", "seq"})
FLOAT_FIELDS = frozenset({"similarity", "novelty"})
TIME_FIELDS = frozenset({"published_at", "modified_at", "fetched_at", "stored_at"})
EXPORT_FIELDS = ("id", "url", "canonical_url", "site", "title", "authors", "published_at", "modified_at",
                 "fetched_at", "language", "description", "image", "extraction", "encoding", "encoding_source", "text",
                 "paragraphs",
                 "word_count", "content_hash", "duplicate_of", "similarity", "cluster_id", "novelty",
                 "duplicate_passages", "boilerplate_removed", "source", "raw", "version", "seq", "stored_at")
"""The fields of an export record, in order (see docs/schema.md)."""


def _filtered(q: Any, include_duplicates: bool, since: datetime | None, site: str | None) -> Any:
    a = t.articles
    if not include_duplicates:
        q = q.where(a.c.duplicate_of.is_(None))
    if since is not None:
        q = q.where(a.c.stored_at >= utc(since))
    if site is not None:
        q = q.where(a.c.site == site)
    return q


def export_record(r: Mapping[str, Any], links: list[dict[str, Any]],
                  removed: list[dict[str, str]]) -> dict[str, Any]:
    """An ``articles`` row with its passage links and removals, as exported
    (times as timezone-aware UTC ``datetime`` values; :func:`write_jsonl`
    writes them as ISO 8601 with offset)."""
    return {
        "id": r["id"],
        "url": r["url"],
        "canonical_url": r["canonical_url"],
        "site": r["site"],
        "title": r["title"],
        "authors": json.loads(r["authors"]),
        "published_at": utc(r["published_at"]),
        "modified_at": utc(r["modified_at"]),
        "fetched_at": utc(r["fetched_at"]),
        "language": r["language"],
        "description": r["description"],
        "image": r["image"],
        "extraction": r["extraction"],
        "encoding": r["encoding"],
        "encoding_source": r["encoding_source"],
        "text": r["text"],
        "paragraphs": json.loads(r["paragraphs"]),
        "word_count": r["word_count"],
        "content_hash": r["content_hash"],
        "duplicate_of": r["duplicate_of"],
        "similarity": r["similarity"],
        "cluster_id": r["cluster_id"],
        "novelty": r["novelty"],
        "duplicate_passages": links,
        "boilerplate_removed": removed,
        "source": {"name": r["source_name"], "kind": r["source_kind"], "url": r["source_url"]},
        "raw": r["raw"],
        "version": r["version"],
        "seq": r["seq"],
        "stored_at": utc(r["stored_at"]),
    }


class Exports:
    """The store's reads for the outside: export records, their counts,
    named export cursors, and the summary counts of ``newsmill stats``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def articles(self, *, include_duplicates: bool = False, since: datetime | None = None,
                 site: str | None = None, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        """Export records (the shape of ``Article.to_dict()``), streamed in
        pages of ``CHUNK`` rows in storage order (``seq``)."""
        a, pl, br = t.articles, t.passage_links, t.boilerplate_removals
        last = after_seq
        while True:
            q = _filtered(select(a), include_duplicates, since, site).where(a.c.seq > last) \
                .order_by(a.c.seq).limit(CHUNK)
            with self.db.connect() as conn:
                rows = conn.execute(q).mappings().all()
                if not rows:
                    return
                ids = [r["id"] for r in rows]
                links: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
                for lr in conn.execute(select(pl).where(pl.c.article_id.in_(ids))
                                       .order_by(pl.c.article_id, pl.c.paragraph)):
                    links[lr.article_id].append({"paragraph": lr.paragraph, "of_article": lr.of_article,
                                                 "of_paragraph": lr.of_paragraph, "similarity": lr.similarity})
                removed: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
                for rr in conn.execute(select(br).where(br.c.article_id.in_(ids))
                                       .order_by(br.c.article_id, br.c.position)):
                    removed[rr.article_id].append({"text": rr.text, "rule": rr.rule})
            for r in rows:
                yield export_record(r, links[r["id"]], removed[r["id"]])
            last = rows[-1]["seq"]

    def find_articles(self, key: str, limit: int = 10) -> list[str]:
        """The ids of the articles ``key`` names: an id, a URL (as fetched,
        canonical, or canonicalized here), else a unique start of an id (6+
        characters); several ids when a URL or an id's start is ambiguous."""
        from newsmill.core.urls import canonicalize_url

        a = t.articles
        key = key.strip()
        if not key:
            return []
        with self.db.connect() as conn:
            def ids(where: Any) -> list[str]:
                return [r[0] for r in conn.execute(select(a.c.id).where(where).order_by(a.c.seq.desc())
                                                   .limit(limit))]

            found = ids(a.c.id == key) or ids(a.c.canonical_url == key) or ids(a.c.url == key)
            if not found and key.startswith(("http://", "https://")):
                found = ids(a.c.canonical_url == canonicalize_url(key))
            if not found and len(key) >= 6 and all(c in "0123456789abcdef" for c in key.lower()):
                found = ids(a.c.id.startswith(key.lower(), autoescape=True))
        return found

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One article as ``newsmill show`` prints it: its export record,
        when it was first and last seen, the article it copies and its
        copies, and each linked passage with both paragraphs' text (this
        article's passages found in earlier articles, ``direction``
        ``"earlier"``, and later articles' passages found here, ``"later"``)."""
        a, pl, br = t.articles, t.passage_links, t.boilerplate_removals
        with self.db.connect() as conn:
            r = conn.execute(select(a).where(a.c.id == article_id)).mappings().first()
            if r is None:
                return None
            out_links = conn.execute(select(pl).where(pl.c.article_id == article_id)
                                     .order_by(pl.c.paragraph, pl.c.of_article)).all()
            in_links = conn.execute(select(pl).where(pl.c.of_article == article_id)
                                    .order_by(pl.c.of_paragraph, pl.c.article_id)).all()
            removed = [{"text": x.text, "rule": x.rule} for x in conn.execute(
                select(br).where(br.c.article_id == article_id).order_by(br.c.position))]
            copies = conn.execute(select(a.c.id).where(a.c.duplicate_of == article_id)
                                  .order_by(a.c.seq)).scalars().all()
            others = {x.of_article for x in out_links} | {x.article_id for x in in_links} | set(copies)
            if r["duplicate_of"]:
                others.add(r["duplicate_of"])
            rows: dict[str, Any] = {}
            for part in [sorted(others)[i:i + CHUNK] for i in range(0, len(others), CHUNK)]:
                for o in conn.execute(select(a.c.id, a.c.url, a.c.canonical_url, a.c.site, a.c.title, a.c.paragraphs,
                                             a.c.similarity, a.c.published_at).where(a.c.id.in_(part))):
                    rows[o.id] = o
        record = export_record(r, [{"paragraph": x.paragraph, "of_article": x.of_article,
                                    "of_paragraph": x.of_paragraph, "similarity": x.similarity}
                                   for x in out_links], removed)
        paragraphs: list[str] = record["paragraphs"]

        def brief(other_id: str) -> dict[str, Any]:
            o = rows.get(other_id)
            return {"id": other_id, "url": o.url if o else None, "canonical_url": o.canonical_url if o else None,
                    "site": o.site if o else None,
                    "title": o.title if o else None, "published_at": utc(o.published_at) if o else None}

        def passage(other_id: str, index: int) -> str | None:
            o = rows.get(other_id)
            theirs = json.loads(o.paragraphs) if o else []
            return theirs[index] if 0 <= index < len(theirs) else None

        def mine(index: int) -> str | None:
            return paragraphs[index] if 0 <= index < len(paragraphs) else None

        linked = [{"direction": "earlier", "paragraph": x.paragraph, "text": mine(x.paragraph),
                   "other": {**brief(x.of_article), "paragraph": x.of_paragraph,
                             "text": passage(x.of_article, x.of_paragraph)},
                   "similarity": x.similarity} for x in out_links]
        linked += [{"direction": "later", "paragraph": x.of_paragraph, "text": mine(x.of_paragraph),
                    "other": {**brief(x.article_id), "paragraph": x.paragraph,
                              "text": passage(x.article_id, x.paragraph)},
                    "similarity": x.similarity} for x in in_links]
        record.update(
            first_seen=utc(r["first_seen"]),
            last_seen=utc(r["last_seen"]),
            original=brief(r["duplicate_of"]) if r["duplicate_of"] else None,
            copies=[{**brief(c), "similarity": rows[c].similarity if c in rows else None} for c in copies],
            linked_passages=linked,
        )
        return record

    def sites(self) -> list[str]:
        """The sites of the stored articles, sorted."""
        a = t.articles
        with self.db.connect() as conn:
            return [r[0] for r in conn.execute(select(a.c.site).distinct().order_by(a.c.site))]

    def count_articles(self, *, include_duplicates: bool = False, since: datetime | None = None,
                       site: str | None = None, after_seq: int = 0) -> int:
        """How many records :meth:`articles` would yield with these filters."""
        a = t.articles
        q = _filtered(select(func.count()).select_from(a), include_duplicates, since, site) \
            .where(a.c.seq > after_seq)
        with self.db.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def checkpoint(self, name: str) -> int:
        """The ``seq`` a named export cursor has reached (0 if new)."""
        c = t.export_checkpoints
        with self.db.connect() as conn:
            row = conn.execute(select(c.c.after_seq).where(c.c.name == name)).first()
        return 0 if row is None else int(row[0])

    def set_checkpoint(self, name: str, after_seq: int, exported: int) -> None:
        """Advance a named export cursor (never backwards) after a
        successful export of ``exported`` records."""
        if not name or len(name) > 200:
            raise StorageError("a checkpoint name must have 1 to 200 characters")
        c = t.export_checkpoints
        with self.db.begin() as conn:
            row = conn.execute(select(c.c.after_seq, c.c.exported).where(c.c.name == name)).first()
            if row is None:
                conn.execute(insert(c).values(name=name, after_seq=after_seq, exported=exported,
                                              updated_at=now()))
            else:
                conn.execute(update(c).where(c.c.name == name).values(
                    after_seq=max(int(row[0]), after_seq), exported=int(row[1]) + exported, updated_at=now()))

    def checkpoints(self) -> list[dict[str, Any]]:
        c = t.export_checkpoints
        with self.db.connect() as conn:
            rows = conn.execute(select(c).order_by(c.c.name)).mappings().all()
        return [{"name": r["name"], "after_seq": r["after_seq"], "exported": r["exported"],
                 "updated_at": utc(r["updated_at"])} for r in rows]

    def stats(self) -> dict[str, Any]:
        a, br, f = t.articles, t.boilerplate_removals, t.failures
        with self.db.connect() as conn:
            total = conn.execute(select(func.count()).select_from(a)).scalar_one()
            dupes = conn.execute(select(func.count()).select_from(a).where(a.c.duplicate_of.is_not(None))
                                 ).scalar_one()
            by_site = {
                r[0]: {"articles": r[1], "duplicates": r[2] or 0}
                for r in conn.execute(
                    select(a.c.site, func.count(), func.count(a.c.duplicate_of))
                    .group_by(a.c.site).order_by(a.c.site))
            }
            links = conn.execute(select(func.count()).select_from(t.passage_links)).scalar_one()
            removals = conn.execute(select(func.count()).select_from(br)).scalar_one()
            by_rule = dict(conn.execute(select(br.c.rule, func.count()).group_by(br.c.rule)).all())
            fails = {f"{r[0]}/{r[1]}": r[2] for r in conn.execute(
                select(f.c.stage, f.c.status, func.count()).group_by(f.c.stage, f.c.status))}
            fetch_status = dict(conn.execute(select(t.fetches.c.status, func.count())
                                             .group_by(t.fetches.c.status)).all())
            runs = conn.execute(select(func.count()).select_from(t.runs)).scalar_one()
        return {
            "articles": total,
            "canonical": total - dupes,
            "duplicates": dupes,
            "passage_links": links,
            "boilerplate_removed": removals,
            "boilerplate_by_rule": by_rule,
            "by_site": by_site,
            "failures": fails,
            "fetches": fetch_status,
            "runs": runs,
        }


def json_value(value: Any) -> Any:
    """A record's value JSON cannot write as it is: a ``datetime`` as ISO
    8601 with offset (``json.dumps(..., default=json_value)``)."""
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line (times as ISO 8601 with offset);
    returns the number written."""
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, default=json_value))
        out.write("\n")
        n += 1
    return n


def export_schema(fields: Sequence[str] | None = None) -> Any:
    """The Arrow schema of the export record (docs/schema.md), or of the
    given fields of it, in that order."""
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    types: dict[str, Any] = {name: pa.string() for name in EXPORT_FIELDS}
    types.update({name: ts for name in TIME_FIELDS})
    types.update({name: pa.int64() for name in INT_FIELDS})
    types.update({name: pa.float64() for name in FLOAT_FIELDS})
    types.update(
        authors=pa.list_(pa.string()),
        paragraphs=pa.list_(pa.string()),
        duplicate_passages=pa.list_(pa.struct([("paragraph", pa.int64()), ("of_article", pa.string()),
                                               ("of_paragraph", pa.int64()), ("similarity", pa.float64())])),
        boilerplate_removed=pa.list_(pa.struct([("text", pa.string()), ("rule", pa.string())])),
        source=pa.struct([("name", pa.string()), ("kind", pa.string()), ("url", pa.string())]),
    )
    return pa.schema([(name, types[name]) for name in (EXPORT_FIELDS if fields is None else fields)])


def _timestamp(value: Any) -> Any:
    """A record's time as Arrow takes it: an aware datetime (ISO strings parsed)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return utc(value) if isinstance(value, datetime) else value


def _arrow_rows(batch: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> dict[str, list[Any]]:
    times = [name for name in fields if name in TIME_FIELDS]
    columns = {name: [r.get(name) for r in batch] for name in fields}
    for name in times:
        columns[name] = [_timestamp(v) for v in columns[name]]
    return columns


def write_parquet(records: Iterable[dict[str, Any]], path: Path, fields: Sequence[str] | None = None) -> int:
    """Write records to a Parquet file of the declared export schema
    (:func:`export_schema`: timestamps in UTC, lists and structs typed), a
    row group per ``PARQUET_BATCH`` records (memory flat in the row count).
    ``fields``: the columns to write (default: every field of the record).
    An export with no rows still writes a file of the same schema."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a declared extra
        raise StorageError("Parquet export needs pyarrow: pip install 'newsmill[parquet]'") from exc
    names = tuple(EXPORT_FIELDS if fields is None else fields)
    schema = export_schema(names)
    n = 0
    batch: list[dict[str, Any]] = []
    with pq.ParquetWriter(str(path), schema) as writer:
        def flush() -> None:
            if batch:
                writer.write_table(pa.Table.from_pydict(_arrow_rows(batch, names), schema=schema))
                batch.clear()

        for record in records:
            batch.append(record)
            n += 1
            if len(batch) >= PARQUET_BATCH:
                flush()
        flush()
        if n == 0:  # nothing to export: an empty file of the same schema, for the reader that expects one
            writer.write_table(schema.empty_table())
    return n


PARTITIONS = ("date", "site")
"""What ``--partition-by`` takes: ``date`` (the day, UTC, of ``published_at``,
else of ``fetched_at``: a ``date=YYYY-MM-DD`` folder) or ``site``."""


def _day(record: Mapping[str, Any]) -> str:
    when = _timestamp(record.get("published_at")) or _timestamp(record.get("fetched_at"))
    return when.date().isoformat() if isinstance(when, datetime) else "unknown"


def write_parquet_dataset(records: Iterable[dict[str, Any]], folder: Path, partition_by: str,
                          fields: Sequence[str] | None = None) -> int:
    """Write records as a Hive-partitioned Parquet dataset under ``folder``
    (``date=YYYY-MM-DD/`` or ``site=S/`` folders, pyarrow.dataset), of the
    declared export schema, streamed in batches of ``PARQUET_BATCH``. The
    partition column lives in the folder names (a reader with Hive
    partitioning gets it back as a column). Files of earlier exports into
    the same folder are kept (each export's files have their own names), so
    an export cursor can add to a dataset."""
    if partition_by not in PARTITIONS:
        raise StorageError(f"partition by one of {', '.join(PARTITIONS)}, not {partition_by!r}")
    try:
        import pyarrow as pa
        import pyarrow.dataset as ds
    except ImportError as exc:  # pragma: no cover - pyarrow is a declared extra
        raise StorageError("Parquet export needs pyarrow: pip install 'newsmill[parquet]'") from exc
    import uuid

    names = [n for n in (EXPORT_FIELDS if fields is None else fields) if n != partition_by]
    key = pa.field(partition_by, pa.string())
    schema = export_schema(names).append(key)
    n = 0

    def batches() -> Iterator[Any]:
        nonlocal n
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record)
            n += 1
            if len(batch) >= PARQUET_BATCH:
                yield _dataset_batch(batch, names, partition_by, schema)
                batch = []
        if batch:
            yield _dataset_batch(batch, names, partition_by, schema)

    folder.mkdir(parents=True, exist_ok=True)
    ds.write_dataset(batches(), folder, schema=schema, format="parquet",
                     partitioning=ds.partitioning(pa.schema([key]), flavor="hive"),
                     basename_template=f"part-{uuid.uuid4().hex[:12]}-{{i}}.parquet",
                     existing_data_behavior="overwrite_or_ignore", max_rows_per_group=PARQUET_BATCH)
    return n


def _dataset_batch(batch: Sequence[Mapping[str, Any]], names: Sequence[str], partition_by: str, schema: Any) -> Any:
    import pyarrow as pa

    columns = _arrow_rows(batch, names)
    columns[partition_by] = [_day(r) if partition_by == "date" else r.get("site") for r in batch]
    return pa.RecordBatch.from_pydict(columns, schema=schema)
