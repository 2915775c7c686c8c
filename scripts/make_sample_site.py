"""Generate the bundled sample news site under raw/sample/ (deterministic).

Three fictional outlets, each with its own page template and the kind of
boilerplate real news pages carry (share rows, "read also" lists, exchange
rate and weather widgets, repeated headline and lead, photo credits,
messenger prompts, copyright and reprint lines). ``{{BASE_URL}}`` in the
output is replaced by the outlet's address when the site is served.

Run: python scripts/make_sample_site.py   (rewrites raw/sample/)
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_articles import ARTICLES, MISSING, SHARED_EN, SHARED_RU

ROOT = Path(__file__).resolve().parents[1] / "raw" / "sample"
BASE = "{{BASE_URL}}"

OUTLETS: dict[str, dict[str, Any]] = {
    "steppe-herald": {"name": "The Steppe Herald", "lang": "en", "feed": "rss.xml", "site": "steppeherald.kz"},
    "silk-road-wire": {"name": "Silk Road Wire", "lang": "en", "feed": "feed.xml", "site": "silkroadwire.com"},
    "novosti-stepi": {"name": "Новости Степи", "lang": "ru", "feed": "atom.xml", "site": "novostistepi.kz",
                      "sitemap": "sitemap.xml"},
}

READ_ALSO = {
    "steppe-herald": ["Earthquake of magnitude 4.1 felt in Almaty suburbs", "Snowfall expected in northern regions",
                      "Flights delayed at Aktobe airport after storm", "Living wage to rise next January"],
    "silk-road-wire": ["Kyrgyz parliament approves mining code changes", "Uzbek airline orders six new jets",
                       "Border trade fair opens in Osh", "Gold price climbs to a new high"],
    "novosti-stepi": ["Землетрясение ощутили жители Алматы", "Синоптики обещают снег на севере",
                      "Задерживаются рейсы в аэропорту Актобе", "Прожиточный минимум повысят с января"],
}


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def url_of(a: dict[str, Any]) -> str:
    return f"{BASE}/{a['slug']}.html"


def jsonld(a: dict[str, Any], outlet: dict[str, Any]) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a["title"],
        "datePublished": a["date"],
        "author": [{"@type": "Person", "name": a["author"]}],
        "publisher": {"@type": "Organization", "name": outlet["name"]},
        "inLanguage": a["lang"],
        "mainEntityOfPage": url_of(a),
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def head(a: dict[str, Any], outlet: dict[str, Any]) -> str:
    lead = a["paragraphs"][0][:160]
    return f"""<head>
<meta charset="utf-8">
<title>{esc(a['title'])} | {esc(outlet['name'])}</title>
<meta name="description" content="{esc(lead)}">
<meta property="og:title" content="{esc(a['title'])}">
<meta property="og:site_name" content="{esc(outlet['name'])}">
<meta property="og:url" content="{url_of(a)}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{a['date']}">
<link rel="canonical" href="{url_of(a)}">
<script type="application/ld+json">
{jsonld(a, outlet)}
</script>
</head>"""


def paras(items: list[str]) -> str:
    return "\n".join(f"<p>{esc(p)}</p>" for p in items)


def steppe_herald(a: dict[str, Any], outlet: dict[str, Any], i: int) -> str:
    ps = a["paragraphs"]
    photo = f'<figure><img src="/img/{i}.jpg" alt=""><figcaption>Photo: Steppe Herald / Arman Kaliyev</figcaption></figure>'
    related = "".join(f'<li><a href="/latest/{k}.html">{esc(h)}</a></li>' for k, h in enumerate(READ_ALSO["steppe-herald"]))
    rates = '<div class="widget rates"><p>Exchange rates</p><p>USD 504.61 ▲ EUR 587.93 ▲ RUB 6.63 ▼</p></div>'
    weather = '<div class="widget weather"><p>Weather</p><p>Almaty +24°C</p></div>'
    widgets_top = rates + weather if i % 2 == 0 else weather + rates
    return f"""<!DOCTYPE html>
