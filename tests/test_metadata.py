"""Page metadata (newsmill.extractors.metadata): which declared date is the
publication date and which the update, from JSON-LD and meta tags. All pages
here are synthetic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from trafilatura.utils import load_html

from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import extract
from newsmill.extractors.metadata import PageMeta, page_metadata

REF = SourceRef("test", "urls", "test")
CEST = timezone(timedelta(hours=2))
BODY = "<article><h1>Storm live</h1>" + "".join(
    f"<p>Update {n}: the storm reached the coast and crews worked through the night on the lines.</p>"
    for n in ("one", "two", "three")) + "</article>"


def ld(*objects: Any) -> str:
    return "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)


def html(head: str, body: str = BODY) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def meta_of(head: str, body: str = BODY) -> PageMeta:
    return page_metadata(load_html(html(head, body)))


def raw(head: str, body: str = BODY) -> RawDocument:
    return RawDocument(url="https://news.example.com/live/storm-on-the-coast", body=html(head, body).encode(),
                       source=REF, site="news.example.com", content_type="text/html", http_status=200)


LIVE_BLOG = {
    "@context": "https://schema.org",
    "@type": "LiveBlogPosting",
    "headline": "Storm live: the coast braces",
    "datePublished": "2024-08-04T09:00:00+02:00",
    "dateModified": "2024-08-05T18:30:00+02:00",
    "coverageStartTime": "2024-08-04T09:00:00+02:00",
    "liveBlogUpdate": [
        {"@type": "BlogPosting", "headline": "Power back in the north",
         "datePublished": "2024-08-05T18:30:00+02:00", "articleBody": "Crews restored the lines."},
        {"@type": "BlogPosting", "headline": "Roads reopen",
         "datePublished": "2024-08-05T11:15:00+02:00", "articleBody": "The coast road is open again."},
    ],
}
LIVE_HEAD = ('<meta property="article:modified_time" content="2024-08-05T18:30:00+02:00">'
             '<meta property="og:updated_time" content="2024-08-05T18:30:00+02:00">' + ld(LIVE_BLOG))


def test_live_blog_published_is_date_published_not_latest_update() -> None:
    meta = meta_of(LIVE_HEAD)
    assert meta.published == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)
    assert meta.published is not None and meta.published.utcoffset() == timedelta(hours=2)
    assert meta.modified == datetime(2024, 8, 5, 18, 30, tzinfo=CEST)
    assert meta.title == "Storm live: the coast braces"


def test_live_blog_end_to_end() -> None:
    article = extract(raw(LIVE_HEAD))
    assert article.published_at == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)
    assert article.modified_at == datetime(2024, 8, 5, 16, 30, tzinfo=UTC)


def test_live_blog_list_type_and_schema_url_type() -> None:
    for type_ in (["LiveBlogPosting", "NewsArticle"], "https://schema.org/LiveBlogPosting", "schema:LiveBlogPosting"):
        meta = meta_of(LIVE_HEAD.replace(ld(LIVE_BLOG), ld({**LIVE_BLOG, "@type": type_})))
        assert meta.published == datetime(2024, 8, 4, 7, 0, tzinfo=UTC), type_
        assert meta.modified == datetime(2024, 8, 5, 18, 30, tzinfo=CEST), type_


def test_live_blog_updates_in_graph_by_id_are_not_the_page() -> None:
    # The updates come first in the @graph, as top-level BlogPostings that the
    # live blog points at by @id: still not the page's publication date.
    updates = [{"@type": "BlogPosting", "@id": f"#update-{n}", "headline": f"Update {n}",
                "datePublished": f"2024-08-05T1{n}:00:00+02:00"} for n in (1, 2)]
    live = {**LIVE_BLOG, "@id": "#live", "liveBlogUpdate": [{"@id": "#update-1"}, {"@id": "#update-2"}]}
    meta = meta_of(ld({"@context": "https://schema.org", "@graph": [*updates, live]}))
    assert meta.published == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)
    assert meta.title == "Storm live: the coast braces"


def test_news_article_inside_graph_beats_web_page() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": "https://news.example.com/a#webpage", "name": "Ferry line opens | Example",
         "datePublished": "2024-03-02T10:00:00Z", "dateModified": "2024-03-05T10:00:00Z"},
        {"@type": "Organization", "name": "Example News"},
        {"@type": "NewsArticle", "headline": "Ferry line opens", "datePublished": "2024-03-01T08:00:00Z",
         "dateModified": "2024-03-01T12:00:00Z", "author": {"@type": "Person", "name": "Dana Serikova"},
         "publisher": {"@type": "Organization", "name": "Example News"}},
    ]}
    meta = meta_of('<meta property="og:updated_time" content="2024-03-06T00:00:00Z">' + ld(graph))
    assert meta.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert meta.modified == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert meta.title == "Ferry line opens"
    assert meta.authors == ["Dana Serikova"]
    assert meta.site_name == "Example News"


def test_first_article_in_a_list_wins() -> None:
    first = {"@type": "NewsArticle", "headline": "First", "datePublished": "2024-03-01T08:00:00Z"}
    second = {"@type": "NewsArticle", "headline": "Second", "datePublished": "2024-02-01T08:00:00Z"}
    meta = meta_of(ld([first, second]))
    assert meta.title == "First" and meta.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def test_news_article_as_main_entity_of_web_page() -> None:
    page = {"@context": "https://schema.org", "@type": "WebPage", "name": "Example | Ferry",
            "dateModified": "2024-03-05T10:00:00Z",
            "mainEntity": {"@type": "NewsArticle", "headline": "Ferry line opens",
                           "datePublished": "2024-03-01T08:00:00Z"}}
    meta = meta_of(ld(page))
    assert meta.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert meta.title == "Ferry line opens"
    assert meta.modified == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)  # only the page says when it changed


def test_embedded_video_and_social_post_are_not_the_article() -> None:
    video = {"@type": "VideoObject", "name": "Clip", "uploadDate": "2023-01-01T00:00:00Z",
             "datePublished": "2023-01-01T00:00:00Z"}
    post = {"@type": "SocialMediaPosting", "headline": "A post", "datePublished": "2023-06-01T00:00:00Z"}
    article = {"@type": "ReportageNewsArticle", "headline": "Ferry line opens",
               "datePublished": "2024-03-01T08:00:00Z"}
    meta = meta_of(ld(video, post, article))
    assert meta.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert meta.title == "Ferry line opens"
    # A posting alone is the page's article.
    assert meta_of(ld(video, post)).published == datetime(2023, 6, 1, tzinfo=UTC)


def test_meta_tags_only_keep_each_date_in_its_place() -> None:
    head = ('<meta property="article:published_time" content="2024-08-04T09:00:00+02:00">'
            '<meta property="article:modified_time" content="2024-08-05T18:30:00+02:00">')
    meta = meta_of(head)
    assert meta.published == datetime(2024, 8, 4, 9, 0, tzinfo=CEST)
    assert meta.modified == datetime(2024, 8, 5, 18, 30, tzinfo=CEST)
    article = extract(raw(head))
    assert article.published_at == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)
    assert article.modified_at == datetime(2024, 8, 5, 16, 30, tzinfo=UTC)


def test_og_updated_time_is_a_modified_date_only() -> None:
    meta = meta_of('<meta property="og:updated_time" content="2024-08-05T18:30:00+02:00">')
    assert meta.published is None
    assert meta.modified == datetime(2024, 8, 5, 18, 30, tzinfo=CEST)


def test_json_ld_modified_only_does_not_become_published() -> None:
    article_ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Ferry line opens",
                  "dateModified": "2024-08-05T18:30:00+02:00"}
    head = '<meta property="article:published_time" content="2024-08-04T09:00:00+02:00">' + ld(article_ld)
    meta = meta_of(head)
    assert meta.published == datetime(2024, 8, 4, 9, 0, tzinfo=CEST)
    assert meta.modified == datetime(2024, 8, 5, 18, 30, tzinfo=CEST)
    article = extract(raw(head))
    assert article.published_at == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)
    assert article.modified_at == datetime(2024, 8, 5, 16, 30, tzinfo=UTC)


def test_json_ld_published_beats_meta_published() -> None:
    article_ld = {"@type": "NewsArticle", "datePublished": "2024-08-04T09:00:00+02:00"}
    head = '<meta property="article:published_time" content="2024-08-05T00:00:00Z">' + ld(article_ld)
    assert meta_of(head).published == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)


def test_broken_json_ld_falls_back_to_meta() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": </script>'
            '<meta property="article:published_time" content="2024-08-04T09:00:00+02:00">')
    assert meta_of(head).published == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    assert meta_of(deep + head).published == datetime(2024, 8, 4, 7, 0, tzinfo=UTC)


def test_htmldate_fallback_prefers_the_original_date() -> None:
    # No JSON-LD or meta date: htmldate reads the byline's two <time>s, and
    # with its default original_date=False would take the update's.
    byline = ('<p class="byline">Published <time datetime="2024-08-04T09:00:00+02:00">4 August</time>, '
              'updated <time datetime="2024-08-05T18:30:00+02:00">5 August</time></p>')
    article = extract(raw("", BODY.replace("</h1>", "</h1>" + byline)))
    assert article.published_at is not None and article.published_at.date().isoformat() == "2024-08-04"


@pytest.mark.filterwarnings("ignore::dateutil.parser.UnknownTimezoneWarning")  # CST, on purpose
def test_a_date_with_a_zone_abbreviation_keeps_its_zone() -> None:
    """"EST" is five hours behind UTC, not UTC; an abbreviation that names
    several zones ("CST": US Central and China) is read without one, as UTC."""
    head = '<meta property="article:published_time" content="Tue, 19 Nov 2019 10:30 PM EST">'
    assert extract(raw(head)).published_at == datetime(2019, 11, 20, 3, 30, tzinfo=UTC)
    assert meta_of('<meta property="article:published_time" content="19.11.2019 10:30 CEST">').published == \
        datetime(2019, 11, 19, 10, 30, tzinfo=CEST)
    assert meta_of('<meta property="article:published_time" content="Nov 19, 2019 10:30 CST">').published == \
        datetime(2019, 11, 19, 10, 30, tzinfo=UTC)
