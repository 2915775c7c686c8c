"""The crash-safety harness: a synthetic news site on loopback, the ingest
story as plain pipeline calls, and kill switches for each stage.

``python -m tests.helpers.crash_runner HOME BASE_URL [--recheck] [--kill STAGE:N]`` ingests the
site's sitemap into HOME (the store is ``NEWSMILL_DATABASE_URL`` when set)
and, with ``--kill``, SIGKILLs itself at the N-th call of one stage:

- ``fetch``: the N-th page request (pages fetched so far are not archived);
- ``archive``: half-way through writing the N-th WARC record (a torn tail);
- ``span``: once the N-th span of records is written and synced, before the
  transaction that points at them (and claims them) commits;
- ``extract``: the N-th extraction;
- ``dedup``: the N-th dedup pass over a batch;
- ``commit``: the N-th commit of a batch's transaction (inside ``save_batch``,
  just before the database commits).

The story is the ingest flow's (discover, assign, fetch and archive,
extract with learned templates, dedup and store batch by batch, failures,
source state), without Prefect so that a trial costs a second, not ten.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

SITE = "crashwire.test"
_VOCABULARY = (
    "council budget river bridge minister harvest railway steppe grain export wind power plant school "
    "hospital road winter summer market price tenge report agency region district governor farmers "
    "water supply court ruling election turnout border trade caravan museum festival teachers doctors "
    "airport flight cargo drought rainfall wheat cotton oil gas pipeline refinery mining copper coal "
    "bank loan interest inflation wages pension reform parliament deputies vote law draft tourism hotel "
    "mountain lake fishing bus tram metro housing rent construction engineers bridge repairs heating "
    "network outage repair crews residents complaint mayor office statement spokesman official data "
    "survey study university students scholarship research science laboratory vaccine clinic patients"
)
WORDS = tuple(_VOCABULARY.split())


def _sentence(rnd: random.Random, n: int) -> str:
    words = [rnd.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rnd: random.Random) -> str:
    return " ".join(_sentence(rnd, rnd.randint(9, 16)) for _ in range(rnd.randint(3, 5)))


class Corpus:
    """``n`` articles (generation 1); generation 2 edits every tenth one
    and adds ``added`` new ones. Every fifth article is a light edit of an
    earlier one, every seventh shares a paragraph with an earlier one, and
    every third ends with the site's template sentence."""

    TEMPLATE = "Earlier, Crash Wire reported on the regional budget debate in the capital."

    def __init__(self, n: int = 200, added: int = 20, seed: int = 7) -> None:
        rnd = random.Random(seed)
        self.n, self.added = n, added
        self.articles: list[dict[str, Any]] = []
        for i in range(n + added):
            paras = [_paragraph(rnd) for _ in range(rnd.randint(4, 7))]
            if i % 5 == 4 and i >= 3:
                base = self.articles[i - 3]["paragraphs"]
                paras = [p.replace(p.split()[3], rnd.choice(WORDS), 1) for p in base]
            elif i % 7 == 3 and i >= 2:
                paras[1] = self.articles[i - 2]["paragraphs"][0]
            if i % 3 == 0:
                paras.append(self.TEMPLATE)
            self.articles.append({"title": _sentence(rnd, 6)[:-1], "paragraphs": paras,
                                  "published": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=7 * i)})
        self.generation = 1

    def count(self) -> int:
        return self.n + (self.added if self.generation >= 2 else 0)

    def page(self, i: int, base: str) -> bytes:
        a = self.articles[i]
        paras = list(a["paragraphs"])
        if self.generation >= 2 and i % 10 == 1:
            paras[0] += " The figures were revised on Friday after a second count by the agency."
        body = "".join(f"<p>{p}</p>" for p in paras)
        related = "".join(f'<li><a href="{base}/news/{j}.html">{self.articles[j]["title"]}</a></li>'
                          for j in range(max(0, i - 3), i))
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{a["title"]} | Crash Wire</title>'
            f'<meta property="og:title" content="{a["title"]}">'
            f'<meta property="og:site_name" content="Crash Wire">'
            f'<meta property="article:published_time" content="{a["published"].isoformat()}">'
            f'<link rel="canonical" href="{base}/news/{i}.html"></head><body>'
            '<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav></header>'
            f'<main><article><h1>{a["title"]}</h1><p class="byline">By Aigerim Sadykova</p>{body}'
            '<p class="share">Share on Facebook | Share on X | Share on Telegram</p></article>'
            f'<aside><h3>Read also</h3><ul>{related}</ul></aside></main>'
            '<footer>&copy; 2026 Crash Wire. All rights reserved.</footer></body></html>'
        ).encode()

    def sitemap(self, base: str) -> bytes:
        urls = "".join(f"<url><loc>{base}/news/{i}.html</loc>"
                       f"<lastmod>{self.articles[i]['published'].isoformat()}</lastmod></url>"
                       for i in range(self.count()))
        return (f'<?xml version="1.0" encoding="UTF-8"?><urlset '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()


class CrashSite:
    """Serves a :class:`Corpus` on loopback (a context manager)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        corpus_ = corpus
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                status, ctype, body = 404, "text/plain", b"not found"
                if path == "/sitemap.xml":
                    status, ctype, body = 200, "application/xml", corpus_.sitemap(site.base)
                elif path.startswith("/news/") and path.endswith(".html"):
                    num = path[len("/news/"):-len(".html")]
                    if num.isdigit() and int(num) < corpus_.count():
                        status, ctype, body = 200, "text/html; charset=utf-8", corpus_.page(int(num), site.base)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CrashSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def sources_config(base: str, recheck: bool = False) -> dict[str, Any]:
    return {
        "fetch": {"per_host_delay": 0, "per_host_concurrency": 8, "timeout": 20, "retries": 1,
                  "obey_robots": False},
        "sources": [{"name": "crashwire", "kind": "sitemap", "url": f"{base}/sitemap.xml", "site": SITE,
                     "language": "en", "allow_private": True, "max_articles": 1000,
                     "recheck_hours": 24 * 3650 if recheck else 0}],
    }


def snapshot(database_url: str) -> dict[str, Any]:
    """What must be equal after an interrupted-and-resumed run and an
    uninterrupted one (timestamps and log rows aside)."""
    from newsmill.storage.store import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in r)
                          for r in conn.execute(text(sql)).fetchall())

        out = {
            "articles": rows("SELECT canonical_url, url, content_hash, duplicate_of, similarity, cluster_id, "
                             "version, novelty, word_count, raw IS NOT NULL FROM articles"),
            "revisions": rows("SELECT article_id, version, content_hash FROM article_revisions"),
            "passage_links": rows("SELECT article_id, paragraph, of_article, of_paragraph, similarity "
                                  "FROM passage_links"),
            "removals": rows("SELECT article_id, position, rule FROM boilerplate_removals"),
            "counts": {name: conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
                       for name in ("articles", "article_revisions", "passage_links", "boilerplate_removals",
                                    "sketches", "sketch_bands")},
            "sources": rows("SELECT name, etag, last_modified FROM source_state"),
            "search_index": rows("SELECT a.canonical_url FROM search_index s JOIN articles a ON a.id = s.article_id"
                                 if conn.dialect.name == "postgresql" else
                                 "SELECT a.canonical_url FROM search_index JOIN search_ids s "
                                 "ON s.docid = search_index.rowid JOIN articles a ON a.id = s.article_id"),
        }
    engine.dispose()
    from newsmill.storage import open_store

    store = open_store(database_url)  # what the index answers: stale text of a replaced version would show
    try:
        out["search_hits"] = {word: sorted(h["url"] for h in store.search(word, include_duplicates=True, limit=10**6))
                              for word in ("council", "harvest", "pipeline", "vaccine")}
    finally:
        store.close()
    return out


def check_archive(home: Path, database_url: str) -> None:
    """Every WARC file reads to its end (torn tails skipped, never fatal),
    every archive location the store holds is a readable record with the
    key its claim says, no record is one that nothing (no article,
    revision, failure or fetch) points to, no record key is archived twice
    and no span is left pending."""
    from newsmill.core.records import ArchiveLocation
    from newsmill.storage import RawArchive, open_store
    from newsmill.storage.archive import PENDING_DIR
    from newsmill.storage.archive_audit import audit
    from newsmill.storage.store import normalize_url

    archive = RawArchive(home / "raw")
    for rel in archive.files():
        list(archive.iter_documents(rel))
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        locations = [r[0] for r in conn.execute(text("SELECT raw FROM articles WHERE raw IS NOT NULL"))]
        locations += [r[0] for r in conn.execute(text("SELECT archive FROM fetches WHERE archive IS NOT NULL"))]
        dup = conn.execute(text("SELECT canonical_url FROM articles GROUP BY canonical_url HAVING COUNT(*) > 1"))
        assert not dup.fetchall()
    engine.dispose()
    assert locations
    for uri in locations:
        doc = archive.read(ArchiveLocation.from_uri(uri))
        assert doc.body
    store = open_store(database_url, create=False)
    try:
        found = audit(store, archive)
    finally:
        store.close()
    assert not found.broken, found.broken[:5]
    assert not found.dead, [r.location.to_uri() for r in found.dead[:5]]
    assert not found.duplicates, list(found.duplicates)[:5]
    assert not found.unclaimed and not found.writing and not found.torn
    assert not list((home / "raw" / PENDING_DIR).glob("*.json"))


# -- the kill switches --------------------------------------------------------

def _die(stage: str, n: int) -> None:
    sys.stderr.write(f"KILLED at {stage} #{n}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install_kill(spec: str) -> None:
    stage, _, num = spec.partition(":")
    at = int(num)
    calls = [0]

    def hit() -> bool:
        calls[0] += 1
        return calls[0] == at

    if stage == "fetch":
        from newsmill.sources.fetcher import Fetcher

        fetch = Fetcher.fetch

        async def killing_fetch(self: Any, *args: Any, **kwargs: Any) -> Any:
            if hit():
                _die(stage, at)
            return await fetch(self, *args, **kwargs)

        Fetcher.fetch = killing_fetch  # type: ignore[method-assign]
    elif stage == "archive":
        from newsmill.storage.archive import ArchiveWriter

        write = ArchiveWriter._write

        def torn_write(self: Any, record: Any) -> Any:
            if hit():
                real = self._fh

                class Torn:
                    def write(self, data: bytes) -> int:
                        real.write(data[: max(1, len(data) // 2)])
                        _die(stage, at)
                        return 0

                    def __getattr__(self, name: str) -> Any:
                        return getattr(real, name)

                self._fh = Torn()
            return write(self, record)

        ArchiveWriter._write = torn_write  # type: ignore[method-assign]
    elif stage == "span":
        from newsmill.storage.archive import ArchiveSpan

        sync = ArchiveSpan.sync

        def killing_sync(self: Any) -> None:
            sync(self)
            if self.written and not getattr(self, "counted", False):
                self.counted = True  # a span is synced again when it finishes
                if hit():
                    _die(stage, at)

        ArchiveSpan.sync = killing_sync  # type: ignore[method-assign]
    elif stage == "extract":
        from newsmill.pipeline import extraction

        extract = extraction.extract

        def killing_extract(*args: Any, **kwargs: Any) -> Any:
            if hit():
                _die(stage, at)
            return extract(*args, **kwargs)

        extraction.extract = killing_extract  # type: ignore[assignment]
    elif stage == "dedup":
        from newsmill.dedup import Deduplicator

        run = Deduplicator.run

        def killing_run(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = run(self, *args, **kwargs)
            if hit():
                _die(stage, at)
            return result

        Deduplicator.run = killing_run  # type: ignore[method-assign]
    elif stage == "commit":
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from newsmill.storage import Store

        save = Store.save_batch
        saving = [False]

        @event.listens_for(Engine, "commit")
        def before_commit(conn: Any) -> None:
            if saving[0] and hit():
                _die(stage, at)

        def tracked_save(self: Any, *args: Any, **kwargs: Any) -> Any:
            saving[0] = True
            try:
                return save(self, *args, **kwargs)
            finally:
                saving[0] = False

        Store.save_batch = tracked_save  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown stage {stage!r}")


def ingest(home: str, base: str, *, recheck: bool = False, batch: int = 25) -> dict[str, Any]:
    """The ingest flow's story over the plain pipeline functions."""
    from newsmill.core.settings import Paths, parse_sources
    from newsmill.pipeline import acquire
    from newsmill.pipeline.extraction import extract_documents, learned_settings
    from newsmill.pipeline.lifecycle import open_home
    from newsmill.pipeline.report import RunReport
    from newsmill.pipeline.storing import store_articles

    plan = parse_sources(sources_config(base, recheck))
    store, archive = open_home(Paths.resolve(home))
    report = RunReport(flow="crash")
    run_id = store.start_run("crash", {})
    try:
        found = [acquire.discover_articles(s, plan.fetch, store, archive, run_id) for s in plan.sources]
        todo = acquire.assign_items(found, store)
        fetched = [acquire.fetch_items(s, todo[s.name], plan.fetch, store, archive, run_id)
                   for s in plan.sources if todo[s.name]]
        docs = [d for f in fetched for d in f.docs]
        for f in fetched:
            report.add_failures(f.failures)
        settings = learned_settings(store, (d.site for d in docs))
        seen: set[str] = set()
        for i in range(0, len(docs), batch):
            extracted = extract_documents(docs[i : i + batch], settings)
            report.add_failures(extracted.failures)
            articles = [a for a in extracted.articles if a.canonical_url not in seen]
            store_articles(articles, store, report)
            seen.update(a.canonical_url for a in articles)
            print(f"stored batch {i // batch + 1}", flush=True)
        store.record_failures(report.failures, run_id=run_id)
        acquire.commit_source_states(found, store)
        store.finish_run(run_id, "completed", report.totals())
    finally:
        store.close()
    return report.totals()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("home")
    parser.add_argument("base")
    parser.add_argument("--kill")
    parser.add_argument("--recheck", action="store_true", help="re-check every stored article for changes")
    args = parser.parse_args()
    if args.kill:
        install_kill(args.kill)
    print("done", ingest(args.home, args.base, recheck=args.recheck), flush=True)


if __name__ == "__main__":
    main()
