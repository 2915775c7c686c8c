"""The text-level boilerplate cleaner.

``clean`` takes the paragraphs (lines) of an extracted article and returns
the kept ones plus every removed line with the rule that removed it. It
never raises and never returns a line that was not in its input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newsmill.core.records import Removal
from newsmill.extractors import rules as r


@dataclass
class CleanResult:
    paragraphs: list[str]
    removed: list[Removal] = field(default_factory=list)


def _key(line: str) -> str:
    """Comparison key for repeats: folded, lowercased, punctuation-free."""
    return re.sub(r"[\W_]+", " ", r.fold(line).casefold()).strip()


LINKED = 0.8  # a line this much link text is a link (a headline, a menu entry), not prose
LINKED_MAX_WORDS = 40


def _is_link(line: str, share: float | None) -> bool:
    return share is not None and share >= LINKED and r.n_words(r.fold(line)) <= LINKED_MAX_WORDS


TEASER_LINKED = 0.2  # a list item this much link text (a linked headline and its dek) is a teaser
TEASER_MAX_WORDS = 60


def _is_teaser(line: str, share: float | None, opens: bool) -> bool:
    """A list item that opens with a linked headline followed by its
    summary in plain text: a teaser for another page."""
    return (opens and share is not None and TEASER_LINKED <= share < LINKED and line.startswith(("- ", "• "))
            and r.n_words(r.fold(line)) <= TEASER_MAX_WORDS)


def _block_end(lines: list[str], start: int, kind: str) -> int:
    """Index after the run of lines a block heading at ``start`` owns."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if kind == "related.list":
            other_heading = r.is_exchange_heading(line) or bool(r.WEATHER_HEAD.match(r.fold(line)))
            ok = not other_heading and (r.is_headline_like(line) or r.is_related_heading(line))
        elif kind == "tags.list":  # one tag per line, or one comma-separated line of them
            t = r.fold(line)
            items = [x for x in re.split(r"[,;|·•]", t) if x.strip()]
            ok = not t.endswith(r.SENTENCE_END) and bool(items) and all(r.n_words(x) <= 6 for x in items)
        elif kind == "widget.exchange_block":
            ok = r.is_exchange_ticker(line) or (r.n_words(r.fold(line)) <= 3 and not r.fold(line).endswith(r.SENTENCE_END))
        else:  # weather
            ok = r.is_weather(line) or (r.n_words(r.fold(line)) <= 3 and not r.fold(line).endswith(r.SENTENCE_END))
        if not ok:
            break
        end += 1
    return end


SHORT_RUN = 12  # lines in a run of menu items
SHORT_RUN_TINY = 2 / 3  # the share of them with at most three words


def _short_item(line: str) -> int:
    """0 for prose; else the item's size class: 1 for one to three words,
    2 for four to six (menu entries, tags), without a sentence end."""
    t = r.fold(line)
    if len(t) > 60 or t.endswith(r.SENTENCE_END):
        return 0
    words = r.n_words(t)
    return 1 if words <= 3 else 2 if words <= 6 else 0


# Line rules for lines that are links (linked headlines): in HTML, a line
# the page shows as text (a subheading in capitals) is content.
LINKED_ONLY = frozenset({"related.caps_headline"})
LEAD_LINES = 3  # the body's first sentences, whose repeats later in the page are dropped
LEAD_MIN_WORDS = 8
MENU_LINKED = 0.5  # of a run's lines found in the page, the share that must be links


def _linked(run: list[int], links: Sequence[float | None] | None) -> bool:
    """Whether a run of short lines reads as links, as far as the page
    tells (no page, or none of the lines found in it: assume so)."""
    if links is None:
        return True
    known = [links[i] for i in run if links[i] is not None]
    if not known:
        return True
    return sum(1 for x in known if x is not None and x >= 0.5) >= MENU_LINKED * len(known)


DATELINE_MAX_LINES = 3  # more date-and-author lines than this in one page are its items' dates

NEAR_TEMPLATE_MIN_WORDS = 8
NEAR_TEMPLATE_JACCARD = 0.5


def _shingles(key: str, k: int = 2) -> frozenset[tuple[str, ...]]:
    words = key.split()
    return frozenset(tuple(words[i : i + k]) for i in range(max(len(words) - k + 1, 1)))


