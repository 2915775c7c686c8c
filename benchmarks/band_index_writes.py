"""What one transaction of band rows costs SQLite as the band index grows.

The store's ``sketch_bands`` is a ``WITHOUT ROWID`` table keyed by ``(key,
sid)``, and band keys are hashes: a batch's rows land on pages all over the
B-tree. This writes batches of random ``(key, sid)`` rows (35,000 by default,
the band rows of 100 articles) into such a table in WAL mode with
``synchronous=NORMAL``, as the store does, and prints for every tenth of the
run the rows stored, the insert's and the commit's milliseconds, the bytes the
transaction added to the WAL, and the checkpoint's milliseconds. The WAL bytes
are the pages the transaction changed: they grow with the table until nearly
every row of a batch is on a page of its own, then stay.

    python -m benchmarks.band_index_writes [--batches 400] [--rows 35000] [--db PATH]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np


def run(path: Path, batches: int, rows: int) -> list[str]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # checkpointed after each batch, timed apart
    db.execute("CREATE TABLE bands (key INTEGER NOT NULL, sid INTEGER NOT NULL, PRIMARY KEY (key, sid)) "
               "WITHOUT ROWID")
    rng = np.random.default_rng(26)
    wal = Path(f"{path}-wal")
    lines = ["| rows stored | insert ms | commit ms | WAL MiB written | checkpoint ms |", "|---|---|---|---|---|"]
    sid = 0
    for batch in range(batches):
        keys = np.sort(rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, rows, dtype=np.int64))
        data = list(zip(keys.tolist(), range(sid, sid + rows), strict=True))
        sid += rows
        before = wal.stat().st_size if wal.exists() else 0
        start = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO bands VALUES (?, ?)", data)
        inserted = time.perf_counter()
        db.execute("COMMIT")
        committed = time.perf_counter()
        written = wal.stat().st_size - before
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpointed = time.perf_counter()
        if batch % max(batches // 10, 1) == 0 or batch == batches - 1:
            lines.append(f"| {sid:,} | {1000 * (inserted - start):.0f} | {1000 * (committed - inserted):.1f} | "
                         f"{written / 2**20:.1f} | {1000 * (checkpointed - committed):.0f} |")
    db.close()
    return lines


def main(argv: list[str] | None = None) -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batches", type=int, default=400)
    ap.add_argument("--rows", type=int, default=35_000, help="band rows per transaction")
    ap.add_argument("--db", type=Path, help="the database file (default: a temporary one)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="band-writes-") as tmp:
        lines = run(args.db or Path(tmp) / "bands.db", args.batches, args.rows)
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    main()
