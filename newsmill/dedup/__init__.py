"""Near-duplicate detection of articles and passages (MinHash + LSH,
verified by exact Jaccard)."""

from newsmill.dedup.dedup import Deduplicator, DedupResult
from newsmill.dedup.index import MemorySketchIndex
from newsmill.dedup.minhash import SketchParams, band_keys, signatures
from newsmill.dedup.normalize import jaccard, normalize_text, shingle_hashes
from newsmill.dedup.sketches import ArticleSketches, order_key, sketch_article

__all__ = [
    "ArticleSketches",
    "DedupResult",
    "Deduplicator",
    "MemorySketchIndex",
    "SketchParams",
    "band_keys",
    "jaccard",
    "normalize_text",
    "order_key",
    "shingle_hashes",
    "signatures",
    "sketch_article",
]
