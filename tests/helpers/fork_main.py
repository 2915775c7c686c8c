"""Run as ``python -m tests.helpers.fork_main`` by test_extract_pool: prints
whether a worker process started from the pipeline's fork server found
this main module imported already (by the server)."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

from newsmill.execution.fork import fork_server


def main_module_imported() -> bool:
    return "tests.helpers.fork_main" in sys.modules


if __name__ == "__main__":
    with ProcessPoolExecutor(1, mp_context=fork_server()) as pool:
        print(pool.submit(main_module_imported).result())
