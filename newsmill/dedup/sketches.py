"""One article's sketches: the article sketch and a sketch per paragraph
(:func:`sketch_article`), the order key they carry, and how they travel
(packed into one buffer when pickled) and are stored (shingles as bytes).
Computed where the article is extracted; :mod:`newsmill.dedup.dedup`
matches them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from newsmill.core.errors import DedupError
from newsmill.core.records import Article, SketchRef
from newsmill.dedup.minhash import SketchParams, band_keys, band_keys_many, exact_key, signatures
from newsmill.dedup.normalize import U32, shingle_hashes, tokens_hash, words


def _instant(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}"


def order_key(article: Article) -> str:
    """Oldest first: published time (else fetched time), then canonical URL."""
    return f"{_instant(article.published_at or article.fetched_at)}|{article.canonical_url}"


def _order_time(key: str) -> datetime:
    return datetime.strptime(key.split("|", 1)[0], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


@dataclass
class _Item:
    ref: SketchRef
    shingles: U32
    bands: list[int]
    exact: bool
    content_key: int | None = None


def _encode(shingles: U32) -> bytes:
    return shingles.astype("<u4").tobytes()


def _decode(blob: bytes) -> U32:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


def _sketch_items(article: Article, p: SketchParams) -> list[_Item]:
    """The article sketch and the paragraph sketches of one article."""
    key = order_key(article)
    aid = article.id
    items: list[_Item] = []
    minhash_sets: list[U32] = []
    minhash_items: list[tuple[_Item, str]] = []  # the article first, then its MinHash passages
    para_tokens = [words(para) for para in article.paragraphs]
    if "\n\n".join(article.paragraphs) == article.text:  # the usual case: normalize once
        all_tokens = [w for tokens in para_tokens for w in tokens]
    else:
        all_tokens = words(article.text)
    art = _Item(SketchRef("article", aid, -1, key), shingle_hashes(all_tokens, p.shingle_size), [], False,
                exact_key(tokens_hash(all_tokens)))
    items.append(art)
    minhash_sets.append(art.shingles)
    minhash_items.append((art, "article"))
    for i, tokens in enumerate(para_tokens):
        if len(tokens) >= p.min_words:
            item = _Item(SketchRef("passage", aid, i, key), shingle_hashes(tokens, p.shingle_size), [], False)
            minhash_sets.append(item.shingles)
            minhash_items.append((item, "passage"))
        elif len(tokens) >= p.min_exact_words:
            h = tokens_hash(tokens)
            item = _Item(SketchRef("passage", aid, i, key), np.array([h & 0xFFFFFFFF, h >> 32],
                         dtype=np.uint32), [exact_key(h)], True)
        else:
            continue
        items.append(item)
    sigs = signatures(minhash_sets, p)
    art.bands = band_keys(sigs[0], *p.bands_rows("article"))
    if len(minhash_items) > 1:
        keys = band_keys_many(sigs[1:], *p.bands_rows("passage")).tolist()
        for (item, _), item_keys in zip(minhash_items[1:], keys, strict=True):
            item.bands = item_keys
    if art.content_key is not None:
        art.bands.append(art.content_key)
    return items


def text_digest(article: Article) -> str:
    """A digest of what an article's sketches are computed from (its text
    and its paragraphs)."""
    h = hashlib.blake2b(article.text.encode("utf-8", "surrogatepass"), digest_size=16)
    for para in article.paragraphs:
        h.update(b"\x00")
        h.update(para.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@dataclass(frozen=True)
class ArticleSketches:
    """One article's sketches, computed ahead of dedup (where it was
    extracted: a worker process or a Dask worker), so the process that
    dedups and stores only looks them up. They are used only while the
    article's text and the sketch parameters are still the ones they were
    computed from."""

    article_id: str
    params: str
    digest: str
    items: tuple[_Item, ...]

    def fits(self, article: Article, params: SketchParams) -> bool:
        return (self.article_id == article.id and self.params == params.id
                and self.digest == text_digest(article))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as one buffer (:func:`_pack_items`): the sketches travel
        from the worker that extracted the article to the process that
        dedups it, and an array per paragraph costs a pickle reduction
        each, and on Dask a message frame each (some 20 per article)."""
        key = self.items[0].ref.order_key if self.items else ""
        if any(it.ref.article_id != self.article_id or it.ref.order_key != key for it in self.items):
            raise DedupError(f"the sketches of {self.article_id} hold another article's: they cannot be packed")
        return (_unpack_sketches, (self.article_id, self.params, self.digest, key, _pack_items(self.items)))



# A packed item's row: kind (0 article, 1 passage), paragraph, exact,
# shingle count, band count, has a content key, the content key.
_PACKED_COLUMNS = 7


def _pack_items(items: Sequence[_Item]) -> bytes:
    """One article's sketch items as bytes: the item count, a row of
    int64s per item, then every band key (int64) and every shingle hash
    (uint32), item after item."""
    rows = [(it.ref.kind == "passage", it.ref.paragraph, it.exact, len(it.shingles), len(it.bands),
             it.content_key is not None, it.content_key or 0) for it in items]
    meta = np.array(rows, dtype=np.int64).reshape(len(items), _PACKED_COLUMNS)
    bands = np.fromiter((k for it in items for k in it.bands), dtype=np.int64, count=int(meta[:, 4].sum()))
    shingles = np.concatenate([it.shingles for it in items]) if items else np.empty(0, dtype=np.uint32)
    return b"".join((np.int64(len(items)).tobytes(), meta.tobytes(), bands.tobytes(),
                     shingles.astype(np.uint32, copy=False).tobytes()))


def _unpack_items(article_id: str, key: str, blob: bytes) -> tuple[_Item, ...]:
    n = int(np.frombuffer(blob, dtype=np.int64, count=1)[0])
    meta = np.frombuffer(blob, dtype=np.int64, count=n * _PACKED_COLUMNS, offset=8).reshape(n, _PACKED_COLUMNS)
    start = 8 + meta.nbytes
    bands = np.frombuffer(blob, dtype=np.int64, count=int(meta[:, 4].sum()), offset=start).tolist()
    shingles = np.frombuffer(blob, dtype=np.uint32, count=int(meta[:, 3].sum()),
                             offset=start + 8 * len(bands)).copy()  # writable, as computed ones are
    items: list[_Item] = []
    s = b = 0
    for passage, paragraph, exact, n_shingles, n_bands, keyed, content_key in meta.tolist():
        items.append(_Item(SketchRef("passage" if passage else "article", article_id, paragraph, key),
                           shingles[s : s + n_shingles], bands[b : b + n_bands], bool(exact),
                           content_key if keyed else None))
        s += n_shingles
        b += n_bands
    return tuple(items)


def _unpack_sketches(article_id: str, params: str, digest: str, key: str, blob: bytes) -> ArticleSketches:
    return ArticleSketches(article_id, params, digest, _unpack_items(article_id, key, blob))


def sketch_article(article: Article, params: SketchParams) -> ArticleSketches:
    """The article sketch and the paragraph sketches of one article, for
    :meth:`newsmill.dedup.dedup.Deduplicator.run` (its ``sketched``
    argument)."""
    return ArticleSketches(article.id, params.id, text_digest(article), tuple(_sketch_items(article, params)))
