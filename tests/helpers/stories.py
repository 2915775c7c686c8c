"""Pages written by the tests: three stories on two sites that share a
paragraph (an article with a copyright line, another site's story that
repeats one of its paragraphs, a reprint of the article), for tests that
need a store with duplicates and linked passages."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = ["harbour", "weather", "mayor", "budget", "school", "river", "museum", "station", "orchard",
         "tariff", "border", "hotel", "ferry", "council", "market", "bridge", "festival", "airport"]
COPYRIGHT = "© 2025 News Example. All rights reserved."


def news_page(site: str, n: int, title: str, paragraphs: list[str], day: int, *, author: str | None = None,
              offset: str = "+00:00") -> str:
    """An article page of ``site`` with its canonical address and date."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    byline = f'<meta name="author" content="{author}">' if author else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="https://{site}/news/{n}.html">{byline}'
            f'<meta property="article:published_time" content="2025-07-{day:02d}T09:00:00{offset}"></head>'
            f"<body><main><article><h1>{title}</h1>{body}</article></main></body></html>")


class Sentences:
    """Random sentences of :data:`WORDS`, the same for the same seed."""

    def __init__(self, seed: int) -> None:
        self._pick = random.Random(seed)

    def __call__(self, n: int = 18) -> str:
        return " ".join(self._pick.choice(WORDS) for _ in range(n)).capitalize() + "."


def write_stories(folder: Path, sentence: Sentences, *, author: str | None = None, offset: str = "+00:00") -> str:
    """Write the three stories into ``folder``; the paragraph they share."""
    shared = sentence(24)
    first = [sentence() for _ in range(4)]
    pages = {"one.html": news_page("news.example", 1, "Ferry line opens", [first[0], shared, *first[1:], COPYRIGHT],
                                   1, author=author, offset=offset),
             "two.html": news_page("other.example", 2, "Council meets",
                                   [sentence(), sentence(), shared, sentence()], 2, author=author, offset=offset),
             "three.html": news_page("other.example", 3, "Ferry line opens again", [first[0], shared, *first[1:]],
                                     3, author=author, offset=offset)}
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8")
    return shared
