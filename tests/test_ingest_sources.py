"""The ingest flow over every source kind: feeds and sitemaps (the sample
site), local folders and WARC files; re-checks and freshness filters."""

from __future__ import annotations

import asyncio
import io
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsmill.core.records import ArchiveLocation, SourceRef
from newsmill.core.settings import FetchSettings, SourceConfig
from newsmill.pipeline.sample_site import SampleSite
from newsmill.sources import Fetcher, discover
from newsmill.storage import RawArchive, open_store
from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("prefect_harness")
SAMPLE = REPO / "raw" / "sample" / "steppe-herald"


def _warc(path: Path, pages: list[Path]) -> None:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i, page in enumerate(pages):
            body = page.read_bytes().replace(b"{{BASE_URL}}", b"https://steppeherald.example")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://steppeherald.example/page/{i}.html", "response",
                                                payload=io.BytesIO(body), http_headers=http))


def test_folder_and_warc_sources(tmp_path: Path, home: Path) -> None:
    from newsmill.flows.ingest import ingest

    pages = sorted(SAMPLE.rglob("*.html"))
    pages = [p for p in pages if p.name != "index.html"]
    folder = tmp_path / "inbox"
    folder.mkdir()
    for p in pages[:3]:
        shutil.copy(p, folder / p.name)
    warc = tmp_path / "crawl.warc.gz"
    _warc(warc, pages[3:6])
    config: dict[str, Any] = {"sources": [
        {"name": "inbox", "kind": "folder", "path": str(folder), "site": "steppeherald.kz", "group": "local"},
        {"name": "crawl", "kind": "warc", "path": str(warc), "site": "steppeherald.kz", "group": "local"},
    ]}
    report = ingest(config=config, home=str(home))
    assert report["totals"]["new"] == 6 and not report["failures"]
    # Local files are archived batch by batch as they are stored:
    # every stored article points at its own record, in its source's file.
    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    try:
        rows = list(store.articles())
    finally:
        store.close()
    archive = RawArchive(home / "raw")
    files = set()
    for row in rows:
        loc = ArchiveLocation.from_uri(row["raw"])
        assert archive.read(loc).url == row["url"]
        files.add(Path(loc.path).name)
    assert len(rows) == 6 and len(files) == 2 and all(f.endswith(("-inbox.warc.gz", "-crawl.warc.gz")) for f in files)
    again = ingest(config=config, home=str(home))
    assert again["totals"]["new"] == 0
    assert sum(1 for _ in (home / "raw").rglob("*.warc.gz")) == 2  # nothing read again, nothing archived again


def test_recheck_refetches_recent_articles(home: Path) -> None:
    from newsmill.flows.ingest import ingest

    with SampleSite(port=0) as site:
        config = site.sources_config()
        config["sources"] = [s for s in config["sources"] if s["name"] == "steppe-herald"]
        first = ingest(config=config, home=str(home))
        assert first["totals"]["new"] == 12
        config["sources"][0]["recheck_hours"] = 24 * 365 * 100
        second = ingest(config=config, home=str(home))  # the feed answers 304; stored articles are re-checked
        assert second["totals"]["unchanged"] == 12 and second["totals"]["new"] == 0


def test_freshness_filter_and_crawl_delay(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SAMPLE.parent, root)
    (root / "steppe-herald" / "robots.txt").write_text("User-agent: *\nCrawl-delay: 0.3\n")
    with SampleSite(root=root, port=0) as site:
        url = site.feed_url("steppe-herald")
        ref = SourceRef("s", "feed", url)

        async def go(source: SourceConfig) -> Any:
            async with Fetcher(FetchSettings(per_host_delay=0.0)) as f:
                found = await discover(source, f)
                start = time.monotonic()
                await asyncio.gather(*(f.fetch(i.url, source=ref, site="s", allow_private=True)
                                       for i in found.items[:3]))
                return found, time.monotonic() - start

        old = SourceConfig(name="s", kind="feed", url=url, site="s", allow_private=True, max_age_hours=1)
        found, _ = asyncio.run(go(old))
        assert found.items == []  # every item is from 2025: too old
        found, elapsed = asyncio.run(go(SourceConfig(name="s", kind="feed", url=url, site="s", allow_private=True)))
        assert len(found.items) == 12
        assert elapsed >= 0.55  # three requests, Crawl-delay 0.3 s between them


def test_run_fails_when_every_source_fails_and_records_why(home: Path) -> None:
    from newsmill.core.errors import SourceError
    from newsmill.flows.ingest import ingest
    from newsmill.storage import open_store

    config = {"fetch": {"timeout": 2, "retries": 0},
              "sources": [{"name": "dead", "kind": "feed", "url": "http://127.0.0.1:9/rss.xml", "site": "dead",
                           "allow_private": True}]}
    with pytest.raises(SourceError, match="every source failed"):
        ingest(config=config, home=str(home))
    store = open_store(f"sqlite:///{home / 'data' / 'newsmill.db'}")
    failures = list(store.failures())
    store.close()
    assert [(f.stage, f.status) for f in failures] == [("discover", "connection_error")]
