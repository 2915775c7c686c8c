"""The recall side of extraction: lists kept, the recall guard and its
fallbacks (the ``extraction`` field says which path produced the text),
skipped blocks put back, and the decoding of mislabelled UTF-8."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import body as body_module
from newsmill.extractors import dom as dom_module
from newsmill.extractors import extract
from newsmill.extractors.body import BodyOptions, find_body, jsonld_body
from newsmill.extractors.clean import Cleaner
from newsmill.extractors.decode import decode
from newsmill.extractors.dom import page_blocks
from newsmill.extractors.fill import complete

REF = SourceRef("test", "urls", "")
URL = "https://news.example.com/2025/06/10/story.html"

LEAD = ("The mountain rescue service published its advice for summer hikers on Tuesday, after a season in "
        "which call-outs for exhausted and lost walkers rose by a fifth compared with the year before.")
CLOSE = ("Most rescues, the service said, begin with a walker who set out too late or without water, and "
         "almost all of them could have been avoided with the kit on this list and an early start.")
ITEMS = ["Map", "Compass", "Head torch", "Spare batteries", "Water bottle", "Rain jacket", "Warm hat",
         "Gloves", "First aid kit", "Whistle", "Sun cream", "Snacks", "Phone charger", "Emergency blanket"]


def doc(body: bytes, ctype: str | None = "text/html; charset=utf-8") -> RawDocument:
    return RawDocument(url=URL, body=body, source=REF, site="news.example.com", content_type=ctype,
                       http_status=200)


def page(body: str, head: str = "") -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story</title>{head}</head>'
            f"<body>{body}</body></html>").encode()


def test_a_list_article_keeps_its_short_items() -> None:
    """Fourteen one- and two-word lines that are not links: the items of
    the article's list, not a menu."""
    items = "".join(f"<li>{item}</li>" for item in ITEMS)
    article = extract(doc(page(f"<article><h1>What to pack for a summer hike</h1><p>{LEAD}</p>"
                               f"<h2>The list</h2><ul>{items}</ul><p>{CLOSE}</p></article>")))
    for item in ITEMS:
        assert any(item in p for p in article.paragraphs), item
    assert not [r for r in article.boilerplate_removed if r.rule == "nav.short_run"]
    assert article.extraction is not None and article.extraction.startswith("trafilatura.")


def test_a_run_of_short_links_is_still_a_menu() -> None:
    menu = "".join(f'<p><a href="/s/{i}">{item}</a></p>' for i, item in enumerate(ITEMS))
    article = extract(doc(page(f"<div>{menu}<h1>Summer hiking advice</h1><p>{LEAD}</p><p>{CLOSE}</p></div>")))
    assert not any(p == "Compass" for p in article.paragraphs)
    assert LEAD in article.paragraphs


def test_the_menu_rule_reads_link_shares_when_the_page_gives_them() -> None:
    lines = [LEAD, *ITEMS, CLOSE]
    linked = Cleaner().clean(lines, links=[0.0, *[1.0] * len(ITEMS), 0.0])
    text = Cleaner().clean(lines, links=[0.0, *[0.0] * len(ITEMS), 0.0])
    unknown = Cleaner().clean(lines)  # plain text: no page to ask
    assert linked.paragraphs == unknown.paragraphs == [LEAD, CLOSE]
    assert text.paragraphs == lines


def test_a_body_only_in_json_ld_is_recovered_and_says_so() -> None:
    paragraphs = [LEAD, CLOSE, "The service also asked walkers to leave their route with someone at home, "
                  "and to turn back when the weather turns, however close the summit looks."]
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Summer hiking advice",
            "datePublished": "2025-06-10T08:00:00Z", "articleBody": "\n\n".join(paragraphs)}
    head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    # What a script-rendered page serves: a header, a teaser, no article.
    html = page('<header><a href="/">Home</a></header><div id="app"><h1>Summer hiking advice</h1>'
                "<p>Loading the article...</p></div>", head)
    article = extract(doc(html))
    assert article.extraction == "jsonld"
    assert article.paragraphs[:3] == paragraphs


def test_json_ld_does_not_replace_a_full_extraction() -> None:
    data = {"@type": "NewsArticle", "articleBody": "A short summary of the story."}
    head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    article = extract(doc(page(f"<article><h1>Advice</h1><p>{LEAD}</p><p>{CLOSE}</p></article>", head)))
    assert article.extraction == "trafilatura.fast"
    assert jsonld_body(lxml_html.document_fromstring(page("<p>x</p>", head))) == "A short summary of the story."


