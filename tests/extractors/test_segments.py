"""Glued lines cut back at the page's own lines (newsmill.extractors.segments)."""

from __future__ import annotations

import json

from lxml import html as lxml_html

from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import extract
from newsmill.extractors.dom import element_lines
from newsmill.extractors.engine import fast_text
from newsmill.extractors.segments import GLUED_MIN_CHARS, split_glued

URL = "https://news.example.com/2025/06/12/crossing.html"
TITLE = "Council approves the river crossing"
PARAS = [
    "The regional council approved the new river crossing on Thursday after three years of consultations, "
    "surveys and a public inquiry that drew more than two thousand written submissions from residents.",
    "Work on the foundations is due to begin in the spring, the council said, with the deck lifted into "
    "place the following summer and the first buses crossing before the end of the year after that.",
    "Opponents of the scheme, who had argued for a tunnel further downstream, said they would study the "
    "decision before deciding whether to take the matter to the courts, as they had threatened to do.",
    "The council's transport committee said the bridge would cut journey times between the two largest "
    "towns of the valley by a quarter, and take four thousand lorries a day off the old town's streets.",
    "A spokeswoman for the contractor said the steel for the deck would come from a mill in the north of "
    "the country, and that the work would employ about three hundred people at its busiest.",
    "The first public meeting on the works is set for next month in the old town hall, where the "
    "engineers will show the route, the timetable and the diversions the works will need.",
]
CREDIT = "Photo: Anna Berg / Valley Times"
BYLINE = ("Written by: Anna Berg, transport correspondent of the Valley Times, who has followed the "
          "crossing since the first consultation")
DATELINE = "Published June 12, 2025, updated June 13, 2025 at 09:40 after the council published its minutes"
STANDFIRST = ("A bridge for the valley, after three years of argument: the crossing, the route and the "
              "contractor are chosen.")


