"""Text normalization and word shingling for near-duplicate detection.

Normalization folds what should not make two passages different: Unicode
forms (NFKC), case, punctuation, and digits (every digit becomes ``0``, so a
ticker whose numbers changed still matches). Shingles are hashed with a
fixed, platform-independent function (blake2b per distinct word, then a
polynomial combination in numpy), never Python's per-process ``hash()``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_MULT = np.uint64(0x9E3779B97F4A7C15)
_FMIX1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


def normalize_text(text: str) -> str:
    """NFKC, casefold, punctuation to spaces, digits to 0, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    text = _DIGIT.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The normalized words of a text."""
    return normalize_text(text).split()


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def fmix64(h: U64) -> U64:
    """MurmurHash3's 64-bit finalizer (a bijection), vectorized."""
    h = h ^ (h >> np.uint64(33))
    h = h * _FMIX1
    h = h ^ (h >> np.uint64(33))
    h = h * _FMIX2
    return h ^ (h >> np.uint64(33))


def shingle_hashes(tokens: list[str], k: int) -> U32:
    """Sorted unique 32-bit hashes of the word ``k``-shingles of ``tokens``.

    A text shorter than ``k`` words is one shingle of all its words.
    """
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    wh = np.fromiter((_word_hash(w) for w in tokens), dtype=np.uint64, count=len(tokens))
    n = max(len(tokens) - k + 1, 1)
    width = min(k, len(tokens))
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            acc = acc * _MULT + wh[j : j + n]
        mixed = fmix64(acc)
    return np.unique((mixed >> np.uint64(32)).astype(np.uint32))


def text_hash(text: str) -> int:
    """A 63-bit hash of normalized text (the exact-duplicate key)."""
    digest = hashlib.blake2b(normalize_text(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def tokens_hash(tokens: list[str]) -> int:
    """:func:`text_hash` of a text from its :func:`words` (no second
    normalization): ``tokens_hash(words(t)) == text_hash(t)``."""
    digest = hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def jaccard(a: U32, b: U32) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)