<html lang="en">
{head(a, outlet)}
<body>
<header><nav><a href="/">Home</a> <a href="/kazakhstan/">Kazakhstan</a> <a href="/world/">World</a> <a href="/business/">Business</a></nav></header>
<main>
<article class="story">
<h1>{esc(a['title'])}</h1>
<p class="byline">By {esc(a['author'])} · {a['date'][:10]}</p>
<p class="share">Share: Facebook Twitter Telegram WhatsApp</p>
{widgets_top}
<p class="lead"><strong>{esc(ps[0])}</strong></p>
{photo}
{paras(ps)}
<p class="promo">Join our Telegram channel for the latest news</p>
<div class="related"><h3>Read also</h3><ul>{related}</ul></div>
<p class="copyright">© 2025 The Steppe Herald. All rights reserved.</p>
</article>
</main>
<footer><p>About us · Contacts · Advertising</p></footer>
</body>
</html>
"""


def silk_road_wire(a: dict[str, Any], outlet: dict[str, Any], i: int) -> str:
    ps = a["paragraphs"]
    related = "".join(f'<p><a href="/news/r{k}.html">{esc(h)}</a></p>' for k, h in enumerate(READ_ALSO["silk-road-wire"]))
    if a.get("video_only"):
        body = f'<video src="/video/{i}.mp4" controls></video><p>{esc(ps[0])}</p>'
    else:
        body = (
            f'<p>{esc(a["title"])}</p>'
            f'<p>Photo credit: Silk Road Wire</p>'
            f"{paras(ps[:2])}"
            '<p>Advertisement</p>'
            f"{paras(ps[2:])}"
            '<div class="markets"><p>Markets</p><p>Brent 71.20 ▲ Gold 2,315.40 ▼ USD/KZT 504.61 ▲</p></div>'
            '<p>Subscribe to our newsletter</p>'
            f'<div class="more"><p>Related news</p>{related}</div>'
            '<p>Share this article</p><p>Facebook X LinkedIn Email</p>'
            '<p>© Silk Road Wire 2025</p>'
        )
    return f"""<!DOCTYPE html>
<html lang="en">
{head(a, outlet)}
<body>
<div id="top">Silk Road Wire — news agency</div>
<div class="content"><div class="article-body">
<h1 class="headline">{esc(a['title'])}</h1>
<span class="dateline">{a['date'][:10]} | {esc(a['author'])}</span>
{body}
</div></div>
<div id="bottom"><a href="/about.html">About</a> <a href="/contact.html">Contact</a></div>
</body>
</html>
"""


def novosti_stepi(a: dict[str, Any], outlet: dict[str, Any], i: int) -> str:
    ps = a["paragraphs"]
    related = "".join(f'<li><a href="/news/{k}.html">{esc(h)}</a></li>' for k, h in enumerate(READ_ALSO["novosti-stepi"]))
    lang = a["lang"]
    return f"""<!DOCTYPE html>
<html lang="{lang}">
{head(a, outlet)}
<body>
<div class="topbar">Новости Степи</div>
<div class="page"><div class="news-text">
<h1>{esc(a['title'])}</h1>
<div class="share-top">ПОДЕЛИТЬСЯ</div>
<p><b>{esc(a['title'])}</b></p>
<p class="photo">Фото: пресс-служба акимата</p>
{paras(ps)}
<div class="share-bottom">ПОДЕЛИТЬСЯ</div>
<p>Подписывайтесь на наш Telegram-канал</p>
<div class="readmore"><p>Читайте также</p><ul>{related}</ul></div>
<div class="currency"><p>Курсы валют</p><p>USD 504.61 ↑ EUR 587.93 ↑ RUB 6.63 ↓</p></div>
<div class="weather"><p>Погода</p><p>Алматы +18°</p></div>
<p>При полном или частичном использовании материалов ссылка на «Новости Степи» обязательна.</p>
<p>© 2025 Новости Степи</p>
</div></div>
</body>
</html>
"""


TEMPLATES = {"steppe-herald": steppe_herald, "silk-road-wire": silk_road_wire, "novosti-stepi": novosti_stepi}


def rfc822(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S %z")


def rss(outlet_key: str, items: list[dict[str, Any]]) -> str:
    outlet = OUTLETS[outlet_key]
    entries = "\n".join(
        f"""  <item>
    <title>{esc(a['title'])}</title>
    <link>{url_of(a)}?utm_source=rss&amp;utm_medium=feed</link>
    <guid isPermaLink="false">{outlet_key}-{a['slug']}</guid>
    <pubDate>{rfc822(a['date'])}</pubDate>
  </item>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
  <title>{esc(outlet['name'])}</title>
  <link>{BASE}/</link>
  <description>Latest news from {esc(outlet['name'])}</description>
  <language>{outlet['lang']}</language>
{entries}
</channel>
</rss>
"""


def atom(outlet_key: str, items: list[dict[str, Any]]) -> str:
    outlet = OUTLETS[outlet_key]
    entries = "\n".join(
        f"""  <entry>
    <title>{esc(a['title'])}</title>
    <link rel="alternate" href="{url_of(a)}"/>
    <id>tag:novostistepi.kz,2025:{a['slug']}</id>
    <updated>{a['date']}</updated>
    <published>{a['date']}</published>
  </entry>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ru">
  <title>{esc(outlet['name'])}</title>
  <link rel="self" href="{BASE}/atom.xml"/>
  <id>tag:novostistepi.kz,2025:feed</id>
  <updated>2025-06-11T08:00:00+05:00</updated>
{entries}
</feed>
"""


def sitemap(items: list[dict[str, Any]]) -> str:
    urls = "\n".join(
        f"""  <url>
    <loc>{url_of(a)}</loc>
    <lastmod>{a['date']}</lastmod>
    <news:news>
      <news:publication><news:name>Новости Степи</news:name><news:language>{a['lang']}</news:language></news:publication>
      <news:publication_date>{a['date']}</news:publication_date>
      <news:title>{esc(a['title'])}</news:title>
    </news:news>
  </url>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""


