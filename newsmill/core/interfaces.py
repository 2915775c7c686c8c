"""Interfaces between stages (structural protocols).

The dedup stage reads the persistent sketch index through
:class:`SketchIndex`; the SQL store implements it, and
``newsmill.dedup.MemorySketchIndex`` is the in-memory stand-in for tests.
New sketches are *written* by the store in the same transaction as the
articles they belong to, so the index never disagrees with the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from newsmill.core.records import SketchRef


class SketchIndex(Protocol):
    """Read access to persisted sketches."""

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        """For each given band key, the stored sketches of ``kind`` indexed
        under it (keys with no sketch are left out)."""
        ...

    def candidates(self, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        """For each query sketch (given by its band keys), the distinct
        stored sketches of ``kind`` that share at least one band with it."""
        ...

    def shingles(self, refs: Iterable[SketchRef]) -> Mapping[SketchRef, bytes]:
        """The stored shingle hashes of the given sketches."""
        ...
