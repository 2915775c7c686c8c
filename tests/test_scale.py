"""The scale benchmark's smoke version: 5,000 generated documents (hundreds
of sites, a quarter syndicated copies) through a real ``newsmill import``
process on each backend. It checks correctness, not timing: every document
is counted once, every copy is linked to its original, the probe saw every
tenth of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import scale_bench
from benchmarks.scale_corpus import Corpus, real_paragraphs

DOCUMENTS = 5000


@pytest.mark.slow
def test_5000_generated_documents_import_with_counts_and_copies_right(store_url: str, tmp_path: Path) -> None:
    corpus = Corpus(DOCUMENTS, sites=200)
    warcs = tmp_path / "warc"
    corpus.write_warcs(warcs)
    assert 0.2 * DOCUMENTS < len(corpus.copies) < 0.3 * DOCUMENTS
    db_url = None if store_url.startswith("sqlite") else store_url
    run = scale_bench.checked_import("smoke", corpus, warcs, tmp_path / "home", db_url)  # raises when wrong
    assert run.counts["new"] == DOCUMENTS and run.counts["duplicates"] == len(corpus.copies)
    rows = scale_bench.tenths(run)
    assert [r["tenth"] for r in rows] == list(range(1, 11))
    assert sum(r["docs"] for r in rows) == DOCUMENTS
    assert all(r["db_per_article"] > 0 and r["raw_per_article"] > 0 and r["rss"] > 0 for r in rows)
    assert "| 10 | " in "\n".join(scale_bench.import_table(run))


def test_the_checks_catch_a_miscount_and_an_unlinked_copy() -> None:
    counts = {"fetched": 10, "new": 8, "updated": 0, "unchanged": 0, "failed": 1, "skipped": 1}
    scale_bench.check_counts(counts, 10, stored=8, failures=1)
    with pytest.raises(AssertionError, match="documents generated"):
        scale_bench.check_counts({**counts, "skipped": 0}, 10, stored=8, failures=1)
    with pytest.raises(AssertionError, match="articles stored"):
        scale_bench.check_counts(counts, 10, stored=7, failures=1)
    copies = {"https://b.test/1": "https://a.test/1"}
    assert scale_bench.check_copies(copies, {"https://a.test/1": None, "https://b.test/1": "https://a.test/1"}) == 1
    with pytest.raises(AssertionError, match="not linked"):
        scale_bench.check_copies(copies, {"https://a.test/1": None, "https://b.test/1": None})
    with pytest.raises(AssertionError, match="stored duplicates"):
        scale_bench.check_copies(copies, {"https://b.test/1": "https://a.test/1", "https://c.test/1": "https://a.test/1"})


def test_without_shared_pages_the_text_comes_from_a_word_list(tmp_path: Path) -> None:
    assert real_paragraphs(tmp_path) == []
    corpus = Corpus(50, sites=5, shared=tmp_path)
    assert corpus.text_source.startswith(f"no {tmp_path}")
    pages = list(corpus.pages())
    assert len(pages) == 50 and all(len(p.paragraphs) >= 4 for p in pages)
    assert {p.copy_of for p in pages if p.copy_of} <= {p.url for p in pages if not p.copy_of}
    again = list(Corpus(50, sites=5, shared=tmp_path).pages())
    assert [p.paragraphs for p in again] == [p.paragraphs for p in pages]  # deterministic for a seed