def tree(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><body>{body}</body></html>")


def glued(*parts: str) -> str:
    return " ".join(parts)


def test_a_glued_article_is_cut_at_its_paragraphs_and_keeps_every_word() -> None:
    page = tree("<article><h1>" + TITLE + "</h1>" + "".join(f"<p>{p}</p>" for p in PARAS[:3])
                + f"<div class='pic'><div>{CREDIT}</div></div>"
                + "".join(f"<p>{p}</p>" for p in PARAS[3:]) + "</article>")
    line = glued(TITLE, *PARAS[:3], CREDIT, *PARAS[3:])
    assert len(line) >= GLUED_MIN_CHARS
    out = split_glued(["Before it", line, "After it"], page)
    assert out == ["Before it", TITLE, *PARAS[:3], CREDIT, *PARAS[3:], "After it"]
    assert " ".join(out[1:-1]) == line


def test_text_between_page_lines_becomes_a_line_of_its_own() -> None:
    """"Share" is shorter than an anchor: the text between two paragraphs
    the page gives whole is kept, as one line, where it stood."""
    page = tree("<div>" + "".join(f"<p>{p}</p><span>Share</span>" for p in PARAS) + "</div>")
    out = split_glued([glued(*(f"{p} Share" for p in PARAS))], page)
    assert out == [x for p in PARAS for x in (p, "Share")]


def test_short_lines_and_single_paragraphs_are_left_alone() -> None:
    long_paragraph = " ".join(PARAS)  # one <p>: a long paragraph, not a glued article
    page = tree(f"<nav><ul><li>{PARAS[1]}</li><li>{PARAS[4]}</li></ul></nav><p>{long_paragraph}</p>")
    lines = [PARAS[0], long_paragraph]
    assert split_glued(lines, page) == lines


def test_menu_lines_recurring_inside_a_paragraph_do_not_cut_it() -> None:
    """Product names listed in the page's menu also appear inside a long
    text the page does not show as it is (an ``articleBody``): they cover
    too little of it to be its paragraphs."""
    names = ["Milky Jelly Cleanser Bar", "Priming Moisturizer Rich", "Invisible Shield Daily"]
    prose = " ".join([f"Receive a free {names[0]} with your purchase of three or more products, and a "
                      f"{names[1]} or an {names[2]} with any order over forty pounds."] * 8)
    page = tree("<nav><ul>" + "".join(f"<li>{n}</li>" for n in names) + f"</ul></nav><p>{PARAS[0]}</p>")
    assert len(prose) >= GLUED_MIN_CHARS
    assert split_glued([prose], page) == [prose]


def test_a_page_line_is_found_only_as_whole_words() -> None:
    """"council approved the new river" is a line of the page, but in the
    glued text it is only the start of "rivers": no cut inside a word."""
    changed = PARAS[0].replace("new river", "new rivers")
    page = tree("".join(f"<p>{p}</p>" for p in PARAS[1:]) + "<div>council approved the new river</div>")
    assert split_glued([glued(*PARAS[1:], changed)], page) == [*PARAS[1:], changed]


def test_paragraphs_of_a_script_without_spaces_are_found_side_by_side() -> None:
    """A Chinese ``articleBody`` runs its paragraphs together with no space:
    a paragraph ends where the next begins, letters on both sides."""
    paras = [line for n in range(1, 21) for line in (
        f"第{n}部分市议会批准新的过河大桥工程计划",  # a heading: no stop before the next paragraph's first letter
        f"市议会周四批准了第{n}期工程，明年春天开工，预计三年后通车，居民可以参加听证会。")]
    page = tree("".join(f"<p>{p}</p>" for p in paras))
    assert len("".join(paras)) >= GLUED_MIN_CHARS
    assert split_glued(["".join(paras)], page) == paras


def test_lines_follow_the_page_order() -> None:
    """A menu at the top repeats the third paragraph as a headline: the
    chain that follows the page's order through the line still cuts every
    paragraph."""
    page = tree(f"<nav><a href='/a'><div>{PARAS[2]}</div></a></nav>"
                + "".join(f"<p>{p}</p>" for p in PARAS))
    assert split_glued([glued(*PARAS)], page) == PARAS


def test_code_and_table_rows_are_not_cut() -> None:
    code_lines = [f'    "field_{i}": "value number {i} of the record",' for i in range(40)]
    page = tree(f"<p>{PARAS[0]}</p><pre>{chr(10).join(code_lines)}</pre><p>{PARAS[1]}</p>")
    code = " ".join(" ".join(code_lines).split())
    assert element_lines(page, whole=frozenset({"pre"})) == [PARAS[0], code, PARAS[1]]
    assert split_glued([glued(PARAS[0], code, PARAS[1])], page) == [PARAS[0], code, PARAS[1]]
    cells = [f"cell {i} " + "x" * 30 for i in range(40)]
    row = "| " + " | ".join(cells) + " |"
    cell_page = tree("<table><tr>" + "".join(f"<td><div>{c}</div></td>" for c in cells) + "</tr></table>")
    assert split_glued([row], cell_page) == [row]


def doc(html: str) -> RawDocument:
    return RawDocument(url=URL, body=html.encode(), source=SourceRef("test", "urls", ""), site="news.example.com",
                       content_type="text/html; charset=utf-8", http_status=200)


def wrapped_article(head: str = "") -> str:
    """A page whose article body sits in a wrapper named like an ad slot,
    which trafilatura's main extractor prunes: its baseline rescue then
    reads the whole ``<article>`` as one paragraph."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>{head}</head>'
            f"<body><article><header><h1>{TITLE}</h1><div class='byline'>{BYLINE}</div>"
            f"<div class='dateline'>{DATELINE}</div><div class='standfirst'>{STANDFIRST}</div></header>"
            "<div class='share-row'>Share</div><div class='body-ad-wrapper'>"
            + "".join(f"<p>{p}</p>" for p in PARAS[:2])
            + f"<div class='pic'><img src='/bridge.jpg'><div>{CREDIT}</div></div><h2>Opposition</h2>"
            + "".join(f"<p>{p}</p>" for p in PARAS[2:]) + "</div></article></body></html>")


def test_an_article_trafilatura_reads_as_one_paragraph_is_stored_paragraph_by_paragraph() -> None:
    html = wrapped_article()
    found = fast_text(lxml_html.fromstring(html), URL, include_tables=True)
    assert len(found) == 1 and all(p in found[0] for p in PARAS)  # the shape this guards against
    article = extract(doc(html))
    assert article.extraction == "trafilatura.fast"
    for p in PARAS:
        assert p in article.paragraphs
    assert "Opposition" in article.paragraphs
    removed = {(r.rule, r.text) for r in article.boilerplate_removed}
    assert ("credit.photo", CREDIT) in removed
    assert ("share.buttons", "Share") in removed
    assert CREDIT not in article.text and "\nShare\n" not in article.text


def test_an_article_body_in_json_ld_without_line_breaks_is_cut_at_the_page_paragraphs() -> None:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE,
            "datePublished": "2025-06-12T08:00:00Z", "articleBody": " ".join(PARAS)}
    article = extract(doc(wrapped_article(f'<script type="application/ld+json">{json.dumps(data)}</script>')))
    assert article.extraction == "jsonld"
    assert article.paragraphs == PARAS
