"""Schema migrations (Alembic), applied by :func:`open_store` and ``newsmill db upgrade``.

Revisions live in ``versions/``; each one is a frozen step (it never imports
the current ``schema``), so a store written by any released newsmill can be
upgraded in place. Stores created before newsmill used Alembic carry
``schema_info.version = 1`` and no ``alembic_version`` table: they are
stamped at revision ``0001`` (the same tables) and upgraded from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from newsmill.core.errors import StorageError

HERE = Path(__file__).resolve().parent
LEGACY_REVISION = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for newsmill's revisions (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision this newsmill knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its revisions
        raise StorageError("no schema revisions found")
    return head


def revision_of(conn: Connection) -> str | None:
    """The revision of the store on ``conn`` (see :func:`current_revision`)."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        return MigrationContext.configure(conn).get_current_revision()
    if "schema_info" in tables:
        row = conn.execute(text("SELECT value FROM schema_info WHERE key = 'version'")).first()
        if row is not None and str(row[0]) == "1":
            return f"legacy-{LEGACY_REVISION}"
    return None


def current_revision(engine: Engine) -> str | None:
    """The store's revision: an Alembic revision id, ``legacy-0001`` for a
    store made before migrations, or None for an empty database."""
    try:
        with engine.connect() as conn:
            return revision_of(conn)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the store's schema revision: {getattr(exc, 'orig', exc)}") from exc


@contextmanager
def _migration(engine: Engine) -> Iterator[Connection]:
    """A connection whose transaction holds the whole migration: committed
    at the end, or nothing of it kept.

    On SQLite that needs care: the sqlite3 module begins a transaction only
    before INSERT, UPDATE and DELETE, so a migration's CREATE, DROP and
    ALTER ran outside it, and a process killed half-way left them behind
    (the next open then failed on a table that already existed). Here the
    module begins nothing and the migration runs between our own BEGIN
    IMMEDIATE and COMMIT."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as base:
        conn = base.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


def upgrade(engine: Engine, target: str = "head") -> str:
    """Bring the store to ``target`` (default: the newest revision); returns
    the revision reached. Refuses a store written by a newer newsmill."""
    script = ScriptDirectory.from_config(alembic_config())
    try:
        with _migration(engine) as conn:
            found = revision_of(conn)
            if found is not None and not found.startswith("legacy-"):
                try:
                    script.get_revision(found)
                except CommandError as exc:
                    raise StorageError(
                        f"the store is at schema revision {found}, which this newsmill does not know "
                        "(written by a newer version?): upgrade newsmill"
                    ) from exc
            if found is not None and found == script.get_current_head() and target == "head":
                return found
            cfg = alembic_config(conn)
            if found is not None and found.startswith("legacy-"):
                command.stamp(cfg, LEGACY_REVISION)
            command.upgrade(cfg, target)
            reached = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot create or upgrade the store schema: {getattr(exc, 'orig', exc)}") from exc
    except CommandError as exc:
        raise StorageError(f"cannot upgrade the store schema: {exc}") from exc
    return reached or ""


def history() -> list[tuple[str, str]]:
    """``(revision, message)`` of every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    revs = list(script.walk_revisions())
    return [(r.revision, (r.doc or "").strip()) for r in reversed(revs)]


__all__ = ["LEGACY_REVISION", "alembic_config", "current_revision", "head_revision", "history", "revision_of",
           "upgrade"]
