"""Prefect flows and tasks over :mod:`newsmill.pipeline`: the only package
that imports Prefect (with :mod:`newsmill.cli`, which starts the flows
lazily, so read-only commands start fast)."""
