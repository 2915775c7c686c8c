"""Near-duplicate detection: normalization, signatures, LSH, verification, linking."""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from newsmill.core.errors import DedupError
from newsmill.core.records import Article, SketchRef, SourceRef
from newsmill.dedup import (
    Deduplicator,
    MemorySketchIndex,
    SketchParams,
    jaccard,
    normalize_text,
    shingle_hashes,
    sketch_article,
)
from newsmill.dedup.minhash import candidate_probability, signatures
from newsmill.dedup.normalize import words

REF = SourceRef("t", "urls", "t")
T0 = datetime(2025, 6, 1, tzinfo=UTC)
VOCAB = ["port", "ferry", "line", "container", "rail", "timetable", "customs", "tariff", "river", "dam", "turbine", "school", "teacher", "robot", "farmer", "apple", "orchard", "harvest", "metro", "station", "bus", "city", "mayor", "budget", "water", "pipeline", "museum", "gallery", "chess", "player", "tournament", "forum", "media", "agency", "minister", "border", "truck", "queue", "hotel", "tourist", "guide"]


def text(seed: int, n: int = 60) -> str:
    rnd = random.Random(seed)
    return " ".join(rnd.choice(VOCAB) + str(rnd.randint(0, 9) if rnd.random() < 0.05 else "") for _ in range(n))


def article(name: str, paragraphs: list[str], hours: int = 0) -> Article:
    return Article(url=f"https://x.example/{name}", canonical_url=f"https://x.example/{name}", site="x",
                   text="\n\n".join(paragraphs), paragraphs=paragraphs, source=REF,
                   fetched_at=T0 + timedelta(hours=hours), published_at=T0 + timedelta(hours=hours))


def test_normalization_folds_case_punctuation_digits_and_forms() -> None:
    assert normalize_text("USD 504.61 ▲ Курс, ВАЛЮТ!") == normalize_text("usd 499.99 ▲ курс валют")
    assert normalize_text("ﬁrst  Ｆｕｌｌ") == "first full"


def test_shingles_are_deterministic_and_sorted_unique() -> None:
    a = shingle_hashes(words("the quick brown fox jumps over the lazy dog"), 5)
    b = shingle_hashes(words("The quick, brown fox jumps over the lazy dog."), 5)
    assert a.dtype == np.uint32 and np.array_equal(a, b) and np.all(np.diff(a.astype(np.int64)) > 0)
    assert shingle_hashes(words("two words"), 5).size == 1
    assert shingle_hashes([], 5).size == 0


def test_permutations_are_datasketchs() -> None:
    from newsmill.dedup.minhash import affine32_permutations

    for num_perm, seed in ((128, 1), (64, 7)):
        a, b = affine32_permutations(num_perm, seed)
        theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        assert np.array_equal(a, theirs[0]) and np.array_equal(b, theirs[1])


def test_signatures_equal_datasketch() -> None:
    params = SketchParams()
    sets = [shingle_hashes(words(text(i)), 5) for i in range(20)]
    sigs = signatures(sets, params)
    for s, sig in zip(sets, sigs, strict=True):
        m = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine32", hashfunc=lambda x: x)
        m.update_batch([int(h) for h in s])
        assert np.array_equal(m.hashvalues, sig)


def test_band_choice_gives_recall_at_thresholds() -> None:
    p = SketchParams()
    assert p.recall_at("passage", p.passage_threshold) >= 0.99
    assert p.recall_at("article", p.article_threshold) >= 0.999
    # datasketch's default split for 0.8 with 128 permutations misses far more
    assert candidate_probability(0.8, 9, 13) < 0.9


def test_params_validate() -> None:
    with pytest.raises(DedupError, match="fit in num_perm"):
        SketchParams(num_perm=64, passage_bands=42, passage_rows=3)
    with pytest.raises(DedupError, match="threshold"):
        SketchParams(article_threshold=1.5)
    assert "affine32" in SketchParams().id and "seed=1" in SketchParams().id


