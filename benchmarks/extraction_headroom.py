"""How much better could a choice between extractors make the text?

For every page of the development sets, the shingle precision and recall
(the same scores as :mod:`benchmarks.extraction_quality`, and the same F1 of
a set: of its mean precision and mean recall) of newsmill's text and of the other
outputs a page could be given: bare trafilatura, trafilatura with
``favor_precision`` and with ``favor_recall``, and trafilatura's own port of
readability. The last rows are per-page oracles: the F1 a chooser would
reach if it always picked the output with the best F1 on the page, knowing
the ground truth. No real chooser reaches its oracle, so an oracle below a target
says that target is out of reach of any choice between these extractors.

    python -m benchmarks.extraction_headroom [--pages FILE]

``--pages FILE`` writes every page's precision and recall per output as JSON lines (for
looking at where the outputs differ).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import trafilatura
from trafilatura.external import try_readability
from trafilatura.utils import load_html

from benchmarks.extraction_quality import (
    DEFAULT,
    ROOT,
    SETS,
    Page,
    bare,
    f1,
    load,
    run_newsmill,
    score,
)


def favor_precision(page: Page) -> str:
    return trafilatura.extract(page.html, url=page.url or None, include_comments=False, favor_precision=True) or ""


def favor_recall(page: Page) -> str:
    return trafilatura.extract(page.html, url=page.url or None, include_comments=False, favor_recall=True) or ""


def readability(page: Page) -> str:
    tree = load_html(page.html)
    if tree is None:
        return ""
    body = try_readability(tree)
    return "" if body is None else str(body.text_content())


def newsmill(page: Page) -> str:
    return run_newsmill(page, DEFAULT).text


OUTPUTS: dict[str, Callable[[Page], str]] = {
    "newsmill extract": newsmill,
    "trafilatura (bare)": bare,
    "trafilatura favor_precision": favor_precision,
    "trafilatura favor_recall": favor_recall,
    "readability (trafilatura's port)": readability,
}

ORACLES: dict[str, tuple[str, ...]] = {
    "oracle: best of newsmill, trafilatura favor_precision": ("newsmill extract", "trafilatura favor_precision"),
    "oracle: best of all five": tuple(OUTPUTS),
}

_PAGES: Sequence[Page] = ()


def _scores(i: int) -> dict[str, tuple[float, float]]:
    page = _PAGES[i]
    out: dict[str, tuple[float, float]] = {}
    for name, fn in OUTPUTS.items():
        try:
            text = fn(page)
        except Exception:  # an extractor that fails on a page scores 0 there
            text = ""
        out[name] = score(text, page.truth)
    return out


def page_scores(pages: Sequence[Page]) -> list[dict[str, tuple[float, float]]]:
    """Every page's (precision, recall) per output, on every core."""
    global _PAGES
    _PAGES = pages
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        return pool.map(_scores, range(len(pages)), chunksize=8)


def _best(scores: dict[str, tuple[float, float]], names: Sequence[str]) -> tuple[float, float]:
    return max((scores[n] for n in names), key=lambda pr: f1(*pr))


def table(pages: Sequence[Page], scores: Sequence[dict[str, tuple[float, float]]]) -> list[str]:
    sets = [s for s in SETS if any(p.set == s for p in pages)]
    lines = ["| output | " + " | ".join(f"{s} ({sum(p.set == s for p in pages)})" for s in sets) + " |",
             "|---|" + "---|" * len(sets)]
    rows = {name: [sc[name] for sc in scores] for name in OUTPUTS}
    rows |= {name: [_best(sc, names) for sc in scores] for name, names in ORACLES.items()}
    for name, values in rows.items():
        cells = []
        for s in sets:
            picked = [v for v, p in zip(values, pages, strict=True) if p.set == s]
            p, r = sum(v[0] for v in picked) / len(picked), sum(v[1] for v in picked) / len(picked)
            cells.append(f"{f1(p, r):.3f} ({p:.3f} / {r:.3f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> list[str]:
    args = list(sys.argv[1:] if argv is None else argv)
    pages = load()
    if not pages:
        line = f"extraction headroom: skipped ({ROOT} holds no benchmark set)"
        print(line)
        return [line]
    scores = page_scores(pages)
    if "--pages" in args:
        path = Path(args[args.index("--pages") + 1])
        with path.open("w", encoding="utf-8") as fh:
            for page, sc in zip(pages, scores, strict=True):
                fh.write(json.dumps({"set": page.set, "id": page.id, "url": page.url, **{k: list(v) for k, v in sc.items()}}) + "\n")
    lines = [f"### Extraction headroom: F1 (precision / recall) per output, {len(pages)} pages", "", *table(pages, scores)]
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
