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

# Combining marks are part of words (Devanagari and Thai vowel signs,
# Arabic harakat), though ``\w`` does not count them.
_MARK_BLOCKS = ((0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05C7), (0x0610, 0x07FF), (0x0900, 0x109F),
                (0x1700, 0x18AF), (0x1AB0, 0x1B7F), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0x302A, 0x302F),
                (0x3099, 0x309A), (0xA8E0, 0xA8FF), (0xFE00, 0xFE2F))
_ALL_MARKS = "".join(chr(c) for lo, hi in _MARK_BLOCKS for c in range(lo, hi + 1)
                     if unicodedata.category(chr(c)).startswith("M"))
_NON_WORD = re.compile("[^\\w\\s" + re.escape(_ALL_MARKS) + "]+", re.UNICODE)
# Scripts written without spaces between words (Han, kana, Thai, Lao,
# Tibetan, Myanmar, Khmer): each character is a token, with the combining
# marks that follow it, so their passages shingle by characters instead of
# being one "word" per clause (which no edit leaves the same).
_UNSPACED_BLOCKS = ((0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x3400, 0x4DBF),
                    (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_MARKS = "".join(chr(c) for lo, hi in _UNSPACED_BLOCKS for c in range(lo, hi + 1)
                 if unicodedata.category(chr(c)).startswith("M"))
_UNSPACED_ANY = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _UNSPACED_BLOCKS) + "]")
_UNSPACED_CHAR = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _UNSPACED_BLOCKS) + "][" + re.escape(_MARKS) + "]*")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_MULT = np.uint64(0x9E3779B97F4A7C15)
_FMIX1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


def normalize_text(text: str) -> str:
    """NFKC, casefold, punctuation to spaces, digits to 0, a space around
    each character of a script written without spaces, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    text = _DIGIT.sub("0", text)
    if _UNSPACED_ANY.search(text):
        text = _UNSPACED_CHAR.sub(r" \g<0> ", text)
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
