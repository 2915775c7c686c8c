"""Imported only by the fork server the local worker processes start from
(:func:`newsmill.execution.fork.fork_server`), and importing it is what it
does: the server, and so every worker it forks, ignores SIGINT. A Ctrl-C in
a terminal reaches the whole process group; the run's own process decides
what it means (stop after the batch in flight: :mod:`newsmill.cli.interrupt`)
and closes its workers itself."""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
