"""Storing a batch: read what is stored of its URLs once, skip what is
unchanged, remove the templates the batch completes (the store's counts
read once), link duplicates against the store and the batch, and save it,
all in one transaction under the store's writer lock. Also the sketch
parameters' check and the rebuild of every link."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext

from newsmill.core.errors import DedupError
from newsmill.core.interfaces import SketchIndex
from newsmill.core.records import Article, Removal, SketchRef
from newsmill.core.settings import DedupSettings
from newsmill.dedup import ArticleSketches, Deduplicator, SketchParams
from newsmill.extractors import Cleaner
from newsmill.pipeline.extraction import DEFAULT_SKETCH
from newsmill.pipeline.report import RunReport
from newsmill.storage import Store
from newsmill.storage.archive import Claim
from newsmill.storage.articles import StoredState
from newsmill.storage.templates import BatchLines, template_key


def check_sketch_params(store: Store, params: SketchParams | None = None) -> SketchParams:
    """The sketch parameters to use; refuses to mix them with an index built
    with others (signatures of different parameters cannot be compared)."""
    params = params or DEFAULT_SKETCH
    built = store.get_info("sketch_params")
    if built is None:
        store.set_info("sketch_params", params.id)
    elif built != params.id:
        raise DedupError(
            f"the dedup index was built with sketch parameters {built}, not {params.id}: "
            "run `newsmill dedup rebuild`"
        )
    return params


def rebuild_dedup(store: Store, params: SketchParams | None = None,
                  settings: DedupSettings | None = None) -> dict[str, int]:
    """Recompute every sketch and duplicate link from the stored articles,
    oldest first (after a parameter change or an upgrade). Re-run it if it
    is interrupted: it starts from an empty index each time."""
    params = params or SketchParams()
    window = (settings or DedupSettings()).window
    counts = {"articles": 0, "duplicates": 0, "duplicate_passages": 0}
    with store.exclusive():
        store.clear_dedup()
        for batch in store.stored_articles():
            result = Deduplicator(store, params, window=window).run(batch)
            store.save_dedup(result.articles, result.sketches, result.novelty)
            counts["articles"] += len(batch)
            counts["duplicates"] += sum(1 for a in batch if a.duplicate_of)
            counts["duplicate_passages"] += sum(len(a.duplicate_passages) for a in batch)
        store.set_info("sketch_params", params.id)
    return counts


def remove_batch_templates(articles: Sequence[Article], found: BatchLines, min_articles: int) -> int:
    """Remove paragraphs that reach ``min_articles`` distinct original
    articles of a site only with this batch counted (the extract stage
    already removed those the store had learned): a template is cleaned
    away, not linked as a duplicate passage. Likewise the templates of the
    site's publisher group and the lines shared across sites
    (:mod:`newsmill.storage.templates`), counted with the batch, as the
    extract stage will count them once the batch is stored. Copies
    (``duplicate_of`` set by a first dedup pass) are cleaned too but not
    counted, so a story republished under many URLs never becomes a
    template of its site. ``found``: the store's counts, read once for the
    batch (:func:`batch_lines`); the batch's originals are counted into it.
    Returns the number of lines removed."""
    removed = 0
    by_site = _by_site(articles)
    if not by_site:
        return 0
    lines = _original_lines(articles)
    shared = found.shared
    for a in articles:
        if a.id in lines:
            shared.add(a.site, lines[a.id])
    learned = shared.templates(min_articles)
    for site, group in by_site.items():
        batch: dict[str, int] = {}
        for a in group:
            if not a.duplicate_of:
                for key in {template_key(p) for p in a.paragraphs}:
                    batch[key] = batch.get(key, 0) + 1
        present = {template_key(p) for a in group for p in a.paragraphs}
        templates = set(learned.get(site, {})) & present
        # Every line of the group the site's originals reach the threshold
        # with, the batch's counted with the store's: a copy alone in its
        # site's group is cleaned of the site's templates as the extract
        # stage cleans it once they are learned (left in, each such copy
        # kept the site's lines, and every later lookup of them found it).
        stored = found.sites.get(site, {})
        templates |= {k for k in present if k and batch.get(k, 0) + stored.get(k, 0) >= min_articles}
        if not templates:
            continue
        # Near variants too (a name or number changed), as the extract
        # stage's cleaner does with learned templates: an article cleaned
        # here and one cleaned there must come out the same.
        near = Cleaner(templates)
        for a in group:
            drop = [p for p in a.paragraphs if template_key(p) in templates or near.is_template(p)]
            if not drop:
                continue
            a.paragraphs = [p for p in a.paragraphs if p not in drop]
            a.text = "\n\n".join(a.paragraphs)
            a.boilerplate_removed = [*a.boilerplate_removed, *(Removal(p, "site.template") for p in drop)]
            removed += len(drop)
    return removed


def _by_site(articles: Sequence[Article]) -> dict[str, list[Article]]:
    by_site: dict[str, list[Article]] = {}
    for a in articles:
        if a.site:
            by_site.setdefault(a.site, []).append(a)
    return by_site


def _original_lines(articles: Sequence[Article]) -> dict[str, list[str]]:
    """The lines each original (not a copy) of a site counts for templates:
    its paragraphs and the lines the extract stage removed as templates."""
    return {a.id: [*a.paragraphs, *(r.text for r in a.boilerplate_removed if r.rule == "site.template")]
            for a in articles if a.site and not a.duplicate_of}


def batch_lines(articles: Sequence[Article], store: Store) -> BatchLines:
    """The store's template counts a batch is weighed against, read for the
    batch's lines from the counts kept with the articles
    (:meth:`BatchLines.load`): on the batch's sites (a copy's too: it is
    cleaned of its site's templates), and across sites, not counting the batch's own stored versions (after a
    first dedup pass, which tells the originals from the copies)."""
    lines = _original_lines(articles)
    by_site = _by_site(articles)
    if not by_site:
        return BatchLines()
    sites = {a.site for a in articles if a.paragraphs}
    return BatchLines.load(store, sites, exclude={a.id for a in articles},
                           wanted=[p for mine in lines.values() for p in mine],
                           lines=[p for group in by_site.values() for a in group for p in a.paragraphs])


class ReadOnce:
    """The store's sketch index, each answer read once: a band key set's
    candidates and a sketch's shingles are kept for a second dedup run of
    the same batch under the same writer lock (nothing is written between
    the runs, so the store would answer the same). The second run, after
    the batch's template pass, then reads only for the sketches the pass
    changed (an article sketch of a cleaned text; paragraphs that stay keep
    their bands) and links exactly as a run on the store itself would."""

    def __init__(self, index: SketchIndex) -> None:
        self.index = index
        self._candidates: dict[tuple[str, tuple[int, ...]], set[SketchRef]] = {}
        self._shingles: dict[SketchRef, bytes] = {}
        self._absent: set[SketchRef] = set()  # asked for, not stored
        self.asked = 0  # sketches whose candidates the store was asked for

    def lookup(self, kind: str, bands: Iterable[int]) -> dict[int, list[SketchRef]]:
        return self.index.lookup(kind, bands)

    def candidates(self, kind: str, bands: Sequence[Sequence[int]]) -> list[set[SketchRef]]:
        keys = [(kind, tuple(b)) for b in bands]
        missing = list(dict.fromkeys(k for k in keys if k not in self._candidates))
        if missing:
            self.asked += len(missing)
            found = self.index.candidates(kind, [list(k[1]) for k in missing])
            self._candidates.update(zip(missing, found, strict=True))
        return [set(self._candidates[k]) for k in keys]

    def shingles(self, refs: Iterable[SketchRef]) -> Mapping[SketchRef, bytes]:
        wanted = set(refs)
        missing = wanted - self._shingles.keys() - self._absent
        if missing:
            found = self.index.shingles(missing)
            self._shingles.update(found)
            self._absent.update(missing - found.keys())
        return {ref: self._shingles[ref] for ref in wanted if ref in self._shingles}


BeforeSave = Callable[[Sequence[Article], StoredState], AbstractContextManager[Sequence[Claim]]]


def store_articles(articles: list[Article], store: Store, report: RunReport,
                   settings: DedupSettings | None = None,
                   sketches: Mapping[str, ArticleSketches] | None = None, *,
                   seen: Mapping[str, str] | None = None, before_save: BeforeSave | None = None) -> None:
    """Skip unchanged articles, link duplicates against the whole store (or
    the configured window) and the batch, and save articles with their
    sketches in one transaction. ``sketches``: those computed at extraction
    (:attr:`Extracted.sketches`); the others are computed here.

    It all happens under the store's writer lock, so concurrent ingest
    processes neither miss each other's duplicates nor store a URL twice.
    The articles whose canonical URL is in ``seen`` (canonical URL -> URL
    stored by an earlier batch of the run) under another URL are left out
    (the same URL again: a later capture), as is a canonical URL's second
    article in the batch; what is stored of the others' URLs is read once
    there (:class:`~newsmill.storage.articles.StoredState`) and handed to
    ``before_save`` (the archiving of imports: its claims are saved with
    the batch)."""
    with store.exclusive():
        if seen is not None:
            articles = [a for a in articles if seen.get(a.canonical_url, a.url) == a.url]
        by_url: dict[str, Article] = {}
        for article in articles:  # the same canonical URL twice in one batch: keep the first
            by_url.setdefault(article.canonical_url, article)
        articles = list(by_url.values())
        stored = store.stored_state(a.canonical_url for a in articles)
        with (before_save(articles, stored) if before_save is not None else nullcontext(())) as claims:
            _store_locked(articles, store, report, settings or DedupSettings(), sketches, stored, claims)


def _store_locked(articles: list[Article], store: Store, report: RunReport, settings: DedupSettings,
                  sketches: Mapping[str, ArticleSketches] | None, stored: StoredState,
                  claims: Sequence[Claim] = ()) -> None:
    by_url = {a.canonical_url: a for a in articles}
    params = check_sketch_params(store)
    unchanged = [a for a in by_url.values() if not stored.changed(a)]
    fresh = [a for a in by_url.values() if stored.changed(a)]
    for article in unchanged:
        report.count(article.site, "unchanged")
    if unchanged:
        store.touch(a.canonical_url for a in unchanged)
    if not fresh:
        return
    index = ReadOnce(store)
    dedup = Deduplicator(index, params, window=settings.window)
    result = dedup.run(fresh, sketches)
    if remove_batch_templates(fresh, batch_lines(fresh, store), settings.template_min_articles):
        # The texts changed (and are sketched again): link the batch again. The
        # store answers only for the sketches the removal changed: the others'
        # candidates and shingles are those the first run read.
        result = dedup.run(fresh, sketches)
    saved = store.save_batch(result.articles, result.sketches, novelty=result.novelty, relinks=result.relinks,
                             stored=stored, claims=claims)
    report.relinked += saved.relinked
    for article in result.articles:
        site = article.site
        report.count(site, "new" if stored.hash(article.canonical_url) is None else "updated")
        report.count(site, "boilerplate_removed", len(article.boilerplate_removed))
        report.count(site, "duplicate_passages", len(article.duplicate_passages))
        if article.duplicate_of:
            report.count(site, "duplicates")
            report.duplicate_links.append(
                {
                    "article": article.id,
                    "url": article.url,
                    "duplicate_of": article.duplicate_of,
                    "similarity": round(article.similarity or 0.0, 4),
                }
            )


__all__ = ["BeforeSave", "ReadOnce", "batch_lines", "check_sketch_params", "rebuild_dedup", "remove_batch_templates",
           "store_articles"]
