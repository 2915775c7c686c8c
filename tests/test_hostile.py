"""Hostile pages through the whole import path: nothing crashes, nothing is
lost, every refusal is recorded with its reason."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from newsmill.core.errors import ExtractionError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import extract

REF = SourceRef("hostile", "urls", "hostile")

ARABIC = ("أعلنت وزارة النقل أن خط العبارة الجديد عبر البحيرة سيبدأ العمل في الربيع المقبل، "
          "وسيحمل الحاويات والشاحنات بين الميناءين مرتين في اليوم.")
HEBREW = "משרד התחבורה הודיע כי קו המעבורת החדש על פני האגם יתחיל לפעול באביב הבא ויוביל מכולות ומשאיות."
CHINESE = "交通部宣布，横跨湖泊的新渡轮航线将于明年春天开始运营，每天两次在两个港口之间运送集装箱和卡车。"


def page(body: str, lang: str, direction: str = "ltr") -> bytes:
    paragraphs = "".join(f"<p>{body} ({i})</p>" for i in range(6))
    return (f'<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8"><title>{body[:30]}</title>'
            f"</head><body><article><h1>{body[:30]}</h1>{paragraphs}</article></body></html>").encode()


@pytest.mark.parametrize(("text", "lang", "direction"), [
    (ARABIC, "ar", "rtl"), (HEBREW, "he", "rtl"), (CHINESE, "zh", "ltr")])
def test_right_to_left_and_cjk_pages_keep_their_script(text: str, lang: str, direction: str) -> None:
    doc = RawDocument(url=f"https://{lang}.example/story", body=page(text, lang, direction), source=REF,
                      site=f"{lang}.example", content_type="text/html; charset=utf-8", http_status=200)
    article = extract(doc)
    assert text in article.text and len(article.paragraphs) >= 5
    assert article.language == lang


def test_a_50_mb_page_is_refused_with_its_size() -> None:
    body = page("A story about the harbour and its ferry line for the big page test.", "en")
    huge = body.replace(b"</article>", b"<div>" + b"x" * (50 * 1024 * 1024) + b"</div></article>")
    doc = RawDocument(url="https://big.example/story", body=huge, source=REF, site="big.example",
                      content_type="text/html", http_status=200)
    with pytest.raises(ExtractionError, match=r"over the \d+-byte cap"):
        extract(doc)


def test_hostile_files_imported_together_lose_nothing(tmp_path: Path, prefect_harness: None) -> None:
    """Good pages next to hostile ones: the good ones are stored, every bad one
    is a recorded failure with its reason, and the run completes."""
    from newsmill.flows.ingest import import_files

    src = tmp_path / "in"
    src.mkdir()
    (src / "arabic.html").write_bytes(page(ARABIC, "ar", "rtl"))
    (src / "chinese.html").write_bytes(page(CHINESE, "zh"))
    (src / "empty.html").write_bytes(b"")
    (src / "garbage.html").write_bytes(bytes(range(256)) * 40)
    (src / "scripts-only.html").write_bytes(b"<html><head><script>var a = 1;</script></head><body>"
                                            b"<script>document.write('x')</script></body></html>")
    (src / "nested.html").write_bytes(b"<div>" * 20_000 + b"<p>deep</p>" + b"</div>" * 20_000)
    (src / "odd name \u202e\u00e9\u4e2d.html").write_bytes(page(HEBREW, "he", "rtl"))
    report = import_files(paths=[str(src)], home=str(tmp_path / "home"))
    assert report["totals"]["new"] == 3, report
    failed = {Path(f["url"]).name for f in report["failures"]}
    assert {"empty.html", "garbage.html", "scripts-only.html", "nested.html"} <= {
        n.replace("%20", " ") for n in failed}, report["failures"]
    assert all(f["reason"] for f in report["failures"])
    db = tmp_path / "home" / "data" / "newsmill.db"
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM failures").fetchone()[0]
    assert stored >= 4
    texts = [json.loads(r[0]) for r in sqlite3.connect(db).execute("SELECT paragraphs FROM articles")]
    assert any(ARABIC in " ".join(p) for p in texts) and any(HEBREW in " ".join(p) for p in texts)
