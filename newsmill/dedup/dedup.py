"""Near-duplicate detection for a batch of articles against the store.

For every article (oldest first): an article sketch over its whole text and
one sketch per paragraph (MinHash for paragraphs of ``min_words`` or more,
an exact hash for shorter ones, nothing below ``min_exact_words``). LSH
candidates from the persistent index and from the earlier articles of the
batch are verified by exact Jaccard over shingle hashes before they become
links, and links always point at the earliest matching copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np

from newsmill.core.interfaces import SketchIndex
from newsmill.core.records import (
    Article,
    DuplicateLink,
    PassageLink,
    Sketch,
    SketchRef,
)
from newsmill.core.stats import StepStats
from newsmill.dedup.index import MemorySketchIndex
from newsmill.dedup.minhash import SketchParams, band_keys, exact_key, signatures
from newsmill.dedup.normalize import U32, jaccard, shingle_hashes, text_hash, words


def order_key(article: Article) -> str:
    """Oldest first: published time (else fetched time), then canonical URL."""
    when = article.published_at or article.fetched_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}|{article.canonical_url}"


@dataclass
class DedupResult:
    articles: list[Article]
    sketches: list[Sketch] = field(default_factory=list)
    links: list[DuplicateLink] = field(default_factory=list)
    novelty: dict[str, float] = field(default_factory=dict)
    stats: StepStats = field(default_factory=lambda: StepStats("dedup"))


@dataclass
class _Item:
    ref: SketchRef
    shingles: U32
    bands: list[int]
    exact: bool


def _encode(shingles: U32) -> bytes:
    return shingles.astype("<u4").tobytes()


def _decode(blob: bytes) -> U32:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


class Deduplicator:
    """Links near-duplicate articles and passages of a batch.

    ``index`` is read-only here: the store persists the returned sketches
    together with the articles (one transaction), so a crash never leaves
    the index ahead of or behind the store.
    """

    def __init__(self, index: SketchIndex, params: SketchParams | None = None) -> None:
        self.index = index
        self.params = params or SketchParams()

    def sketch(self, article: Article) -> list[_Item]:
        """The article sketch and the paragraph sketches of one article."""
        p = self.params
        key = order_key(article)
        aid = article.id
        items: list[_Item] = []
        minhash_sets: list[U32] = []
        minhash_items: list[tuple[_Item, str]] = []
        all_tokens = words(article.text)
        art = _Item(SketchRef("article", aid, -1, key), shingle_hashes(all_tokens, p.shingle_size), [], False)
        items.append(art)
        minhash_sets.append(art.shingles)
        minhash_items.append((art, "article"))
        for i, para in enumerate(article.paragraphs):
            tokens = words(para)
            if len(tokens) >= p.min_words:
                item = _Item(SketchRef("passage", aid, i, key), shingle_hashes(tokens, p.shingle_size), [], False)
                minhash_sets.append(item.shingles)
                minhash_items.append((item, "passage"))
            elif len(tokens) >= p.min_exact_words:
                h = text_hash(para)
                item = _Item(SketchRef("passage", aid, i, key), np.array([h & 0xFFFFFFFF, h >> 32],
                             dtype=np.uint32), [exact_key(h)], True)
            else:
                continue
            items.append(item)
        sigs = signatures(minhash_sets, p)
        for (item, kind), sig in zip(minhash_items, sigs, strict=True):
            b, r = p.bands_rows(kind)
            item.bands = band_keys(sig, b, r)
        return items

    def run(self, articles: Sequence[Article]) -> DedupResult:
        p = self.params
        batch = sorted(articles, key=order_key)
        result = DedupResult(articles=list(articles))
        overlay = MemorySketchIndex()
        planned = [(a, self.sketch(a)) for a in batch]
        # One round trip per kind for the whole batch.
        stored: dict[str, dict[int, list[SketchRef]]] = {}
        for kind in ("article", "passage"):
            keys = {k for _, items in planned for it in items if it.ref.kind == kind for k in it.bands}
            stored[kind] = self.index.lookup(kind, keys) if keys else {}
        cand_refs = {r for per_kind in stored.values() for refs in per_kind.values() for r in refs}
        stored_shingles = {ref: _decode(b) for ref, b in self.index.shingles(cand_refs).items()}
        for article, items in planned:
            article.duplicate_of, article.similarity = None, None
            article.duplicate_passages = []
            for item in items:
                best = self._best_match(item, stored, stored_shingles, overlay, article.id)
                if best is None:
                    continue
                ref, sim = best
                if item.ref.kind == "article":
                    article.duplicate_of, article.similarity = ref.article_id, round(sim, 4)
                    result.links.append(DuplicateLink(article.id, ref.article_id, round(sim, 4)))
                    result.stats.add("duplicate_articles")
                else:
                    article.duplicate_passages.append(
                        PassageLink(item.ref.paragraph, ref.article_id, ref.paragraph, round(sim, 4)))
                    result.stats.add("duplicate_passages")
            sketches = [
                Sketch(it.ref.kind, it.ref.article_id, it.ref.paragraph, it.ref.order_key,
                       tuple(it.bands), _encode(it.shingles), p.id)
                for it in items
            ]
            overlay.add(sketches)
            result.sketches.extend(sketches)
            result.novelty[article.id] = self._novelty(article)
            result.stats.add("articles")
        return result

    def _best_match(
        self,
        item: _Item,
        stored: dict[str, dict[int, list[SketchRef]]],
        stored_shingles: dict[SketchRef, U32],
        overlay: MemorySketchIndex,
        own_id: str,
    ) -> tuple[SketchRef, float] | None:
        """The earliest verified match of one sketch (ties: most similar)."""
        kind = item.ref.kind
        candidates: set[SketchRef] = set()
        for key in item.bands:
            candidates.update(stored[kind].get(key, ()))
        local_refs = {r for refs in overlay.lookup(kind, item.bands).values() for r in refs}
        candidates.update(local_refs)
        local_shingles = {r: _decode(b) for r, b in overlay.shingles(local_refs).items()}
        if item.exact:
            threshold = 1.0
        elif kind == "article":
            threshold = self.params.article_threshold
        else:
            threshold = self.params.passage_threshold
        best: tuple[SketchRef, float] | None = None
        for ref in candidates:
            if ref.article_id == own_id:
                continue
            other = local_shingles[ref] if ref in local_shingles else stored_shingles.get(ref)
            if other is None:
                continue
            sim = self._similarity(item, other)
            if sim >= threshold and (best is None or (ref.order_key, -sim) < (best[0].order_key, -best[1])):
                best = (ref, sim)
        return best

    @staticmethod
    def _similarity(item: _Item, other: U32) -> float:
        if item.exact:
            return 1.0 if np.array_equal(other, item.shingles) else 0.0
        return jaccard(item.shingles, other)

    @staticmethod
    def _novelty(article: Article) -> float:
        total = sum(len(p.split()) for p in article.paragraphs)
        if total == 0:
            return 1.0
        linked = {link.paragraph for link in article.duplicate_passages}
        recycled = sum(len(article.paragraphs[i].split()) for i in linked if i < len(article.paragraphs))
        return round(1.0 - recycled / total, 4)