def test_near_duplicate_links_to_earliest_even_in_reverse_order() -> None:
    base = [text(1), text(2), text(3)]
    edited = [base[0].replace("port", "harbour", 1), base[1], base[2] + " minister said"]
    original, copy = article("orig", base, hours=0), article("copy", edited, hours=5)
    result = Deduplicator(MemorySketchIndex()).run([copy, original])
    assert copy.duplicate_of == original.id and copy.similarity is not None and copy.similarity >= 0.8
    assert original.duplicate_of is None
    assert {p.of_article for p in copy.duplicate_passages} == {original.id}
    assert result.novelty[copy.id] < 0.1 and result.novelty[original.id] == 1.0


def test_shared_paragraph_is_a_passage_link_not_an_article_duplicate() -> None:
    shared = text(99)
    a = article("a", [text(10), shared, text(11)], hours=0)
    b = article("b", [text(20), text(21), shared], hours=1)
    Deduplicator(MemorySketchIndex()).run([a, b])
    assert b.duplicate_of is None
    assert [(p.paragraph, p.of_article, p.of_paragraph, p.similarity) for p in b.duplicate_passages] == [
        (2, a.id, 1, 1.0)]


def test_a_passage_repeated_in_the_original_links_to_its_first_occurrence() -> None:
    """Which of an article's identical paragraphs a copy links to does not
    depend on the order a set of candidates comes in (string hashing
    differs from process to process): the first one, stored or in the
    same batch, and for a late original's relinks too."""
    shared = text(99)
    body = [p for i in range(8) for p in (text(100 + i), shared)]  # shared at 1, 3, ..., 15
    index = MemorySketchIndex()
    a = article("a", body, hours=0)
    index.add(Deduplicator(index).run([a]).sketches)
    b = article("b", [text(20), shared], hours=1)
    c = article("c", [shared, text(21)], hours=2)
    Deduplicator(index).run([b, c])
    assert [(p.of_article, p.of_paragraph) for p in b.duplicate_passages] == [(a.id, 1)]
    assert [(p.of_article, p.of_paragraph) for p in c.duplicate_passages] == [(a.id, 1)]
    late = article("late", [text(200), shared, text(201), shared], hours=-1)
    relinks = Deduplicator(index).run([late]).relinks
    firsts = {}
    for r in relinks:  # the store keeps the first of equal candidates
        key = (r.article, r.paragraph)
        if key not in firsts or (r.of_order_key, -r.similarity, r.of_paragraph) < firsts[key]:
            firsts[key] = (r.of_order_key, -r.similarity, r.of_paragraph)
    assert {key: value[2] for key, value in firsts.items()} == {(a.id, i): 1 for i in range(1, 16, 2)}


def test_a_copy_reads_the_first_copy_not_every_stored_one() -> None:
    """A story stored on many sites: a new copy's candidates are all the
    stored copies, but only the earliest one's shingles are read and
    compared (it is the match), so dedup does not grow with the square of
    the copies. A copy that matches none of the earliest reads the rest."""

    class Counting(MemorySketchIndex):
        def __init__(self) -> None:
            super().__init__()
            self.read: list[int] = []

        def shingles(self, refs: Iterable[SketchRef]) -> dict[SketchRef, bytes]:
            refs = list(refs)
            self.read.append(len(refs))
            return super().shingles(refs)

    story = [text(1), text(2), text(3)]
    index = Counting()
    stored = []
    for i in range(10):
        copy = article(f"copy{i}", story, hours=i)
        index.add(Deduplicator(index).run([copy]).sketches)
        stored.append(copy)
    index.read.clear()
    new = article("new", story, hours=20)
    Deduplicator(index).run([new])
    assert new.duplicate_of == stored[0].id
    assert [(p.paragraph, p.of_article) for p in new.duplicate_passages] == [(i, stored[0].id) for i in range(3)]
    assert index.read == [4]  # the first copy's article sketch and its 3 passages, in one read
    index.read.clear()
    edited = article("edited", [text(1), text(2), text(30)], hours=21)  # 2 of 3 paragraphs: no article match
    Deduplicator(index).run([edited])
    assert edited.duplicate_of is None
    assert [(p.paragraph, p.of_article) for p in edited.duplicate_passages] == [(0, stored[0].id),
                                                                                (1, stored[0].id)]
    assert len(index.read) <= 2


