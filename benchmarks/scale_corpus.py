"""A generated news crawl for the scale benchmark, written as WARC files.

Hundreds of sites, each with its own page layout, navigation, footer,
"related" list and a line of its own in every article; about a quarter of
the pages are syndicated copies of another site's article with light edits
(a new title, a word or two changed, the site's own line); quotes that many
articles carry; published dates spread over 90 days.

The text is made from the benchmark pages' real paragraphs in
``../shared/benchmarks/`` (the ``articleBody`` of both sets' ground truth):
a word-pair chain learnt from them writes new sentences, so every article's
text is new (as a crawl's is: its 5-word shingles are mostly its own) while
its words, phrases and sentence lengths are those of real pages. Without
``../shared`` the chain learns from sentences made of a fixed word list
(said so in :attr:`Corpus.text_source`), so the smoke test runs anywhere.

The generator knows what it made: :attr:`Corpus.copies` maps each copy's
URL to the URL of the article it copies, the ground truth of the smoke test.

    python -m benchmarks.scale_corpus OUT_DIR [--documents N] [--sites N] [--files N]
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
SETS = ("scrapinghub-article-extraction", "wcxb-dev")
START = datetime(2026, 1, 5, tzinfo=UTC)
DAYS = 90
COPY_SHARE = 0.25

FALLBACK_WORDS = ["the", "council", "said", "on", "monday", "that", "the", "new", "budget", "for", "the", "region", "would", "fund", "water", "pipelines", "schools", "and", "hospitals", "after", "a", "year", "of", "delays", "minister", "of", "transport", "told", "reporters", "ferry", "line", "between", "harbour", "towns", "reopens", "in", "spring", "while", "wheat", "harvest", "fell", "by", "a", "fifth", "according", "to", "official", "figures", "market", "traders", "expect", "prices", "to", "rise", "before", "the", "festival", "museum", "library", "airport", "station", "metro", "border", "crossing", "police", "officials", "residents", "families", "workers", "company", "shares", "percent", "million", "people", "report", "week", "month", "year", "government", "parliament", "election", "court", "judge", "ruling", "law", "plan", "project", "energy", "power", "grid", "storm", "weather", "flood", "rain", "snow", "temperature", "hospital", "doctors", "patients", "health", "care", "students", "teachers", "university"]


def real_paragraphs(shared: Path = SHARED) -> list[str]:
    """The paragraphs of both benchmark sets' ground-truth article bodies
    (empty when ``shared`` is absent)."""
    paragraphs: list[str] = []
    for name in SETS:
        truth = shared / name / "ground-truth.json"
        if not truth.is_file():
            continue
        for item in json.loads(truth.read_text(encoding="utf-8")).values():
            for para in str(item.get("articleBody") or "").split("\n"):
                para = " ".join(para.split())
                if len(para.split()) >= 8 and not para.endswith("..."):
                    paragraphs.append(para)
    return paragraphs


def fallback_paragraphs(rnd: random.Random, n: int = 3000) -> list[str]:
    """Paragraphs of sentences drawn from a fixed word list."""
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(rnd.randint(2, 4)):
            words = [rnd.choice(FALLBACK_WORDS) for _ in range(rnd.randint(8, 22))]
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


def shingle_jaccard(a: list[str], b: list[str], w: int = 5) -> float:
    """Jaccard of two texts' word ``w``-shingles (lower case)."""
    def shingles(paras: list[str]) -> set[tuple[str, ...]]:
        words = " ".join(paras).lower().split()
        return {tuple(words[k:k + w]) for k in range(max(1, len(words) - w + 1))}

    x, y = shingles(a), shingles(b)
    return len(x & y) / max(1, len(x | y))


class Chain:
    """A word-pair chain: each word's followers as seen in the paragraphs
    (repeats kept, so common followers come up as often as they did)."""

    def __init__(self, paragraphs: list[str]) -> None:
        self.follow: dict[str, list[str]] = {}
        self.starts: list[str] = []
        for para in paragraphs:
            words = para.split()
            self.starts.append(words[0])
            for a, b in itertools.pairwise(words):
                self.follow.setdefault(a, []).append(b)
                if a[-1] in ".!?":
                    self.starts.append(b)
        self.starts = [w for w in self.starts if w[:1].isupper() and w in self.follow] or self.starts

    def sentence(self, rnd: random.Random) -> str:
        word = rnd.choice(self.starts)
        words = [word]
        limit = rnd.randint(12, 36)
        while len(words) < limit:
            nxt = self.follow.get(word)
            if not nxt:
                break
            word = rnd.choice(nxt)
            words.append(word)
            if word[-1] in ".!?" and len(words) >= 6:
                return " ".join(words)
        text = " ".join(words).rstrip(",;:")
        return text if text[-1] in ".!?" else text + "."

    def paragraph(self, rnd: random.Random) -> str:
        return " ".join(self.sentence(rnd) for _ in range(rnd.randint(2, 4)))


