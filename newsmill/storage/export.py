"""Streaming exports of store records: JSON Lines and Parquet."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from newsmill.core.errors import StorageError

PARQUET_BATCH = 1000
INT_FIELDS = frozenset({"word_count", "version", "seq"})
FLOAT_FIELDS = frozenset({"similarity", "novelty"})


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
