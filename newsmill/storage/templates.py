"""Learned templates: lines that recur in one site's articles
(:class:`SiteTemplates`), and lines shared by several sites (publisher
groups, and lines printed word for word on more than one site).

A site template is a line found in ``min_articles`` (``T``,
:attr:`DedupSettings.template_min_articles`) original articles of one site
(:meth:`Store.site_templates`). Sister papers of one publishing group print
the same boxes ("Politics background", a newsletter promo, "Our Standards:
The Thomson Reuters Trust Principles."), but each of them may print a box
too rarely for it to become a template of that site alone. Two more rules
count a line over several sites. Both use the same evidence: the number of
*original* articles (``duplicate_of`` null) of each site that carry the
line, either in their text or already removed as ``site.template`` (an
article counts once: the cleaner drops a paragraph repeated in one page).
Lines are compared by :func:`template_key` (case and spacing folded), and
only lines of ``MAX_WORDS`` words or fewer take part: boxes and footers are
short, a story's paragraphs mostly longer.

**Group templates** (``group``). Sites that share layout are one publisher
group. Two sites are *linked* by a line of ``LINK_MIN_WORDS`` words or more
that recurs on both: in ``RECUR`` (two) or more original articles of each.
Groups are the connected components of these links (union-find). A line is
a template of the group when, over the group's sites that carry it, it is
in ``T`` articles in all, on two sites or more, and in two articles or more
of one of them; it is then a template of *every* site of the group,
including sisters that have not printed it yet.

* Links need the line to recur on each site. A site template of one site
  that shows up once on another is most often the footer of a story the
  other site reprinted, not shared layout. Short lines ("Advertisement",
  "Photo") recur on unrelated sites, hence the length floor.
* Copies are not counted, so a wire story republished in full on the
  group's sites adds one article. A story that sister papers reprint with
  edits (no near-duplicate, so not a copy) is in one article per site at
  most; a template must recur on one site, i.e. be in two stories.

**Lines shared across sites** (``shared``, the lower threshold). A line on
two sites or more, in ``max(2, T // 2)`` articles in all and in two or more
articles of one site (so in three at least), is a template of every site
that carries it, linked or not. What a lower threshold would otherwise let
through:

* syndication: copies are not counted, a reprint with edits has each of
  its paragraphs once per site, and the line must recur on a site;
* quotes: a statement that several outlets print in stories of their own
  (independent articles, not copies) is in quotation marks; lines with a
  quotation mark are left to the other rules.

Lines removed by these rules are recorded as ``site.template`` (what the
cleaner calls every learned line), so they keep counting for their site.
The extract stage (:func:`newsmill.pipeline.extraction.learned_settings`) and
the batch pass (:func:`newsmill.pipeline.storing.remove_batch_templates`, which
counts the batch's originals with the store's) remove the same lines:
re-running the same input changes nothing.

The counts come from two places. When a run's extraction settings are
built, from one grouped query (:meth:`SharedLines.load`): for each exact
line text on two sites or more, the sites of the articles that carry it,
over the paragraphs of every original article, once per run. Lines are
grouped by their exact text there (the databases' case folding is not
Python's): a line printed in different case on two sites is not found to
be shared. When a batch is stored, from the counts kept with the articles
(:mod:`newsmill.storage.template_counts`, :meth:`BatchLines.load`): the
same numbers, read for the batch's own lines and the few keys that may link
sites, so that the read grows with the batch, not with the store.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from newsmill.core.errors import StorageError
from newsmill.storage import schema as t
from newsmill.storage.db import Database, chunks
from newsmill.storage.template_counts import (
    LINK_MIN_WORDS,
    LINK_WHERE,
    MAX_CHARS,
    MAX_WORDS,
    TemplateCounts,
    line_hash,
    template_key,
)

if TYPE_CHECKING:
    from newsmill.storage.store import Store

# MAX_WORDS: longer lines are never group or shared templates; MAX_CHARS:
# what the queries read (a line of MAX_WORDS words is shorter);
# LINK_MIN_WORDS: a line that links two sites has this many words or more.
RECUR = 2  # a line recurs on a site when it is in this many of its articles
QUOTES = frozenset("\"“”„‟«»‹›「」『』")

GROUP = "group"
SHARED = "shared"

# The lines of original articles (in their text or removed as templates),
# of MAX_CHARS characters or fewer, but those of the articles :exclude.
_LINES = {
    "sqlite": """
        SELECT a.site AS site, p.value AS line
        FROM articles a, json_each(a.paragraphs) AS p
        WHERE a.duplicate_of IS NULL AND a.site <> '' AND p.type = 'text' AND length(p.value) <= :chars
          AND a.id NOT IN (SELECT value FROM json_each(:exclude))
        UNION ALL
        SELECT a.site, b.text
        FROM boilerplate_removals b JOIN articles a ON a.id = b.article_id
        WHERE b.rule = 'site.template' AND a.duplicate_of IS NULL AND a.site <> ''
          AND length(b.text) <= :chars AND a.id NOT IN (SELECT value FROM json_each(:exclude))""",
    "postgresql": """
        SELECT a.site AS site, p.value AS line
        FROM articles a CROSS JOIN LATERAL jsonb_array_elements_text(CAST(a.paragraphs AS jsonb)) AS p(value)
        WHERE a.duplicate_of IS NULL AND a.site <> '' AND length(p.value) <= :chars
          AND NOT (a.id = ANY(CAST(:exclude AS text[])))
        UNION ALL
        SELECT a.site, b.text
        FROM boilerplate_removals b JOIN articles a ON a.id = b.article_id
        WHERE b.rule = 'site.template' AND a.duplicate_of IS NULL AND a.site <> ''
          AND length(b.text) <= :chars AND NOT (a.id = ANY(CAST(:exclude AS text[])))""",
}
# Per line on two sites or more (or asked for): the site of each article
# that carries it, separated by U+001F. One aggregation over the lines: grouping
# them by line and site first, then by line, cost three times as much.
_COUNTS = {
    "sqlite": """
        SELECT line, group_concat(site, char(31)) AS sites FROM ({lines}) AS l GROUP BY line
        HAVING MIN(site) < MAX(site) OR line IN (SELECT value FROM json_each(:wanted))""",
    "postgresql": """
        SELECT line, string_agg(site, chr(31)) AS sites FROM ({lines}) AS l GROUP BY line
        HAVING MIN(site) < MAX(site) OR line = ANY(CAST(:wanted AS text[]))""",
}
def shared_min(min_articles: int) -> int:
    """The article count at which a line printed on several sites is a
    template (with the other conditions of the ``shared`` rule)."""
    return max(2, min_articles // 2)


def _words(key: str) -> int:
    return len(key.split())


def _params(store: Store, *, exclude: Iterable[str] = (), wanted: Iterable[str] = ()) -> tuple[str, dict[str, Any]]:
    """The dialect of the queries above and their parameters: the articles
    not counted, the lines asked for (those that can be templates)."""
    dialect = store.dialect if store.dialect in _LINES else "sqlite"
    asked = sorted({p for p in wanted if p and len(p) <= MAX_CHARS and _words(p) <= MAX_WORDS})
    skip = sorted(set(exclude))
    params: dict[str, Any] = {"chars": MAX_CHARS}
    if dialect == "postgresql":
        params.update(exclude=skip, wanted=asked)
    else:
        params.update(exclude=json.dumps(skip), wanted=json.dumps(asked, ensure_ascii=False))
    return dialect, params


class _LineCounts:
    """Per paragraph key (:func:`template_key`): in how many distinct
    articles it occurs, and its first text; an article counts once per key."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: dict[str, str] = {}
        self._seen: dict[str, set[str]] = {}

    def add(self, article_id: str, line: str) -> None:
        key = template_key(line)
        seen = self._seen.setdefault(article_id, set())
        if key not in seen:
            seen.add(key)
            self.counts[key] = self.counts.get(key, 0) + 1
            self.first.setdefault(key, line)


