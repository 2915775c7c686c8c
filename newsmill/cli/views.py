"""What the read-only commands print for a person: one article
(``newsmill show``), search hits (``newsmill search``) and the store's
counts (``newsmill stats``). Their
``--json`` output is the data these are drawn from."""

from __future__ import annotations

import shutil
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from newsmill.cli.summary import plural

STATS_SITE_ROWS = 20  # per-site rows `newsmill stats` prints; the other sites are totalled on one line


def _width() -> int:
    return max(60, min(160, shutil.get_terminal_size((100, 24)).columns))


def _cells(text: str) -> int:
    """Terminal cells ``text`` takes (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells: at spaces, and inside
    words longer than a line (or text written without spaces)."""
    if _cells(text) == len(text):
        return textwrap.wrap(text, width) or [""]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _cells(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for c in word:
            if _cells(line + c) > width:
                lines.append(line)
                line = ""
            line += c
    return [*lines, line] if line or not lines else lines


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _cells(text))


def side_by_side(left: str, right: str, width: int) -> list[str]:
    """Two texts in two columns of ``width`` cells each."""
    a, b = wrap(left, width), wrap(right, width)
    a += [""] * (len(b) - len(a))
    b += [""] * (len(a) - len(b))
    return [f"  {_pad(x, width)} │ {y}".rstrip() for x, y in zip(a, b, strict=True)]


