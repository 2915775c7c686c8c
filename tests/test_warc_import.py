"""WARC and ARC input as other crawlers write it, through the real import
(the pipeline's ``import_files`` and ``newsmill import`` as a process): ARC
files read through warcio, files of requests or revisits only reported,
non-HTML records recorded as ``not_html``, several captures of one URL
stored as versions in capture order, and a record imported before neither
stored nor archived again."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsmill.core.records import Failure, RawDocument, SourceRef
from newsmill.core.settings import RunSettings
from newsmill.pipeline import runs
from newsmill.pipeline.host import LocalHost
from newsmill.pipeline.inputs import capture_rounds
from newsmill.sources import iter_warc
from newsmill.storage import open_store
from tests.conftest import REPO

REF = SourceRef("import", "warc", "file:///x.warc")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def page(title: str, words: str) -> bytes:
    paras = "".join(f"<p>{words}: paragraph {i} of a story long enough to be stored as an article here.</p>"
                    for i in range(10))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paras}"
            "</article></body></html>").encode()


def _response(w: WARCWriter, url: str, body: bytes, date: str, ctype: str | None = "text/html") -> None:
    headers = [("Content-Type", ctype)] if ctype else []
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                        warc_headers_dict={"WARC-Date": date}))


def _request(w: WARCWriter, url: str) -> None:
    http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x.kz")], is_http_request=True)
    w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http))


def _revisit(w: WARCWriter, url: str) -> None:
    w.write_record(w.create_revisit_record(url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", url,
                                           "2023-01-01T00:00:00Z"))


def arc_file(path: Path, records: list[tuple[str, str, str, bytes]]) -> None:
    """An ARC v1 file (warcio reads ARC but writes only WARC): the
    ``filedesc://`` version block, then one header line and HTTP response
    per record (url, date YYYYmmddHHMMSS, content type, body); ``.arc.gz``:
    each record a gzip member of its own, as crawlers write them."""
    desc = b"1 0 newsmill-test\nURL IP-address Archive-date Content-type Archive-length\n"
    parts = [b"filedesc://%s 0.0.0.0 20230101000000 text/plain %d\n" % (path.name.encode(), len(desc))
             + desc + b"\n"]
    for url, date, ctype, body in records:
        http = b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n" + body
        parts.append(f"{url} 192.0.2.1 {date} {ctype} {len(http)}\n".encode() + http + b"\n")
    gz = path.name.lower().endswith(".gz")
    path.write_bytes(b"".join(gzip.compress(p) if gz else p for p in parts))


def _import(home: Path, *paths: Path) -> dict[str, Any]:
    with LocalHost() as host:
        return runs.import_files(host, [str(p) for p in paths], RunSettings.from_env(str(home))).to_dict()


def _raw(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): p.stat().st_size for p in sorted((home / "raw").rglob("*.warc*"))}


def _store_rows(home: Path) -> list[dict[str, Any]]:
    store = open_store(RunSettings.from_env(str(home)).paths.database_url, create=False)
    try:
        rows = list(store.articles(include_duplicates=True))
        return [{**r, "revisions": store.revisions(r["id"])} for r in rows]
    finally:
        store.close()


def test_arc_files_are_read_through_warcio(tmp_path: Path) -> None:
    arc = tmp_path / "old.arc"
    arc_file(arc, [("https://x.kz/a", "20230101000000", "text/html", page("A", "alpha")),
                   ("https://x.kz/b", "20230102000000", "image/gif", b"GIF89a" + b"\x00" * 20)])
    got = list(iter_warc(arc, REF, ""))
    docs = [d for d in got if isinstance(d, RawDocument)]
    assert [(d.url, d.fetched_at.year, d.http_status) for d in docs] == [("https://x.kz/a", 2023, 200)]
    assert [(f.url, f.status) for f in got if isinstance(f, Failure)] == [("https://x.kz/b", "not_html")]
    arc_file(tmp_path / "old.arc.gz", [("https://x.kz/a", "20230101000000", "text/html", page("A", "alpha"))])
    home = tmp_path / "home"
    report = _import(home, tmp_path)  # a folder: its .arc and .arc.gz files too
    assert report["totals"]["new"] == 1 and report["totals"]["unchanged"] == 1, report["totals"]
    assert {(f["url"], f["status"]) for f in report["failures"]} == {("https://x.kz/b", "not_html")}


def test_a_warc_of_requests_or_revisits_only_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "requests.warc.gz"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        _request(w, "https://x.kz/a")
        _request(w, "https://x.kz/b")
        _revisit(w, "https://x.kz/a")
    (failure,) = list(iter_warc(path, REF, ""))
    assert isinstance(failure, Failure)
    assert (failure.stage, failure.status, failure.reason) == (
        "import", "no_records", "no response records (2 request, 1 revisit)")
    report = _import(tmp_path / "home", path)
    assert [(f["status"], f["url"]) for f in report["failures"]] == [("no_records", path.resolve().as_uri())]


def test_non_html_records_are_not_html_by_type_or_by_their_bytes(tmp_path: Path) -> None:
    path = tmp_path / "mixed.warc.gz"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        _response(w, "https://x.kz/logo.png", PNG, "2024-01-01T00:00:00Z", "image/png")
        _response(w, "https://x.kz/report.pdf", b"%PDF-1.7\n...", "2024-01-01T00:00:00Z", "application/pdf")
        _response(w, "https://x.kz/untyped", PNG, "2024-01-01T00:00:00Z", None)
        _response(w, "https://x.kz/octets", b"%PDF-1.4", "2024-01-01T00:00:00Z", "application/octet-stream")
        _response(w, "https://x.kz/untyped-page", page("P", "plain"), "2024-01-01T00:00:00Z", None)
        w.write_record(w.create_warc_record("https://x.kz/img.jpg", "resource", payload=io.BytesIO(
            b"\xff\xd8\xff\xe0" + b"\x00" * 32), warc_content_type="image/jpeg"))
    report = _import(tmp_path / "home", path)
    reasons = {f["url"]: (f["status"], f["reason"]) for f in report["failures"]}
    assert reasons == {
        "https://x.kz/logo.png": ("not_html", "content type image/png is not HTML"),
        "https://x.kz/report.pdf": ("not_html", "content type application/pdf is not HTML"),
        "https://x.kz/untyped": ("not_html", "content type (none) is not HTML: the body is binary data"),
        "https://x.kz/octets": ("not_html", "content type application/octet-stream is not HTML: "
                                "the body is binary data"),
        "https://x.kz/img.jpg": ("not_html", "content type image/jpeg is not HTML"),
    }
    assert report["totals"]["new"] == 1  # the page without a Content-Type


def test_capture_rounds_keep_one_capture_of_a_url_per_round() -> None:
    from datetime import UTC, datetime

    def doc(url: str, year: int) -> RawDocument:
        return RawDocument(url=url, body=b"", source=REF, site="", fetched_at=datetime(year, 1, 1, tzinfo=UTC))

    docs = [doc("a", 2024), doc("b", 2023), doc("a", 2022), doc("a", 2023), doc("c", 2020)]
    rounds = capture_rounds(docs)
    assert [[(d.url, d.fetched_at.year) for d in r] for r in rounds] == [
        [("a", 2022), ("b", 2023), ("c", 2020)], [("a", 2023)], [("a", 2024)]]


def _captures(path: Path) -> None:
    """Two captures of one URL, the later one first in the file, and a page."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        _response(w, "https://x.kz/news/1", page("Second take", "updated"), "2024-03-01T00:00:00Z")
        _response(w, "https://x.kz/news/2", page("Other", "another"), "2023-06-01T00:00:00Z")
        _response(w, "https://x.kz/news/1", page("First take", "original"), "2023-03-01T00:00:00Z")


