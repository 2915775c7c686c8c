"""Per-site CSS overrides: every registered site against its pages (the
bundled sample outlets' pages are our fixtures), keep/drop semantics, the
operator's YAML file, and clear errors for bad declarations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsmill.core.errors import ConfigError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.core.settings import site_overrides_path
from newsmill.extractors import ExtractSettings, extract
from newsmill.extractors.dom import element_lines
from newsmill.extractors.sites import (
    SITE_OVERRIDES,
    SiteOverride,
    find_override,
    parse_site_overrides,
)
from newsmill.pipeline.extraction import site_overrides
from tests.conftest import REPO

SAMPLE = REPO / "raw" / "sample"
EXPECTED = json.loads((SAMPLE / "EXPECTED.json").read_text(encoding="utf-8"))
REF = SourceRef("t", "folder", "t")


def _pages(site: str) -> list[tuple[str, str]]:
    for outlet, spec in EXPECTED["outlets"].items():
        if spec["site"] == site:
            return [(f"https://{site}{path}",
                     (SAMPLE / outlet / path.lstrip("/")).read_text(encoding="utf-8")
                     .replace("{{BASE_URL}}", f"https://{site}"))
                    for path in spec["articles"]]
    return []


def _doc(url: str, page: str) -> RawDocument:
    return RawDocument(url=url, body=page.encode(), source=REF, site=url.split("/")[2],
                       content_type="text/html; charset=utf-8", http_status=200)


@pytest.mark.parametrize("site", sorted(SITE_OVERRIDES))
def test_every_registered_site_on_its_pages(site: str) -> None:
    """What the drop selectors match is gone from the text and recorded as
    ``site.css_drop``; the article's own paragraphs stay."""
    override = SITE_OVERRIDES[site]
    pages = _pages(site)
    assert pages, f"registered site {site} has no fixture pages"
    fired = 0
    for url, page in pages:
        tree = lxml_html.document_fromstring(page)
        dropped = [line for s in override.drop for e in tree.cssselect(s) for line in element_lines(e)]
        article = extract(_doc(url, page))
        css = [r.text for r in article.boilerplate_removed if r.rule == "site.css_drop"]
        for text in dropped:
            assert text in css, (url, text)
            assert text not in article.paragraphs, (url, text)  # no line of it stays a paragraph
        fired += bool(css)
        long_paragraphs = [" ".join(p.text_content().split()) for p in tree.iter("p")
                           if len(p.text_content().split()) >= 15
                           and not any(p in e.iter() for s in override.drop for e in tree.cssselect(s))]
        assert long_paragraphs, url
        for text in long_paragraphs:
            assert any(text in line or line in text for line in article.paragraphs), (url, text[:80])
    assert fired == len(pages), f"{site}: the drop selectors fired on {fired} of {len(pages)} pages"


def test_keep_narrows_the_page_and_falls_back_when_nothing_matches() -> None:
    page = ("<html><head><title>Bridge</title></head><body>"
            "<div class='promo-box'><p>" + "Sponsored tour offers to the mountains this weekend only. " * 4 + "</p></div>"
            "<div class='story'><h1>Bridge</h1>"
            + "".join(f"<p>Paragraph {i} about the new bridge over the river, which the city will build next "
                      "year with money from the regional budget.</p>" for i in range(4))
            + "</div></body></html>")
    keep = {"keep.example": SiteOverride("keep.example", keep=(".story",))}
    doc = _doc("https://keep.example/a", page)
    narrowed = extract(doc, settings=ExtractSettings(overrides=keep))
    assert not any("Sponsored" in p for p in narrowed.paragraphs)
    assert sum("new bridge" in p for p in narrowed.paragraphs) == 4
    redesigned = {"keep.example": SiteOverride("keep.example", keep=(".article-body",))}
    fallback = extract(doc, settings=ExtractSettings(overrides=redesigned))
    assert sum("new bridge" in p for p in fallback.paragraphs) == 4  # the generic path, nothing lost


def test_override_matches_subdomains_not_lookalikes() -> None:
    registry = {"example.kz": SiteOverride("example.kz", drop=(".x",))}
    assert find_override(registry, "www.example.kz") is registry["example.kz"]
    assert find_override(registry, "news.example.kz") is registry["example.kz"]
    assert find_override(registry, "badexample.kz") is None
    assert find_override(registry, "example.kz.evil.com") is None