def test_json_ld_padded_with_layout_is_measured_by_its_text() -> None:
    """An articleBody holding the rendered HTML's indentation and entities
    (tags stripped by the CMS) is not "much longer" than a full extraction;
    when it is the body, its entities are decoded."""
    padding = "\n" + " " * 400 + "\n"
    body = padding.join(["Don&rsquo;t miss it", LEAD, CLOSE, f"{LEAD} &mdash; again, the service said."])
    head = f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", "articleBody": body})}</script>'
    article = extract(doc(page(f"<article><h1>Advice</h1><p>{LEAD}</p><p>{CLOSE}</p></article>", head)))
    assert article.extraction == "trafilatura.fast"
    stub = page('<div id="app"><h1>Advice</h1><p>Loading the article...</p></div>', head)
    article = extract(doc(stub))
    assert article.extraction == "jsonld"
    assert "Don’t miss it" in article.paragraphs and "&rsquo;" not in article.text


def test_the_guard_runs_the_cascade_when_fast_mode_returns_a_stub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast mode returning one line of a long page: the cascade's much
    longer text is kept, and the path says so."""
    full = [LEAD, CLOSE, *(f"{LEAD} ({n})" for n in range(6))]

    def fake(page: lxml_html.HtmlElement, url: str | None, o: BodyOptions, *, fast: bool) -> list[str]:
        return [LEAD] if fast else full

    monkeypatch.setattr(body_module, "_trafilatura", fake)
    tree = lxml_html.document_fromstring(page("".join(f"<p>{line}</p>" for line in full)))
    got = find_body(tree, tree, URL, BodyOptions())
    assert got.path == "trafilatura.cascade"
    assert [line.text for line in got.lines] == full
    # The cascade not much longer than fast mode's text: fast mode's stays.
    monkeypatch.setattr(body_module, "_trafilatura", lambda p, u, o, *, fast: [LEAD] if fast else [LEAD, CLOSE])
    assert find_body(tree, tree, URL, BodyOptions()).path == "trafilatura.fast"
    # The guard off: fast mode's answer whatever it is.
    monkeypatch.setattr(body_module, "_trafilatura", fake)
    assert find_body(tree, tree, URL, BodyOptions(guard=False)).path == "trafilatura.fast"


def test_prose_in_divs_counts_as_page_text_for_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Posts written straight into ``<div>``s with ``<br>`` (forums, old
    CMSs) are page text the guard weighs fast mode's answer against: one
    post of a long thread sends it to the cascade."""
    posts = "".join(f"<div class='post'>{LEAD}<br>{CLOSE}<br>{LEAD} ({n})</div>" for n in range(8))
    tree = lxml_html.document_fromstring(page(f"<h1>Thread</h1>{posts}"))
    assert sum(len(b.text) for b in page_blocks(tree)) < 100  # no block element holds the posts
    assert dom_module.loose_chars(tree) > 8 * len(LEAD + CLOSE)
    one_post = [LEAD, CLOSE, f"{LEAD} (0)"]  # one post: over GUARD_MIN_CHARS, under a fifth of the thread
    thread = [line for n in range(8) for line in (LEAD, CLOSE, f"{LEAD} ({n})")]
    monkeypatch.setattr(body_module, "_trafilatura", lambda p, u, o, *, fast: one_post if fast else thread)
    assert find_body(tree, tree, URL, BodyOptions()).path == "trafilatura.cascade"
    # Text inside blocks, skipped elements and short labels is not loose text.
    other = lxml_html.document_fromstring(page(f"<div><p>{LEAD}</p><nav>{LEAD}</nav><script>var a = '{LEAD}';</script>"
                                               "<div>Share this page</div></div>"))
    assert dom_module.loose_chars(other) == 0


