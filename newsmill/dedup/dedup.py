"""Near-duplicate detection for a batch of articles against the store.

For every article (oldest first): an article sketch over its whole text and
one sketch per paragraph (MinHash for paragraphs of ``min_words`` or more,
an exact hash for shorter ones, nothing below ``min_exact_words``). The
article sketch is also indexed under the hash of its normalized text, so an
identical copy is found by one exact key (the exact layer; canonical URLs
are the store's upsert key). LSH candidates from the persistent index and
from the earlier articles of the batch are verified by exact Jaccard over
shingle hashes before they become links.

Links always point at the earliest matching copy. When an article arrives
after stored copies that were published later, it becomes their original:
the result carries :class:`Relink` records for those stored copies, which
the store applies in the same transaction. With a ``window``, only copies
published within that time before an article are compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from newsmill.core.errors import DedupError
from newsmill.core.interfaces import SketchIndex
from newsmill.core.records import (
    Article,
    DuplicateLink,
    PassageLink,
    Relink,
    Sketch,
    SketchRef,
    novelty_of,
)
from newsmill.core.stats import StepStats
from newsmill.dedup.minhash import SketchParams
from newsmill.dedup.normalize import U32, jaccard
from newsmill.dedup.sketches import (
    ArticleSketches,
    _decode,
    _encode,
    _instant,
    _Item,
    _order_time,
    _sketch_items,
    order_key,
)


@dataclass
class DedupResult:
    articles: list[Article]
    sketches: list[Sketch] = field(default_factory=list)
    links: list[DuplicateLink] = field(default_factory=list)
    novelty: dict[str, float] = field(default_factory=dict)
    relinks: list[Relink] = field(default_factory=list)
    stats: StepStats = field(default_factory=lambda: StepStats("dedup"))


_Match = tuple[tuple[SketchRef, float] | None, list[tuple[SketchRef, float]]]


def _first_wanted(older: list[SketchRef], later: list[SketchRef], stored: set[SketchRef]) -> set[SketchRef]:
    """The stored candidates whose shingles a sketch's match needs first:
    the earliest older candidate's article's (the match is there if one of
    them verifies) and the stored later copies'."""
    first = {ref for ref in older if ref.order_key == older[0].order_key} if older else set()
    return (first | set(later)) & stored


def _batch_candidates(items: Sequence[_Item]) -> dict[int, list[int]]:
    """For each item (by position), the earlier items of the batch from
    other articles that share a band key of the same kind: the batch's own
    LSH candidates, found with one sort of all its band keys rather than a
    dict entry per band (a batch holds ~100k band keys; all but a few are
    unique)."""
    counts = [len(it.bands) for it in items]
    total = sum(counts)
    if not total:
        return {}
    keys = np.fromiter((k for it in items for k in it.bands), dtype=np.int64, count=total)
    kinds = np.repeat(np.array([it.ref.kind == "article" for it in items], dtype=np.int8), counts)
    owners = np.repeat(np.arange(len(items), dtype=np.int64), counts)
    order = np.lexsort((owners, keys, kinds))
    keys, kinds, owners = keys[order], kinds[order], owners[order]
    same = (keys[1:] == keys[:-1]) & (kinds[1:] == kinds[:-1])
    if not same.any():
        return {}
    # Runs of equal (kind, key): starts where a run of repeats begins.
    edges = np.flatnonzero(np.diff(np.concatenate(([0], same.view(np.int8), [0]))))
    found: dict[int, set[int]] = {}
    for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        group = owners[start : stop + 1].tolist()  # ascending: the batch order
        for n, j in enumerate(group[1:], 1):
            article = items[j].ref.article_id
            mine = found.setdefault(j, set())
            mine.update(i for i in group[:n] if items[i].ref.article_id != article)
    return {j: sorted(v) for j, v in found.items() if v}


