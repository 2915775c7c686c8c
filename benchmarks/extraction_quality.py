"""Extraction quality and cleaning cost on the Scrapinghub article-extraction
benchmark (../shared/benchmarks/scrapinghub-article-extraction, 181 pages with
human ground truth; skipped when absent).

Scoring (the benchmark's README): word tokens, 4-token shingles, per-page
precision and recall of predicted against true shingles, averaged over
pages; F1 of the two averages. Bare trafilatura (include_comments=False) is
measured in the same run as baseline.

    python -m benchmarks.extraction_quality
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura

from newsmill.core.errors import ExtractionError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import ExtractSettings, extract

CASCADE = ExtractSettings(fast=False)

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scrapinghub-article-extraction"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = 4) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    return {tuple(tokens[i : i + k]) for i in range(max(len(tokens) - k + 1, 0))}


def score(pred: str, truth: str) -> tuple[float, float]:
    p, t = shingles(pred), shingles(truth)
    if not p:
        return (1.0 if not t else 0.0), (1.0 if not t else 0.0)
    inter = len(p & t)
    return inter / len(p), (inter / len(t) if t else 1.0)


def load() -> list[tuple[str, bytes, str, str]]:
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        path = DATA / "html" / f"{key}.html.gz"
        if path.exists():
            pages.append((key, gzip.decompress(path.read_bytes()), item.get("url") or "", item["articleBody"]))
    return pages


def bare(html: bytes, url: str) -> str:
    return trafilatura.extract(html.decode("utf-8", "replace"), url=url or None, include_comments=False) or ""


def ours(html: bytes, url: str, settings: ExtractSettings | None = None) -> str:
    doc = RawDocument(url=url or "https://example.com/page", body=html, source=SourceRef("bench", "urls", ""),
                      site="bench", content_type="text/html; charset=utf-8", http_status=200)
    try:
        return extract(doc, settings=settings).text
    except ExtractionError:
        return ""


def ours_cascade(html: bytes, url: str) -> str:
    """newsmill with trafilatura's full cascade (readability/jusText
    comparison, ``fast=False``): the setting newsmill does not use."""
    return ours(html, url, CASCADE)


def evaluate(name: str, fn: Callable[[bytes, str], str], pages: list[tuple[str, bytes, str, str]]) -> dict[str, Any]:
    precisions, recalls, empty = [], [], 0
    start = time.perf_counter()
    outputs = [fn(html, url) for _, html, url, _ in pages]
    elapsed = time.perf_counter() - start
    for out, (_, _, _, truth) in zip(outputs, pages, strict=True):
        empty += not out.strip()
        p, r = score(out, truth)
        precisions.append(p)
        recalls.append(r)
    p_avg, r_avg = sum(precisions) / len(pages), sum(recalls) / len(pages)
    f1 = 2 * p_avg * r_avg / (p_avg + r_avg) if p_avg + r_avg else 0.0
    return {"name": name, "f1": f1, "precision": p_avg, "recall": r_avg, "empty": empty, "seconds": elapsed}


def time_cleaning(pages: list[tuple[str, bytes, str, str]]) -> float:
    """Seconds the cleaner alone takes over the extracted paragraphs of all pages."""
    from newsmill.extractors import clean
    from newsmill.extractors.extract import DEFAULT_SETTINGS, _extract_html

    inputs = []
    for _, html, url, _ in pages:
        doc = RawDocument(url=url or "https://example.com/page", body=html, source=SourceRef("bench", "urls", ""),
                          site="bench")
        try:
            meta, paragraphs, _css = _extract_html(html.decode("utf-8", "replace"), doc, DEFAULT_SETTINGS)
        except ExtractionError:
            continue
        inputs.append((paragraphs, meta.title))
    start = time.perf_counter()
    for paragraphs, title in inputs:
        clean(paragraphs, title=title, trailing_runs=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> list[str]:
    if not (DATA / "ground-truth.json").is_file():
        line = f"extraction quality: skipped ({DATA} is absent)"
        print(line)
        return [line]
    pages = load()
    evaluate("warm-up", bare, pages[:5])
    base = evaluate("trafilatura 2.3 (bare, include_comments=False)", bare, pages)
    mine = evaluate("newsmill extract (trafilatura fast mode + metadata + cleaner)", ours, pages)
    cascade = evaluate("same, with trafilatura's full cascade (fast=False)", ours_cascade, pages)
    lines = [
        f"### Extraction quality: Scrapinghub benchmark, {len(pages)} pages",
        "",
        "| extractor | F1 | precision | recall | empty | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in (base, mine, cascade):
        lines.append(f"| {r['name']} | {r['f1']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"{r['empty']} | {r['seconds']:.1f} |")
    clean_seconds = time_cleaning(pages)
    lines.append(f"\nCleaning cost (the rule catalog alone, {clean_seconds:.2f} s) on top of bare trafilatura: "
                 f"{clean_seconds / base['seconds']:+.0%}. Whole newsmill extraction (metadata, date fallback, "
                 f"language detection, cleaning) on top of bare trafilatura: {mine['seconds'] / base['seconds'] - 1:+.0%}.")
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main(sys.argv[1:])