@dataclass(frozen=True)
class SharedTemplate:
    """A line learned over several sites: its text, the articles and sites
    that carry it, and the rule (``group`` or ``shared``)."""

    text: str
    articles: int
    sites: int
    rule: str


@dataclass
class SharedLines:
    """Per line key: how many original articles of each site carry it."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, *, exclude: Iterable[str] = (), wanted: Iterable[str] = ()) -> SharedLines:
        """The stored counts of the lines that are on two sites or more,
        and of the ``wanted`` lines (exact texts; those of a batch), not
        counting the articles ``exclude`` (a batch's stored versions)."""
        dialect, params = _params(store, exclude=exclude, wanted=wanted)
        with store.db.connect() as conn:
            rows = conn.execute(text(_COUNTS[dialect].format(lines=_LINES[dialect])), params).all()
        out = cls()
        for line, sites in rows:
            out.add_row(line, sites)
        return out

    def add_row(self, line: object, sites: object) -> None:
        """Count a row of the grouped query: a line and the sites of the
        articles that carry it."""
        for site, n in Counter(str(sites).split("\x1f")).items():
            self._count(str(line), site, n)

    def _count(self, line: str, site: str, n: int) -> None:
        key = template_key(line)
        if not key or _words(key) > MAX_WORDS:
            return
        by_site = self.counts.setdefault(key, {})
        by_site[site] = by_site.get(site, 0) + n
        if key not in self.texts or line < self.texts[key]:
            self.texts[key] = line  # the same text whatever order the rows came in

    def add(self, site: str, lines: Iterable[str]) -> None:
        """Count one more original article of ``site`` (one of a batch):
        its paragraphs and the lines removed from it as ``site.template``."""
        for line in lines:
            if line and len(line) <= MAX_CHARS:
                self._count(line, site, 1)

    def groups(self) -> dict[str, frozenset[str]]:
        """Each linked site's publisher group (sites in no group are left out)."""
        parent: dict[str, str] = {}

        def find(site: str) -> str:
            root = parent.setdefault(site, site)
            while root != parent[root]:
                root = parent[root]
            while site != root:
                parent[site], site = root, parent[site]
            return root

        for key, by_site in self.counts.items():
            if _words(key) < LINK_MIN_WORDS:
                continue
            recurring = sorted(s for s, n in by_site.items() if n >= RECUR)
            for other in recurring[1:]:
                a, b = find(recurring[0]), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        members: dict[str, set[str]] = {}
        for site in parent:
            members.setdefault(find(site), set()).add(site)
        return {site: frozenset(members[find(site)]) for site in parent}

    def templates(self, min_articles: int) -> dict[str, dict[str, SharedTemplate]]:
        """Per site, the group and shared templates (by line key) with
        ``min_articles`` as the per-site threshold (see the module)."""
        if min_articles < 2:
            raise StorageError("min_articles must be >= 2")
        groups = self.groups()
        low = shared_min(min_articles)
        out: dict[str, dict[str, SharedTemplate]] = {}
        for key, by_site in sorted(self.counts.items()):
            carriers = {s: n for s, n in by_site.items() if n > 0}
            if len(carriers) < 2 or max(carriers.values()) < RECUR:
                continue
            line = self.texts[key]
            in_group: dict[frozenset[str], dict[str, int]] = {}
            for site, n in carriers.items():
                if site in groups:
                    in_group.setdefault(groups[site], {})[site] = n
            for group, mine in in_group.items():
                articles = sum(mine.values())
                if len(mine) >= 2 and articles >= min_articles and max(mine.values()) >= RECUR:
                    found = SharedTemplate(line, articles, len(mine), GROUP)
                    for site in group:
                        out.setdefault(site, {})[key] = found
            total = sum(carriers.values())
            if total >= low and not QUOTES.intersection(line):
                found = SharedTemplate(line, total, len(carriers), SHARED)
                for site in carriers:
                    out.setdefault(site, {}).setdefault(key, found)
        return out


@dataclass
class BatchLines:
    """What storing one batch knows of its sites' templates (:meth:`load`):
    per site of the batch, in how many stored original articles (but the
    batch's own stored versions) each of the batch's paragraph keys occurs
    (as :meth:`SiteTemplates.paragraph_counts` counts), and the stored counts
    of the lines that can decide the batch's shared and group templates
    (as :meth:`SharedLines.load` reads them)."""

    sites: dict[str, dict[str, int]] = field(default_factory=dict)
    shared: SharedLines = field(default_factory=SharedLines)

    @classmethod
    def load(cls, store: Store, sites: Iterable[str], *, exclude: Iterable[str] = (),
             wanted: Iterable[str] = (), lines: Iterable[str] = ()) -> BatchLines:
        """The counts of the keys of ``wanted`` (exact texts: the lines of
        the batch's originals) and ``lines`` (the batch's other paragraphs)
        on ``sites``, and over every site those of the lines whose text is
        on two sites or more or is ``wanted``, not counting the articles
        ``exclude``; with the lines of every key that may link two sites
        into a publisher group (:mod:`newsmill.storage.template_counts`).
        Indexed reads of the kept counts: they grow with the batch and the
        number of such keys, not with the store."""
        asked = list(wanted)
        wanted_lines = {line_hash(p) for p in asked if p and len(p) <= MAX_CHARS and _words(p) <= MAX_WORDS}
        keys: dict[int, str] = {}
        for p in (*asked, *lines):
            key = template_key(p)
            if key:
                keys[line_hash(key)] = key
        mine = sorted(set(sites))
        tl, tk = t.template_lines, t.template_keys
        with store.db.connect() as conn:
            links = [r[0] for r in conn.execute(text(
                f"SELECT key FROM template_keys WHERE {LINK_WHERE} GROUP BY key HAVING COUNT(*) >= 2"))]
            found: dict[int, dict[str, int]] = {}
            texts: dict[int, str] = {}
            for part in chunks(sorted(set(keys) | set(links))):
                for lh, site, line, n in conn.execute(select(tl.c.line, tl.c.site, tl.c.text, tl.c.occurrences)
                                                      .where(tl.c.key.in_(part))):
                    found.setdefault(lh, {})[site] = n
                    texts[lh] = line
            per_site: dict[tuple[int, str], int] = {}
            if mine:
                for part in chunks(sorted(keys)):
                    per_site.update(((kh, site), n) for kh, site, n in conn.execute(
                        select(tk.c.key, tk.c.site, tk.c.articles).where(tk.c.key.in_(part), tk.c.site.in_(mine))))
            skipped = TemplateCounts.tally(conn, exclude)  # the batch's stored versions
        out = cls(sites={site: {} for site in mine})
        for (kh, site), n in sorted(per_site.items()):
            articles = n - skipped.keys.get((kh, site), 0)
            if articles > 0:
                out.sites[site][keys[kh]] = articles
        for lh, by_site in sorted(found.items()):
            left = {site: n - skipped.lines.get((lh, site), 0) for site, n in by_site.items()}
            carriers = {site: n for site, n in left.items() if n > 0}
            if len(carriers) >= 2 or (carriers and lh in wanted_lines):
                for site, n in sorted(carriers.items()):
                    out.shared._count(texts[lh], site, n)
        return out


class SiteTemplates:
    """The templates of one site, counted from its stored original articles."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def paragraph_counts(self, site: str, exclude: Iterable[str] = ()) -> tuple[dict[str, int], dict[str, str]]:
        """For each paragraph key (:func:`template_key`) of ``site``: in how
        many distinct original articles (but those in ``exclude``) it
        occurs, either still in the text or already removed as a
        ``site.template``; and its first text."""
        skip = set(exclude)
        lines = _LineCounts()
        a, br = t.articles, t.boilerplate_removals
        with self.db.connect() as conn:
            rows = conn.execute(select(a.c.id, a.c.paragraphs).where(a.c.site == site, a.c.duplicate_of.is_(None)))
            for article_id, paragraphs in rows:
                if article_id not in skip:
                    for p in json.loads(paragraphs):
                        lines.add(article_id, p)
            # The rule is checked here, not in the query: with it there,
            # SQLite reads every stored ``site.template`` removal of every
            # site by the rule's index, for each site asked.
            removed = conn.execute(
                select(br.c.article_id, br.c.text, br.c.rule).join(a, a.c.id == br.c.article_id)
                .where(a.c.site == site, a.c.duplicate_of.is_(None)))
            for article_id, line, rule in removed:
                if rule == "site.template" and article_id not in skip:
                    lines.add(article_id, line)
        return lines.counts, lines.first

    def site_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """Paragraphs that recur word for word (case and spacing aside) in at
        least ``min_articles`` distinct original articles of ``site`` (in
        their text, or already removed as templates), most frequent first:
        the site's learned templates (signatures, standard sentences)."""
        if min_articles < 2:
            raise StorageError("min_articles must be >= 2")
        counts, first = self.paragraph_counts(site)
        found = {k: (first[k], n) for k, n in counts.items() if n >= min_articles}
        for text_, n in self.linked_templates(site, min_articles):
            key = template_key(text_)
            if key not in found or found[key][1] < n:
                found[key] = (text_, n)
        return sorted(found.values(), key=lambda item: (-item[1], item[0]))

    def linked_templates(self, site: str, min_articles: int = 5) -> list[tuple[str, int]]:
        """Paragraphs of ``site`` that near-duplicate passages of at least
        ``min_articles - 1`` other original articles of the same site (the
        dedup's passage links): standard sentences whose wording varies a
        little (a name, a number). Returns the linked-to text and the number
        of articles that carry it."""
        a, o, pl = t.articles.alias("a"), t.articles.alias("o"), t.passage_links
        q = (select(pl.c.of_article, pl.c.of_paragraph, func.count(func.distinct(pl.c.article_id)))
             .join(a, a.c.id == pl.c.article_id).join(o, o.c.id == pl.c.of_article)
             .where(a.c.site == site, o.c.site == site, a.c.duplicate_of.is_(None), o.c.duplicate_of.is_(None))
             .group_by(pl.c.of_article, pl.c.of_paragraph)
             .having(func.count(func.distinct(pl.c.article_id)) >= min_articles - 1))
        out: list[tuple[str, int]] = []
        with self.db.connect() as conn:
            rows = conn.execute(q).all()
            for part in chunks(sorted({r[0] for r in rows})):
                paragraphs = dict(conn.execute(select(t.articles.c.id, t.articles.c.paragraphs)
                                               .where(t.articles.c.id.in_(part))).all())
                for of_article, of_paragraph, n in rows:
                    if of_article in paragraphs:
                        paras = json.loads(paragraphs[of_article])
                        if 0 <= of_paragraph < len(paras):
                            out.append((paras[of_paragraph], int(n) + 1))
        return out


__all__ = ["GROUP", "LINK_MIN_WORDS", "MAX_WORDS", "SHARED", "BatchLines", "SharedLines", "SharedTemplate", "SiteTemplates",
           "shared_min", "template_key"]
