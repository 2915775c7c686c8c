"""Test session set-up: an isolated Prefect home, telemetry off, and one
session-scoped Prefect test server shared by every flow test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="newsmill-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("NEWSMILL_HOME", None)
os.environ.pop("NEWSMILL_DATABASE_URL", None)

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