def test_candidates_are_verified_exactly() -> None:
    a = article("a", [text(1)], hours=0)
    b = article("b", [text(2)], hours=1)  # same vocabulary, different text
    result = Deduplicator(MemorySketchIndex()).run([a, b])
    assert b.duplicate_of is None and not b.duplicate_passages
    sa, sb = (shingle_hashes(words(x.text), 5) for x in (a, b))
    assert jaccard(sa, sb) < 0.5
    assert result.links == []


def test_index_and_batch_overlay_and_no_self_links() -> None:
    index = MemorySketchIndex()
    a = article("a", [text(1), text(2)], hours=0)
    first = Deduplicator(index).run([a])
    index.add(first.sketches)
    b = article("b", [text(1), text(2)], hours=3)
    Deduplicator(index).run([b])
    assert b.duplicate_of == a.id
    again = article("a", [text(1), text(2)], hours=0)  # the stored article seen again
    Deduplicator(index).run([again])
    assert again.duplicate_of is None and not again.duplicate_passages


def test_short_paragraphs_use_exact_hashes() -> None:
    line = "Earlier the agency reported on the forum"
    a = article("a", [text(1), line], hours=0)
    b = article("b", [text(2), line], hours=1)
    result = Deduplicator(MemorySketchIndex()).run([a, b])
    assert [(p.paragraph, p.of_paragraph) for p in b.duplicate_passages] == [(1, 1)]
    exact = [s for s in result.sketches if s.kind == "passage" and s.paragraph == 1]
    assert all(len(s.bands) == 1 for s in exact)


def test_seeds_shared_paragraphs(shared_dir: Path) -> None:
    from newsmill.core.records import RawDocument
    from newsmill.extractors import extract

    arts = []
    for i, path in enumerate(sorted((shared_dir / "seeds").glob("*.txt"))):
        raw = RawDocument(url=path.resolve().as_uri(), body=path.read_bytes(), source=REF, site="seeds",
                          content_type="text/plain", fetched_at=T0 + timedelta(minutes=i))
        arts.append(extract(raw))
    Deduplicator(MemorySketchIndex()).run(arts)
    assert all(a.duplicate_of is None for a in arts)
    links = {(arts[1].paragraphs[p.paragraph][:30], p.of_article) for p in arts[1].duplicate_passages}
    assert ("Ahead of the event, a bilatera", arts[0].id) in links
    assert ("Earlier, Kazinform News Agency", arts[0].id) in links


def test_earliest_compares_instants_not_offsets() -> None:
    shared = text(7)
    # 09:30+05:00 is 04:30 UTC: earlier than 08:00 UTC despite the larger wall-clock time.
    early = article("early", [text(30), shared])
    late = article("late", [text(31), shared])
    early.published_at = datetime(2025, 6, 8, 9, 30, tzinfo=timezone(timedelta(hours=5)))
    late.published_at = datetime(2025, 6, 8, 8, 0, tzinfo=UTC)
    Deduplicator(MemorySketchIndex()).run([late, early])
    assert [p.of_article for p in late.duplicate_passages] == [early.id]
    assert early.duplicate_passages == []


def test_exact_copy_found_by_content_key() -> None:
    a = article("a", [text(1), text(2)], hours=0)
    b = article("b", [text(1).upper(), text(2) + "!"], hours=1)  # same text once normalized
    result = Deduplicator(MemorySketchIndex()).run([a, b])
    assert b.duplicate_of == a.id and b.similarity == 1.0
    assert result.stats.counts["exact_duplicate_articles"] == 1
    article_sketches = [s for s in result.sketches if s.kind == "article"]
    assert article_sketches[0].bands[-1] == article_sketches[1].bands[-1]  # the shared content key


