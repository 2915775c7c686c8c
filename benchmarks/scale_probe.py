"""``newsmill`` with a probe on its dedup-and-store step, for the scale benchmark.

    python -m benchmarks.scale_probe LOG TOTAL newsmill-arguments...

Runs ``newsmill`` (:func:`newsmill.cli.main`) in this process, unchanged,
but with :func:`newsmill.pipeline.runs.store_batch` and the store's
candidate lookup wrapped: after every batch a JSON line goes to ``LOG``
with the time, the batch's documents (articles and failures) and articles,
the seconds its dedup-and-store took, the band keys it looked up and the
stored candidates it got back. At each tenth of ``TOTAL`` documents the line
also carries the store's size (database, indexes included; raw archive),
its articles and their text's own size; the seconds spent measuring that
are in ``probe_s``, for the benchmark to leave out of the run's time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text

from newsmill.core.records import SketchRef
from newsmill.pipeline import runs
from newsmill.storage.store import Store

_lookups = {"keys": 0, "candidates": 0}


def store_size(store: Store) -> tuple[int, int, int]:
    """The database's bytes (indexes included), its articles and their
    text's bytes (UTF-8)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            db = conn.execute(text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")).scalar_one()
            n, chars = conn.execute(text("SELECT count(*), coalesce(sum(octet_length(text)), 0) FROM articles")).one()
        else:
            path = Path(str(store.engine.url.database))
            db = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
            n, chars = conn.execute(text(
                "SELECT count(*), coalesce(sum(length(CAST(text AS BLOB))), 0) FROM articles")).one()
    return int(db), int(n), int(chars)


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def install(log: Path, total: int, raw_dir: Path) -> None:
    out = log.open("a", encoding="utf-8")
    done = {"docs": 0, "tenth": 1}
    original_batch = runs.store_batch
    original_candidates = Store.candidates

    def candidates(self: Store, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        found = original_candidates(self, kind, bands)
        _lookups["keys"] += sum(len(set(b)) for b in bands)
        _lookups["candidates"] += sum(len(f) for f in found)
        return found

    def store_batch(extracted: list[Any], store: Store, *args: Any, **kwargs: Any) -> Any:
        _lookups.update(keys=0, candidates=0)
        start = time.perf_counter()
        result = original_batch(extracted, store, *args, **kwargs)
        took = time.perf_counter() - start
        articles = sum(len(e.articles) for e in extracted)
        docs = articles + sum(len(e.failures) for e in extracted)
        done["docs"] += docs
        line: dict[str, Any] = {"t": time.time(), "docs": docs, "articles": articles, "store_s": took, **_lookups}
        if done["docs"] * 10 >= done["tenth"] * total:
            probe = time.perf_counter()
            db, n, chars = store_size(store)
            line.update(tenth=done["tenth"], db_bytes=db, raw_bytes=dir_bytes(raw_dir), stored=n, text_bytes=chars)
            while done["docs"] * 10 >= done["tenth"] * total:
                done["tenth"] += 1
            line["probe_s"] = time.perf_counter() - probe
        out.write(json.dumps(line) + "\n")
        out.flush()
        return result

    runs.store_batch = store_batch  # type: ignore[assignment]
    Store.candidates = candidates  # type: ignore[method-assign]


def main() -> int:
    log, total, argv = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    from newsmill.cli import main as newsmill_main
    from newsmill.core.settings import Paths

    home = argv[argv.index("--home") + 1] if "--home" in argv else None
    install(log, total, Paths.resolve(home).raw_dir)
    sys.argv = ["newsmill", *argv]
    return int(newsmill_main(argv) or 0)


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    sys.exit(main())
