"""The boilerplate rule catalog.

Each rule is small and named; the cleaner records every removed line with
the name of the rule that removed it (``boilerplate_removed``). Line rules
look at one line; block rules (``related.*``, ``widget.*_block``) also take
the run of short lines that follows a heading; repeat rules compare lines
with the headline and with each other.

Word lists cover English, Russian, Kazakh, Turkish, Chinese, Uzbek, German,
French and Spanish. Every rule has fixtures that fire it and real-content
look-alikes where it must not (``tests/test_extract_rules.py``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

Matcher = Callable[[str], bool]


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE | re.UNICODE)


_BULLET = re.compile(r"^[-•·*▪►»]\s+")


@functools.lru_cache(maxsize=8192)
def fold(line: str) -> str:
    """A line as rules see it: NFKC, list bullet and outer spaces stripped.
    (Cached: every line rule folds the same line again.)"""
    line = unicodedata.normalize("NFKC", line).strip()
    return _BULLET.sub("", line).strip()


def n_words(line: str) -> int:
    return len(line.split())


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NUMBER = re.compile(r"^[+\-−]?\d+(?:[.,]\d+)*%?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
TERMINAL = ("." , "!", "?", "…", ":", ";", "»", "”", '"', "'", ")", "。", "！", "？")


def _cjk_short(line: str, limit: int) -> bool:
    return len(_CJK.findall(line)) <= limit


# --- vocabularies ------------------------------------------------------------

SOCIAL = {
    "facebook", "twitter", "x", "telegram", "whatsapp", "vk", "vkontakte", "вконтакте", "ok",
    "odnoklassniki", "одноклассники", "linkedin", "email", "e-mail", "mail", "print", "instagram",
    "youtube", "tiktok", "viber", "pinterest", "reddit", "weibo", "wechat", "微博", "微信", "qq",
    "threads", "bluesky", "mastodon", "flipboard", "pocket", "skype", "messenger", "copy", "link",
    "копировать", "ссылку", "ссылка", "печать", "yazdır", "drucken", "imprimer", "imprimir",
}
SHARE = _rx(
    r"^(share|share this( article| story| post| page)?|share on|share via|поделиться|поделитесь|"
    r"бөлісу|бөлісіңіз|paylaş|paylaşın|haberi paylaş|分享|分享到|ulashish|ulashing|teilen|"
    r"artikel teilen|partager|partagez|compartir|comparte)(\s*(:|—|-|\|)|\s|$)"
)
MESSENGER = _rx(
    r"(join|subscribe|follow|read us|find us|get (our|the)|sign up)\b.*\b(telegram|whatsapp|channel|"
    r"newsletter|youtube|instagram|facebook|twitter|viber|tiktok|vk|x\.com|updates|google news)",
    r"(подпис(ывайтесь|аться|ка|итесь)|присоединяйтесь|читайте нас|следите за).*"
    r"(telegram|телеграм|whatsapp|канал|рассылк|дзен|youtube|vk|вконтакте|instagram|соцсет)",
    r"(telegram|whatsapp|instagram|youtube).*(арна|жазылыңыз|жазылу|kanal|katıl|abone|obuna|"
    r"канал|подпис)",
    r"(жазылыңыз|жазылу|abone ol|kanalımıza katıl|obuna bo'?l|obuna bo‘l|abonnieren sie|folgen sie uns|"
    r"abonnez-vous|suivez-nous|suscríbete|síguenos|关注我们|订阅我们|扫码关注|newsletter abonnieren)",
    r"^(join telegram|join us on telegram|telegram channel|our telegram)$",
    # A newsletter sign-up box's messages.
    r"^(thanks|thank you) for (signing up|subscribing)\b", r"keep an eye on your inbox",
    r"error processing your (subscription|sign.?up)",
)
COPYRIGHT = _rx(
    r"©", r"\(c\)\s*\d{4}", r"^copyright\b", r"all rights reserved", r"все права защищены",
    r"барлық құқықтар қорғалған", r"tüm hakları saklıdır", r"版权所有", r"barcha huquqlar himoyalangan",
    r"alle rechte vorbehalten", r"tous droits réservés", r"todos los derechos reservados",
)
REPRINT = _rx(
    r"(использовании|перепечатк|цитировании|копировании).*(ссылк|гиперссылк).*(обязательн|разрешается)",
    r"(материалдарды|материал).*(сілтеме).*(міндетті)",
    r"(izinsiz|kaynak gösterilmeden).*(kullanılamaz|yayınlanamaz)",
    r"(reprint|reproduc\w*|republish\w*|redistribut\w*).*(without|prohibited|permission|forbidden)",
    r"(未经|未經).*(授权|許可|许可).*(转载|轉載)",
    r"(nachdruck|vervielfältigung).*(nur mit|untersagt|genehmigung)",
    r"(reproduction|rediffusion).*(interdite|autorisation)",
    r"(reproducción|prohibida).*(total o parcial|sin autorización)",
    r"for your personal,? non.?commercial use only", r"^(order reprints|reprints & permissions|print article)$",
)
PHOTO = _rx(
    r"^(photo|photos|photograph|picture|image|video|фото|фотография|видео|сурет|бейне|foto|fotoğraf|"
    r"görsel|图片来源|图片|照片|摄影|图|视频|rasm|surat|bild|bilder|crédit photo|crédits? photo|crédito|fotografía|"
    r"imagen)(\s*(credit|credits|by|provided by|courtesy( of)?|source|:|—|-|/|©|\|)|\s*$)",
    r"^(credit|courtesy|источник фото|фото предоставлено|фото из открытых источников)\s*:",
    r"^\(?(фото|photo|foto)\s*:", r"(getty images|shutterstock|reuters/|ap photo|afp photo|epa/|сурет:)",
)
ADS = _rx(
    r"^(advertisement|advertising|ad|sponsored( content)?|реклама|рекламa|на правах рекламы|"
    r"партнерский материал|спонсорский материал|жарнама|reklam|sponsorlu içerik|广告|推广|reklama|"
    r"anzeige|werbung|publicité|publicidad|patrocinado)\.?$",
)
COOKIES = _rx(
    r"(cookie|cookies|куки|çerez|kukilar).*(use|accept|agree|consent|используем|использует|согласие|"
    r"соглашаетесь|kullan|kabul|同意|使用|verwenden|akzeptieren|utilis|acepta|utiliza)",
    r"(we use|используем|использует|kullanıyoruz|kullanılmaktadır|使用|verwenden|utilisons|utilizamos)"
    r".*(cookie|cookies|куки|çerez)",
)
NAV_WORDS = {
    "редакция", "реклама", "контакты", "о нас", "advertising", "contacts", "contact", "about", "us",
    "about us", "социальные", "сети", "privacy", "policy", "terms", "of", "use", "rss", "sitemap",
    "карта", "сайта", "вакансии", "careers", "imprint", "impressum", "datenschutz", "mentions",
    "légales", "aviso", "legal", "contacto", "iletişim", "künye", "hakkımızda", "gizlilik",
    "байланыс", "жарнама", "біз", "туралы", "联系我们", "关于我们", "aloqa", "biz", "haqimizda",
    "home", "главная", "anasayfa", "басты", "бет", "newsroom", "advertise", "подписка", "архив", "archive",
}
RELATED = _rx(
    r"^(read also|also read|read more|read next|more to read|related|related (news|articles|stories|"
    r"posts|content|coverage)|see also|more news|more stories|latest news|latest|most read|most popular|"
    r"top stories|recommended|you may also like|you might also like|editor'?s picks|trending|"
    r"читайте также|читайте по теме|читайте еще|читайте ещё|смотрите также|по теме|похожие новости|"
    r"похожие материалы|другие новости|последние новости|главные новости|новости по теме|популярное|"
    r"самое читаемое|оқи отырыңыз|тағы оқыңыз|ұқсас жаңалықтар|соңғы жаңалықтар|тақырып бойынша|"
    r"ilginizi çekebilir|bunlar da ilginizi çekebilir|ilgili haberler|tüm haberler|diğer haberler|"
    r"son dakika|en çok okunanlar|benzer haberler|相关新闻|相关阅读|延伸阅读|推荐阅读|热门新闻|更多新闻|"
    r"相关报道|shuningdek o'?qing|shuningdek o‘qing|ko'?proq o'?qing|mavzuga oid|so'?nggi yangiliklar|"
    r"lesen sie auch|mehr zum thema|auch interessant|weitere artikel|das könnte sie auch interessieren|"
    r"lire aussi|à lire aussi|a lire aussi|sur le même sujet|lire la suite|dans la même rubrique|"
    r"lee también|te puede interesar|noticias relacionadas|más noticias|relacionado)\s*[:.!»]*$",
)
RELATED_INLINE = _rx(
    r"^(read also|also read|read more|see also|related|читайте также|читайте по теме|смотрите также|"
    r"тағы оқыңыз|ilginizi çekebilir|ayrıca okuyun|相关阅读|延伸阅读|shuningdek o'?qing|lesen sie auch|"
    r"lire aussi|à lire aussi|lee también)\s*[:>»—-]\s*\S",
)
EXCHANGE_HEAD = _rx(
    r"^(exchange rates?|currency rates?|currency|курсы? валют|курс валют|валюта бағамы|валюта бағамдары|"
    r"döviz kurları|döviz|piyasalar|汇率|外汇牌价|valyuta kurslari|wechselkurse|devisen|taux de change|"
    r"tipo de cambio|cotizaciones|markets|рынки|биржа|stocks)\s*:?$",
)
WEATHER_HEAD = _rx(r"^(weather|погода|ауа райы|hava durumu|hava|天气|天气预报|ob-havo|wetter|météo|tiempo|el tiempo)\s*:?$")
CURRENCY = re.compile(
    r"\b(USD|EUR|RUB|KZT|CNY|GBP|JPY|TRY|UZS|KGS|CHF|BYN|UAH|AZN|GEL|TJS|AMD|TMT|BTC|ETH|"
    r"доллар|евро|рубль|юань|тенге|dolar|euro|avro|sterlin|dollar|yuan|yen|lira|sum|so'm|"
    r"brent|gold|золото|нефть|altın|petrol)\b|[$€₽₸¥£₺]",
    re.IGNORECASE,
)
UPDOWN = re.compile(
    r"(course up|course down|▲|▼|↑|↓|⬆|⬇|\bup\b|\bdown\b|рост|падение|снижение|yükseliş|düşüş|上涨|下跌)",
    re.IGNORECASE,
)
TEMPERATURE = re.compile(r"[+\-−]?\d{1,2}\s*°\s*[CF]?|\b\d{1,2}\s*(℃|°)|градус", re.IGNORECASE)
CSS_TOKEN = re.compile(r"^[a-z]+(?:[-_][a-z]+)+$")
DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}:\d{2}|"
    r"\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|янв|фев|мар|апр|ма[яй]|июн|июл|авг|сен|окт|ноя|дек|"
    r"oca|şub|nis|haz|tem|ağu|eyl|eki|kas|ara|qań|aqp|nau|säu|mam|mau|şil|tam|qyr|qaz|qar|jel)\w*\.?(\s+\d{4})?|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2},?\s+\d{4}|\d{4}年\d{1,2}月\d{1,2}日)",
    re.IGNORECASE,
)
STAMP = re.compile(
    r"^(updated|last updated|published|обновлено|опубликовано|жаңартылды|güncelleme|güncellenme|"
    r"aktualisiert|mis à jour|actualizado|更新)\s*(at|on|:|于)?\s*\d", re.IGNORECASE)
BYLINE = re.compile(r"^(by|автор|author|yazar|von|par|por|муаллиф|авторы)\s*:?\s+\S", re.IGNORECASE)


# --- line rules ----------------------------------------------------------------

def is_share(line: str) -> bool:
    t = fold(line)
    if not t or n_words(t) > 12:
        return False
    if SHARE.search(t):
        rest = SHARE.sub("", t, count=1)
        tokens = [w.lower() for w in re.split(r"[\s,|/•·:]+", rest) if w]
        return all(w in SOCIAL or _NUMBER.match(w) for w in tokens)
    tokens = [w.lower() for w in re.split(r"[\s,|/•·]+", t) if w]
    return len(tokens) >= 2 and all(w in SOCIAL for w in tokens)


def is_messenger(line: str) -> bool:
    t = fold(line)
    return bool(t) and n_words(t) <= 18 and _cjk_short(t, 30) and bool(MESSENGER.search(t))


def is_copyright(line: str) -> bool:
    t = fold(line)
    return bool(t) and n_words(t) <= 25 and bool(COPYRIGHT.search(t))


# Cheap gates: a line without one of these stems cannot match the rule's
# regex, whose ``A.*B`` alternatives are slow to reject on long lines.
REPRINT_STEMS = (
    "использован", "перепечат", "цитирован", "копирован", "материал", "zinsiz", "kaynak", "reprint",
    "reproduc", "republish", "redistribut", "未经", "未經", "nachdruck", "vervielfält", "rediffusion",
    "prohibida", "personal", "print article",
)
COOKIE_STEMS = ("cookie", "куки", "çerez", "kuki")
_TWO_NUMBERS = re.compile(r"\d\D+\d")


def _has_stem(t: str, stems: tuple[str, ...]) -> bool:
    low = t.casefold()
    return any(stem in low for stem in stems)


def is_reprint(line: str) -> bool:
    t = fold(line)
    return bool(t) and n_words(t) <= 40 and _has_stem(t, REPRINT_STEMS) and bool(REPRINT.search(t))


def is_photo_credit(line: str) -> bool:
    t = fold(line)
    return bool(t) and n_words(t) <= 20 and _cjk_short(t, 30) and bool(PHOTO.search(t))


def is_ad_marker(line: str) -> bool:
    return bool(ADS.match(fold(line)))


def is_cookie_notice(line: str) -> bool:
    t = fold(line)
    return bool(t) and n_words(t) <= 60 and _has_stem(t, COOKIE_STEMS) and bool(COOKIES.search(t))


def is_nav(line: str) -> bool:
    t = fold(line).lower()
    tokens = [w for w in re.split(r"[\s,|/•·]+", t) if w]
    return 1 <= len(tokens) <= 8 and all(w in NAV_WORDS for w in tokens)


def is_dateline(line: str) -> bool:
    """A short byline/dateline: a date with a name or outlet, no sentence."""
    t = fold(line)
    if t and n_words(t) <= 8 and STAMP.match(t) and DATE.search(t):
        return True  # "Updated at 1:23 p.m.", "Обновлено 12:30"
    if not t or n_words(t) > 10 or t.endswith((".", "!", "?", "。")) or t.startswith(("—", "–", "-")) or "(@" in t:
        return False  # an attribution line of a quoted post is content
    if not DATE.search(t):
        return bool(BYLINE.match(t)) and n_words(t) <= 6
    rest = DATE.sub(" ", t)
    return len(_WORD.findall(rest)) <= 6


def is_related_inline(line: str) -> bool:
    t = fold(line)
    return n_words(t) <= 25 and bool(RELATED_INLINE.match(t))


def _numeric_profile(t: str) -> tuple[int, int]:
    tokens = t.replace("▲", " ▲ ").replace("▼", " ▼ ").split()
    numbers = sum(1 for w in tokens if _NUMBER.match(w.strip("()[]")))
    words = [w for w in _WORD.findall(t) if len(w) >= 3 and not CURRENCY.fullmatch(w)
             and not UPDOWN.fullmatch(w) and w.lower() not in {"course", "курс", "kur"}]
    return numbers, len(words)


def is_exchange_ticker(line: str) -> bool:
    """Number-heavy lines with currency codes or up/down words, not prose."""
    t = fold(line)
    if not t or n_words(t) > 40 or not _TWO_NUMBERS.search(t):
        return False
    numbers, words = _numeric_profile(t)
    if numbers < 2 or words > 3:
        return False
    return bool(CURRENCY.search(t) or UPDOWN.search(t)) or (numbers >= 3 and words == 0)


def is_weather(line: str) -> bool:
    t = fold(line)
    if not t or n_words(t) > 10 or t.endswith((".", "!", "?")):
        return False
    return bool(TEMPERATURE.search(t)) or bool(CSS_TOKEN.match(t))


def is_exchange_heading(line: str) -> bool:
    return bool(EXCHANGE_HEAD.match(fold(line)))


def is_related_heading(line: str) -> bool:
    return bool(RELATED.match(fold(line)))


def is_headline_like(line: str) -> bool:
    """A short line that reads as a headline or link text, not prose."""
    t = fold(line)
    if not t:
        return False
    words = n_words(t)
    if _CJK.search(t):
        return len(t) <= 40 and not t.endswith(("。", "！", "？"))
    return 1 <= words <= 16 and not t.endswith((".", "!", "?", "…", ":", ";", "»", "”", '"'))


@dataclass(frozen=True)
class Rule:
    """A named rule. Line and block rules carry ``match(line)``; context
    rules (repeats, trailing runs, site templates) have ``match=None`` and
    are applied by :mod:`newsmill.extractors.clean`, which knows the
    headline, the other lines and the site."""

    name: str
    description: str
    match: Matcher | None = None
    max_words: int = 1_000_000  # lines longer than this never match (a fast pre-filter)


LINE_RULES: tuple[Rule, ...] = (
    Rule("share.buttons", "share prompts and rows of social network names", is_share, 12),
    Rule("promo.messenger", "subscribe/join/follow prompts for messengers, channels, newsletters",
         is_messenger, 18),
    Rule("footer.copyright", "copyright and all-rights-reserved lines", is_copyright, 25),
    Rule("footer.reprint", "reprint and citation conditions", is_reprint, 40),
    Rule("credit.photo", "photo and video credits and captions credits", is_photo_credit, 20),
    Rule("ads.marker", "advertising and sponsored-content markers", is_ad_marker, 4),
    Rule("cookie.notice", "cookie consent notices", is_cookie_notice, 60),
    Rule("nav.links", "site navigation and footer link rows", is_nav, 8),
    Rule("related.inline", "a single 'read also: <headline>' line", is_related_inline, 25),
    Rule("byline.dateline", "short date-and-author or date-and-outlet lines", is_dateline, 10),
    Rule("widget.exchange_rate", "exchange-rate and stock tickers (number-heavy lines)", is_exchange_ticker,
         40),
    Rule("widget.weather", "weather widgets: temperatures and widget ids", is_weather, 10),
)

BLOCK_RULES: tuple[Rule, ...] = (
    Rule("related.list", "a 'read also'/'related' heading and the short headline lines after it",
         is_related_heading),
    Rule("widget.exchange_block", "an exchange-rate heading and the ticker lines after it", is_exchange_heading),
    Rule("widget.weather_block", "a weather heading and the short lines after it",
         lambda line: bool(WEATHER_HEAD.match(fold(line)))),
)

OTHER_RULES: tuple[Rule, ...] = (
    Rule("repeat.headline", "the headline repeated in the body", None),
    Rule("repeat.headline_caption", "the headline followed by a photo caption", None),
    Rule("repeat.paragraph", "a paragraph repeated within the page (e.g. the lead)", None),
    Rule("related.trailing", "a run of short headline-like lines after the article end", None),
    Rule("trailing.fragment", "one- to three-word fragments after the article end", None),
    Rule("site.template", "a line learned as template of its site", None),
)

RULES: dict[str, Rule] = {r.name: r for r in (*LINE_RULES, *BLOCK_RULES, *OTHER_RULES)}