class Deduplicator:
    """Links near-duplicate articles and passages of a batch.

    ``index`` is read-only here: the store persists the returned sketches
    together with the articles (one transaction), so a crash never leaves
    the index ahead of or behind the store.
    """

    def __init__(self, index: SketchIndex, params: SketchParams | None = None, *,
                 window: timedelta | None = None) -> None:
        if window is not None and window <= timedelta(0):
            raise DedupError(f"window must be positive (or None for all history), got {window}")
        self.index = index
        self.params = params or SketchParams()
        self.window = window

    def sketch(self, article: Article) -> list[_Item]:
        """The article sketch and the paragraph sketches of one article."""
        return _sketch_items(article, self.params)

    def _items(self, article: Article, sketched: Mapping[str, ArticleSketches] | None) -> list[_Item]:
        """The article's sketches: computed ahead if they still fit its text
        and these parameters, else now."""
        ahead = sketched.get(article.id) if sketched else None
        if ahead is not None and ahead.fits(article, self.params):
            return list(ahead.items)
        return self.sketch(article)

    def run(self, articles: Sequence[Article],
            sketched: Mapping[str, ArticleSketches] | None = None) -> DedupResult:
        """Link the batch's duplicates. ``sketched``: sketches computed
        ahead by :func:`sketch_article` (by article id), e.g. by the
        extraction workers; an article whose text changed since, or one
        missing, is sketched here."""
        p = self.params
        batch = sorted(articles, key=order_key)
        batch_ids = {a.id for a in batch}
        result = DedupResult(articles=list(articles))
        planned = [(a, self._items(a, sketched)) for a in batch]
        flat = [it for _, items in planned for it in items]
        local = _batch_candidates(flat)
        position = 0
        # One round trip per kind for the whole batch: each sketch's stored
        # candidates (sharing a band with it).
        stored: list[set[SketchRef]] = [set() for _ in flat]
        for kind in ("article", "passage"):
            mine = [i for i, it in enumerate(flat) if it.ref.kind == kind and it.bands]
            if mine:
                for i, found in zip(mine, self.index.candidates(kind, [flat[i].bands for i in mine]), strict=True):
                    stored[i] = found
        matches = self._match_all(flat, stored, local, batch_ids)
        for article, items in planned:
            article.duplicate_of, article.similarity = None, None
            article.duplicate_passages = []
            for item in items:
                best, later = matches[position]
                position += 1
                for ref, sim in later:
                    result.relinks.append(Relink(ref.article_id, ref.paragraph, article.id, item.ref.paragraph,
                                                 item.ref.order_key, round(sim, 4)))
                if best is None:
                    continue
                ref, sim = best
                if item.ref.kind == "article":
                    article.duplicate_of, article.similarity = ref.article_id, round(sim, 4)
                    result.links.append(DuplicateLink(article.id, ref.article_id, round(sim, 4)))
                    result.stats.add("duplicate_articles")
                    if sim == 1.0:
                        result.stats.add("exact_duplicate_articles")
                else:
                    article.duplicate_passages.append(
                        PassageLink(item.ref.paragraph, ref.article_id, ref.paragraph, round(sim, 4)))
                    result.stats.add("duplicate_passages")
            sketches = [
                Sketch(it.ref.kind, it.ref.article_id, it.ref.paragraph, it.ref.order_key,
                       tuple(it.bands), _encode(it.shingles), p.id)
                for it in items
            ]
            result.sketches.extend(sketches)
            result.novelty[article.id] = self._novelty(article)
            result.stats.add("articles")
        if result.relinks:
            result.stats.add("later_copies_found", len({(r.article, r.paragraph) for r in result.relinks}))
        return result

    def _match_all(self, flat: list[_Item], stored: list[set[SketchRef]], local: dict[int, list[int]],
                   batch_ids: set[str]) -> list[_Match]:
        """Each sketch's match (:meth:`_match`). The stored candidates'
        shingles are read in at most two round trips, earliest first: those
        that can hold a sketch's match if any of them verifies (the
        earliest older candidate's, and the stored later copies'), then
        the other candidates of the sketches whose match is still open.
        A story carried by many sites has a candidate per stored copy, but
        its first copy is the match: reading and comparing every copy made
        a batch's dedup grow with the square of the copies."""
        shingles: dict[SketchRef, U32] = {}
        fetched: set[SketchRef] = set()

        def fetch(refs: set[SketchRef]) -> None:
            refs = refs - fetched
            if refs:
                shingles.update((ref, _decode(b)) for ref, b in self.index.shingles(refs).items())
                fetched.update(refs)

        earlier = [[flat[j] for j in local.get(i, ())] for i in range(len(flat))]
        eligible = [self._eligible(it, stored[i], earlier[i], batch_ids) for i, it in enumerate(flat)]
        fetch(set().union(*(_first_wanted(older, later, stored[i]) for i, (older, later) in enumerate(eligible))))
        first = [self._match(it, *eligible[i], earlier[i], shingles, fetched) for i, it in enumerate(flat)]
        fetch(set().union(*(stored[i] for i, m in enumerate(first) if m is None)))
        matches: list[_Match] = []
        for i, m in enumerate(first):
            if m is None:
                m = self._match(flat[i], *eligible[i], earlier[i], shingles, None)
                assert m is not None  # with every candidate fetched, nothing is missing
            matches.append(m)
        return matches

    def _eligible(self, item: _Item, stored: set[SketchRef], earlier: list[_Item],
                  batch_ids: set[str]) -> tuple[list[SketchRef], list[SketchRef]]:
        """A sketch's candidates, stored or ``earlier`` in the batch, that
        can be its match (older, in the window; earliest first) and those
        that can be stored later copies of it."""
        own = item.ref.order_key
        lo, hi = self._window_bounds(own)
        local_refs = {it.ref for it in earlier}
        older: list[SketchRef] = []
        later: list[SketchRef] = []
        for ref in stored | local_refs:
            if ref.article_id == item.ref.article_id or ref.order_key == own:
                continue
            if ref.order_key < own:
                if lo is None or ref.order_key >= lo:
                    older.append(ref)
            elif not (ref in local_refs or ref.article_id in batch_ids or (hi is not None and ref.order_key > hi)):
                later.append(ref)
        older.sort(key=lambda ref: (ref.order_key, ref.paragraph))
        later.sort(key=lambda ref: (ref.order_key, ref.article_id, ref.paragraph))
        return older, later

    def _match(
        self,
        item: _Item,
        older: list[SketchRef],
        later_refs: list[SketchRef],
        earlier: list[_Item],
        stored_shingles: dict[SketchRef, U32],
        fetched: set[SketchRef] | None,
    ) -> _Match | None:
        """The earliest verified older match of one sketch (ties: most
        similar, then the first of the paragraphs an article repeats: not
        the order a set of candidates comes in), and the verified matches
        among stored later copies. ``older`` and ``later_refs``: its
        candidates (:meth:`_eligible`); ``earlier``: the batch's items
        before it; ``stored_shingles``: the shingles of the stored
        candidates ``fetched`` so far (None: all that will be). None when a
        candidate not fetched yet is needed to tell."""
        kind = item.ref.kind
        local_shingles = {it.ref: it.shingles for it in earlier}
        if item.exact:
            threshold = 1.0
        elif kind == "article":
            threshold = self.params.article_threshold
        else:
            threshold = self.params.passage_threshold
        best: tuple[SketchRef, float] | None = None
        for ref in older:  # earliest first: the first article with a verified match holds the best one
            if best is not None and ref.order_key != best[0].order_key:
                break
            if ref in local_shingles:
                other: U32 | None = local_shingles[ref]
            elif fetched is None or ref in fetched:
                other = stored_shingles.get(ref)
            else:
                return None
            if other is None:
                continue
            sim = self._similarity(item, other)
            if sim >= threshold and (best is None or sim > best[1]):
                best = (ref, sim)
        later: list[tuple[SketchRef, float]] = []
        for ref in later_refs:
            if fetched is not None and ref not in fetched:
                return None
            other = stored_shingles.get(ref)
            if other is not None and (sim := self._similarity(item, other)) >= threshold:
                later.append((ref, sim))
        return best, later

    def _window_bounds(self, own: str) -> tuple[str | None, str | None]:
        """Order keys bounding the comparison window around ``own``."""
        if self.window is None:
            return None, None
        when = _order_time(own)
        return _instant(when - self.window), _instant(when + self.window) + "|\uffff"

    @staticmethod
    def _similarity(item: _Item, other: U32) -> float:
        if np.array_equal(other, item.shingles):  # exact copies need no Jaccard
            return 1.0
        return 0.0 if item.exact else jaccard(item.shingles, other)

    @staticmethod
    def _novelty(article: Article) -> float:
        return novelty_of(article.paragraphs, (link.paragraph for link in article.duplicate_passages))
