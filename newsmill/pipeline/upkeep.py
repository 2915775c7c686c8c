"""Store upkeep: retention of the raw archive and the logs, and the
process's heap settled for a long run."""

from __future__ import annotations

import gc
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # extraction workers import this module (settle_heap), not the store
    from newsmill.storage import Store


def prune(store: Store, raw_dir: Path, before: datetime, *, articles: bool = False,
          dry_run: bool = False) -> dict[str, int]:
    """Retention: delete raw-archive files last written before ``before``
    (after dropping the store's references to them), fetch-log and failure
    rows older than that, and, only if ``articles``, articles not seen since."""
    from newsmill.storage import RawArchive

    archive = RawArchive(raw_dir)
    old_files = archive.files_older_than(before)
    done = {"raw_files": len(old_files), "raw_bytes": 0, "articles": 0}
    if dry_run:
        done["raw_bytes"] = sum((raw_dir / f).stat().st_size for f in old_files if (raw_dir / f).exists())
        done.update(store.prune_log(before, dry_run=True))
        if articles:
            done["articles"] = store.prune_articles(before, dry_run=True)
        return done
    store.forget_raw(old_files)  # first: the store never points at a deleted file
    done["raw_bytes"] = archive.remove(old_files)
    done.update(store.prune_log(before))
    if articles:
        done["articles"] = store.prune_articles(before)
    return done


_heap_settled = False


def settle_heap() -> None:
    """Take what is alive now (the imported libraries) out of the cyclic
    garbage collector's full passes, once per process: a run allocates many
    long-lived objects, and each full pass would walk that heap again."""
    global _heap_settled
    if not _heap_settled:
        gc.collect()
        gc.freeze()
        _heap_settled = True


__all__ = ["prune", "settle_heap"]
