"""The ``newsmill`` command (entry point ``newsmill.cli:main``).

:mod:`.parser` declares the command line, :mod:`.running` the commands
that run the pipeline (:mod:`.summary` the summary they print),
:mod:`.reading` those that read or maintain the store, :mod:`.errors` the
exit codes and the checks made before any work starts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from newsmill.cli.errors import INTERRUPTED, OK, SOME_FAILED, USAGE, UsageError
from newsmill.cli.parser import build_parser
from newsmill.cli.running import _batch_runner_default
from newsmill.core.errors import NewsmillError, SourceError, StoreMissing


def _log_to_stderr(verbose: bool) -> None:
    """Warnings on stderr; with ``-v`` also newsmill's INFO lines (each step)."""
    import logging

    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S",
                            level=logging.WARNING)
    if verbose:
        logging.getLogger("newsmill").setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status (0 done, 1 some inputs
    failed, 2 a usage or configuration error, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    _log_to_stderr(args.verbose)
    try:
        code: int = args.func(args)
    except StoreMissing as exc:
        print(f"newsmill: {exc} (run `newsmill demo`, `import` or `run` first)", file=sys.stderr)
        return USAGE
    except SourceError as exc:  # e.g. every source failed: recorded, like other input failures
        print(f"newsmill: {exc}", file=sys.stderr)
        return SOME_FAILED
    except NewsmillError as exc:
        print(f"newsmill: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except OSError as exc:  # an unwritable output file, a full disk, ...
        print(f"newsmill: {exc}", file=sys.stderr)
        return USAGE
    return code


__all__ = ["INTERRUPTED", "OK", "SOME_FAILED", "USAGE", "UsageError", "_batch_runner_default", "build_parser",
           "main"]
