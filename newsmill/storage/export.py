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
EXPORT_FIELDS = ("id", "url", "canonical_url", "site", "title", "authors", "published_at", "modified_at",
                 "fetched_at", "language", "description", "image", "extraction", "text", "paragraphs",
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
    """An ``articles`` row with its passage links and removals, as exported."""
    return {
        "id": r["id"],
        "url": r["url"],
        "canonical_url": r["canonical_url"],
        "site": r["site"],
        "title": r["title"],
        "authors": json.loads(r["authors"]),
        "published_at": iso(r["published_at"]),
        "modified_at": iso(r["modified_at"]),
        "fetched_at": iso(r["fetched_at"]),
        "language": r["language"],
        "description": r["description"],
        "image": r["image"],
        "extraction": r["extraction"],
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
        "stored_at": iso(r["stored_at"]),
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
                 "updated_at": iso(r["updated_at"])} for r in rows]

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


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line; returns the number written."""
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_parquet(records: Iterable[dict[str, Any]], path: Path, fields: Sequence[str] | None = None) -> int:
    """Write records to a Parquet file in batches (memory flat in the row
    count). Nested fields (lists, objects) are stored as JSON strings.
    ``fields``: the record's field names, so that an export with no rows
    still writes a file (no rows, the same columns) for the reader."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a declared extra
        raise StorageError("Parquet export needs pyarrow: pip install 'newsmill[parquet]'") from exc
    writer: Any = None
    schema: Any = None
    n = 0
    batch: list[dict[str, Any]] = []

    def column_type(name: str) -> Any:
        return pa.int64() if name in INT_FIELDS else pa.float64() if name in FLOAT_FIELDS else pa.string()

    def flush() -> None:
        nonlocal writer, schema
        if not batch:
            return
        rows = [
            {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in r.items()}
            for r in batch
        ]
        if schema is None:  # fixed from the field names: a first batch of nulls cannot set a wrong type
            schema = pa.schema([(k, column_type(k)) for k in rows[0]])
        table = pa.Table.from_pylist(rows, schema=schema)
        if writer is None:
            writer = pq.ParquetWriter(str(path), schema)
        writer.write_table(table)
        batch.clear()

    try:
        for record in records:
            batch.append(record)
            n += 1
            if len(batch) >= PARQUET_BATCH:
                flush()
        flush()
        if writer is None and fields is not None:  # nothing to export: an empty file of the same columns
            schema = pa.schema([(k, column_type(k)) for k in fields])
            writer = pq.ParquetWriter(str(path), schema)
            writer.write_table(schema.empty_table())
    finally:
        if writer is not None:
            writer.close()
    return n
