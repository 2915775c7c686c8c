"""newsmill: news ingestion and deduplication pipeline.

Stages (``sources``, ``extractors``, ``dedup``, ``storage``) are plain Python
over the record types of :mod:`newsmill.core`; :mod:`newsmill.pipeline` runs
them in batches (:mod:`newsmill.execution` says where extraction runs),
:mod:`newsmill.flows` hosts the runs as Prefect flows and :mod:`newsmill.cli`
is the ``newsmill`` command.
"""

__version__ = "0.2.0"  # pyproject.toml's version (tests/test_docs.py checks both and the CHANGELOG)
