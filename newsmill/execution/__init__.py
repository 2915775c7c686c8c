"""Where extraction runs: a pool of local worker processes started from one
warmed-up fork server (:mod:`~newsmill.execution.pool`), or a Dask cluster
(:mod:`~newsmill.execution.cluster`); both are an
:class:`~newsmill.execution.extractor.Extractor`. No Prefect here: the flows
choose and start them."""
