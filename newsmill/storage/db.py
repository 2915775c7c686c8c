"""SQL plumbing shared by the store's parts: the engine, the writer lock,
connections whose errors become :class:`StorageError`, and the few
statement helpers that differ by dialect.

Every part of the store goes through one :class:`Database`, so the lock,
the error mapping and the dialect rules are written once.
"""

from __future__ import annotations

import fcntl
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from newsmill.core.errors import StorageError, StoreMissing
from newsmill.core.records import isoformat
from newsmill.storage import schema as t

CHUNK = 500  # rows per IN-list / export page (below SQLite's variable limit)
WRITER_LOCK_KEY = zlib.crc32(b"newsmill-store-writer")  # PostgreSQL advisory lock id


def utc(value: datetime | None) -> datetime | None:
    """A timestamp in UTC; naive ones (SQLite gives them back so) are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """A stored timestamp as records carry it (ISO 8601, UTC)."""
    return isoformat(utc(value))


def now() -> datetime:
    return datetime.now(UTC)


def sanitize(text: str | None) -> str | None:
    """Text as every backend can store it: no NUL, no lone surrogates."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rows_in(conn: Connection, query: Any, column: Any, values: Sequence[Any], size: int = CHUNK) -> Iterator[Row[Any]]:
    """The rows of ``query`` where ``column`` is one of ``values``, a chunk
    of values per statement (an IN-list must stay below SQLite's limit)."""
    for part in chunks(values, size):
        yield from conn.execute(query.where(column.in_(part)))


def upsert(conn: Connection, table: Any, values: dict[str, Any] | list[dict[str, Any]],
           keys: Sequence[str] | None = None, updates: dict[str, Any] | None = None) -> None:
    """Insert, or on a conflict on ``keys`` set ``updates`` (none: keep the
    stored row). Both dialects spell it ``ON CONFLICT``."""
    mod = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = mod.insert(table).values(values)
    index = list(keys) if keys is not None else None
    if updates:
        conn.execute(stmt.on_conflict_do_update(index_elements=index, set_=updates))
    else:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=index))


def insert_many(conn: Connection, table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows (tuples in ``columns`` order): PostgreSQL's COPY (in
    the connection's transaction; a row per round trip is far slower for a
    batch's band rows), else the driver's executemany (the values are plain
    ints, strings and bytes; SQLAlchemy's per-row parameter processing cost
    more than the inserts)."""
    if not rows:
        return
    names = ", ".join(columns)
    try:
        if conn.dialect.name == "postgresql":
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            finally:
                cursor.close()
        else:
            conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in columns)})", rows)
    except Exception as exc:  # the drivers' own errors: map them like the rest
        raise StorageError(f"store error: {exc}") from exc


class Database:
    """The engine with its writer lock and error-mapped connections."""

    def __init__(self, engine: Engine, lock_path: Path | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._lock_path = lock_path
        self._local = threading.local()
        self._thread_lock = threading.RLock()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store's writer lock (re-entrant within a thread).

        Deduplicating a batch and saving it happen under this lock, so two
        processes writing one store see each other's articles, and ``seq``
        values become visible in commit order (an export cursor never skips
        a row). SQLite: ``flock`` on ``<database>.lock``; PostgreSQL: a
        session advisory lock. Both are released if the process dies.
        """
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with self._thread_lock, self._acquire():
            self._local.depth = 1
            try:
                yield
            finally:
                self._local.depth = 0

    @contextmanager
    def _acquire(self) -> Iterator[None]:
        if self.dialect == "postgresql":
            with self.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": WRITER_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": WRITER_LOCK_KEY})
                    conn.commit()
        elif self._lock_path is not None:
            with open(self._lock_path, "a+b") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        else:
            yield

    def connect(self) -> Any:
        """A connection (a context manager) whose database errors become StorageError."""
        return _Guard(self.engine, begin=False)

    def begin(self) -> Any:
        """A transaction (a context manager) whose database errors become StorageError."""
        return _Guard(self.engine, begin=True)

    def get_info(self, key: str) -> str | None:
        with self.connect() as conn:
            row = conn.execute(select(t.schema_info.c.value).where(t.schema_info.c.key == key)).first()
        return None if row is None else str(row[0])

    def set_info(self, key: str, value: str) -> None:
        with self.begin() as conn:
            upsert(conn, t.schema_info, {"key": key, "value": value}, ["key"], {"value": value})

    def close(self) -> None:
        self.engine.dispose()


class _Guard:
    """A connection (or transaction) whose database errors become StorageError."""

    def __init__(self, engine: Engine, *, begin: bool) -> None:
        self._cm = engine.begin() if begin else engine.connect()

    def __enter__(self) -> Connection:
        try:
            return self._cm.__enter__()
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot connect to the store: {getattr(exc, 'orig', exc)}") from exc

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self._cm.__exit__(exc_type, exc, tb)
        except IntegrityError:
            raise
        except SQLAlchemyError as err:
            raise StorageError(f"store error: {getattr(err, 'orig', err)}") from err
        if isinstance(exc, SQLAlchemyError) and not isinstance(exc, IntegrityError):
            raise StorageError(f"store error: {getattr(exc, 'orig', exc)}") from exc


def normalize_url(url: str) -> str:
    """A database URL with the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _postgres_session(dbapi_conn: Any, _record: Any) -> None:
    # No JIT compilation: newsmill's statements are short lookups by key,
    # and when the planner's cost estimate for one passes the JIT
    # thresholds, compiling it took longer than running it
    # (benchmarks/RESULTS.md, "PostgreSQL's sketch reads").
    if getattr(getattr(dbapi_conn, "info", None), "server_version", 0) >= 110000:  # JIT since PostgreSQL 11
        cur = dbapi_conn.cursor()
        cur.execute("SET jit = off")
        cur.close()
        dbapi_conn.commit()  # a session setting: kept whatever the pool's later transactions do


def describe_url(url: str) -> str:
    """A database URL as messages show it: an SQLite file's path, else the
    URL without its password."""
    try:
        parsed = make_url(normalize_url(url))
    except Exception:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)


def connect_engine(url: str, *, create: bool = True) -> tuple[Engine, Path | None]:
    """The engine for a database URL and, for an SQLite file, the path of
    its writer-lock file. ``create=False``: an SQLite file that does not
    exist is :class:`StoreMissing` (neither it nor its folder is made)."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StorageError(f"not a database URL: {url!r}") from exc
    kwargs: dict[str, Any] = {"future": True}
    lock_path: Path | None = None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            if not create and not Path(parsed.database).is_file():
                raise StoreMissing(f"no store at {parsed.database}")
            if create:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            lock_path = Path(parsed.database + ".lock")
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:
        raise StorageError(f"cannot open store {parsed.render_as_string(hide_password=True)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_session)
    return engine, lock_path


__all__ = ["CHUNK", "WRITER_LOCK_KEY", "Database", "chunks", "connect_engine", "describe_url", "insert_many", "iso",
           "normalize_url", "now", "rows_in", "sanitize", "upsert", "utc"]
