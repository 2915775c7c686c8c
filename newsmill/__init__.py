"""newsmill: news ingestion and deduplication pipeline.

Stages (``sources``, ``extractors``, ``dedup``, ``storage``) are plain Python
over the record types of :mod:`newsmill.core`; :mod:`newsmill.flows` wires
them into Prefect flows and the ``newsmill`` command.
"""

__version__ = "0.1.0"
