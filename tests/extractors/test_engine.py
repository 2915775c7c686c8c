"""newsmill.extractors.engine: trafilatura's fast mode without its recall
escalation is the text bare_extraction gives with the escalation off, on
pages that do and do not reach the escalation; a trafilatura release that
moves its stages fails here."""

from __future__ import annotations

import pytest
import trafilatura.core
from lxml import html as lxml_html

from newsmill.extractors import body as body_module
from newsmill.extractors import engine
from newsmill.extractors.body import BodyOptions, find_body
from newsmill.extractors.engine import bare_text, fast_text

URL = "https://news.example/2026/market-hall"
PARA = ("The council voted on Tuesday to close the old market hall for repairs, which are expected to take two "
        "years and cost the city about four million euros in all.")
LATER = ("Traders will move to a temporary hall on the station square in March, and the council said their rents "
         "would stay as they are until the repairs are done.")


def _article(paragraphs: int, after: str = "") -> str:
    body = "".join(f"<p>{PARA} ({n})</p><p>{LATER} ({n})</p>" for n in range(paragraphs))
    return f"<main><article><h1>The market hall closes</h1>{body}{after}</article></main>"


def _boxed(cls: str) -> str:
    """Page text in boxes fast mode leaves out: over four fifths of the page."""
    boxes = "".join(f"<div class='{cls}'><p>{PARA} [{n}]</p></div>" for n in range(20))
    return f"<div class='{cls}-box'>{boxes}</div>"


PAGES = {
    "long article": _article(8),
    "short article beside related boxes": _article(1) + _boxed("related"),
    "short article beside widgets": _article(1) + _boxed("widget"),
    "a few words": "<main><p>Closed for repairs.</p></main>",
    "nothing": "<main></main>",
    "tables": _article(2, "<table>" + "".join(f"<tr><td>Stall {n}, fish and bread</td><td>{LATER}</td></tr>"
                                              for n in range(4)) + "</table>"),
    "forum thread": ('<script type="application/ld+json">{"@type": "DiscussionForumPosting", "headline": "Hall"}'
                     "</script><h1>The market hall</h1><div class='comments'>"
                     + "".join(f"<div class='comment'><p>{LATER} ({n})</p><p>{PARA} ({n})</p></div>" for n in range(6))
                     + "</div>"),
    "body only in JSON-LD": ('<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "'
                             + " ".join([PARA, LATER] * 3) + '"}</script><main><p>Loading...</p></main>'),
    "appended articles": _article(1, "<div class='infinite-scroll'>"
                                  + "".join(f"<p>{LATER} [{n}]</p>" for n in range(12)) + "</div>"),
}


def _tree(body: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(f"<html><head><title>Hall</title></head><body>{body}</body></html>")


def _bare(tree: lxml_html.HtmlElement, include_tables: bool = True) -> list[str]:
    return bare_text(tree, URL, fast=True, include_comments=False, include_tables=include_tables,
                     favor_precision=False, favor_recall=False)


@pytest.fixture
def retries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often trafilatura's recall escalation retried, and with what length."""
    seen: list[int] = []
    real = trafilatura.core._recall_retry  # type: ignore[attr-defined]

    def spy(*args: object, **kwargs: object) -> object:
        body, text = real(*args, **kwargs)
        seen.append(len(text))
        return body, text

    monkeypatch.setattr(trafilatura.core, "_recall_retry", spy)
    return seen


def test_the_stages_are_found_in_this_trafilatura() -> None:
    assert engine.STAGES


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("tables", [True, False])
def test_fast_text_is_bare_fast_mode_with_the_escalation_off(name: str, tables: bool,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(PAGES[name])
    before = lxml_html.tostring(tree)
    ours = fast_text(tree, URL, include_tables=tables)
    assert lxml_html.tostring(tree) == before  # the caller's tree is not changed
    monkeypatch.setattr(trafilatura.core, "ESCALATION_MAX_LENGTH", 0)
    assert ours == _bare(tree, tables)


def test_only_bare_fast_mode_runs_the_escalation(retries: list[int]) -> None:
    """A short article beside much more page text: trafilatura retries in
    recall mode (here finding nothing more); fast_text leaves that to the
    recall guard and gives the same text without the retry."""
    tree = _tree(PAGES["short article beside related boxes"])
    bare = _bare(tree)
    assert len(retries) == 1 and retries[0] <= sum(map(len, bare)) + len(bare)
    retries.clear()
    assert fast_text(tree, URL, include_tables=True) == bare
    assert retries == []
    # A long article never reaches it, in either.
    long = _tree(PAGES["long article"])
    assert fast_text(long, URL, include_tables=True) == _bare(long) and retries == []


def test_the_guard_uses_fast_text_and_other_settings_use_bare_extraction(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fast, real_bare = engine.fast_text, engine.bare_text

    def fast(*args: object, **kwargs: object) -> list[str]:
        calls.append("fast_text")
        return real_fast(*args, **kwargs)  # type: ignore[arg-type]

    def bare(*args: object, **kwargs: object) -> list[str]:
        calls.append("bare_text")
        return real_bare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(body_module, "fast_text", fast)
    monkeypatch.setattr(body_module, "bare_text", bare)
    tree = _tree(PAGES["long article"])
    assert find_body(tree, tree, URL, BodyOptions()).path.startswith("trafilatura.fast")
    assert calls == ["fast_text"]
    for options in (BodyOptions(guard=False), BodyOptions(include_comments=True), BodyOptions(favor_precision=True),
                    BodyOptions(favor_recall=True), BodyOptions(fast=False)):
        calls.clear()
        find_body(tree, tree, URL, options)
        assert calls == ["bare_text"], options


def test_without_the_stages_fast_text_is_bare_fast_mode(monkeypatch: pytest.MonkeyPatch,
                                                         retries: list[int]) -> None:
    """A trafilatura whose stages are elsewhere: bare_extraction's fast mode
    (its escalation included)."""
    monkeypatch.setattr(engine, "STAGES", False)
    tree = _tree(PAGES["short article beside related boxes"])
    assert fast_text(tree, URL, include_tables=True) == _bare(tree)
    assert len(retries) == 2  # one retry in each call
