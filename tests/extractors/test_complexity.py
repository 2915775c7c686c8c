"""Markup the HTML parser would lose, repaired before the parse
(newsmill.extractors.complexity): a document closed before its end."""

from __future__ import annotations

from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import extract
from newsmill.extractors.complexity import reopen

URL = "https://news.example.com/2025/03/04/harbour.html"
PARAS = [
    "The harbour authority reopened the northern quay on Monday, six weeks after the storm that tore away "
    "part of its wall and left two cargo ships stranded in the outer basin for most of a week.",
    "Engineers worked in shifts through the night to rebuild the wall with concrete blocks brought by barge "
    "from the quarry upriver, the authority said, and the repairs cost about four million euros.",
    "Fishing crews, who had landed their catch at the smaller southern pier since the storm, said the "
    "reopening came just in time for the start of the season and would save them hours every day.",
    "The authority said a full survey of the breakwater would follow in the summer, when the sea is calm "
    "enough for divers to inspect the foundations that the storm may have undermined as well.",
]


def doc(html: str) -> RawDocument:
    return RawDocument(url=URL, body=html.encode(), source=SourceRef("test", "urls", ""), site="news.example.com",
                       content_type="text/html; charset=utf-8", http_status=200)


def closed_early(close: str = "</body>\n</html>") -> str:
    """A page whose header template ends the document: the article comes
    after the template's ``</body></html>``, the page's own at the end."""
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return ("<!DOCTYPE html><html><head><title>Northern quay reopens</title></head><body>"
            "<header><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav></header>"
            f"{close}\n<div class='blog-detail-page'><article><h1>Northern quay reopens</h1>{body}</article></div>"
            "<footer><p>Valley Times, 1 Harbour Road</p></footer></body></html>")


def test_an_article_after_an_early_document_end_is_extracted() -> None:
    for close in ("</body>\n</html>", "</HTML>", "</body>"):
        article = extract(doc(closed_early(close)))
        for para in PARAS:
            assert para in article.text, close
        assert "Valley Times, 1 Harbour Road" not in article.text


def test_reopen_removes_the_end_tags_only_when_something_follows_them() -> None:
    page = closed_early()
    reopened, changed = reopen(page)
    assert changed and "</body" not in reopened.lower() and "</html" not in reopened.lower()
    assert reopened.count("<p>") == page.count("<p>")
    for whole in ("<html><body><p>One story.</p></body></html>\n",
                  "<html><body><p>One story.</p></body>\n<!-- served by cache 4 --></html>\n<!-- 0.2 s -->",
                  "<html><body><p>One story.</p></body></html><!-- unclosed comment",
                  "<p>A fragment without end tags.</p>"):
        assert reopen(whole) == (whole, False)


def test_reopen_reads_a_long_tail_in_one_pass() -> None:
    # Whitespace runs before text: a pattern that backtracks over them
    # (such as (\s+|...)*\Z) never returns on this tail.
    tail = ("\n" + " " * 40) * 5000 + "<div>late text</div>"
    reopened, changed = reopen("<html><body><p>Top.</p></body></html>" + tail)
    assert changed and reopened.endswith("<div>late text</div>")