def index_page(outlet_key: str, items: list[dict[str, Any]]) -> str:
    outlet = OUTLETS[outlet_key]
    feed_type = "application/atom+xml" if outlet["feed"] == "atom.xml" else "application/rss+xml"
    links = "\n".join(f'<li><a href="/{a["slug"]}.html">{esc(a["title"])}</a></li>' for a in items)
    return f"""<!DOCTYPE html>
<html lang="{outlet['lang']}"><head><meta charset="utf-8"><title>{esc(outlet['name'])}</title>
<link rel="alternate" type="{feed_type}" href="/{outlet['feed']}"></head>
<body><h1>{esc(outlet['name'])}</h1><ul>
{links}
</ul></body></html>
"""


def main() -> None:
    if ROOT.exists():
        for child in ROOT.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    expected: dict[str, Any] = {"outlets": {}, "failures": [], "near_duplicate": {}, "shared_passages": []}
    for key, outlet in OUTLETS.items():
        items = [a for a in ARTICLES if a["outlet"] == key]
        base = ROOT / key
        for i, a in enumerate(items):
            path = base / f"{a['slug']}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(TEMPLATES[key](a, outlet, i), encoding="utf-8")
        feed_items = sorted(items, key=lambda a: a["date"], reverse=True)
        if key == "novosti-stepi":
            feed_items = [MISSING, *feed_items[:8]]
            (base / outlet["feed"]).write_text(atom(key, feed_items), encoding="utf-8")
            (base / "sitemap.xml").write_text(sitemap(sorted(items, key=lambda a: a["date"], reverse=True)),
                                             encoding="utf-8")
            robots = f"User-agent: *\nDisallow: /private/\n\nSitemap: {BASE}/sitemap.xml\n"
            expected["failures"].append(f"/{MISSING['slug']}.html")
        else:
            (base / outlet["feed"]).write_text(rss(key, feed_items), encoding="utf-8")
            robots = "User-agent: *\nDisallow: /private/\n"
        (base / "robots.txt").write_text(robots, encoding="utf-8")
        (base / "index.html").write_text(index_page(key, feed_items), encoding="utf-8")
        expected["outlets"][key] = {
            "name": outlet["name"], "site": outlet["site"], "feed": f"/{outlet['feed']}",
            "sitemap": "/sitemap.xml" if key == "novosti-stepi" else None,
            "articles": [f"/{a['slug']}.html" for a in items if not a.get("video_only")],
        }
    for a in ARTICLES:
        if a.get("video_only"):
            expected["failures"].append(f"/{a['slug']}.html")
        if a.get("wire_original"):
            expected["near_duplicate"]["original"] = f"/{a['slug']}.html"
        if a.get("wire_copy"):
            expected["near_duplicate"]["copy"] = f"/{a['slug']}.html"
    for shared in (SHARED_EN, SHARED_RU):
        holders = [f"/{a['slug']}.html" for a in ARTICLES if shared in a["paragraphs"]]
        expected["shared_passages"].append({"articles": holders, "starts": shared[:40]})
    expected["must_not_contain"] = [
        "Share: Facebook", "ПОДЕЛИТЬСЯ", "Read also", "Читайте также", "Related news", "USD 504.61",
        "Almaty +24°C", "Алматы +18°", "Join our Telegram", "Подписывайтесь", "All rights reserved",
        "обязательна", "Photo: Steppe Herald", "Photo credit", "Subscribe to our newsletter", "Advertisement",
        "Facebook X LinkedIn", "Курсы валют", "Exchange rates", "Brent 71.20", "© 2025",
        *READ_ALSO["steppe-herald"], *READ_ALSO["silk-road-wire"], *READ_ALSO["novosti-stepi"],
    ]
    expected["must_contain"] = [
        "trading at 504.61 per US dollar at the close of the Kazakhstan Stock Exchange",
        "The euro fell to 587.93 tenge and the rouble to 6.63 tenge",
        "Pupils in eleven village schools of the Abai region",
        "В Павлодаре этим летом заменят около 40 километров",
        "Атырау қаласында Жайық өзені арқылы",
        "The Caspian port of Kuryk on Tuesday received the first container ferry",
        "Hotels in Samarkand reported occupancy of more than 85 percent",
        SHARED_EN, SHARED_RU,
    ]
    (ROOT / "EXPECTED.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
