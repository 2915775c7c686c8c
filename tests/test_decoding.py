"""Bytes to the right text: byte-order marks first, a declared charset only
when its text is not mojibake, invalid UTF-8 bytes replaced one by one and
counted (newsmill.extractors.decode), through extract() and the import path."""

from __future__ import annotations

import codecs
import json
import sqlite3
from pathlib import Path

import pytest

from newsmill.core.records import ArchiveLocation, RawDocument, SourceRef
from newsmill.extractors import extract
from newsmill.extractors.decode import decode
from newsmill.storage.archive import RawArchive

REF = SourceRef("decoding", "urls", "decoding")

RUSSIAN = ("Новости дня: сегодня в Москве правительство обсудило бюджет на следующий год, "
           "рост цен на продукты и строительство новых школ в регионах страны.")
FRENCH = ("Le conseil municipal a voté hier soir le budget de l'année prochaine : "
          "les écoles, la piscine et la bibliothèque du quartier seront rénovées à la rentrée.")


def page(text: str, lang: str, head: str = "") -> str:
    paragraphs = "".join(f"<p>{text} ({i})</p>" for i in range(6))
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{head}<title>{text[:20]}</title></head>'
            f"<body><article><h1>{text[:30]}</h1>{paragraphs}</article></body></html>")


def doc(body: bytes, content_type: str | None = None, lang: str = "ru") -> RawDocument:
    return RawDocument(url=f"https://{lang}.example/news/1", body=body, source=REF, site=f"{lang}.example",
                       content_type=content_type, http_status=200)