def _or_dash(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "-" if value in (None, "", []) else str(value)


def _other(o: Mapping[str, Any]) -> str:
    return f"{o['id']} {o.get('canonical_url') or o.get('url') or '(no longer stored)'}"


def article_lines(r: Mapping[str, Any]) -> list[str]:
    """``newsmill show``: an article's metadata, text, duplicate links with
    both sides of each linked passage, and the lines the cleaner removed
    with their rules. Paragraphs are numbered from 1 here (the record's
    ``paragraph`` fields count from 0)."""
    width = _width()
    source = r.get("source") or {}
    meta = [
        ("id", r["id"]),
        ("url", r["url"]),
        *([("canonical", r["canonical_url"])] if r["canonical_url"] != r["url"] else []),
        ("site", r["site"]),
        ("published", _or_dash(r["published_at"])),
        ("modified", _or_dash(r["modified_at"])),
        ("language", _or_dash(r["language"])),
        ("authors", ", ".join(r["authors"]) or "-"),
        ("extraction", _or_dash(r["extraction"])),
        ("version", f"{r['version']} (stored {_or_dash(r['stored_at'])}, seq {r['seq']})"),
        ("seen", f"first {_or_dash(r['first_seen'])}, last {_or_dash(r['last_seen'])}"),
        ("fetched", _or_dash(r["fetched_at"])),
        ("source", f"{source.get('name')} ({source.get('kind')}) {source.get('url')}"),
        ("raw", _or_dash(r["raw"])),
        ("words", f"{r['word_count']}" + (f", novelty {r['novelty']:.2f}" if r.get("novelty") is not None
                                          else "")),
    ]
    if r.get("original"):
        similarity = f"similarity {r['similarity']:.2f}" if r.get("similarity") is not None else "similarity -"
        meta.append(("copy of", f"{_other(r['original'])} ({similarity})"))
    for i, c in enumerate(r.get("copies") or []):
        similarity = f"similarity {c['similarity']:.2f}" if c.get("similarity") is not None else "similarity -"
        meta.append(("copies" if i == 0 else "", f"{_other(c)} ({similarity})"))
    lines = [r["title"] or "(no title)", ""]
    lines += [f"  {k:<11} {v}" for k, v in meta]
    paragraphs: Sequence[str] = r["paragraphs"]
    lines += ["", f"Text ({_count(len(paragraphs), 'paragraph')}, {_count(r['word_count'], 'word')})"]
    for i, p in enumerate(paragraphs, 1):
        lines += ["", *(f"  {'¶' + str(i) if n == 0 else '':<5}{text}" for n, text in
                        enumerate(wrap(p, width - 7)))]
    linked = r.get("linked_passages") or []
    lines += ["", f"Linked passages ({len(linked)})"]
    if not linked:
        lines.append("  none: no paragraph of this article is in another stored article")
    column = (width - 5) // 2
    for link in linked:
        o = link["other"]
        mine, theirs = link["paragraph"] + 1, o["paragraph"] + 1
        how = (f"repeats ¶{theirs} of the earlier" if link["direction"] == "earlier"
               else f"is repeated by ¶{theirs} of the later")
        lines += ["", f"  ¶{mine} {how} {_other(o)} (similarity {link['similarity']:.2f})"]
        lines += side_by_side(f"[this article, ¶{mine}]", f"[{o.get('site') or o['id']}, ¶{theirs}]", column)
        lines += side_by_side(_or_dash(link["text"]), o.get("text") or "(paragraph no longer stored)", column)
    removed = r.get("boilerplate_removed") or []
    lines += ["", f"Removed lines ({len(removed)})"]
    if not removed:
        lines.append("  none: the cleaner removed nothing from this article")
    rule_width = max((len(x["rule"]) for x in removed), default=0)
    for x in removed:
        lines.append(f"  {x['rule']:<{rule_width}}  {x['text']}")
    return lines


def search_lines(hits: Sequence[Mapping[str, Any]]) -> list[str]:
    """``newsmill search``: each hit, best first: its rank, title, site,
    publication day and id, then its snippet (matches between ``**``)."""
    width = _width()
    lines: list[str] = []
    for n, h in enumerate(hits, 1):
        when = h["published_at"] or h["fetched_at"]
        day = when.date().isoformat() if isinstance(when, datetime) else "-"
        copy = f", copy of {h['duplicate_of']}" if h.get("duplicate_of") else ""
        if n > 1:
            lines.append("")
        lines.append(f"{n:>3}. {h['title'] or '(no title)'}")
        lines.append(f"     {h['site']}  {day}  {h['language'] or '-'}  {h['id']}{copy}")
        lines.append(f"     {h['url']}")
        lines += [f"     {line}" for line in wrap(h["snippet"], width - 5)]
    return lines


def _count(n: int, word: str) -> str:
    return plural(n, word)


def stats_lines(s: Mapping[str, Any], site_rows: int = STATS_SITE_ROWS) -> list[str]:
    """``newsmill stats``: the store's counts as a table (``--json`` prints ``s`` itself)."""
    lines = [
        "store",
        f"  articles:            {s['articles']} ({s['canonical']} canonical, {_count(s['duplicates'], 'duplicate')})",
        f"  sites:               {len(s['by_site'])}",
        f"  passage links:       {s['passage_links']}",
        f"  boilerplate removed: {_count(s['boilerplate_removed'], 'line')}",
        f"  failures:            {sum(s['failures'].values())}",
        f"  fetches:             {sum(s['fetches'].values())}",
        f"  runs:                {s['runs']}",
    ]
    lines += _table("by site", ("site", "articles", "duplicates"),
                    sorted(((site, row["articles"], row["duplicates"]) for site, row in s["by_site"].items()),
                           key=lambda x: (-x[1], x[0])), site_rows, ("site", "sites"))
    lines += _table("boilerplate removed by rule", ("rule", "lines"),
                    sorted(s["boilerplate_by_rule"].items(), key=lambda x: (-x[1], x[0])), site_rows, ("rule", "rules"))
    lines += _table("failures by stage/status", ("stage/status", "count"),
                    sorted(s["failures"].items(), key=lambda x: (-x[1], x[0])), site_rows, ("kind", "kinds"))
    lines += _table("fetches by status", ("status", "count"),
                    sorted(s["fetches"].items(), key=lambda x: (-x[1], x[0])), site_rows, ("status", "statuses"))
    return lines


def _table(title: str, heads: Sequence[str], rows: Sequence[Sequence[Any]], limit: int,
           noun: tuple[str, str]) -> list[str]:
    """A titled table, the first ``limit`` rows, then one line totalling the others."""
    if not rows:
        return []
    shown, rest = rows[:limit], rows[limit:]
    widths = [max(len(h), *(_cells(str(row[i])) for row in shown)) for i, h in enumerate(heads)]

    def line(cells: Sequence[Any]) -> str:
        first = _pad(str(cells[0]), widths[0])
        return "  " + "  ".join([first, *(str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    out = ["", title, line(heads), *(line(row) for row in shown)]
    if rest:
        sums = [sum(int(row[i]) for row in rest) for i in range(1, len(heads))]
        out.append(f"  … and {plural(len(rest), 'more ' + noun[0], 'more ' + noun[1])}: "
                   + ", ".join(f"{n} {h}" for n, h in zip(sums, heads[1:], strict=True)))
    return out


__all__ = ["STATS_SITE_ROWS", "article_lines", "side_by_side", "stats_lines", "wrap"]
