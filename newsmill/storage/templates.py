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

The counts come from one grouped query (:meth:`SharedLines.load`): for each
exact line text on two sites or more (or asked for by a batch), the sites
of the articles that carry it. Lines are grouped by their exact text there
(the databases' case folding is not Python's): a line printed in different
case on two sites is not found to be shared. The query reads the
paragraphs of every original article in the database, once per call: once
when a run's extraction settings are built, and once per batch stored,
where the same statement also brings the paragraphs of the batch's sites
(:meth:`BatchLines.load`). That grows with the store, as the per-site
counts grow with a site. A table of short lines kept with the articles
would make it grow with the batch instead (a schema change, not made).
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

if TYPE_CHECKING:
    from newsmill.storage.store import Store

MAX_WORDS = 40  # longer lines are never group or shared templates
MAX_CHARS = 600  # what the query reads (a line of MAX_WORDS words is shorter)
LINK_MIN_WORDS = 4  # a line that links two sites has this many words or more
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
# One batch's template evidence in one statement (BatchLines.load): part 0,
# the paragraphs of the original articles of the batch's :sites (but those
# :exclude), part 1 the lines removed from them as templates, part 2 the
# rows of _COUNTS. Columns: part, article id, site (part 2: the sites),
# paragraphs as stored (part 1: the line; part 2: the line).
_BATCH = {
    "sqlite": """
        SELECT 0 AS part, a.id AS article, a.site AS site, a.paragraphs AS value
        FROM articles a
        WHERE a.site IN (SELECT value FROM json_each(:sites)) AND a.duplicate_of IS NULL
          AND a.id NOT IN (SELECT value FROM json_each(:exclude))
        UNION ALL
        SELECT 1, b.article_id, a.site, b.text
        FROM boilerplate_removals b JOIN articles a ON a.id = b.article_id
        WHERE a.site IN (SELECT value FROM json_each(:sites)) AND a.duplicate_of IS NULL
          AND b.rule = 'site.template' AND a.id NOT IN (SELECT value FROM json_each(:exclude))
        UNION ALL
        SELECT 2, NULL, sites, line FROM ({counts}) AS s""",
    "postgresql": """
        SELECT 0 AS part, a.id AS article, a.site AS site, a.paragraphs AS value
        FROM articles a
        WHERE a.site = ANY(CAST(:sites AS text[])) AND a.duplicate_of IS NULL
          AND NOT (a.id = ANY(CAST(:exclude AS text[])))
        UNION ALL
        SELECT 1, b.article_id, a.site, b.text
        FROM boilerplate_removals b JOIN articles a ON a.id = b.article_id
        WHERE a.site = ANY(CAST(:sites AS text[])) AND a.duplicate_of IS NULL
          AND b.rule = 'site.template' AND NOT (a.id = ANY(CAST(:exclude AS text[])))
        UNION ALL
        SELECT 2, NULL, sites, line FROM ({counts}) AS s""",
}


def template_key(paragraph: str) -> str:
    """How paragraphs are compared when learning templates: case and
    spacing folded."""
    return " ".join(paragraph.casefold().split())


def shared_min(min_articles: int) -> int:
    """The article count at which a line printed on several sites is a
    template (with the other conditions of the ``shared`` rule)."""
    return max(2, min_articles // 2)


def _words(key: str) -> int:
    return len(key.split())


def _params(store: Store, *, exclude: Iterable[str] = (), wanted: Iterable[str] = (),
            sites: Iterable[str] = ()) -> tuple[str, dict[str, Any]]:
    """The dialect of the queries above and their parameters: the articles
    not counted, the lines asked for (those that can be templates), the sites."""
    dialect = store.dialect if store.dialect in _LINES else "sqlite"
    asked = sorted({p for p in wanted if p and len(p) <= MAX_CHARS and _words(p) <= MAX_WORDS})
    skip, mine = sorted(set(exclude)), sorted(set(sites))
    params: dict[str, Any] = {"chars": MAX_CHARS}
    if dialect == "postgresql":
        params.update(exclude=skip, wanted=asked, sites=mine)
    else:
        params.update(exclude=json.dumps(skip), wanted=json.dumps(asked, ensure_ascii=False),
                      sites=json.dumps(mine, ensure_ascii=False))
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
    """What storing one batch knows of its sites' templates, read in one
    statement (:meth:`load`): per site of the batch, in how many stored
    original articles (but the batch's own stored versions) each paragraph
    key occurs (as :meth:`SiteTemplates.paragraph_counts` counts), and the
    stored counts of the lines on several sites and of the batch's lines
    (as :meth:`SharedLines.load` reads them)."""

    sites: dict[str, dict[str, int]] = field(default_factory=dict)
    shared: SharedLines = field(default_factory=SharedLines)

    @classmethod
    def load(cls, store: Store, sites: Iterable[str], *, exclude: Iterable[str] = (),
             wanted: Iterable[str] = ()) -> BatchLines:
        """The counts of ``sites`` and of the lines on several sites and the
        ``wanted`` lines (exact texts), not counting the articles ``exclude``."""
        dialect, params = _params(store, exclude=exclude, wanted=wanted, sites=sites)
        sql = _BATCH[dialect].format(counts=_COUNTS[dialect].format(lines=_LINES[dialect]))
        per_site: dict[str, _LineCounts] = {site: _LineCounts() for site in sorted(set(sites))}
        out = cls()
        with store.db.connect() as conn:
            for part, article_id, site, value in conn.execute(text(sql), params):
                if part == 2:
                    out.shared.add_row(value, site)
                elif part == 0:
                    for p in json.loads(value):
                        per_site[site].add(article_id, p)
                else:
                    per_site[site].add(article_id, value)
        out.sites = {site: lines.counts for site, lines in per_site.items()}
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
            removed = conn.execute(
                select(br.c.article_id, br.c.text).join(a, a.c.id == br.c.article_id)
                .where(a.c.site == site, a.c.duplicate_of.is_(None), br.c.rule == "site.template"))
            for article_id, line in removed:
                if article_id not in skip:
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
