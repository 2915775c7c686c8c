"""MinHash signatures and LSH band keys (datasketch's ``affine32`` scheme).

Signatures are computed vectorized over many passages at once, with the
permutations and the pre-mix of ``datasketch.MinHash(scheme="affine32")``
(made here as datasketch makes them, without importing it: it imports
scipy, half a second at every start of a worker's fork server), so they
equal what datasketch computes for the same 32-bit shingle hashes
(``tests/test_dedup.py`` checks it against datasketch).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from newsmill.core.errors import DedupError
from newsmill.dedup.normalize import U32, fmix64

SCHEME = "affine32"
_MAX32 = np.uint32(0xFFFFFFFF)
_BAND_MULT = np.uint64(0x100000001B3)
_CHUNK_SHINGLES = 1 << 13  # shingles per step: a 128 x 8192 block stays in cache (measured fastest)
# MurmurHash3's 32-bit finalizer (datasketch's pre-mix of the affine32 scheme)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def _fmix32(hv: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The finalizer element-wise (multiplication wraps around: modulo 2^32)."""
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def affine32_permutations(num_perm: int, seed: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The (a, b) of datasketch's affine32 permutations h -> a * h + b mod
    2^32 for this seed: odd ``a`` (a bijection), drawn as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def candidate_probability(j: float, bands: int, rows: int) -> float:
    """P(two sets of Jaccard ``j`` share at least one of ``bands`` bands of ``rows`` rows)."""
    return 1.0 - (1.0 - j**rows) ** bands


@dataclass(frozen=True)
class SketchParams:
    """Everything that determines a signature; stored with every sketch.

    The defaults are chosen for recall (``benchmarks/dedup_bench.py``
    measures it): passages use 42 bands of 3 rows (P(candidate) = 0.996 at
    Jaccard 0.5); articles 32 bands of 4 rows (P = 1 - 5e-8 at 0.8). Every
    candidate is then verified by exact Jaccard, so precision is exact.
    """

    seed: int = 1
    num_perm: int = 128
    shingle_size: int = 5
    passage_bands: int = 42
    passage_rows: int = 3
    article_bands: int = 32
    article_rows: int = 4
    passage_threshold: float = 0.5
    article_threshold: float = 0.8
    min_words: int = 10
    min_exact_words: int = 5

    def __post_init__(self) -> None:
        if self.num_perm < 8:
            raise DedupError(f"num_perm must be >= 8, got {self.num_perm}")
        if self.shingle_size < 1:
            raise DedupError(f"shingle_size must be >= 1, got {self.shingle_size}")
        for kind, b, r in (("passage", self.passage_bands, self.passage_rows),
                           ("article", self.article_bands, self.article_rows)):
            if b < 1 or r < 1 or b * r > self.num_perm:
                raise DedupError(
                    f"{kind} bands x rows must be positive and fit in num_perm: "
                    f"{b} x {r} > {self.num_perm}"
                )
        for name in ("passage_threshold", "article_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise DedupError(f"{name} must be in (0, 1], got {value}")
        if not 1 <= self.min_exact_words <= self.min_words:
            raise DedupError("need 1 <= min_exact_words <= min_words")

    @property
    def id(self) -> str:
        """The parameter string stored with every sketch."""
        return (
            f"{SCHEME}/seed={self.seed}/perm={self.num_perm}/w={self.shingle_size}/"
            f"p={self.passage_bands}x{self.passage_rows}/a={self.article_bands}x{self.article_rows}/"
            f"min={self.min_exact_words},{self.min_words}/norm=2"
        )

    def recall_at(self, kind: str, j: float) -> float:
        b, r = self.bands_rows(kind)
        return candidate_probability(j, b, r)

    def bands_rows(self, kind: str) -> tuple[int, int]:
        if kind == "article":
            return self.article_bands, self.article_rows
        if kind == "passage":
            return self.passage_bands, self.passage_rows
        raise DedupError(f"unknown sketch kind {kind!r}")

    @cached_property
    def permutations(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
        """datasketch's (a, b) for this seed and num_perm, as uint32 columns."""
        a, b = affine32_permutations(self.num_perm, self.seed)
        return a.reshape(-1, 1), b.reshape(-1, 1)


def signatures(sets: list[U32], params: SketchParams) -> npt.NDArray[np.uint32]:
    """MinHash signatures (``len(sets)`` x ``num_perm``) of shingle-hash sets.

    Empty sets get the all-max signature, as in datasketch.
    """
    out = np.full((len(sets), params.num_perm), _MAX32, dtype=np.uint32)
    a, b = params.permutations
    i = 0
    while i < len(sets):
        j, total = i, 0
        while j < len(sets) and (total == 0 or total + sets[j].size <= _CHUNK_SHINGLES):
            total += sets[j].size
            j += 1
        group = [s for s in sets[i:j]]
        sizes = np.fromiter((s.size for s in group), dtype=np.int64, count=len(group))
        nonempty = np.flatnonzero(sizes)
        if nonempty.size:
            flat = np.concatenate([group[k] for k in nonempty]).astype(np.uint32)
            with np.errstate(over="ignore"):
                mixed = _fmix32(flat)
                phv = a * mixed + b  # (num_perm, total), uint32 wraparound
            starts = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
            out[i + nonempty] = np.minimum.reduceat(phv, starts, axis=1).T
        i = j
    return out


def band_keys(sig: npt.NDArray[np.uint32], bands: int, rows: int) -> list[int]:
    """LSH bucket keys of one signature: one signed 64-bit key per band,
    with the band number mixed in."""
    used = sig[: bands * rows].astype(np.uint64).reshape(bands, rows)
    acc = np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for r in range(rows):
            acc = acc * _BAND_MULT + used[:, r]
        keys = fmix64(acc)
    return [int(k) for k in keys.view(np.int64)]


def band_keys_many(sigs: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.int64]:
    """:func:`band_keys` of many signatures at once (``len(sigs)`` x ``bands``)."""
    used = sigs[:, : bands * rows].astype(np.uint64).reshape(len(sigs), bands, rows)
    acc = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15),
                          (len(sigs), bands)).copy()
    with np.errstate(over="ignore"):
        for r in range(rows):
            acc = acc * _BAND_MULT + used[:, :, r]
        keys = fmix64(acc)
    return keys.view(np.int64)


def exact_key(value: int) -> int:
    """The single band key of an exact-hash sketch (signed 64-bit)."""
    return int(np.array([value], dtype=np.uint64).view(np.int64)[0])


__all__ = [
    "SCHEME",
    "SketchParams",
    "affine32_permutations",
    "band_keys",
    "band_keys_many",
    "candidate_probability",
    "exact_key",
    "signatures",
]