SURNAMES = ["Abenova", "Baker", "Chen", "Dubois", "Esposito", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
            "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Santos", "Tanaka"]
FIRST = ["Aigerim", "Ben", "Clara", "Daniyar", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kamila",
         "Luis", "Maya", "Nurlan", "Olga", "Pavel", "Rosa", "Sami", "Tomas", "Yana"]
LAYOUTS = ("article", "story", "main", "post")


@dataclass
class Site:
    host: str
    name: str
    layout: str
    css: str
    nav: list[str]
    footer: list[str]
    own_line: str
    related: list[str] = field(default_factory=list)


@dataclass
class Page:
    url: str
    site: Site
    title: str
    author: str
    published: datetime
    paragraphs: list[str]
    copy_of: str | None = None


class Corpus:
    """``documents`` generated pages over ``sites`` sites (deterministic for a seed)."""

    def __init__(self, documents: int, sites: int = 300, seed: int = 26, shared: Path = SHARED) -> None:
        self.rnd = rnd = random.Random(seed)
        real = real_paragraphs(shared)
        if real:
            self.text_source = f"{len(real):,} paragraphs of the benchmark pages' ground truth in {shared}"
        else:
            real = fallback_paragraphs(rnd)
            self.text_source = f"no {shared}: paragraphs made of a {len(FALLBACK_WORDS)}-word list"
        self.chain = Chain(real)
        self.documents = documents
        self.sites = [self._site(i) for i in range(sites)]
        self.quotes = [f"\u201c{self.chain.sentence(rnd).rstrip('.')},\u201d said {rnd.choice(FIRST)} "
                       f"{rnd.choice(SURNAMES)}, a spokesperson." for _ in range(max(20, documents // 15))]
        self.copies: dict[str, str] = {}  # copy URL -> URL of the article it copies

    def _site(self, i: int) -> Site:
        rnd = self.rnd
        word = "".join(rnd.choice("bcdfghklmnprstvz") + rnd.choice("aeiou") for _ in range(rnd.randint(2, 4)))
        host = f"www.{word}{i}.{rnd.choice(['com', 'net', 'news', 'co.uk', 'kz', 'org'])}"
        name = f"The {word.capitalize()} {rnd.choice(['Times', 'Herald', 'Post', 'Daily', 'Wire', 'Courier'])}"
        nav = rnd.sample(["World", "Politics", "Business", "Sport", "Culture", "Science", "Opinion", "Local",
                          "Weather", "Technology", "Health", "Travel"], k=rnd.randint(5, 9))
        footer = [f"\u00a9 2026 {name}. All rights reserved.", f"Contact the newsroom: desk@{host[4:]}",
                  rnd.choice(["Terms of use", "Privacy policy", "Cookie settings"])]
        own = rnd.choice([f"Follow {name} on Telegram for breaking news.",
                          f"Subscribe to the {name} newsletter to get the morning briefing.",
                          f"Have a story? Write to {name} at tips@{host[4:]}."])
        return Site(host, name, rnd.choice(LAYOUTS), word[:3] + str(i), nav, footer, own)

    # -- pages -------------------------------------------------------------------

    def pages(self) -> Iterator[Page]:
        """The pages in crawl order (by published time, a copy after its original)."""
        rnd = self.rnd
        originals: list[Page] = []
        lo = 0  # the first original published within 3 days before the page
        times = sorted(START + timedelta(seconds=rnd.uniform(0, DAYS * 86400)) for _ in range(self.documents))
        for n, when in enumerate(times):
            site = rnd.choice(self.sites)
            while lo < len(originals) and originals[lo].published < when - timedelta(days=3):
                lo += 1
            if lo < len(originals) and rnd.random() < COPY_SHARE:
                page = self._copy(originals[rnd.randrange(lo, len(originals))], site, when, n)
            else:
                page = self._original(site, when, n, n / self.documents)
                originals.append(page)
            if len(site.related) >= 6:
                site.related.pop(0)
            site.related.append(page.title)
            yield page

    def _original(self, site: Site, when: datetime, n: int, at: float) -> Page:
        """A new story; ``at``: how far into the crawl (a quote is carried
        by stories of a few days: the quotes of the moment)."""
        rnd = self.rnd
        paras = [self.chain.paragraph(rnd) for _ in range(rnd.randint(4, 10))]
        if rnd.random() < 0.3:
            k = int(at * len(self.quotes))
            paras.insert(rnd.randint(1, len(paras)), rnd.choice(self.quotes[max(0, k - 5):k + 5]))
        title = " ".join(self.chain.sentence(rnd).split()[:rnd.randint(6, 11)]).rstrip(".,;:")
        author = f"{rnd.choice(FIRST)} {rnd.choice(SURNAMES)}"
        return Page(f"https://{site.host}/{when:%Y/%m/%d}/story-{n}", site, title, author, when, paras)

    def _copy(self, of: Page, site: Site, when: datetime, n: int) -> Page:
        """A light edit: a new title and one or two words changed in one
        paragraph, fewer when that would take the body's word 5-shingle
        Jaccard with the original's (each with its site's own line) under
        0.9: a copy of a short story stays a copy by the dedup's 0.8."""
        rnd = self.rnd
        paras = list(of.paragraphs)
        i = rnd.randrange(len(paras))
        mine = f"{paras[i]}"
        for edits in (rnd.randint(1, 2), 1, 0):
            words = mine.split()
            for _ in range(edits):
                j = rnd.randrange(1, len(words))
                words[j] = rnd.choice(self.chain.follow.get(words[j - 1], words))
            paras[i] = " ".join(words)
            if shingle_jaccard([*of.paragraphs, of.site.own_line], [*paras, site.own_line]) >= 0.9:
                break
        title = f"{of.title} ({rnd.choice(['update', 'report', 'wire'])})"
        url = f"https://{site.host}/{when:%Y/%m/%d}/syndicated-{n}"
        self.copies[url] = of.url
        return Page(url, site, title, of.author, max(when, of.published + timedelta(minutes=5)), paras, of.url)

    # -- HTML and WARC -------------------------------------------------------------

    def html(self, page: Page) -> bytes:
        s, e = page.site, html.escape
        nav = "".join(f'<li><a href="/{e(x.lower())}/">{e(x)}</a></li>' for x in s.nav)
        body = "".join(f"<p>{e(p)}</p>" for p in page.paragraphs) + f"<p>{e(s.own_line)}</p>"
        related = "".join(f'<li><a href="/r/{k}">{e(t)}</a></li>' for k, t in enumerate(s.related[:-1] or s.related))
        footer = "".join(f"<p>{e(x)}</p>" for x in s.footer)
        meta = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": page.title,
                           "datePublished": page.published.isoformat(), "author": {"@type": "Person",
                                                                                   "name": page.author},
                           "publisher": {"@type": "Organization", "name": s.name}}, ensure_ascii=False)
        byline = f'<p class="{s.css}-byline">By {e(page.author)} | {page.published:%d %B %Y, %H:%M}</p>'
        if s.layout == "article":
            main = (f'<article class="{s.css}-article"><h1>{e(page.title)}</h1>{byline}'
                    f'<div class="{s.css}-body">{body}</div></article>')
        elif s.layout == "story":
            main = (f'<div id="{s.css}-story"><h1 class="headline">{e(page.title)}</h1>{byline}'
                    f'<section class="story-text">{body}</section></div>')
        elif s.layout == "main":
            main = f'<main><header><h1>{e(page.title)}</h1>{byline}</header><div class="content">{body}</div></main>'
        else:
            main = (f'<div class="post {s.css}"><h2 class="post-title">{e(page.title)}</h2>'
                    f'<div class="post-meta">{byline}</div><div class="entry-content">{body}</div></div>')
        doc = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(page.title)} | {e(s.name)}'
               f'</title><link rel="canonical" href="{page.url}"><meta property="article:published_time" '
               f'content="{page.published.isoformat()}"><script type="application/ld+json">{meta}</script></head>'
               f'<body><header class="site-header"><a class="logo" href="/">{e(s.name)}</a><nav><ul>{nav}</ul></nav>'
               f'</header>{main}<aside class="related"><h3>Related</h3><ul>{related}</ul></aside>'
               f'<footer class="site-footer">{footer}</footer></body></html>')
        return doc.encode("utf-8")

    def write_warcs(self, out: Path, files: int = 10) -> list[Path]:
        """Write every page as a WARC response record, into ``files`` gzipped
        WARC files of equal size, in crawl order; returns them in order."""
        out.mkdir(parents=True, exist_ok=True)
        per = -(-self.documents // files)
        paths: list[Path] = []
        fh = None
        writer: WARCWriter | None = None
        for n, page in enumerate(self.pages()):
            if n % per == 0:
                if fh is not None:
                    fh.close()
                paths.append(out / f"crawl-{len(paths):03d}.warc.gz")
                fh = paths[-1].open("wb")
                writer = WARCWriter(fh, gzip=True)
            assert writer is not None
            body = self.html(page)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            record = writer.create_warc_record(page.url, "response", payload=BytesIO(body), http_headers=headers,
                                               warc_headers_dict={"WARC-Date": f"{page.published:%Y-%m-%dT%H:%M:%SZ}"})
            writer.write_record(record)
        if fh is not None:
            fh.close()
        return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--files", type=int, default=10)
    args = ap.parse_args(argv)
    corpus = Corpus(args.documents, args.sites)
    paths = corpus.write_warcs(args.out, args.files)
    print(f"{args.documents:,} pages ({len(corpus.copies):,} copies) on {args.sites} sites in {len(paths)} WARC "
          f"files under {args.out}; text: {corpus.text_source}")


if __name__ == "__main__":
    main()
