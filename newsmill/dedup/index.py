"""An in-memory sketch index: the test stand-in for the SQL store, and the
overlay holding the current batch while it is deduplicated."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from newsmill.core.records import Sketch, SketchRef


class MemorySketchIndex:
    """Implements :class:`newsmill.core.interfaces.SketchIndex` in memory."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, int], list[SketchRef]] = defaultdict(list)
        self._shingles: dict[SketchRef, bytes] = {}

    def add(self, sketches: Iterable[Sketch]) -> None:
        for s in sketches:
            ref = s.ref
            if ref in self._shingles:
                continue
            self._shingles[ref] = s.shingles
            for key in s.bands:
                self._buckets[(s.kind, key)].append(ref)

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        out: dict[int, list[SketchRef]] = {}
        for key in set(bands):
            refs = self._buckets.get((kind, key))
            if refs:
                out[key] = list(refs)
        return out

    def shingles(self, refs: Iterable[SketchRef]) -> dict[SketchRef, bytes]:
        return {r: self._shingles[r] for r in refs if r in self._shingles}

    def __len__(self) -> int:
        return len(self._shingles)
