"""Test session set-up: an isolated Prefect home, telemetry off, and one
session-scoped Prefect test server shared by every flow test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from newsmill.storage import Store

_PREFECT_HOME = tempfile.mkdtemp(prefix="newsmill-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("NEWSMILL_HOME", None)
os.environ.pop("NEWSMILL_DATABASE_URL", None)


def _free_port_run(count: int = 3) -> int:
    """A first loopback port with the next ``count - 1`` free as well."""
    import socket

    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count > 65535:
            continue
        try:
            for offset in range(1, count):
                with socket.socket() as other:
                    other.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no run of free loopback ports")


# The demo's sample site on ports chosen for this session (the same for the
# whole session, so a second demo run sees the same URLs): two suites, or a
# suite and a `newsmill demo`, on one machine must not clash on 8781.
os.environ["NEWSMILL_SAMPLE_PORT"] = str(_free_port_run())

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# The PostgreSQL test server started by scripts/test-services.sh (make test).
_SERVICES_ENV = REPO / ".test-services" / "env"
if "NEWSMILL_TEST_POSTGRES_URL" not in os.environ and _SERVICES_ENV.is_file():
    for _line in _SERVICES_ENV.read_text().splitlines():
        _key, _, _value = _line.partition("=")
        if _key == "NEWSMILL_TEST_POSTGRES_URL" and _value:
            os.environ[_key] = _value


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def shared_dir() -> Path:
    """../shared, or skip when it is absent (fresh clones without it)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent; optional check skipped")
    return SHARED


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh newsmill data directory (raw archive + SQLite store)."""
    d = tmp_path / "home"
    d.mkdir()
    return d


def _backends() -> list[object]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
        not os.environ.get("NEWSMILL_TEST_POSTGRES_URL"),
        reason="no PostgreSQL test server (scripts/test-services.sh starts one; set NEWSMILL_TEST_POSTGRES_URL)"))]


@pytest.fixture(params=_backends())
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL: a SQLite file, or a fresh schema on the
    PostgreSQL test server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'newsmill.db'}"
        return
    from sqlalchemy import create_engine, text

    from newsmill.storage.store import normalize_url

    base = normalize_url(os.environ["NEWSMILL_TEST_POSTGRES_URL"])
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store on each backend."""
    from newsmill.storage import open_store

    s = open_store(store_url)
    yield s
    s.close()
