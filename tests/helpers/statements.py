"""The SQL statements a block runs on a store, recorded as SQLAlchemy sends
them (whitespace folded), with their parameters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from newsmill.storage import Store


@contextmanager
def statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def executed(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((" ".join(statement.split()), parameters))

    event.listen(store.engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", executed)
