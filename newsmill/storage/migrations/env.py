"""Alembic environment: runs on the connection newsmill hands over."""

from __future__ import annotations

from alembic import context

from newsmill.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "newsmill migrations run through newsmill.storage.migrations.upgrade or `newsmill db upgrade`"
    )
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