def test_fast_mode_text_of_an_article_length_is_not_second_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast mode's text of ``GUARD_ENOUGH_CHARS`` or more is the article,
    even on a page with five times more text: the cascade is not run."""
    article = [f"{LEAD} ({n})" for n in range(body_module.GUARD_ENOUGH_CHARS // len(LEAD) + 1)]
    tree = lxml_html.document_fromstring(page("".join(f"<p>{line}</p>" for line in article * 6)))
    calls: list[bool] = []

    def fake(page: lxml_html.HtmlElement, url: str | None, o: BodyOptions, *, fast: bool) -> list[str]:
        calls.append(fast)
        return article if fast else [f"{line} [{k}]" for k in range(6) for line in article]

    monkeypatch.setattr(body_module, "_trafilatura", fake)
    assert find_body(tree, tree, URL, BodyOptions()).path.startswith("trafilatura.fast")
    assert calls == [True]
    # One line less than that: the guard weighs it against the page, and the cascade wins.
    calls.clear()
    article = article[:-2]
    assert find_body(tree, tree, URL, BodyOptions()).path.startswith("trafilatura.cascade")
    assert calls == [True, False]


def test_a_cascade_longer_only_by_repeating_itself_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's hidden copies of its teasers make the cascade's text three
    times longer with nothing new: fast mode's text stays."""
    tree = lxml_html.document_fromstring(page("".join(f"<p>{LEAD} ({n})</p>" for n in range(12))))
    fast_lines = [LEAD, CLOSE]
    monkeypatch.setattr(body_module, "_trafilatura", lambda p, u, o, *, fast: fast_lines if fast else fast_lines * 3)
    assert find_body(tree, tree, URL, BodyOptions()).path.startswith("trafilatura.fast")


BARRIER = [
    "The river authority opened the new flood barrier on Monday, two years after the spring floods that closed "
    "the old town's bridges for a month.",
    "Engineers said the barrier can hold back water a metre higher than the worst flood on record, and that it "
    "will be raised about six times a year.",
    "Shop owners on the embankment, who lost most of their stock in the floods, said they would believe it when "
    "they saw the first high tide held back.",
    "The authority will test the barrier's gates every first Sunday of the month, when the riverside path will "
    "be closed from eight until noon.",
    "The project cost 48 million euros, a third of it paid by the region and the rest by the national flood "
    "fund, and came in four months late.",
]


def test_an_article_inside_an_unclosed_popup_is_found_by_recall_mode() -> None:
    """A newsletter popup's ``<aside>`` never closed, so the page's header
    and article sit inside it: fast mode and the cascade drop the aside
    whole and find nothing; recall mode searches it, and the path says so."""
    paragraphs = "".join(f"<p>{line}</p>" for line in BARRIER)
    body = ('<aside class="popup-overlay"><div class="popup"><p>Sign up for our newsletter</p></div>'
            '<header class="site-header"><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
            f'<article class="entry"><h1>The flood barrier opens</h1><div class="entry-text">{paragraphs}</div>'
            "</article></header></aside>")
    tree = lxml_html.document_fromstring(page(body))
    assert body_module._trafilatura(tree, URL, BodyOptions(), fast=True) == []
    assert body_module._trafilatura(tree, URL, BodyOptions(), fast=False) == []
    article = extract(doc(page(body)))
    assert article.extraction is not None and article.extraction.startswith("trafilatura.recall")
    assert article.paragraphs[-len(BARRIER):] == BARRIER


