"""``python -m tests.helpers.search_kill STORE_URL``: save a first batch of
the search tests' articles, then a second one that SIGKILLs this process
inside ``save_batch`` after the articles are written and before their
search index rows are (tests/storage/test_search.py)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from newsmill.storage import open_store
from newsmill.storage.search import SearchIndex
from tests.storage.test_search import EN, KK, RU, TR, ZH


def main(url: str) -> None:
    store = open_store(url)
    store.save_batch([RU, KK], [])

    def killed(self: SearchIndex, conn: Any, rows: Any) -> None:
        written = conn.exec_driver_sql("SELECT COUNT(*) FROM articles").scalar_one()
        print(f"{written} articles written, killing before the index", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    SearchIndex.replace = killed  # type: ignore[method-assign]
    store.save_batch([EN, TR, ZH], [])
    print("not killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
