"""Every item a source lists is fetched, skipped with a reason, or failed:
a real ingest (in process, over loopback) of feeds that hold every kind of
skip, whose run report adds up and whose fetch log has a row for each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsmill.cli.summary import summary_lines
from newsmill.core.settings import SourceConfig
from tests.helpers.fetch_server import RouteServer


def _page(n: str) -> str:
    return (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
            + "".join(f"<p>Paragraph {i} of story {n}, told with enough plain words to be worth keeping here.</p>"
                      for i in range(6)) + "</article></body></html>")


@pytest.fixture
def sites() -> Iterator[tuple[RouteServer, RouteServer]]:
    with RouteServer("127.0.0.7") as own, RouteServer("127.0.0.8") as other:
        for n in ("1", "2", "3", "5", "b1"):
            own.route(f"/a/{n}.html", "text/html; charset=utf-8", _page(n))
        own.route("/a/moved.html", "text/html", "", status=302, Location=other.url("/landing.html"))
        other.route("/x.html", "text/html", _page("x"))
        other.route("/landing.html", "text/html", _page("landing"))
        b, o = own.base, other.base
        own.route("/news.xml", "application/rss+xml", f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>News</title><link>{b}/</link><description>d</description>
<item><title>One</title><link>{b}/a/1.html</link></item>
<item><title>Two</title><link>{b}/a/2.html</link></item>
<item><title>Three</title><link>{b}/a/3.html</link></item>
<item><title>Gone</title><link>{b}/a/404.html</link></item>
<item><title>A note without a link</title><description>No page for this one.</description></item>
<item><title>Script</title><link>javascript:void(0)</link></item>
<item><title>Elsewhere</title><link>{o}/x.html</link></item>
<item><title>One again</title><link>{b}/a/1.html?utm_source=rss</link></item>
<item><title>Advert</title><link>{b}/ads/1.html</link></item>
<item><title>Old</title><link>{b}/a/old.html</link><pubDate>Mon, 06 Jan 2020 08:00:00 +0000</pubDate></item>
<item><title>Moved away</title><link>{b}/a/moved.html</link></item>
<item><title>Five</title><link>{b}/a/5.html</link></item>
</channel></rss>""")
        own.route("/wire.xml", "application/rss+xml", f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>{b}/</link><description>d</description>
<item><title>Two, from the wire</title><link>{b}/a/2.html</link></item>
<item><title>Wire story</title><link>{b}/a/b1.html</link></item>
</channel></rss>""")
        yield own, other


def _ingest(home: Path, own: RouteServer) -> dict[str, Any]:
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import acquire, runs
    from newsmill.pipeline.host import LocalHost

    common = {"site": "own.example", "allow_private": True}
    config = {"fetch": {"per_host_delay": 0.0, "timeout": 10, "retries": 0},
              "sources": [{"name": "news", "kind": "feed", "url": own.url("/news.xml"), "exclude": ["/ads/"],
                           "max_age_hours": 24 * 365 * 3, "max_articles": 5, **common},
                          {"name": "wire", "kind": "feed", "url": own.url("/wire.xml"), **common}]}
    with LocalHost() as host:
        plan, chosen = acquire.choose_sources(None, config, None, None)
        return runs.ingest(host, plan, chosen, RunSettings.from_env(str(home))).to_dict()


def _skip_rows(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "data" / "newsmill.db") as conn:
        last = conn.execute("SELECT run_id FROM fetches ORDER BY id DESC LIMIT 1").fetchone()[0]
        rows = conn.execute("SELECT url, reason FROM fetches WHERE status = 'skipped' AND run_id = ?", (last,))
        return [(str(url), str(reason)) for url, reason in rows]


def _adds_up(report: dict[str, Any], listed: int) -> None:
    items, reasons = report["items"], report["skipped_reasons"]
    assert items["discovered"] == listed, items  # every entry of both feeds, none lost on the way
    assert items["discovered"] == items["fetched"] + sum(reasons.values()) + items["failed"], (items, reasons)
    assert items["skipped"] == sum(reasons.values()) == report["totals"]["skipped"]


def test_every_listed_item_is_fetched_skipped_or_failed(sites: tuple[RouteServer, RouteServer], home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    own, other = sites
    first = _ingest(home, own)
    _adds_up(first, 12 + 2)
    assert first["items"] == {"discovered": 14, "fetched": 4, "skipped": 9, "failed": 1}
    assert first["skipped_reasons"] == {"bad_link": 1, "duplicate_in_feed": 1, "duplicate_in_run": 1, "excluded": 1,
                                        "host_not_allowed": 2, "no_link": 1, "over_limit": 1, "too_old": 1}
    assert first["totals"]["new"] == 4
    assert other.hits["/x.html"] == 0 and other.hits["/landing.html"] == 0  # never asked for
    rows = _skip_rows(home)
    assert len(rows) == 9
    assert (own.url("/news.xml"), "no_link: entry 5 ('A note without a link') has no link") in rows
    assert any(url == own.url("/a/moved.html") and reason.startswith("host_not_allowed: a redirect to 127.0.0.8")
               for url, reason in rows), rows
    assert any(line.startswith("  items:               14 items discovered: 4 fetched, 9 skipped (bad_link 1,")
               and line.endswith(", 1 failed") for line in summary_lines("t", first)), summary_lines("t", first)

    again = _ingest(home, own)  # what was stored is not fetched again, and says so
    _adds_up(again, 14)
    assert again["items"] == {"discovered": 14, "fetched": 0, "skipped": 13, "failed": 1}
    assert again["skipped_reasons"]["already_stored"] == 4
    assert len(_skip_rows(home)) == 13


def test_a_source_fetches_only_from_its_own_hosts() -> None:
    feed = SourceConfig(name="s", kind="feed", url="https://www.example.kz/rss.xml", site="s")
    assert feed.allowed_hosts() == ("example.kz",)
    assert feed.allows_host("https://www.example.kz/a") and feed.allows_host("https://news.example.kz/a")
    assert feed.allows_host("https://example.kz/a") and not feed.allows_host("https://example.kz.evil.com/a")
    assert not feed.allows_host("https://cdn.other.com/a") and not feed.allows_host("https://notexample.kz/a")
    listed = SourceConfig(name="s", kind="feed", url="https://feeds.example.kz/rss", site="s", hosts=("example.kz",))
    assert listed.allows_host("https://www.example.kz/a") and listed.allows_host("https://feeds.example.kz/b")
    anywhere = SourceConfig(name="s", kind="feed", url="https://news.google.com/rss", site="s", hosts=("*",))
    assert anywhere.allows_host("https://any.where/x")
    local_list = SourceConfig(name="s", kind="urls", url="/tmp/urls.txt", site="s")
    assert local_list.allows_host("https://any.where/x")


def test_a_folder_source_counts_every_file(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder source's files are items too: each read, skipped with a
    reason (its patterns exclude it, or it is stored already) or failed,
    each skip a fetch-log row."""
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import acquire, runs
    from newsmill.pipeline.host import LocalHost

    monkeypatch.setenv("NEWSMILL_TASK_RUNNER", "default")
    inbox = tmp_path / "inbox"
    (inbox / "drafts").mkdir(parents=True)
    for name in ("one", "two"):
        (inbox / f"{name}.html").write_text(_page(name), encoding="utf-8")
    (inbox / "drafts" / "three.html").write_text(_page("three"), encoding="utf-8")
    config = {"sources": [{"name": "inbox", "kind": "folder", "path": str(inbox), "site": "inbox.example",
                           "exclude": ["/drafts/"]}]}

    def ingest() -> dict[str, Any]:
        with LocalHost() as host:
            plan, chosen = acquire.choose_sources(None, config, None, None)
            return runs.ingest(host, plan, chosen, RunSettings.from_env(str(home))).to_dict()

    first = ingest()
    _adds_up(first, 3)
    assert first["items"] == {"discovered": 3, "fetched": 2, "skipped": 1, "failed": 0}
    assert first["skipped_reasons"] == {"excluded": 1} and first["totals"]["new"] == 2
    assert [reason.split(":")[0] for _, reason in _skip_rows(home)] == ["excluded"]
    again = ingest()
    _adds_up(again, 3)
    assert again["items"] == {"discovered": 3, "fetched": 0, "skipped": 3, "failed": 0}
    assert again["skipped_reasons"] == {"excluded": 1, "already_stored": 2}
    assert sorted(reason.split(":")[0] for _, reason in _skip_rows(home)) == ["already_stored"] * 2 + ["excluded"]