def test_recall_mode_runs_only_when_the_cascade_is_still_a_stub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast mode and the cascade both a stub: recall mode's much longer
    text is kept. A cascade that found the article: recall mode is not run."""
    full = [LEAD, CLOSE, *(f"{LEAD} ({n})" for n in range(6))]
    tree = lxml_html.document_fromstring(page("".join(f"<p>{line}</p>" for line in full)))
    calls: list[tuple[bool, bool]] = []

    def fake(page: lxml_html.HtmlElement, url: str | None, o: BodyOptions, *, fast: bool) -> list[str]:
        calls.append((fast, o.favor_recall))
        return full if o.favor_recall else [LEAD]

    monkeypatch.setattr(body_module, "_trafilatura", fake)
    assert find_body(tree, tree, URL, BodyOptions()).path == "trafilatura.recall"
    assert calls == [(True, False), (False, False), (True, True)]
    calls.clear()
    monkeypatch.setattr(body_module, "_trafilatura", lambda p, u, o, *, fast: [LEAD] if fast else full)
    assert find_body(tree, tree, URL, BodyOptions()).path == "trafilatura.cascade"
    # Already in recall mode (the user's setting): not run twice.
    calls.clear()

    def stub(page: lxml_html.HtmlElement, url: str | None, o: BodyOptions, *, fast: bool) -> list[str]:
        calls.append((fast, o.favor_recall))
        return [LEAD]

    monkeypatch.setattr(body_module, "_trafilatura", stub)
    assert find_body(tree, tree, URL, BodyOptions(favor_recall=True)).path == "trafilatura.fast"
    assert calls == [(True, True), (False, True)]


def test_fill_puts_back_skipped_blocks_inside_the_article_only() -> None:
    tree = lxml_html.document_fromstring(
        "<html><body><nav><ul><li>Home</li></ul></nav><article><p>First paragraph of the story here.</p>"
        "<h2>A subheading trafilatura dropped</h2><ul><li>An item of the list</li></ul>"
        '<div class="share-bar"><p>Share this story with friends</p></div>'
        "<figure><figcaption>A caption under the photo</figcaption></figure>"
        "<p>Last paragraph of the story here.</p></article><p>After the article: footer text.</p>"
        "</body></html>")
    lines = ["First paragraph of the story here.", "Last paragraph of the story here."]
    got = complete(page_blocks(tree), lines)
    assert [(line.text, line.added) for line in got] == [
        ("First paragraph of the story here.", False), ("A subheading trafilatura dropped", True),
        ("- An item of the list", True), ("Last paragraph of the story here.", False)]
    assert [line.text for line in complete(page_blocks(tree), lines, fill=False)] == lines


def test_fill_reads_the_article_container_as_article_even_inside_an_unclosed_nav() -> None:
    # The page never closes its <nav>: the parser puts <main> (and the
    # article) inside it. What holds both kept blocks is the article, not a
    # widget; a widget inside the article is still left out.
    tree = lxml_html.document_fromstring(
        '<html><body><header><nav class="navbar"><ul><li>Home</li><li>About</li></ul>'
        '<main class="content"><p>First paragraph of the story here.</p>'
        "<h3>Identification characteristics</h3><ul><li>Twigs: a shrub or a small tree.</li></ul>"
        '<div class="share-bar"><p>Share this story with friends</p></div>'
        "<p>Last paragraph of the story here.</p></main></body></html>")
    assert tree.find(".//main").getparent().tag == "nav"  # the parser's reading, the case under test
    lines = ["First paragraph of the story here.", "Last paragraph of the story here."]
    assert [(line.text, line.added) for line in complete(page_blocks(tree), lines)] == [
        ("First paragraph of the story here.", False), ("Identification characteristics", True),
        ("- Twigs: a shrub or a small tree.", True), ("Last paragraph of the story here.", False)]


def test_fill_reads_lines_broken_by_br_apart() -> None:
    # trafilatura gave the first item's <br> lines as lines of their own: the
    # item is not put back a second time, glued ("BenchBrand"); the second
    # item, which it skipped, comes back with its breaks as spaces.
    tree = lxml_html.document_fromstring(
        "<html><body><article><p>First paragraph of the story here.</p><ol>"
        "<li><p><span>Compact Weight Bench</span><br><span>Price: $299</span></p></li>"
        "<li><p><span>Jump Rope</span><br><span>Price: $30</span></p></li></ol>"
        "<p>Last paragraph of the story here.</p></article></body></html>")
    lines = ["First paragraph of the story here.", "Compact Weight Bench", "Price: $299",
             "Last paragraph of the story here."]
    assert [(line.text, line.added) for line in complete(page_blocks(tree), lines)] == [
        ("First paragraph of the story here.", False), ("Compact Weight Bench", False), ("Price: $299", False),
        ("Jump Rope Price: $30", True), ("Last paragraph of the story here.", False)]


CHUNK_PARAS = [LEAD, CLOSE,
               "The service also asked walkers to leave their route with someone at home, and to turn back "
               "when the weather turns, however close the summit looks.",
               "Volunteers answered more than four hundred calls last summer, a third of them after dark, and "
               "most within two hours' walk of a car park.",
               "The advice is printed on a card handed out at the visitor centres, and read aloud at the start "
               "of every guided walk this season."]


def chunked(paras: list[str], *, wrapper: str = "article", extra: str = "") -> str:
    """An article body a CMS split into chunks of one class around ad slots."""
    def chunk(ps: list[str]) -> str:
        return ('<div class="grid grid-layout"><div class="body body__container article__body">'
                + "".join(f"<p>{p}</p>" for p in ps) + '</div><div class="ad-rail"></div></div>')
    return (f"<main><{wrapper}><header><h1>Summer hiking advice</h1></header><div class='article__chunks'>"
            f"{chunk(paras[:2])}<div class='ad'><span>Advertisement</span></div>{chunk(paras[2:4])}"
            f"{extra}{chunk(paras[4:])}</div></{wrapper}></main>")


def test_an_article_split_into_chunks_is_put_back_whole() -> None:
    """trafilatura keeps the first chunk only (the shape of several
    magazine CMSs): the chunks after it are the article too."""
    article = extract(doc(page(chunked(CHUNK_PARAS))))
    assert article.paragraphs == CHUNK_PARAS
    assert article.extraction is not None and article.extraction.endswith("+fill")


def test_chunks_outside_an_article_or_holding_a_headline_are_not_put_back() -> None:
    lines = CHUNK_PARAS[:2]
    inside = lxml_html.document_fromstring(page(chunked(CHUNK_PARAS)))
    got = complete(page_blocks(inside), [*lines, "A line trafilatura found after the article"])
    assert [(line.text, line.added) for line in got] == [
        *((p, False) for p in lines), *((p, True) for p in CHUNK_PARAS[2:]),
        ("A line trafilatura found after the article", False)]
    # Same-class containers outside any <article>: a listing's cards, a sidebar's columns.
    outside = lxml_html.document_fromstring(page(chunked(CHUNK_PARAS, wrapper="div")))
    assert [line.text for line in complete(page_blocks(outside), lines)] == lines
    # A chunk that holds a headline is the next story of an endless page, and so is what follows it.
    story = ('<div class="grid grid-layout"><div class="body body__container article__body">'
             "<h1>Another story</h1><p>The next story of the page begins here with its own lead.</p></div></div>")
    endless = lxml_html.document_fromstring(page(chunked(CHUNK_PARAS, extra=story)))
    got = [line.text for line in complete(page_blocks(endless), lines)]
    assert "The next story of the page begins here with its own lead." not in got
    assert got[:4] == CHUNK_PARAS[:4]


def test_utf8_served_with_a_legacy_label_is_read_as_utf8() -> None:
    text = "Ceará anuncia sessão extraordinária às 14h"
    body = f'<html><head><meta charset="iso-8859-1"></head><body><p>{text}</p></body></html>'.encode()
    assert text in decode(body).text
    assert text in decode(body, "text/html; charset=windows-1252").text
    # A real Latin-1 page stays Latin-1.
    latin = f'<html><head><meta charset="iso-8859-1"></head><body><p>{text}</p></body></html>'.encode("latin-1")
    decoded = decode(latin)
    assert (decoded.text, decoded.encoding, decoded.source) == (latin.decode("latin-1"), "iso8859-1", "document")


def test_a_subheading_in_capitals_is_content_and_a_linked_one_is_not() -> None:
    html = page(f"<article><h1>Jam at home</h1><p>{LEAD}</p><h2>WHAT YOU NEED TO MAKE JAM</h2><p>{CLOSE}</p>"
                '<p><a href="/2025/06/09/other.html">RESCUE SERVICE WARNS OF SUMMER STORMS</a></p>'
                f"<p>{LEAD} Again, in other words.</p></article>")
    article = extract(doc(html))
    assert "WHAT YOU NEED TO MAKE JAM" in article.paragraphs
    assert [r.text for r in article.boilerplate_removed if r.rule == "related.caps_headline"] == [
        "RESCUE SERVICE WARNS OF SUMMER STORMS"]


TEASERS = [("Rescue team trains with new drones", "The pilots practised night searches above the pass"),
           ("Hut prices rise for the summer", "A bed now costs a third more than last year"),
           ("Trail closed after a rock fall", "Walkers are asked to take the valley path instead")]


def test_trailing_teasers_go_and_a_reference_list_stays() -> None:
    """The page tells which list items open with a link: a list of linked
    headlines, each with its summary, after the article is other stories;
    a list of sources whose links follow the text is the article's."""
    teasers = "".join(f'<li><a href="/s/{i}">{head}</a> {dek}</li>' for i, (head, dek) in enumerate(TEASERS))
    article = extract(doc(page(f"<article><h1>Summer hiking advice</h1><p>{LEAD}</p><p>{CLOSE}</p>"
                               f"<ul>{teasers}</ul></article>")))
    assert article.paragraphs[-1] == CLOSE
    assert [r.rule for r in article.boilerplate_removed if TEASERS[0][0] in r.text] == ["related.teaser_trailing"]
    sources = "".join(f'<li>{dek}: <a href="/s/{i}">{head}</a></li>' for i, (head, dek) in enumerate(TEASERS))
    kept = extract(doc(page(f"<article><h1>Summer hiking advice</h1><p>{LEAD}</p><p>{CLOSE}</p>"
                            f"<ul>{sources}</ul></article>")))
    assert kept.paragraphs[-1].endswith(TEASERS[-1][0])
    assert not [r for r in kept.boilerplate_removed if r.rule == "related.teaser_trailing"]