class Cleaner:
    """Applies the rule catalog; ``templates`` are per-site learned lines.

    A line is a template when it equals one (case and punctuation aside) or,
    for lines of ``NEAR_TEMPLATE_MIN_WORDS`` words or more, when its word
    2-shingles have Jaccard >= ``NEAR_TEMPLATE_JACCARD`` with one's: a
    standard sentence with a changing name or number in it."""

    def __init__(self, templates: Iterable[str] = (), *, trailing_runs: bool = True,
                 disabled: Iterable[str] = ()) -> None:
        self.templates = {_key(t) for t in templates if _key(t)}
        # Rules switched off by name (the benchmark's per-rule ablation).
        self.disabled = frozenset(disabled)
        self._near = [(len(k.split()), _shingles(k)) for k in self.templates
                      if len(k.split()) >= NEAR_TEMPLATE_MIN_WORDS]
        # Unheaded runs of short lines at the end are related headlines in
        # captured plain text; in HTML, trafilatura has already dropped link
        # lists, and such runs are mostly content (dates, lists).
        self.trailing_runs = trailing_runs

    def clean(self, paragraphs: list[str], *, title: str | None = None, urls: Iterable[str] = (),
              links: Sequence[float | None] | None = None, leads: Sequence[bool] | None = None,
              authors: Iterable[str] = ()) -> CleanResult:
        """``urls`` are the page's own addresses (fetched, canonical): a
        line that only prints one of them is boilerplate. ``links`` (one
        per paragraph, from the page: the share of the line's text inside
        links, None when unknown) lets menus be told from short list items;
        ``leads`` (one per paragraph: whether the line begins with a link)
        tells a list of teasers (a linked headline, then its summary);
        ``authors`` (the page's bylines) tells the author's bio at the end."""
        keep = [bool(p and p.strip()) for p in paragraphs]
        lines = [p for p, k in zip(paragraphs, keep, strict=True) if k]
        shares = ([x for x, k in zip(links, keep, strict=True) if k] if links is not None and
                  len(links) == len(paragraphs) else None)
        opens = ([x for x, k in zip(leads, keep, strict=True) if k] if leads is not None and
                 len(leads) == len(paragraphs) else None)
        drop: dict[int, str] = {}
        self._line_rules(lines, drop, shares)
        self._block_rules(lines, drop)
        if "repeat.page_url" not in self.disabled:
            self._page_urls(lines, drop, urls)
        self._repeats(lines, drop, title)
        self._short_runs(lines, drop, shares)
        if shares is not None and "related.linked_trailing" not in self.disabled:
            self._linked_trailing(lines, drop, shares)
        if shares is not None and opens is not None and "related.teaser_trailing" not in self.disabled:
            self._teaser_trailing(lines, drop, shares, opens)
        self._trailing(lines, drop)
        if "byline.bio" not in self.disabled:
            self._author_bio(lines, drop, authors)
        kept = [line for i, line in enumerate(lines) if i not in drop]
        removed = [Removal(text=lines[i], rule=drop[i]) for i in sorted(drop)]
        return CleanResult(paragraphs=kept, removed=removed)

    def _line_rules(self, lines: list[str], drop: dict[int, str], links: Sequence[float | None] | None) -> None:
        for i, line in enumerate(lines):
            self._line_rule(i, line, drop, links, self.disabled)
        datelines = [i for i, rule in drop.items() if rule == "byline.dateline"]
        if len(datelines) > DATELINE_MAX_LINES:
            # A date on every item (posts of a thread, entries of a listing,
            # messages of a mail archive) is the items' own: an article has
            # one byline, maybe repeated at the end.
            skip = self.disabled | {"byline.dateline"}
            for i in datelines:
                del drop[i]
                self._line_rule(i, lines[i], drop, links, skip)

    def _line_rule(self, i: int, line: str, drop: dict[int, str], links: Sequence[float | None] | None,
                   disabled: frozenset[str]) -> None:
        length = r.n_words(line)
        share = links[i] if links is not None else None
        text_in_page = share is not None and share < MENU_LINKED
        for rule in r.LINE_RULES:
            assert rule.match is not None
            if rule.name in disabled or (text_in_page and rule.name in LINKED_ONLY):
                continue
            if length <= rule.max_words and rule.match(line):
                drop[i] = rule.name
                return
        if self.templates and "site.template" not in disabled and self._is_template(_key(line)):
            drop[i] = "site.template"

    def is_template(self, line: str) -> bool:
        """Whether ``line`` is one of the templates or a near variant of one."""
        return bool(self.templates) and self._is_template(_key(line))

    def _is_template(self, key: str) -> bool:
        if key in self.templates:
            return True
        n = len(key.split())
        if n < NEAR_TEMPLATE_MIN_WORDS or not self._near:
            return False
        mine = _shingles(key)
        for size, theirs in self._near:
            if not size / 2 <= n <= size * 2:
                continue
            inter = len(mine & theirs)
            if inter and inter / (len(mine) + len(theirs) - inter) >= NEAR_TEMPLATE_JACCARD:
                return True
        return False

    def _block_rules(self, lines: list[str], drop: dict[int, str]) -> None:
        i = 0
        while i < len(lines):
            for rule in r.BLOCK_RULES:
                assert rule.match is not None
                if rule.name not in self.disabled and rule.match(lines[i]):
                    end = _block_end(lines, i, rule.name)
                    for j in range(i, end):
                        drop.setdefault(j, rule.name)
                    i = end - 1
                    break
            i += 1

    @staticmethod
    def _page_urls(lines: list[str], drop: dict[int, str], urls: Iterable[str]) -> None:
        own = {u.rstrip("/") for u in urls if u}
        if not own:
            return
        for i, line in enumerate(lines):
            if i not in drop and line.strip().rstrip("/") in own:
                drop[i] = "repeat.page_url"

    def _repeats(self, lines: list[str], drop: dict[int, str], title: str | None) -> None:
        """The headline, the headline with a caption, and the lead repeated.
        Of other repeated lines only a line repeated right after itself
        goes: list items, table rows, code and forum quotes repeat in the
        content itself."""
        head = _key(title) if title else ""
        lead: set[str] = set()  # the first lines of the body
        previous = ""
        for i, line in enumerate(lines):
            if i in drop:
                continue
            k = _key(line)
            if not k:
                continue
            seen = lead | {previous}
            previous = k
            if head and k == head:
                if "repeat.headline" not in self.disabled:
                    drop[i] = "repeat.headline"
            elif head and len(head) >= 20 and k.startswith(head + " ") and self._caption_after_headline(
                    line, title or "", r.n_words(k) - r.n_words(head)):
                if "repeat.headline_caption" not in self.disabled:
                    drop[i] = "repeat.headline_caption"
            elif k in seen and len(k) >= 12 and "repeat.paragraph" not in self.disabled:
                drop[i] = "repeat.paragraph"
            elif len(lead) < LEAD_LINES and r.n_words(k) >= LEAD_MIN_WORDS:
                lead.add(k)

    @staticmethod
    def _caption_after_headline(line: str, title: str, extra_words: int) -> bool:
        """The headline followed by a caption, not a lead that opens with
        the headline's words: a short rest that is no finished sentence
        (``Photo provided by the consulate``) or is a photo credit."""
        if extra_words > 20:
            return False
        rest = " ".join(line.split()[len(title.split()):])
        return not line.rstrip().endswith(r.TERMINAL) or r.is_photo_credit(rest)

    def _short_runs(self, lines: list[str], drop: dict[int, str], links: Sequence[float | None] | None) -> None:
        """A run of ``SHORT_RUN`` or more one- to three-word lines without
        sentence ends: a menu, tag cloud or archive list, not prose. When
        the page says which lines are links, a menu's lines mostly are
        (``MENU_LINKED``); a list in the article (ingredients, specs, the
        items of a guide) mostly is not, and stays."""
        if "share.buttons" not in self.disabled:
            self._social_runs(lines, drop)
        if "nav.short_run" in self.disabled:
            return
        run: list[int] = []
        tiny = 0
        for i in [*(i for i in range(len(lines)) if i not in drop), -1]:
            size = _short_item(lines[i]) if i >= 0 else 0
            if size:
                run.append(i)
                tiny += size == 1
                continue
            if len(run) >= SHORT_RUN and tiny >= SHORT_RUN_TINY * len(run) and _linked(run, links):
                for j in run:
                    drop[j] = "nav.short_run"
            run, tiny = [], 0

    @staticmethod
    def _social_runs(lines: list[str], drop: dict[int, str]) -> None:
        """Share buttons one per line: two or more lines in a row that are
        each a social network's name."""
        run: list[int] = []
        for i in [*(i for i in range(len(lines)) if i not in drop), -1]:
            if i >= 0 and r.fold(lines[i]).lower() in r.SOCIAL:
                run.append(i)
                continue
            if len(run) >= 2:
                for j in run:
                    drop[j] = "share.buttons"
            run = []

    @staticmethod
    def _linked_trailing(lines: list[str], drop: dict[int, str], links: Sequence[float | None]) -> None:
        """Three or more lines at the end that are each a link: the page's
        list of other stories (the plain-text rule above has to guess this
        from the lines' shape; in HTML the page says it)."""
        kept = [i for i in range(len(lines)) if i not in drop]
        run: list[int] = []
        for i in reversed(kept):
            if not _is_link(lines[i], links[i]):
                break
            run.append(i)
        if len(run) >= 3 and len(run) < len(kept):
            for i in run:
                drop[i] = "related.linked_trailing"

    @staticmethod
    def _teaser_trailing(lines: list[str], drop: dict[int, str], links: Sequence[float | None],
                         opens: Sequence[bool]) -> None:
        """Three or more list items at the end that each open with a link:
        other stories, each a linked headline and its summary."""
        kept = [i for i in range(len(lines)) if i not in drop]
        run: list[int] = []
        for i in reversed(kept):
            if not _is_teaser(lines[i], links[i], opens[i]):
                break
            run.append(i)
        if len(run) >= 3 and len(run) < len(kept):
            for i in run:
                drop[i] = "related.teaser_trailing"

    def _trailing(self, lines: list[str], drop: dict[int, str]) -> None:
        """Short headline-like lines and fragments after the article's end."""
        kept = [i for i in range(len(lines)) if i not in drop]
        if len(kept) < 2:
            return
        # A run of >= 3 headline-like lines at the very end: related headlines.
        run: list[int] = []
        for i in reversed(kept):
            if r.is_headline_like(lines[i]) and r.n_words(r.fold(lines[i])) >= 3:
                run.append(i)
            else:
                break
        if self.trailing_runs and len(run) >= 3 and len(run) < len(kept) and "related.trailing" not in self.disabled:
            for i in run:
                drop[i] = "related.trailing"
        # One- to three-word fragments left at the end (outlet names, labels).
        kept = [i for i in range(len(lines)) if i not in drop]
        while len(kept) >= 2 and "trailing.fragment" not in self.disabled:
            last = lines[kept[-1]]
            t = r.fold(last)
            if r.n_words(t) <= 3 and not t.endswith(r.TERMINAL) and not any(c.isdigit() for c in t):
                drop[kept.pop()] = "trailing.fragment"
            else:
                break


    @staticmethod
    def _author_bio(lines: list[str], drop: dict[int, str], authors: Iterable[str]) -> None:
        """One of the last ``BIO_LINES`` lines that begins with an author's
        full name and goes on for a sentence: the author's bio."""
        names = [name for name in authors if len(name.split()) >= 2]
        kept = [i for i in range(len(lines)) if i not in drop]
        if not names or len(kept) < 3:
            return
        for i in kept[max(len(kept) - BIO_LINES, 2):]:  # never the article's first two lines
            line = lines[i]
            if r.n_words(r.fold(line)) >= BIO_MIN_WORDS and any(
                    line.startswith(name) and not line[len(name):len(name) + 1].isalnum() for name in names):
                drop[i] = "byline.bio"


BIO_LINES = 3  # the lines at the end where an author's bio is looked for
BIO_MIN_WORDS = 6


def clean(paragraphs: list[str], *, title: str | None = None, templates: Iterable[str] = (),
          trailing_runs: bool = True, urls: Iterable[str] = ()) -> CleanResult:
    """Remove boilerplate lines; see :class:`Cleaner`."""
    return Cleaner(templates, trailing_runs=trailing_runs).clean(paragraphs, title=title, urls=urls)
