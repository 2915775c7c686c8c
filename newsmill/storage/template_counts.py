"""Template counts kept with the articles (schema version 9): what a batch
is weighed against when the store learns templates, read for the batch's
own lines instead of recounted from every stored paragraph.

What the counts hold is what :mod:`newsmill.storage.templates` counts: the
lines of each *original* article (``duplicate_of`` null, ``site`` not
empty), i.e. its paragraphs and the lines removed from it as
``site.template``. Two tables:

* ``template_lines``: per exact line text (its :func:`line_hash`) and site,
  the occurrences of the line in the site's originals, for the lines of
  ``MAX_CHARS`` characters or fewer whose key has ``MAX_WORDS`` words or
  fewer (those that can be group or shared templates), with the line's key
  hash and its text. These are the rows of the old grouped query over every
  original paragraph (:class:`~newsmill.storage.templates.SharedLines`).
* ``template_keys``: per line key (:func:`~newsmill.storage.templates.template_key`,
  hashed) and site, in how many originals of the site the key is (an
  article counts once, whatever the length of the line: what
  :meth:`~newsmill.storage.templates.SiteTemplates.paragraph_counts` counts),
  ``lines``: the occurrences of its short lines (the sum of its
  ``template_lines`` rows on that site), and ``link``: whether the key has
  ``LINK_MIN_WORDS`` to ``MAX_WORDS`` words (may link two sites into a
  publisher group). The keys with ``link`` and ``lines >= 2`` are indexed:
  a publisher group's links are among them.

Every write that changes what an article counts for (a new article, a new
version, its ``duplicate_of`` set or cleared, a relink, a pruned article
and the copy handed its place, a dedup rebuild) applies the difference in
its own transaction (:meth:`TemplateCounts.track`: the articles' counts
read before and after the change), so the counts never disagree with the
articles. Migration 0009 builds them for a stored store
(:meth:`TemplateCounts.rebuild`, also what a dedup rebuild ends with).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from newsmill.storage import schema as t
from newsmill.storage.db import CHUNK, chunks

MAX_WORDS = 40  # as newsmill.storage.templates (which imports these)
MAX_CHARS = 600
LINK_MIN_WORDS = 4
LINK_WHERE = t.LINK_WHERE  # the keys that may link two sites (indexed)


def template_key(paragraph: str) -> str:
    """How paragraphs are compared when learning templates: case and
    spacing folded."""
    return " ".join(paragraph.casefold().split())


def line_hash(value: str) -> int:
    """A line's (or a key's) signed 64-bit hash, as the tables store it."""
    return int.from_bytes(blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big", signed=True)


def short(line: str, key: str) -> bool:
    """Whether a line can be a group or shared template (is counted in ``template_lines``)."""
    return bool(key) and len(line) <= MAX_CHARS and len(key.split()) <= MAX_WORDS


@dataclass
class Tally:
    """Counts of a set of original articles, as the tables hold them."""

    lines: Counter[tuple[int, str]] = field(default_factory=Counter)  # (line hash, site) -> occurrences
    keys: Counter[tuple[int, str]] = field(default_factory=Counter)  # (key hash, site) -> articles
    key_lines: Counter[tuple[int, str]] = field(default_factory=Counter)  # (key hash, site) -> short lines
    texts: dict[int, str] = field(default_factory=dict)  # line hash -> text
    key_of: dict[int, int] = field(default_factory=dict)  # line hash -> key hash
    link: dict[int, bool] = field(default_factory=dict)  # key hash -> may link sites

    def add(self, site: str, lines: Iterable[str]) -> None:
        """Count one original article of ``site``: its paragraphs and the
        lines removed from it as ``site.template``."""
        if not site:
            return
        seen: set[int] = set()
        for line in lines:
            key = template_key(line)
            if not key:
                continue
            kh = line_hash(key)
            seen.add(kh)
            if kh not in self.link:
                self.link[kh] = LINK_MIN_WORDS <= len(key.split()) <= MAX_WORDS
            if short(line, key):
                lh = line_hash(line)
                self.lines[(lh, site)] += 1
                self.key_lines[(kh, site)] += 1
                self.texts.setdefault(lh, line)
                self.key_of.setdefault(lh, kh)
        for kh in seen:
            self.keys[(kh, site)] += 1

    def minus(self, other: Tally) -> Tally:
        """What this tally holds more than ``other`` (negative where less)."""
        out = Tally(texts={**other.texts, **self.texts}, key_of={**other.key_of, **self.key_of},
                    link={**other.link, **self.link})
        for mine, theirs, into in ((self.lines, other.lines, out.lines), (self.keys, other.keys, out.keys),
                                   (self.key_lines, other.key_lines, out.key_lines)):
            for k in mine.keys() | theirs.keys():
                d = mine.get(k, 0) - theirs.get(k, 0)
                if d:
                    into[k] = d
        return out


def article_lines(paragraphs: str, removed: Iterable[str]) -> list[str]:
    """The lines a stored original counts for: its paragraphs (as stored,
    JSON) and its ``site.template`` removals."""
    return [*json.loads(paragraphs), *removed]


class TemplateCounts:
    """Reads and updates of ``template_lines`` and ``template_keys`` (on the
    caller's connection: inside the transaction of the change they follow)."""

    @staticmethod
    def tally(conn: Connection, ids: Iterable[str] | None = None) -> Tally:
        """The counts of the stored originals among ``ids`` (None: of every article)."""
        a, br = t.articles, t.boilerplate_removals
        out = Tally()
        parts: Iterator[Sequence[str] | None] = iter([None]) if ids is None else iter(chunks(sorted(set(ids))))
        for part in parts:
            q = select(a.c.id, a.c.site, a.c.paragraphs, a.c.duplicate_of)
            if part is None:
                q = q.where(a.c.duplicate_of.is_(None), a.c.site != "")
                r = select(br.c.article_id, br.c.text, br.c.rule).join(a, a.c.id == br.c.article_id).where(
                    br.c.rule == "site.template", a.c.duplicate_of.is_(None), a.c.site != "")
            else:
                # By primary keys alone, the rest checked here: asked for
                # originals (``duplicate_of IS NULL``) and for the rule as
                # well, SQLite read every stored original and every stored
                # ``site.template`` removal by those columns' indexes, a
                # read that grows with the store, on every batch.
                q = q.where(a.c.id.in_(part))
                r = select(br.c.article_id, br.c.text, br.c.rule).where(br.c.article_id.in_(part))
            removed: dict[str, list[str]] = {}
            for article_id, line, rule in conn.execute(r):
                if rule == "site.template":
                    removed.setdefault(article_id, []).append(line)
            for article_id, site, paragraphs, duplicate_of in conn.execute(q):
                if duplicate_of is None and site:
                    out.add(site, article_lines(paragraphs, removed.get(article_id, ())))
        return out

    @staticmethod
    @contextmanager
    def track(conn: Connection, ids: Iterable[str]) -> Iterator[None]:
        """Keep the counts right over a change to the articles ``ids`` made
        on ``conn`` inside the block (their counts are read before and
        after it and the difference applied)."""
        wanted = sorted(set(ids))
        before = TemplateCounts.tally(conn, wanted)
        yield
        TemplateCounts.apply(conn, TemplateCounts.tally(conn, wanted).minus(before))

    @staticmethod
    def apply(conn: Connection, delta: Tally) -> None:
        """Add ``delta`` to the tables (rows that reach zero are deleted)."""
        mod = postgresql if conn.dialect.name == "postgresql" else sqlite
        tl, tk = t.template_lines, t.template_keys
        line_rows: list[dict[str, Any]] = [
            {"line": lh, "site": site, "key": delta.key_of[lh], "text": delta.texts[lh], "occurrences": n}
            for (lh, site), n in sorted(delta.lines.items())]
        key_rows: list[dict[str, Any]] = [
            {"key": kh, "site": site, "articles": delta.keys.get((kh, site), 0),
             "lines": delta.key_lines.get((kh, site), 0), "link": delta.link[kh]}
            for kh, site in sorted(delta.keys.keys() | delta.key_lines.keys())]
        if line_rows:
            stmt = mod.insert(tl)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["line", "site"],
                set_={"occurrences": tl.c.occurrences + stmt.excluded.occurrences}), line_rows)
        if key_rows:
            stmt = mod.insert(tk)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["key", "site"],
                set_={"articles": tk.c.articles + stmt.excluded.articles,
                      "lines": tk.c.lines + stmt.excluded.lines}), key_rows)
        gone_lines = [{"b_line": r["line"], "b_site": r["site"]} for r in line_rows if r["occurrences"] < 0]
        gone_keys = [{"b_key": r["key"], "b_site": r["site"]} for r in key_rows if r["articles"] < 0]
        if gone_lines:
            conn.execute(delete(tl).where(and_(tl.c.line == bindparam("b_line"), tl.c.site == bindparam("b_site"),
                                               tl.c.occurrences <= 0)), gone_lines)
        if gone_keys:
            conn.execute(delete(tk).where(and_(tk.c.key == bindparam("b_key"), tk.c.site == bindparam("b_site"),
                                               tk.c.articles <= 0)), gone_keys)

    @staticmethod
    def rebuild(conn: Connection, batch: int = 20 * CHUNK) -> None:
        """Count every stored original again from scratch (migration 0009,
        after a dedup rebuild cleared every ``duplicate_of``)."""
        conn.execute(delete(t.template_lines))
        conn.execute(delete(t.template_keys))
        a = t.articles
        ids = [r[0] for r in conn.execute(select(a.c.id).where(a.c.duplicate_of.is_(None), a.c.site != "")
                                          .order_by(a.c.id))]
        for start in range(0, len(ids), batch):  # the counts add up: a part at a time
            TemplateCounts.apply(conn, TemplateCounts.tally(conn, ids[start:start + batch]))

    @staticmethod
    def stored(conn: Connection) -> Tally:
        """What the tables hold now, as a tally (for checks: compare it with
        :meth:`tally` of every article)."""
        tl, tk = t.template_lines, t.template_keys
        out = Tally()
        for lh, site, kh, line, n in conn.execute(select(tl.c.line, tl.c.site, tl.c.key, tl.c.text,
                                                         tl.c.occurrences)):
            out.lines[(lh, site)] = n
            out.texts[lh], out.key_of[lh] = line, kh
        for kh, site, n, lines, link in conn.execute(select(tk.c.key, tk.c.site, tk.c.articles, tk.c.lines,
                                                            tk.c.link)):
            out.keys[(kh, site)] = n
            if lines:
                out.key_lines[(kh, site)] = lines
            out.link[kh] = bool(link)
        return out


__all__ = ["LINK_MIN_WORDS", "LINK_WHERE", "MAX_CHARS", "MAX_WORDS", "Tally", "TemplateCounts", "article_lines",
           "line_hash", "short", "template_key"]