def test_bad_declarations_are_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError, match="bad CSS selector"):
        SiteOverride("a.kz", drop=("div[",))
    with pytest.raises(ConfigError, match="give `drop` or `keep`"):
        SiteOverride("a.kz")
    with pytest.raises(ConfigError, match="not a host name"):
        SiteOverride("https://a.kz/")
    with pytest.raises(ConfigError, match="unknown key"):
        parse_site_overrides({"a.kz": {"remove": [".x"]}})
    with pytest.raises(ConfigError, match="list of CSS selectors"):
        parse_site_overrides({"a.kz": {"drop": [1, 2]}})


def test_operator_file_extends_and_replaces_the_bundled_registry(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("www.mine.kz:\n  drop: .ads\n  note: ad slots\nsilkroadwire.com:\n  drop: ['.markets']\n",
                    encoding="utf-8")
    monkeypatch.setenv("NEWSMILL_SITE_OVERRIDES", str(path))
    merged = site_overrides(site_overrides_path())
    assert merged["mine.kz"].drop == (".ads",) and merged["mine.kz"].note == "ad slots"
    assert merged["silkroadwire.com"].drop == (".markets",)  # replaced
    assert "novostistepi.kz" in merged  # kept
    path.write_text("a.kz: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        site_overrides(site_overrides_path())
    monkeypatch.setenv("NEWSMILL_SITE_OVERRIDES", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="cannot read site overrides"):
        site_overrides(site_overrides_path())


def test_newsmill_extract_applies_the_operators_overrides_to_a_saved_page(tmp_path: Path) -> None:
    """A saved page is matched by the web address it declares, so
    selectors can be tried with ``newsmill extract`` before a run."""
    import os
    import subprocess
    import sys

    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Bridge</title><link rel='canonical' href='https://www.mine.kz/news/bridge'></head>"
        "<body><article><h1>Bridge</h1>"
        + "".join(f"<p>Paragraph {i} about the new bridge over the river, which the city will build next "
                  "year with money from the regional budget.</p>" for i in range(4))
        + "<div class='ticker'><p>Oil prices rose on Monday while the city council debated the budget.</p></div>"
        "</article></body></html>", encoding="utf-8")
    sites = tmp_path / "sites.yaml"
    sites.write_text("mine.kz:\n  drop: ['.ticker']\n", encoding="utf-8")
    env = {**os.environ, "NEWSMILL_SITE_OVERRIDES": str(sites)}
    out = subprocess.run([sys.executable, "-m", "newsmill.cli", "extract", str(page)], env=env,
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.splitlines()[0])
    assert record["site"] == "mine.kz" and "Oil prices" not in record["text"]
    assert {"text": "Oil prices rose on Monday while the city council debated the budget.",
            "rule": "site.css_drop"} in record["boilerplate_removed"]


def test_a_dropped_element_is_recorded_line_by_line_as_a_reader_saw_it() -> None:
    """A "read also" box: its heading and each linked headline are lines of
    their own (not "Читайте такжеЗемлетрясение..."), words split only by
    inline tags stay one line, a table row's cells are joined with ``|``,
    scripts are not text."""
    override = SiteOverride("also.example", drop=(".also",))
    page = ("<html><body><article><h1>Главная</h1>"
            + "".join(f"<p>Абзац {i} статьи о строительстве нового моста через реку в Алматы, который "
                      "город построит в следующем году.</p>" for i in range(4))
            + "<aside class='also'><h3>Читайте также</h3><ul>"
            "<li><a href='/a'>Землетрясение ощутили жители Алматы</a></li>"
            "<li><a href='/b'>Курс <b>тенге</b> на&nbsp;понедельник</a></li></ul>"
            "<script>var x = 1;</script><table><tr><td>Погода</td><td>+5</td></tr></table>"
            "Подписывайтесь<br>на наш канал</aside></article></body></html>")
    tree = lxml_html.document_fromstring(page)
    work, removed = override.apply(tree)
    assert work is not None
    assert [(r.text, r.rule) for r in removed] == [
        (line, "site.css_drop") for line in ("Читайте также", "Землетрясение ощутили жители Алматы",
                                             "Курс тенге на понедельник", "Погода | +5", "Подписывайтесь",
                                             "на наш канал")]
    assert not any("такжеЗемлетрясение" in r.text for r in removed)
