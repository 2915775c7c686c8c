"""Imported by the extraction pool's fork server (see
:class:`newsmill.flows.pipeline.ExtractPool`): the pipeline loaded and the
extractors warmed up once, so each worker forked from the server starts
ready."""

from __future__ import annotations

from newsmill.extractors.warm import warm_up
from newsmill.flows import pipeline

warm_up()
pipeline.settle_heap()  # forked workers inherit a heap the collector leaves alone

__all__ = ["pipeline"]