@pytest.mark.parametrize(("bom", "codec"), [
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le")])
def test_a_byte_order_mark_decides(bom: bytes, codec: str) -> None:
    # The page even declares another charset: the mark wins.
    body = bom + page(RUSSIAN, "ru", '<meta charset="windows-1251">').encode(codec)
    decoded = decode(body, "text/html; charset=iso-8859-1")
    assert (decoded.encoding, decoded.source, decoded.invalid) == (codec, "bom", 0)
    article = extract(doc(body))
    assert RUSSIAN in article.text and article.language == "ru"


@pytest.mark.parametrize(("head", "content_type"), [
    ('<meta charset="windows-1251">', None),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', None),
    ("", "text/html; charset=windows-1251"),
    ('<meta charset="utf-8">', "text/html; charset=windows-1251"),
    ('<meta charset="koi8-r">', "text/html; charset=iso-8859-1")])
def test_utf8_behind_a_lying_single_byte_label_is_read_as_utf8(head: str, content_type: str | None) -> None:
    body = page(RUSSIAN, "ru", head).encode()
    decoded = decode(body, content_type)
    assert decoded.encoding == "utf-8" and decoded.rejected is not None
    article = extract(doc(body, content_type))
    assert RUSSIAN in article.text and "Р" + "ќ" not in article.text
    assert article.language == "ru"


def test_a_lying_label_with_a_few_invalid_bytes_is_still_utf8() -> None:
    """One stray byte used to make the UTF-8 reading fail, and the declared
    windows-1251 then decoded the whole page as mojibake (language ``uk``)."""
    body = page(RUSSIAN, "ru", '<meta charset="windows-1251">').encode().replace(b"(2)", b"(\xff2)", 1)
    for content_type in (None, "text/html; charset=windows-1251"):
        decoded = decode(body, content_type)
        assert (decoded.encoding, decoded.invalid, decoded.rejected) == ("utf-8", 1, "cp1251")
        article = extract(doc(body, content_type))
        assert RUSSIAN in article.text and article.language == "ru"


def test_invalid_utf8_bytes_become_replacement_characters_and_are_counted() -> None:
    body = page(RUSSIAN, "ru", '<meta charset="utf-8">').encode()
    body = body.replace(b"(1)", b"(1\xff)", 1).replace(b"(3)", b"(3\xc0\xfe)", 1).replace(b"(4)", b"(4\xd0)", 1)
    decoded = decode(body, "text/html; charset=utf-8")
    assert (decoded.encoding, decoded.source, decoded.invalid) == ("utf-8", "http", 4)
    assert decoded.text.count("\ufffd") == 4
    article = extract(doc(body, "text/html; charset=utf-8"))
    assert article.text.count(RUSSIAN) == 6 and article.language == "ru"
    assert "1\ufffd" in article.text and "4\ufffd" in article.text
    # No declaration at all: the same, not a single-byte reading.
    undeclared = body.replace(b'<meta charset="utf-8">', b"")
    assert decode(undeclared).text.count(RUSSIAN) == 6


def test_real_single_byte_pages_keep_their_declared_charset() -> None:
    cyrillic = page(RUSSIAN, "ru", '<meta charset="windows-1251">').encode("cp1251")
    for content_type in (None, "text/html; charset=windows-1251"):
        decoded = decode(cyrillic, content_type)
        assert decoded.encoding == "cp1251" and decoded.rejected is None
        article = extract(doc(cyrillic, content_type))
        assert RUSSIAN in article.text and article.language == "ru"
    latin = page(FRENCH, "fr", '<meta charset="iso-8859-1">').encode("latin-1")
    assert decode(latin).encoding == "iso8859-1"
    assert FRENCH in extract(doc(latin, lang="fr")).text
    assert FRENCH in extract(doc(latin, "text/html; charset=ISO-8859-1", lang="fr")).text


def mojibake(text: str, codec: str = "cp1252") -> str:
    """What a site prints when its CMS read UTF-8 bytes as a single-byte
    charset once: valid UTF-8 on the wire, garbled text. As CMSs do, the
    five bytes windows-1252 leaves undefined pass through as C1 controls
    (ftfy's "sloppy" codec): "”" is UTF-8 E2 80 9D, printed "â€\x9d"."""
    import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

    return text.encode("utf-8").decode("sloppy-windows-1252" if codec == "cp1252" else codec)


@pytest.mark.parametrize(("text", "codec", "lang"), [
    ("It’s the council’s “budget” – €14 a month for each pupil, said the mayor, and the schools agree.",
     "cp1252", "en"),
    # Read as Latin-1 every byte 80-9F is a C1 control; not 85, which is
    # NEL, a line break to trafilatura, so "х" (D1 85) cannot come back.
    ("It’s the council’s “budget” – €14 a month for each pupil, said the mayor, and the schools agree.",
     "latin-1", "en"),
    (FRENCH, "cp1252", "fr"),
    (RUSSIAN, "cp1252", "ru")])
def test_mojibake_printed_by_the_site_is_repaired(text: str, codec: str, lang: str) -> None:
    garbled = mojibake(text, codec)
    assert garbled != text
    article = extract(doc(page(garbled, lang, '<meta charset="utf-8">').encode(), lang=lang))
    assert text in article.text and garbled not in article.text


def test_text_that_only_looks_like_mojibake_is_left_alone() -> None:
    # Accented capitals, guillemets and quotes next to each other, as real
    # Spanish, Portuguese, French, Icelandic and Turkish text writes them.
    text = ("ESPAÑA y São Paulo: «ÉCOLE» “Ça va” – Þórðarson, Ölçü „test“, Übergröße… "
            "ÁÉ… the headline read, and the whole newsroom laughed about it for a week.")
    article = extract(doc(page(text, "es", '<meta charset="utf-8">').encode(), lang="es"))
    assert text in article.text


def test_binary_data_is_still_refused() -> None:
    from newsmill.core.errors import ExtractionError

    with pytest.raises(ExtractionError, match="binary data") as exc:
        extract(doc(bytes(range(256)) * 20))
    assert exc.value.status == "decode_error"


def test_imported_pages_are_stored_and_archived_with_the_right_text(tmp_path: Path, prefect_harness: None) -> None:
    from newsmill.flows.ingest import import_files

    src = tmp_path / "in"
    src.mkdir()
    (src / "utf16.html").write_bytes(codecs.BOM_UTF16_LE + page(RUSSIAN + " UTF-16", "ru").encode("utf-16-le"))
    (src / "lying.html").write_bytes(page(RUSSIAN + " лживая", "ru", '<meta charset="windows-1251">')
                                     .encode().replace(b"(2)", b"(\xff2)", 1))
    (src / "cp1251.html").write_bytes(page(RUSSIAN + " cp1251", "ru", '<meta charset="windows-1251">')
                                      .encode("cp1251"))
    report = import_files(paths=[str(src)], home=str(tmp_path / "home"))
    assert report["totals"]["new"] == 3, report
    assert not report["failures"], report["failures"]
    db = sqlite3.connect(tmp_path / "home" / "data" / "newsmill.db")
    rows = db.execute("SELECT paragraphs, language, raw FROM articles").fetchall()
    assert len(rows) == 3
    archive = RawArchive(tmp_path / "home" / "raw")
    for paragraphs, language, raw in rows:
        text = " ".join(json.loads(paragraphs))
        assert RUSSIAN in text and language == "ru", text[:80]
        assert raw and archive.read(ArchiveLocation.from_uri(raw)).body  # archived, byte-exact record readable
    # and how each page was read is stored with its article and exported
    chosen = {Path(url).name: (enc, source) for url, enc, source in
              db.execute("SELECT url, encoding, encoding_source FROM articles").fetchall()}
    assert chosen == {"utf16.html": ("utf-16-le", "bom"), "lying.html": ("utf-8", "utf-8"),
                      "cp1251.html": ("cp1251", "document")}, chosen
    db.close()
    from newsmill.storage import open_store

    store = open_store(f"sqlite:///{tmp_path / 'home' / 'data' / 'newsmill.db'}", create=False)
    try:
        exported = {Path(r["url"]).name: (r["encoding"], r["encoding_source"]) for r in store.articles()}
    finally:
        store.close()
    assert exported == chosen
