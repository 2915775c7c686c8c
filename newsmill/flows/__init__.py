"""Prefect flows and tasks wiring the stages, and the ``newsmill`` CLI.

The only package that imports Prefect (lazily, so read-only CLI commands
start fast).
"""
