"""Extraction quality on every development set in ../shared/benchmarks,
each against bare trafilatura measured in the same run (skipped when the
sets are absent).

Sets: Scrapinghub (181 news pages, the set the cleaner was first tuned
on), WCXB development articles (709) and WCXB other page types (628, with
a row per page type). Scoring (the sets' READMEs): word tokens, 4-token
shingles, per-page precision and recall against the ground truth,
averaged over pages; F1 of the two averages.

Printed: the targets of issue 21 against the same-run baseline; the
extraction paths (fast mode alone, the full cascade, fast mode with the
recall guard, the skipped-block fill); a per-rule ablation (each cleaner
rule switched off, the change on all sets together); every page that
bare trafilatura extracts well (page F1 >= 0.8) and newsmill badly
(< 0.5), with its cause; and the time against bare trafilatura.

    python -m benchmarks.extraction_quality           # everything
    python -m benchmarks.extraction_quality --time    # the time line alone
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from newsmill.core.errors import ExtractionError
from newsmill.core.records import Article, RawDocument, SourceRef
from newsmill.extractors import ExtractSettings, joiners
from newsmill.extractors.extract import Extracted, finish, read
from newsmill.extractors.rules import RULES

ROOT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
SCRAPINGHUB = ROOT / "scrapinghub-article-extraction"
WCXB = ROOT / "wcxb-dev"
DEFAULT = ExtractSettings()
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Page:
    set: str  # "scrapinghub", "wcxb articles", "wcxb other"
    id: str
    page_type: str
    url: str
    html: bytes
    truth: str


def shingles(text: str, k: int = 4) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    return {tuple(tokens[i : i + k]) for i in range(max(len(tokens) - k + 1, 0))}


def score(pred: str, truth: str) -> tuple[float, float]:
    p, t = shingles(pred), shingles(truth)
    if not p:
        return (1.0 if not t else 0.0), (1.0 if not t else 0.0)
    inter = len(p & t)
    return inter / len(p), (inter / len(t) if t else 1.0)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def load() -> list[Page]:
    pages: list[Page] = []
    for folder in (SCRAPINGHUB, WCXB):
        truth_file = folder / "ground-truth.json"
        if not truth_file.is_file():
            continue
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        for key, item in sorted(truth.items()):
            path = folder / "html" / f"{key}.html.gz"
            if not path.exists():
                continue
            kind = str(item.get("page_type") or "article")
            name = "scrapinghub" if folder == SCRAPINGHUB else (
                "wcxb articles" if kind == "article" else "wcxb other")
            pages.append(Page(name, key, kind, item.get("url") or "", gzip.decompress(path.read_bytes()),
                              item["articleBody"]))
    return pages


def bare(page: Page) -> str:
    """trafilatura 2.3 as a user calls it: the page's bytes (its own
    decoding), comments off."""
    if joiners.has_kept(page.html):  # newsmill keeps ZWNJ/ZWJ/C1 through trafilatura; the baseline does not
        with joiners.as_released():
            return trafilatura.extract(page.html, url=page.url or None, include_comments=False) or ""
    return trafilatura.extract(page.html, url=page.url or None, include_comments=False) or ""


def document(page: Page) -> RawDocument:
    # Scrapinghub's pages are UTF-8 (its README); WCXB's are the original
    # bytes with no HTTP headers kept, so newsmill decodes them itself.
    ctype = "text/html; charset=utf-8" if page.set == "scrapinghub" else None
    return RawDocument(url=page.url or "https://example.com/page", body=page.html,
                       source=SourceRef("bench", "urls", ""), site="bench", content_type=ctype, http_status=200)


@dataclass
class Outcome:
    text: str
    path: str
    article: Article | None = None
    extracted: Extracted | None = None
    error: str = ""


def run_newsmill(page: Page, settings: ExtractSettings, keep: bool = False) -> Outcome:
    try:
        x = read(document(page), settings)
    except ExtractionError as exc:
        return Outcome("", f"error:{exc.status}", error=str(exc))
    slim = dataclasses.replace(x, doc=dataclasses.replace(x.doc, body=b"")) if keep else None
    try:
        article = finish(x, settings)
    except ExtractionError as exc:
        return Outcome("", f"error:{exc.status}", extracted=slim, error=str(exc))
    return Outcome(article.text, article.extraction or "", article if keep else None, slim)


@dataclass
class Scores:
    n: int
    precision: float
    recall: float
    empty: int

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)


def aggregate(pairs: Sequence[tuple[float, float]], texts: Sequence[str]) -> Scores:
    n = len(pairs)
    return Scores(n, sum(p for p, _ in pairs) / n, sum(r for _, r in pairs) / n, sum(not t.strip() for t in texts))


SETS = ("scrapinghub", "wcxb articles", "wcxb other")


def by_set(pages: Sequence[Page], texts: Sequence[str], *, types: bool = False) -> dict[str, Scores]:
    groups: dict[str, list[int]] = {}
    for i, page in enumerate(pages):
        groups.setdefault(page.set, []).append(i)
        if types and page.set == "wcxb other":
            groups.setdefault(f"wcxb other: {page.page_type}", []).append(i)
    out = {}
    for name in sorted(groups, key=lambda g: (SETS.index(g.split(":")[0]), g)):
        idx = groups[name]
        out[name] = aggregate([score(texts[i], pages[i].truth) for i in idx], [texts[i] for i in idx])
    return out


def timed(fn: Callable[[Page], str], pages: Iterable[Page]) -> tuple[list[str], float]:
    start = time.perf_counter()
    out = [fn(p) for p in pages]
    return out, time.perf_counter() - start


@dataclass
class Timing:
    """Seconds of bare trafilatura and of newsmill over the same pages:
    wall-clock and this process's CPU time (which other processes on a
    shared machine do not inflate, as they do the wall-clock time)."""

    base_wall: float = 0.0
    ours_wall: float = 0.0
    base_cpu: float = 0.0
    ours_cpu: float = 0.0

    @property
    def cost(self) -> float:
        """newsmill's CPU time over bare trafilatura's (the cost target's)."""
        return self.ours_cpu / self.base_cpu if self.base_cpu else float("nan")

    def line(self, pages: int, what: str = "") -> str:
        return (f"Time: bare trafilatura {self.base_wall:.1f} s, newsmill extract{what} {self.ours_wall:.1f} s "
                f"over the same {pages} pages: {self.ours_wall / self.base_wall - 1:+.0%} wall-clock; "
                f"process CPU time {self.base_cpu:.1f} s and {self.ours_cpu:.1f} s: {self.cost - 1:+.0%}.")


def compare(pages: Sequence[Page]) -> tuple[list[str], list[Outcome], Timing]:
    """Bare trafilatura and newsmill on each page in turn, each timed: a
    busy spell of the machine lands on both alike."""
    texts: list[str] = []
    outcomes: list[Outcome] = []
    t = Timing()
    for page in pages:
        w0, c0 = time.perf_counter(), time.process_time()
        texts.append(bare(page))
        w1, c1 = time.perf_counter(), time.process_time()
        outcomes.append(run_newsmill(page, DEFAULT, keep=True))
        w2, c2 = time.perf_counter(), time.process_time()
        t.base_wall += w1 - w0
        t.ours_wall += w2 - w1
        t.base_cpu += c1 - c0
        t.ours_cpu += c2 - c1
    return texts, outcomes, t


_POOL_PAGES: Sequence[Page] = ()


def _variant_text(job: tuple[int, ExtractSettings]) -> str:
    return run_newsmill(_POOL_PAGES[job[0]], job[1]).text


def run_variant(pages: Sequence[Page], settings: ExtractSettings) -> list[str]:
    """newsmill's texts under other settings, on every core (quality only,
    not timed)."""
    global _POOL_PAGES
    _POOL_PAGES = pages
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: one process
        return [run_newsmill(p, settings).text for p in pages]
    with ctx.Pool(os.cpu_count() or 1) as pool:
        return pool.map(_variant_text, [(i, settings) for i in range(len(pages))], chunksize=16)


def _row(name: str, s: Scores, base: Scores | None = None) -> str:
    delta = f" | {s.f1 - base.f1:+.3f}" if base is not None else " | "
    return f"| {name} | {s.n} | {s.f1:.3f} | {s.precision:.3f} | {s.recall:.3f} | {s.empty}{delta} |"


def cause(page: Page, outcome: Outcome) -> str:
    """Why a page newsmill extracts badly is bad: no article, the cleaner,
    or the text the extraction path found."""
    if outcome.error and outcome.extracted is None:
        return f"no article ({outcome.error})"
    x = outcome.extracted
    found = "\n".join(line.text for line in x.lines) if x is not None else ""
    fp, fr = score(found, page.truth)
    if x is not None and f1(fp, fr) >= 0.5:
        rules = Counter(r.rule for r in (outcome.article.boilerplate_removed if outcome.article else []))
        top = ", ".join(f"{rule} x{n}" for rule, n in rules.most_common(3)) or outcome.error
        return f"the cleaner removed the article text ({top})"
    guard = ("the recall guard kept fast mode's text" if outcome.path.startswith("trafilatura.fast")
             else f"the {outcome.path} path was taken")
    return (f"extraction found another part of the page than bare trafilatura ({guard}: {len(found)} chars, "
            f"F1 {f1(fp, fr):.2f} before cleaning)")


def ablation(pages: Sequence[Page], outcomes: Sequence[Outcome], base: dict[str, Scores]) -> list[str]:
    """Each rule switched off in turn, re-cleaning the lines already found
    (the rule's net effect: positive ΔF1 when switched off means the rule
    costs more than it gains)."""
    fired: Counter[str] = Counter()
    for o in outcomes:
        if o.article is not None:
            fired.update({r.rule for r in o.article.boilerplate_removed})
    all_scores = aggregate([score(o.text, p.truth) for o, p in zip(outcomes, pages, strict=True)],
                           [o.text for o in outcomes])
    lines = ["| rule switched off | pages where it fires | ΔF1 all | ΔP all | ΔR all | "
             "ΔF1 scrapinghub | ΔF1 wcxb articles | ΔF1 wcxb other | ΔR worst set |",
             "|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for name in sorted(RULES):
        if name == "site.template":
            continue  # learned per site from a store; the sets hold one page per site
        if not fired[name]:
            rows.append((0.0, f"| {name} | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"))
            continue
        settings = dataclasses.replace(DEFAULT, disabled_rules=frozenset({name}))
        texts = []
        for o in outcomes:
            if o.extracted is None or not (o.article is not None and any(
                    r.rule == name for r in o.article.boilerplate_removed)):
                texts.append(o.text)
                continue
            try:
                texts.append(finish(o.extracted, settings).text)
            except ExtractionError:
                texts.append("")
        off = by_set(pages, texts)
        everything = aggregate([score(t, p.truth) for t, p in zip(texts, pages, strict=True)], texts)
        worst = min(off[s].recall - base[s].recall for s in off)
        rows.append((everything.f1 - all_scores.f1,
                     f"| {name} | {fired[name]} | {everything.f1 - all_scores.f1:+.4f} | "
                     f"{everything.precision - all_scores.precision:+.4f} | "
                     f"{everything.recall - all_scores.recall:+.4f} | "
                     + " | ".join(f"{off[s].f1 - base[s].f1:+.4f}" for s in SETS if s in off)
                     + f" | {worst:+.4f} |"))
    rows.sort(key=lambda r: -r[0])
    return lines + [r for _, r in rows]


def main(argv: list[str] | None = None) -> list[str]:
    pages = load()
    if not pages:
        line = f"extraction quality: skipped ({ROOT} holds no benchmark set)"
        print(line)
        return [line]
    timed(bare, pages[:5])  # warm-up: imports, trafilatura's caches
    base_texts, outcomes, timing = compare(pages)
    if "--time" in (argv or []):  # the time line alone (a few minutes)
        line = timing.line(len(pages))
        print(line)
        return [line]
    ours_texts = [o.text for o in outcomes]
    base, ours = by_set(pages, base_texts, types=True), by_set(pages, ours_texts, types=True)
    lines = [f"### Extraction quality: {len(pages)} pages of {len({p.set for p in pages})} development sets",
             "",
             "| set | pages | F1 | precision | recall | empty | ΔF1 vs trafilatura |",
             "|---|---|---|---|---|---|---|"]
    for name in base:
        lines.append(_row(f"{name}, trafilatura 2.3 (bare)", base[name]))
        lines.append(_row(f"{name}, newsmill extract", ours[name], base[name]))
    lines += ["", *targets(base, ours, timing), ""]
    lines += paths(pages, outcomes, base)
    lines += ["", "Per-rule ablation: each rule switched off in turn (the lines found are re-cleaned); ΔF1 all is",
              "over the pages of all sets together, positive when the rule costs more than it gains; the set",
              "columns are each set's change against newsmill with every rule on.", ""]
    lines += ablation(pages, outcomes, {s: ours[s] for s in SETS if s in ours})
    lines += ["", *regressions(pages, base_texts, outcomes)]
    lines.append("\n" + timing.line(len(pages), " (decoding, metadata, fast mode, recall guard and fallbacks, fill, "
                                            "date fallback, cleaning, language)"))
    print("\n".join(lines))
    return lines


def targets(base: dict[str, Scores], ours: dict[str, Scores], timing: Timing) -> list[str]:
    out = ["| target (issue 21) | measured | met |", "|---|---|---|"]

    def add(name: str, value: str, ok: bool) -> None:
        out.append(f"| {name} | {value} | {'yes' if ok else 'no'} |")

    if "wcxb articles" in ours:
        a, b = ours["wcxb articles"], base["wcxb articles"]
        add("WCXB articles: F1 >= trafilatura + 0.03", f"{a.f1:.3f} vs {b.f1 + 0.03:.3f}", a.f1 >= b.f1 + 0.03)
        add("WCXB articles: recall >= trafilatura's", f"{a.recall:.3f} vs {b.recall:.3f}", a.recall >= b.recall)
    if "wcxb other" in ours:
        a, b = ours["wcxb other"], base["wcxb other"]
        add("WCXB other types: F1 >= trafilatura", f"{a.f1:.3f} vs {b.f1:.3f}", a.f1 >= b.f1)
    if "scrapinghub" in ours:
        a = ours["scrapinghub"]
        add("Scrapinghub: F1 >= 0.975", f"{a.f1:.3f}", a.f1 >= 0.975)
        add("Scrapinghub: precision >= 0.975", f"{a.precision:.3f}", a.precision >= 0.975)
        add("Scrapinghub: recall >= 0.970", f"{a.recall:.3f}", a.recall >= 0.970)
    add("time on top of bare trafilatura <= +25% (process CPU time)",
        f"{timing.cost - 1:+.0%} ({timing.ours_wall / timing.base_wall - 1:+.0%} wall-clock)", timing.cost <= 1.25)
    return out


def paths(pages: Sequence[Page], outcomes: Sequence[Outcome], base: dict[str, Scores]) -> list[str]:
    """The extraction paths measured against each other (the recall guard's
    choice), and how often each path produced the stored text."""
    variants = {
        "fast mode only (no guard, no fill)": dataclasses.replace(DEFAULT, guard=False, fill=False),
        "full cascade only (fast=False, no guard, no fill)": dataclasses.replace(
            DEFAULT, fast=False, guard=False, fill=False),
        "fast mode + recall guard (no fill)": dataclasses.replace(DEFAULT, fill=False),
    }
    lines = ["Extraction paths (whole newsmill extract, cleaner on; ΔF1 against bare trafilatura):", "",
             "| variant | " + " | ".join(f"{s} F1 (P / R)" for s in SETS if s in base) + " |",
             "|---|" + "---|" * len([s for s in SETS if s in base])]
    ours = by_set(pages, [o.text for o in outcomes])
    for name, settings in variants.items():
        got = by_set(pages, run_variant(pages, settings))
        lines.append(f"| {name} | " + " | ".join(
            f"{got[s].f1:.3f} ({got[s].precision:.3f} / {got[s].recall:.3f}) {got[s].f1 - base[s].f1:+.3f}"
            for s in SETS if s in got) + " |")
    lines.append("| **fast mode + recall guard + fill (newsmill's default)** | " + " | ".join(
        f"{ours[s].f1:.3f} ({ours[s].precision:.3f} / {ours[s].recall:.3f}) {ours[s].f1 - base[s].f1:+.3f}"
        for s in SETS if s in ours) + " |")
    # The third signal the issue names: a cleaned text under half of what
    # extraction returned. Measured as a guard: keep the uncleaned text there.
    undone = [o.text for o in outcomes]
    fired = 0
    for i, o in enumerate(outcomes):
        found = "\n".join(line.text for line in o.extracted.lines) if o.extracted is not None else ""
        if found and len(o.text) < 0.5 * len(found):
            undone[i], fired = found, fired + 1
    got = by_set(pages, undone)
    lines.append(f"| same, uncleaned text kept where cleaning left under half ({fired} pages) | " + " | ".join(
        f"{got[s].f1:.3f} ({got[s].precision:.3f} / {got[s].recall:.3f}) {got[s].f1 - base[s].f1:+.3f}"
        for s in SETS if s in got) + " |")
    counts = Counter(o.path for o in outcomes)
    lines += ["", "Stored `extraction` values over all pages: " + ", ".join(
        f"`{path}` {n}" for path, n in counts.most_common()) + "."]
    return lines


def regressions(pages: Sequence[Page], base_texts: Sequence[str], outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for page, text, o in zip(pages, base_texts, outcomes, strict=True):
        before, after = f1(*score(text, page.truth)), f1(*score(o.text, page.truth))
        if before >= 0.8 and after < 0.5:
            rows.append(f"| {page.set} | {page.id} | {page.url} | {before:.2f} | {after:.2f} | {cause(page, o)} |")
    head = [f"Pages bare trafilatura extracts well (page F1 >= 0.8) and newsmill badly (< 0.5): {len(rows)}", ""]
    if not rows:
        return head
    return [*head, "| set | page | url | trafilatura F1 | newsmill F1 | cause |", "|---|---|---|---|---|---|", *rows]


if __name__ == "__main__":
    main(sys.argv[1:])