def test_window_limits_history() -> None:
    index = MemorySketchIndex()
    old = article("old", [text(1), text(2)], hours=0)
    index.add(Deduplicator(index).run([old]).sketches)
    near = article("near", [text(1), text(2)], hours=24 * 5)
    far = article("far", [text(1), text(2)], hours=24 * 40)
    Deduplicator(index, window=timedelta(days=30)).run([near])
    Deduplicator(index, window=timedelta(days=30)).run([far])
    assert near.duplicate_of == old.id
    assert far.duplicate_of is None and not far.duplicate_passages
    Deduplicator(index).run([far])  # no window: all of history
    assert far.duplicate_of == old.id
    with pytest.raises(DedupError, match="window must be positive"):
        Deduplicator(index, window=timedelta(0))


def test_late_arriving_original_yields_relinks_not_a_backward_link() -> None:
    index = MemorySketchIndex()
    later = article("later", [text(1), text(2), text(3)], hours=10)
    index.add(Deduplicator(index).run([later]).sketches)
    original = article("original", [text(1), text(2), text(4)], hours=0)  # published earlier, fetched now
    result = Deduplicator(index).run([original])
    assert original.duplicate_of is None and not original.duplicate_passages
    relinks = {(r.article, r.paragraph, r.of_article, r.of_paragraph) for r in result.relinks}
    assert relinks == {(later.id, 0, original.id, 0), (later.id, 1, original.id, 1)}
    # article level: 2 of 3 paragraphs shared is below the 0.8 article threshold
    assert all(r.of_order_key < "9" and r.similarity == 1.0 for r in result.relinks)
    with_article = article("original2", [text(1), text(2), text(3)], hours=-1)
    result = Deduplicator(index).run([with_article])
    assert (later.id, -1, with_article.id, -1) in {(r.article, r.paragraph, r.of_article, r.of_paragraph)
                                                   for r in result.relinks}


@pytest.mark.parametrize("paragraph, edit", [
    ("北京市政府周一公布了一项大规模改善公共交通的计划，预计到明年年底将新增五百辆电动公交车，"
     "市长在新闻发布会上表示这项计划将减少空气污染。", ("五百", "六百")),
    ("東京都は月曜日、公共交通機関の大規模な改善計画を発表した。来年末までに電気バスを五百台増やす予定だという。"
     "知事は記者会見で、この計画によって大気汚染が減ると述べた。", ("五百", "六百")),
    ("กรุงเทพมหานครประกาศแผนปรับปรุงระบบขนส่งสาธารณะครั้งใหญ่ในวันจันทร์ที่ผ่านมา "
     "โดยจะเพิ่มรถโดยสารไฟฟ้าอีกห้าร้อยคันภายในสิ้นปีหน้า", ("ห้าร้อย", "หกร้อย")),
])
def test_passages_in_scripts_without_spaces_are_shingled_by_character(paragraph: str, edit: tuple[str, str]) -> None:
    """A wire paragraph in Chinese, Japanese or Thai with one number
    changed is still the same passage (as one clause-long "word" it shared
    no shingle with its copy)."""
    assert len(words(paragraph)) > 40 and all(len(w) <= 3 for w in words(paragraph))
    a = article("a", [text(10), paragraph, text(11)], hours=0)
    b = article("b", [text(20), paragraph.replace(*edit), text(21)], hours=1)
    Deduplicator(MemorySketchIndex()).run([a, b])
    assert [(p.paragraph, p.of_article, p.of_paragraph) for p in b.duplicate_passages] == [(1, a.id, 1)]
    assert b.duplicate_passages[0].similarity < 1.0


def test_token_hash_equals_text_hash_and_article_tokens_equal_joined_paragraphs() -> None:
    from newsmill.dedup.normalize import text_hash, tokens_hash

    samples = ["USD 504.61 ▲ Курс, ВАЛЮТ!", "ﬁrst\u00a0 Ｆｕｌｌ\tline\u2003end", "中文 新闻。 第二段", "", "a\x1cb"]
    for s in samples:
        assert tokens_hash(words(s)) == text_hash(s)
    paragraphs = ["Первый абзац, с цифрами 2025.", "Second\u00a0paragraph — with dashes", "Üçüncü paragraf."]
    assert [w for p in paragraphs for w in words(p)] == words("\n\n".join(paragraphs))


