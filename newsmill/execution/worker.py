"""Imported by the fork server the local worker processes start from
(:func:`newsmill.execution.fork.fork_server`: the pool's workers and a Dask
LocalCluster's), and by the workers of a running Dask cluster (``dask
worker --preload newsmill.execution.worker``): the pipeline loaded and the
extractors warmed up once, so each worker starts ready."""

from __future__ import annotations

import warnings

from newsmill.extractors.warm import warm_up
from newsmill.pipeline import extraction, upkeep

# The fork server has imported the program's main module when it runs as
# one (``python -m prefect.engine``; see fork_server); each worker runs it
# again as ``__mp_main__``, as multiprocessing does, and runpy warns that
# the module is imported already. It is, on purpose.
warnings.filterwarnings("ignore", message=r"'.+' found in sys\.modules after import of package", category=RuntimeWarning)
warm_up()
upkeep.settle_heap()  # forked workers inherit a heap the collector leaves alone

__all__ = ["extraction"]
