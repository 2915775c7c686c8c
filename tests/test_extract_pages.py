"""Extraction of whole pages: synthetic pages in the style of real outlets,
metadata, plain-text inputs, hostile inputs, and the seeds (optional)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.core.errors import ExtractionError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import extract

REF = SourceRef("test", "urls", "test")


def page(body: str, head: str = "", lang: str = "en") -> bytes:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'.encode()


def doc(body: bytes, url: str = "https://news.example.com/2025/06/10/story.html", ctype: str = "text/html",
        **hints: object) -> RawDocument:
    return RawDocument(url=url, body=body, source=REF, site="news.example.com", content_type=ctype,
                       http_status=200, hints=dict(hints))


TURKISH = page(
    "<article><h1>Astana'da medya forumu başladı</h1><p>Paylaş</p>"
    "<p>İkinci Orta Asya Medya Forumu bugün Astana'da başladı ve etkinliğe yedi yüzden fazla gazeteci, "
    "uzman ve uluslararası kuruluş temsilcisi katıldı. Forumun amacı bölgesel iş birliğini güçlendirmek.</p>"
    "<p>Katılımcılar dijital dönüşümün bölgesel bilgi alanı üzerindeki etkisini ve yapay zekâ çağında "
    "gazeteciliğin geleceğini tartıştı; forum yarın atölye çalışmalarıyla devam edecek.</p>"
    "<p>İlginizi Çekebilir</p><p>Dolar yeni haftaya yükselişle başladı</p><p>Kar yağışı uyarısı yapıldı</p>"
    "<p>TÜM HABERLER</p><p>© 2025 Örnek Haber. Tüm hakları saklıdır.</p></article>", lang="tr")
CHINESE = page(
    "<article><h1>中亚媒体论坛在阿斯塔纳开幕</h1><p>图片来源：新华社</p>"
    "<p>第二届中亚媒体论坛十六日在哈萨克斯坦首都阿斯塔纳开幕，来自十多个国家的七百多名记者、专家和国际组织代表出席。"
    "与会者围绕数字化转型对地区信息空间的影响以及人工智能时代新闻业的发展等议题进行了深入交流。</p>"
    "<p>论坛期间，各方还讨论了建立中亚新闻学院、设立地区新闻奖以及联合制作电视节目等合作项目。"
    "主办方表示，论坛将于十七日继续举行，届时将为各国媒体和大学生举办专题培训。</p>"
    "<p>相关新闻</p><p>哈萨克斯坦坚戈汇率保持稳定</p><p>阿拉木图将迎来降雪</p><p>版权所有 © 2025 示例新闻网</p></article>",
    lang="zh")
GERMAN = page(
    "<article><h1>Neue Fährverbindung über das Kaspische Meer</h1><p>Teilen</p>"
    "<p>Der kasachische Hafen Kuryk hat am Dienstag die erste Containerfähre einer neuen wöchentlichen "
    "Verbindung nach Aserbaidschan empfangen, teilten Hafenvertreter mit. Die Route soll Transporte "
    "chinesischer Waren nach Europa um mehrere Tage verkürzen.</p>"
    "<p>Speditionen klagen seit langem über Engpässe bei der Überfahrt. Die Bahnbetreiber beider Ufer haben "
    "sich auf einen gemeinsamen Fahrplan geeinigt, damit Züge wenige Stunden nach jeder Fähre eintreffen.</p>"
    "<p>Lesen Sie auch</p><p>Tenge legt gegenüber dem Dollar zu</p><p>Schneefall im Norden erwartet</p>"
    "<p>Abonnieren Sie unseren Newsletter</p><p>Foto: dpa</p></article>", lang="de")

WESTERN = page(
    "<article><h1>Steppe railway to double freight capacity by 2027</h1>"
    "<p>https://news.example.com/2025/06/10/story.html</p>"
    "<p>The national railway said on Tuesday it would lay a second track along its busiest freight line, "
    "doubling capacity between the Chinese border and the Caspian ports by 2027, as cargo volumes on the "
    "route grew by a third last year.</p>"
    "<p><a href=\"/app\">CLICK HERE TO GET THE STEPPE NEWS APP</a></p>"
    "<p>The project will cost about $2 billion, the company's chairman told reporters, and will be financed "
    "by a mix of bonds and loans from development banks. Construction starts in the autumn.</p>"
    "<p><a href=\"/2025/06/09/rates.html\">FREIGHT RATES ACROSS THE CASPIAN JUMP AFTER FERRY SHORTAGE</a></p>"
    "<p>(Reporting by Dana Serikova; Editing by Arman Kaliyev)</p>"
    "<p>Write to Dana Serikova at dana.serikova@news.example.com</p>"
    "<p>If you buy something through this post, Steppe News may get a share of the sale.</p>"
    "<p>Sign up for The Morning Wire today to get the free daily newsletter delivered to your inbox.</p>"
    "<p>Tags: railways, China, freight</p><p>Leave a comment</p></article>")
BRAZILIAN = page(
    # A menu: its items are links (a run of short lines that are not links
    # is a list in the article, and stays: tests/test_recall.py).
    "<div class=\"conteudo\">" + "".join(f"<p><a href=\"/{i}\">{item}</a></p>" for i, item in enumerate([
        "A CIDADE", "Conselhos", "Conselhos Municipais", "Galeria dos Prefeitos", "História da Cidade",
        "PREFEITURA", "Contatos", "Diário Oficial", "Leis Municipais", "SERVIÇOS", "Protocolo", "Ouvidoria",
        "Horários de Ônibus", "NOTÍCIAS", "DOWNLOADS"])) +
    "<h1>Serviço de atendimento registra arrombamento em dois veículos</h1>"
    "<p>A equipe do Serviço de Atendimento Domiciliar registrou nesta manhã o arrombamento de dois dos "
    "cinco automóveis da unidade. Os veículos estavam sem as baterias e com marcas de depredação.</p>"
    "<p>Foi feito boletim de ocorrência e a polícia foi até o local. Os pacientes agendados para a manhã "
    "estão sendo reagendados, e o atendimento volta ao normal à tarde.</p>"
    "<p>Facebook</p><p>Twitter</p><p>Whatsapp</p>"
    "<p>Exemplo do Sul - SC - CNPJ: 00.000.000/0001-00 - Rua das Flores, 100 - 89000-000 - Fone: (047) 2106-8000</p>"
    "</div>", lang="pt")

PAGES = {
    "western": (WESTERN, "en", ["doubling capacity between the Chinese border", "Construction starts in the autumn."],
                ["https://news.example.com", "CLICK HERE", "FREIGHT RATES", "Reporting by", "Write to",
                 "share of the sale", "newsletter", "Tags:", "Leave a comment"]),
    "brazilian": (BRAZILIAN, "pt", ["registrou nesta manhã o arrombamento", "o atendimento volta ao normal"],
                  ["Conselhos Municipais", "Diário Oficial", "Horários de Ônibus", "Facebook", "Whatsapp",
                   "CNPJ"]),
    "turkish": (TURKISH, "tr", ["Orta Asya Medya Forumu bugün Astana'da başladı"],
                ["Paylaş", "İlginizi Çekebilir", "Dolar yeni haftaya", "TÜM HABERLER", "hakları saklıdır"]),
    "chinese": (CHINESE, "zh", ["第二届中亚媒体论坛十六日在哈萨克斯坦首都阿斯塔纳开幕"],
                ["图片来源", "相关新闻", "坚戈汇率", "版权所有"]),
    "german": (GERMAN, "de", ["Die Route soll Transporte"],
               ["Teilen", "Lesen Sie auch", "Schneefall", "Newsletter", "Foto: dpa"]),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_outlet_pages(name: str) -> None:
    body, lang, must, must_not = PAGES[name]
    article = extract(doc(body))
    assert article.language == lang
    for text in must:
        assert text in article.text
    for text in must_not:
        assert text not in article.text, (text, article.paragraphs)
    assert article.title and article.title not in article.text


def test_metadata_from_json_ld_and_opengraph() -> None:
    head = (
        '<title>Ignored | Site</title><link rel="canonical" href="/2025/06/10/story.html?utm_source=x">'
        '<meta property="og:site_name" content="Example News"><meta property="og:image" content="https://img/x.jpg">'
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        '"headline":"Ferry line opens","datePublished":"2025-06-10T15:40:00+05:00",'
        '"dateModified":"2025-06-11T08:00:00Z","author":[{"@type":"Person","name":"Dana Serikova"},'
        '{"@type":"Person","name":"Ruslan Akhmetov"}],"description":"A new line."}</script>'
    )
    body = "<article>" + "".join(
        f"<p>The port received ferry number {n} of a new line, officials said on Tuesday in the capital.</p>"
        for n in ("one", "two", "three")) + "</article>"
    article = extract(doc(page(body, head)))
    assert article.title == "Ferry line opens"
    assert article.authors == ["Dana Serikova", "Ruslan Akhmetov"]
    assert article.published_at is not None and article.published_at.isoformat() == "2025-06-10T15:40:00+05:00"
    assert article.modified_at is not None and article.modified_at.utcoffset() is not None
    assert article.canonical_url == "https://news.example.com/2025/06/10/story.html"
    assert article.image == "https://img/x.jpg" and article.description == "A new line."


def test_cross_site_canonical_is_not_identity() -> None:
    head = '<link rel="canonical" href="https://wire.example.org/original.html">'
    body = "<article><p>" + "A republished wire story with plenty of words in its body text. " * 4 + "</p></article>"
    article = extract(doc(page(body, head)))
    assert article.canonical_url == "https://news.example.com/2025/06/10/story.html"


def test_plain_text_header_and_paragraphs() -> None:
    text = ("date 2025-06-22\n\nHeadline of a plain text story\n\n"
            + "First paragraph of the story has a good number of words in it. " * 3
            + "\n\nПОДЕЛИТЬСЯ\n\n" + "Second paragraph continues the story with more words. " * 3)
    article = extract(doc(text.encode(), url="file:///tmp/story.txt", ctype="text/plain"))
    assert article.published_at is not None and article.published_at.date().isoformat() == "2025-06-22"
    assert article.title == "Headline of a plain text story"
    assert len(article.paragraphs) == 2
    assert [r.rule for r in article.boilerplate_removed] == ["repeat.headline", "share.buttons"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (bytes(range(256)) * 20, "decode_error"),
        (page("<script>var x = 1;</script>"), "not_article"),
        (page("<div>" * 3000 + "deep" + "</div>" * 3000), "not_article"),
    ],
)
def test_hostile_inputs_fail_cleanly(body: bytes, status: str) -> None:
    with pytest.raises(ExtractionError) as err:
        extract(doc(body))
    assert err.value.status == status


SEED_MUST_GO = ["ПОДЕЛИТЬСЯ", "course up", "Читайте также", "Join Telegram", "İlginizi Çekebilir",
                "TÜM HABERLER", "© © 2025 S-B-E Ltd", "Photo credit: Kazinform", "location-current",
                "Earthquake felt by residents of Almaty", "Социальные сети"]


def test_seeds(shared_dir: Path) -> None:
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    articles = {}
    for path in seeds:
        raw = RawDocument(url=path.resolve().as_uri(), body=path.read_bytes(), source=REF, site="seeds",
                          content_type="text/plain")
        articles[path.name[:3]] = (extract(raw), path.read_text(encoding="utf-8"))
    for article, original in articles.values():
        for needle in SEED_MUST_GO:
            assert needle not in article.text
        kept_lines = {p.strip() for p in original.split("\n") if len(p.split()) >= 25}
        for line in kept_lines:  # every long content paragraph is kept (the glued date aside)
            assert line.removeprefix("date ").split(" ", 1)[-1] in article.text or line in article.text
    assert articles["000"][0].published_at is not None
    assert articles["000"][0].published_at.date().isoformat() == "2025-06-22"
    a003 = articles["003"][0]
    assert a003.title == "The 2nd Central Asian Media Forum Has Started in Astana"
    a004 = articles["004"][0]
    lead = "Tengrinews.kz – An international forum bringing together experts"
    assert a004.text.count(lead) == 1