def _links(arts: list[Article]) -> list[tuple[str | None, list[tuple[int, str, int]]]]:
    return [(a.duplicate_of, [(p.paragraph, p.of_article, p.of_paragraph) for p in a.duplicate_passages])
            for a in arts]


def test_sketches_computed_ahead_give_the_same_links_and_stale_ones_are_not_used() -> None:
    """Extraction workers sketch each article; dedup uses those sketches
    only while the text and the parameters are the ones they came from."""
    shared = text(7)

    def batch() -> list[Article]:
        return [article("a", [text(1), shared], 0), article("b", [text(1), shared], 1),
                article("c", [text(4), shared], 2)]

    plain = Deduplicator(MemorySketchIndex()).run(batch())
    arts = batch()
    ahead = {a.id: sketch_article(a, SketchParams()) for a in arts}
    got = Deduplicator(MemorySketchIndex()).run(arts, ahead)
    assert _links(got.articles) == _links(plain.articles)
    assert [(s.article_id, s.paragraph, s.bands, s.shingles) for s in got.sketches] == \
        [(s.article_id, s.paragraph, s.bands, s.shingles) for s in plain.sketches]
    assert got.articles[1].duplicate_of == arts[0].id and got.articles[2].duplicate_passages

    # c's shared paragraph is removed after sketching (e.g. as a template):
    # its sketch no longer fits and is computed again, so no stale link.
    changed = batch()
    ahead = {a.id: sketch_article(a, SketchParams()) for a in changed}
    changed[2].paragraphs = changed[2].paragraphs[:1]
    changed[2].text = changed[2].paragraphs[0]
    assert not ahead[changed[2].id].fits(changed[2], SketchParams())
    got = Deduplicator(MemorySketchIndex()).run(changed, ahead)
    assert got.articles[2].duplicate_passages == []
    # sketches of other parameters are never used
    other = SketchParams(num_perm=64, passage_bands=21, article_bands=16)
    assert not sketch_article(arts[0], other).fits(arts[0], SketchParams())


def test_sketches_computed_ahead_survive_pickling_as_one_buffer() -> None:
    """A worker sends its sketches back pickled: every item (MinHash and
    exact passages, the article's content key) comes back the same, from
    one buffer per article rather than an array per paragraph."""
    short = "a short line of six words"  # an exact-hash passage
    arts = [article("a", [text(1), short, text(2), "tiny"], 0), article("b", [text(1), text(3)], 1),
            article("empty", [], 2)]
    ahead = {a.id: sketch_article(a, SketchParams()) for a in arts}
    back = pickle.loads(pickle.dumps(ahead, protocol=5, buffer_callback=lambda b: False))
    frames: list[pickle.PickleBuffer] = []
    pickle.dumps(ahead, protocol=5, buffer_callback=frames.append)
    assert frames == []  # no out-of-band arrays (each would be a frame of its own on Dask)
    for aid, sk in ahead.items():
        got = back[aid]
        assert (got.article_id, got.params, got.digest) == (sk.article_id, sk.params, sk.digest)
        assert [(i.ref, i.bands, i.exact, i.content_key, i.shingles.dtype, i.shingles.tolist()) for i in got.items] \
            == [(i.ref, i.bands, i.exact, i.content_key, i.shingles.dtype, i.shingles.tolist()) for i in sk.items]
        assert got.fits(arts[[a.id for a in arts].index(aid)], SketchParams())
    assert any(i.exact for i in ahead[arts[0].id].items) and ahead[arts[0].id].items[0].content_key is not None
    plain = Deduplicator(MemorySketchIndex()).run(arts, ahead)
    again = Deduplicator(MemorySketchIndex()).run([article("a", [text(1), short, text(2), "tiny"], 0),
                                                   article("b", [text(1), text(3)], 1), article("empty", [], 2)], back)
    assert _links(again.articles) == _links(plain.articles) and again.articles[1].duplicate_passages
