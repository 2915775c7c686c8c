"""Prefect flows over :mod:`newsmill.pipeline`: the only package that
imports Prefect. The ``newsmill`` command runs the same stories in its own
process (:class:`~newsmill.pipeline.host.LocalHost`) unless asked for flow
runs (``--prefect`` or ``PREFECT_API_URL``); deployments run these flows."""
