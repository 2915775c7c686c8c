"""The pipeline without Prefect, one job per module:

- :mod:`~newsmill.pipeline.acquire`: discover, fetch, read local sources;
- :mod:`~newsmill.pipeline.inputs`: imported files and folders, the archive read back;
- :mod:`~newsmill.pipeline.archiving`: when documents go to the raw archive;
- :mod:`~newsmill.pipeline.extraction`: extraction batches and run-ahead;
- :mod:`~newsmill.pipeline.storing`: dedup-and-store, templates, sketch parameters, rebuild;
- :mod:`~newsmill.pipeline.upkeep`: retention, heap settling;
- :mod:`~newsmill.pipeline.lifecycle`: a run from opening the store to its report;
- :mod:`~newsmill.pipeline.report` and :mod:`~newsmill.pipeline.progress`: what a run tells.

The flows (:mod:`newsmill.flows`) wrap these in Prefect tasks; tests and
benchmarks call them directly.
"""
