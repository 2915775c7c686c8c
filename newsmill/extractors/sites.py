"""Per-site overrides: CSS selectors to drop or keep, declared as data.

For high-volume outlets whose layout is known, a few selectors beat any
heuristic: ``drop`` removes elements (widgets, share bars, related lists)
from the page before trafilatura sees it, each recorded line by line
as ``site.css_drop`` removals (the text as a reader saw it: a heading and
the link under it are two lines, not one glued string); ``keep`` narrows the page to the article's
container(s) when one matches (and falls back to the whole page when none
does, so a redesign degrades to the generic path instead of losing the
article).

The bundled registry, :data:`SITE_OVERRIDES`, holds the bundled sample
outlets (the demo's sites); operators add theirs in a YAML file named by
``NEWSMILL_SITE_OVERRIDES`` (see README), parsed by
:func:`parse_site_overrides`. Every registered site has a fixture test.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cssselect import GenericTranslator, SelectorError
from lxml import etree
from lxml import html as lxml_html

from newsmill.core.errors import ConfigError
from newsmill.core.records import Removal
from newsmill.extractors.dom import element_lines

_TRANSLATOR = GenericTranslator()


@dataclass(frozen=True)
class SiteOverride:
    """Selectors for one site (its host without ``www.``; subdomains match)."""

    site: str
    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not self.site or "/" in self.site or " " in self.site:
            raise ConfigError(f"site override: {self.site!r} is not a host name")
        if not self.drop and not self.keep:
            raise ConfigError(f"site override {self.site}: give `drop` or `keep` selectors")
        for selector in (*self.drop, *self.keep):
            try:
                _TRANSLATOR.css_to_xpath(selector)
            except SelectorError as exc:
                raise ConfigError(f"site override {self.site}: bad CSS selector {selector!r}: {exc}") from exc

    def __getstate__(self) -> dict[str, Any]:
        # Compiled XPaths do not pickle (settings travel to Dask workers);
        # they are rebuilt on first use.
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_xpath")}

    @functools.cached_property
    def _drop_xpath(self) -> etree.XPath:
        return etree.XPath(" | ".join(_TRANSLATOR.css_to_xpath(s) for s in self.drop))

    @functools.cached_property
    def _keep_xpath(self) -> etree.XPath:
        return etree.XPath(" | ".join(_TRANSLATOR.css_to_xpath(s) for s in self.keep))

    def apply(self, tree: lxml_html.HtmlElement) -> tuple[lxml_html.HtmlElement | None, list[Removal]]:
        """The page to extract from (``None``: nothing changed) and what was
        dropped. ``tree`` is left as it was."""
        work = copy.deepcopy(tree)
        removed: list[Removal] = []
        if self.keep:
            kept = self._keep_xpath(work)
            if kept:
                body = lxml_html.Element("body")
                for element in kept:
                    if not any(parent in kept for parent in element.iterancestors()):
                        body.append(copy.deepcopy(element))
                head = work.find("head")
                page = lxml_html.Element("html")
                if head is not None:
                    page.append(head)
                page.append(body)
                work = page
        if self.drop:
            for element in self._drop_xpath(work):
                parent = element.getparent()
                if parent is None:
                    continue
                removed += [Removal(text=line[:500], rule="site.css_drop") for line in element_lines(element)]
                element.drop_tree()
        if not removed and not self.keep:
            return None, []
        return work, removed


def find_override(registry: Mapping[str, SiteOverride], site: str) -> SiteOverride | None:
    """The override of ``site`` or of the nearest parent domain registered."""
    host = site.lower().removeprefix("www.")
    while host:
        if host in registry:
            return registry[host]
        _, _, host = host.partition(".")
    return None


def parse_site_overrides(data: Any) -> dict[str, SiteOverride]:
    """Overrides from a parsed YAML mapping ``{site: {drop: [...], keep:
    [...], note: ...}}``; raises ConfigError naming what is wrong."""
    if not isinstance(data, Mapping):
        raise ConfigError("site overrides: expected a mapping of site -> {drop, keep}")
    out: dict[str, SiteOverride] = {}
    for site, spec in data.items():
        if not isinstance(spec, Mapping):
            raise ConfigError(f"site override {site}: expected a mapping with `drop` and/or `keep`")
        unknown = set(spec) - {"drop", "keep", "note"}
        if unknown:
            raise ConfigError(f"site override {site}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        lists = {}
        for key in ("drop", "keep"):
            value = spec.get(key) or []
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"site override {site}: `{key}` must be a list of CSS selectors")
            lists[key] = tuple(value)
        name = str(site).lower().removeprefix("www.")
        out[name] = SiteOverride(name, drop=lists["drop"], keep=lists["keep"], note=str(spec.get("note") or ""))
    return out


# The bundled registry: the demo's sample outlets (raw/sample), each tested.
SITE_OVERRIDES: dict[str, SiteOverride] = {
    o.site: o
    for o in (
        SiteOverride(
            "steppeherald.kz",
            drop=(".share", ".widget", ".related", ".copyright"),
            note="share bar, weather and exchange-rate widgets, read-also list, footer (its messenger "
                 "prompt is left to the rule catalog)",
        ),
        SiteOverride(
            "silkroadwire.com",
            drop=(".markets", ".more"),
            note="market ticker and related-news list inside the article body",
        ),
        SiteOverride(
            "novostistepi.kz",
            keep=(".news-text",),
            drop=(".share-top", ".share-bottom", "p.photo", ".readmore", ".currency", ".weather"),
            note="article container; share buttons, photo credit, read-also, rates and weather widgets",
        ),
    )
}

__all__ = ["SITE_OVERRIDES", "SiteOverride", "find_override", "parse_site_overrides"]
