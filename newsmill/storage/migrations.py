"""Schema creation and upgrades, recorded in ``schema_info``."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from newsmill.core.errors import StorageError
from newsmill.storage import schema as t


def current_version(engine: Engine) -> int | None:
    """The schema version of the store, or None for an empty database."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "schema_info"):
            return None
        row = conn.execute(select(t.schema_info.c.value).where(t.schema_info.c.key == "version")).first()
    return int(row[0]) if row else None


def upgrade(engine: Engine) -> int:
    """Create missing tables and record the schema version; refuse a store
    written by a newer newsmill."""
    try:
        version = current_version(engine)
        if version is not None and version > t.SCHEMA_VERSION:
            raise StorageError(
                f"the store has schema version {version}, newer than this newsmill "
                f"({t.SCHEMA_VERSION}); upgrade newsmill"
            )
        t.metadata.create_all(engine, checkfirst=True)
        if version is None:
            with engine.begin() as conn:
                conn.execute(t.schema_info.insert().values(key="version", value=str(t.SCHEMA_VERSION)))
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot create or upgrade the store schema: {getattr(exc, 'orig', exc)}") from exc
    return t.SCHEMA_VERSION
