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


def _said(exc: BaseException, line: str, verbose: bool) -> None:
    """The error's one line on stderr; with ``-v``, its traceback after it."""
    print(f"newsmill: {line}", file=sys.stderr)
    if verbose:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status (0 done, 1 some inputs
    failed or an unexpected error, 2 a usage or configuration error, or an
    error of the store or the disk, 130 interrupted). An error that ends
    the command is said in one line first; ``-v`` adds its traceback."""
    args = build_parser().parse_args(argv)
    verbose = bool(args.verbose)
    _log_to_stderr(verbose)
    try:
        code: int = args.func(args)
    except StoreMissing as exc:
        _said(exc, f"{exc} (run `newsmill demo`, `import` or `run` first)", verbose)
        return USAGE
    except SourceError as exc:  # e.g. every source failed: recorded, like other input failures
        _said(exc, str(exc), verbose)
        return SOME_FAILED
    except NewsmillError as exc:
        _said(exc, str(exc), verbose)
        return USAGE
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except OSError as exc:  # an unwritable output file, a full disk, ...
        _said(exc, str(exc), verbose)
        return USAGE
    except Exception as exc:  # a bug, or an error of a library no stage turned into one of newsmill's
        detail = " ".join(str(exc).split())[:500]
        _said(exc, f"unexpected error: {type(exc).__name__}: {detail}" + ("" if verbose else " (-v shows where)"),
              verbose)
        return SOME_FAILED
    return code


__all__ = ["INTERRUPTED", "OK", "SOME_FAILED", "USAGE", "UsageError", "_batch_runner_default", "build_parser",
           "main"]
