"""Extraction batches: extract and clean documents, with each site's
learned templates, cut into the batches every runner extracts and stores in
the same order, and run ahead of the stage that stores them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import yaml

from newsmill.core.errors import ConfigError, ExtractionError
from newsmill.core.records import Article, Failure, RawDocument
from newsmill.core.settings import DedupSettings
from newsmill.dedup import ArticleSketches, SketchParams, sketch_article
from newsmill.extractors import ExtractSettings, extract
from newsmill.extractors.sites import SITE_OVERRIDES, SiteOverride, parse_site_overrides

if TYPE_CHECKING:  # the store is the run's process's; extraction workers never import it (their start)
    from newsmill.storage import Store

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

DEFAULT_SKETCH = SketchParams()  # what extraction sketches with (and what the store checks)
EXTRACT_BATCH = 100  # documents per extraction task and per dedup-and-store transaction (the last ones fewer)
PROCESS_AHEAD = 2  # batches being extracted (local pool or Dask) while one is stored


@dataclass
class Extracted:
    """What extracting a batch of raw documents produced."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Each article's MinHash sketches (by article id), computed where it was
    # extracted so that the process that dedups and stores does not.
    sketches: dict[str, ArticleSketches] = field(default_factory=dict)

    @classmethod
    def join(cls, parts: Iterable[Extracted]) -> Extracted:
        """The parts of one batch as one, in their order."""
        out = cls()
        for part in parts:
            out.articles += part.articles
            out.failures += part.failures
            out.sketches.update(part.sketches)
        return out


ExtractFn = Callable[[list[RawDocument], ExtractSettings | None], Extracted]


def extract_failure(doc: RawDocument, status: str, reason: str) -> Failure:
    """The recorded failure of extracting one document."""
    return Failure(url=doc.url, stage="extract", status=status, reason=reason, site=doc.site,
                   source=doc.source.name)


def extract_documents(docs: Iterable[RawDocument], settings: ExtractSettings | None = None,
                      params: SketchParams | None = DEFAULT_SKETCH) -> Extracted:
    """Extract and clean every document and sketch each article for dedup
    with ``params`` (None: no sketches); a failure is recorded, never raised."""
    out = Extracted()
    for doc in docs:
        try:
            article = extract(doc, settings=settings)
            if params is not None:
                out.sketches[article.id] = sketch_article(article, params)
            out.articles.append(article)
        except ExtractionError as exc:
            out.failures.append(extract_failure(doc, exc.status, str(exc)))
        except Exception as exc:  # a bug in a stage must not stop the run
            out.failures.append(extract_failure(doc, "extract_error", f"{type(exc).__name__}: {exc}"))
    return out


def learned_settings(store: Store, sites: Iterable[str],
                     min_articles: int = DedupSettings.template_min_articles,
                     overrides: Mapping[str, SiteOverride] | None = None) -> ExtractSettings:
    """Extraction settings with each site's learned templates (lines seen in
    ``min_articles`` or more of its articles, and the templates of its
    publisher group and lines shared across sites:
    :mod:`newsmill.storage.templates`) for the cleaner's ``site.template``
    rule, and the site ``overrides`` (default: the bundled ones)."""
    from newsmill.storage.templates import SharedLines, template_key

    wanted = sorted({site for site in sites if site})
    shared = SharedLines.load(store).templates(min_articles) if wanted else {}
    templates: dict[str, tuple[str, ...]] = {}
    for site in wanted:
        lines = {template_key(text): text for text, _ in store.site_templates(site, min_articles)}
        for key, found in sorted(shared.get(site, {}).items()):
            lines.setdefault(key, found.text)
        if lines:
            templates[site] = tuple(lines.values())
    return ExtractSettings(templates=templates, overrides=dict(SITE_OVERRIDES if overrides is None else overrides))


def site_overrides(path: str | None = None) -> dict[str, SiteOverride]:
    """The bundled per-site CSS overrides, extended (and, site by site,
    replaced) by the YAML file ``path`` (``NEWSMILL_SITE_OVERRIDES``, read
    by the entry point)."""
    if path is None:
        return dict(SITE_OVERRIDES)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read site overrides {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"site overrides {path} is not valid YAML: {exc}") from exc
    return {**SITE_OVERRIDES, **parse_site_overrides(data or {})}


def split_parts(docs: Sequence[RawDocument], parts: int) -> list[list[RawDocument]]:
    """``docs`` in at most ``parts`` consecutive parts of equal size."""
    docs = list(docs)
    n = max(1, min(len(docs), parts))
    size = max(1, -(-len(docs) // n))
    return [docs[i : i + size] for i in range(0, len(docs), size)]


def cut_batches(docs: list[RawDocument], size: int | None = None) -> list[list[RawDocument]]:
    """The documents in batches of ``size``, in order; the last documents go
    in batches of a half, a quarter and an eighth of ``size``, and a short
    batch, if any, comes first. A run ends with the dedup-and-store of its
    last batch, which nothing overlaps when extraction runs ahead on other
    processes: a small last batch keeps that short, and a small first batch
    gets the workers going sooner. Every runner cuts the same batches, so
    they store the same (dedup and template learning go batch by batch)."""
    size = size or EXTRACT_BATCH
    if len(docs) <= size:
        return [docs] if docs else []
    tail = [n for n in (size // 2, size // 4, size // 8) if n > 0]
    head = len(docs) - sum(tail)
    cuts = [0, *range(head % size or size, head + 1, size)]
    for n in tail:
        cuts.append(cuts[-1] + n)
    return [docs[a:b] for a, b in itertools.pairwise(cuts) if b > a]


class Pending(Protocol[R_co]):
    """Work under way whose result can be waited for (a future)."""

    def result(self) -> R_co: ...


def run_ahead(submit: Callable[[T], Pending[R]], items: Iterable[T], ahead: int = 2) -> Iterator[R]:
    """Each item's result, in order, with up to ``ahead`` more items
    submitted meanwhile: the caller stores one batch while the next ones
    are extracted."""
    pending: list[Pending[R]] = []
    todo = iter(items)
    for item in todo:
        pending.append(submit(item))
        if len(pending) > ahead:
            break
    while pending:
        done = pending.pop(0).result()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(submit(nxt))
        yield done


__all__ = ["DEFAULT_SKETCH", "EXTRACT_BATCH", "PROCESS_AHEAD", "ExtractFn", "Extracted", "Pending", "cut_batches",
           "extract_documents", "extract_failure", "learned_settings", "run_ahead", "site_overrides", "split_parts"]
