"""An in-memory sketch index: the test stand-in for the SQL store and the
index the scale benchmark measures.

Band keys live in sorted NumPy arrays (one per sketch kind) searched with
``searchsorted``, so a lookup costs O(log n) per key and a stored sketch
costs a few hundred bytes, not a Python list entry per band. Small additions
go to a dict first and are merged into the arrays when it grows past an
eighth of them, so adding one article at a time stays cheap too.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from newsmill.core.records import Sketch, SketchRef

_I64 = npt.NDArray[np.int64]
_I32 = npt.NDArray[np.int32]
_MIN_MERGE = 1 << 16  # band entries held in the dict before a merge is considered
_BULK = 4096  # sketches per call above which keys go straight to the arrays


class MemorySketchIndex:
    """Implements :class:`newsmill.core.interfaces.SketchIndex` in memory."""

    def __init__(self) -> None:
        self._refs: list[SketchRef] = []
        self._ids: dict[SketchRef, int] = {}
        self._shingles: list[bytes] = []
        self._keys: dict[str, _I64] = {}
        self._owners: dict[str, _I32] = {}
        self._recent: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._recent_size = 0

    def add(self, sketches: Iterable[Sketch]) -> None:
        """Index sketches; a sketch already held (same ref) is ignored."""
        fresh: list[tuple[Sketch, int]] = []
        for s in sketches:
            ref = s.ref
            if ref in self._ids:
                continue
            self._ids[ref] = len(self._refs)
            fresh.append((s, len(self._refs)))
            self._refs.append(ref)
            self._shingles.append(s.shingles)
        if len(fresh) >= _BULK:
            by_kind: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
            for s, owner in fresh:
                keys, owners = by_kind[s.kind]
                keys.extend(s.bands)
                owners.extend([owner] * len(s.bands))
            for kind, (keys, owners) in by_kind.items():
                self._merge(kind, np.array(keys, dtype=np.int64), np.array(owners, dtype=np.int32))
            return
        for s, owner in fresh:
            for key in s.bands:
                self._recent[(s.kind, key)].append(owner)
            self._recent_size += len(s.bands)
        stored = sum(k.size for k in self._keys.values())
        if self._recent_size > max(_MIN_MERGE, stored // 8):
            self._flush()

    def _flush(self) -> None:
        by_kind: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for (kind, key), owners in self._recent.items():
            keys, own = by_kind[kind]
            keys.extend([key] * len(owners))
            own.extend(owners)
        for kind, (keys, own) in by_kind.items():
            self._merge(kind, np.array(keys, dtype=np.int64), np.array(own, dtype=np.int32))
        self._recent.clear()
        self._recent_size = 0

    def _merge(self, kind: str, keys: _I64, owners: _I32) -> None:
        if kind in self._keys:
            keys = np.concatenate((self._keys[kind], keys))
            owners = np.concatenate((self._owners[kind], owners))
        order = np.argsort(keys, kind="stable")  # equal keys keep insertion order
        self._keys[kind], self._owners[kind] = keys[order], owners[order]

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        wanted = sorted(set(bands))
        out: dict[int, list[SketchRef]] = {}
        keys = self._keys.get(kind)
        if keys is not None and wanted:
            query = np.array(wanted, dtype=np.int64)
            lo = np.searchsorted(keys, query, side="left")
            hi = np.searchsorted(keys, query, side="right")
            owners = self._owners[kind]
            for i in np.flatnonzero(hi > lo):
                out[wanted[i]] = [self._refs[o] for o in owners[lo[i] : hi[i]].tolist()]
        if self._recent:
            for key in wanted:
                recent = self._recent.get((kind, key))
                if recent:
                    out.setdefault(key, []).extend(self._refs[o] for o in recent)
        return out

    def candidates(self, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        found = self.lookup(kind, (k for keys in bands for k in keys))
        return [{r for k in keys for r in found.get(k, ())} for keys in bands]

    def shingles(self, refs: Iterable[SketchRef]) -> dict[SketchRef, bytes]:
        return {r: self._shingles[self._ids[r]] for r in refs if r in self._ids}

    def memory_bytes(self) -> int:
        """The index's own memory: arrays, sketch refs (strings shared between
        refs counted once), shingle blobs and the containers holding them."""
        total = sum(a.nbytes for a in self._keys.values()) + sum(a.nbytes for a in self._owners.values())
        total += sys.getsizeof(self._refs) + sys.getsizeof(self._shingles) + sys.getsizeof(self._ids)
        strings: set[int] = set()
        for ref, blob in zip(self._refs, self._shingles, strict=True):
            total += sys.getsizeof(ref) + sys.getsizeof(blob)
            for value in (ref.kind, ref.article_id, ref.order_key):
                if id(value) not in strings:
                    strings.add(id(value))
                    total += sys.getsizeof(value)
        total += sys.getsizeof(self._recent) + sum(sys.getsizeof(v) for v in self._recent.values())
        return total

    def __len__(self) -> int:
        return len(self._refs)