def test_captures_of_one_url_become_versions_and_a_second_import_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "captures.warc.gz"
    _captures(path)
    home = tmp_path / "home"
    report = _import(home, path)
    assert {k: report["totals"][k] for k in ("fetched", "new", "updated", "unchanged")} == {
        "fetched": 3, "new": 2, "updated": 1, "unchanged": 0}
    rows = {r["url"]: r for r in _store_rows(home)}
    first = rows["https://x.kz/news/1"]
    assert first["title"] == "Second take" and first["fetched_at"].isoformat().startswith("2024-03-01")  # the latest is current
    assert [(v["version"], v["current"], v["title"]) for v in first["revisions"]] == [
        (2, True, "Second take"), (1, False, "First take")]
    assert first["revisions"][0]["raw"] != first["revisions"][1]["raw"]  # each capture's own record

    raw, stored = _raw(home), _store_rows(home)
    again = _import(home, path)
    assert {k: again["totals"][k] for k in ("fetched", "new", "updated", "unchanged")} == {
        "fetched": 3, "new": 0, "updated": 0, "unchanged": 3}
    assert _raw(home) == raw  # no new raw file, no record archived a second time
    after = _store_rows(home)
    for row in [*stored, *after]:
        row.pop("last_seen", None)
    assert after == stored


def test_newsmill_import_reports_them_and_exits_1(tmp_path: Path) -> None:
    _captures(tmp_path / "captures.warc.gz")
    with (tmp_path / "requests.warc").open("wb") as fh:
        _request(WARCWriter(fh, gzip=False), "https://x.kz/a")
    arc_file(tmp_path / "old.arc", [("https://x.kz/old", "20220101000000", "text/html", page("Old", "ancient"))])
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)

    def newsmill(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "newsmill.cli", "--home", str(home), *args],
                              capture_output=True, text=True, timeout=300, check=False, env=env)

    out = newsmill("import", str(tmp_path / "old.arc"), str(tmp_path / "captures.warc.gz"),
                   str(tmp_path / "requests.warc"))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "3 new, 1 updated" in out.stdout, out.stdout
    failures = newsmill("failures", "--format", "jsonl")
    rows = [json.loads(line) for line in failures.stdout.splitlines() if line.strip()]
    assert [(r["stage"], r["status"], r["reason"]) for r in rows] == [
        ("import", "no_records", "no response records (1 request, 0 revisit)")]


@pytest.mark.parametrize("name", ["old.arc", "old.ARC.gz"])
def test_the_command_accepts_arc_paths(tmp_path: Path, name: str) -> None:
    from newsmill.cli.errors import check_paths

    (tmp_path / name).write_bytes(b"")
    check_paths([str(tmp_path / name)], "import")
    check_paths([str(tmp_path)], "import")


def test_a_warc_source_of_an_ingest_stores_its_captures_as_versions(tmp_path: Path) -> None:
    from newsmill.pipeline import acquire

    path = tmp_path / "captures.warc.gz"
    _captures(path)
    config: dict[str, Any] = {"sources": [{"name": "crawl", "kind": "warc", "path": str(path), "site": "x.kz"}]}
    home = tmp_path / "home"
    with LocalHost() as host:
        plan, chosen = acquire.choose_sources(None, config, None, None)
        report = runs.ingest(host, plan, chosen, RunSettings.from_env(str(home))).to_dict()
    assert (report["totals"]["new"], report["totals"]["updated"]) == (2, 1), report["totals"]
    first = {r["url"]: r for r in _store_rows(home)}["https://x.kz/news/1"]
    assert [(v["version"], v["title"]) for v in first["revisions"]] == [(2, "Second take"), (1, "First take")]
