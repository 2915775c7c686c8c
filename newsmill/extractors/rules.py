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
import itertools
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@functools.lru_cache(maxsize=16384)
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
    "threads", "bluesky", "mastodon", "flipboard", "pocket", "skype", "messenger", "copy", "link", "google+",
    "google", "tumblr", "line", "xing", "sms",
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
    r"\b(dropped|sent|delivered) (right |straight |directly )?(in|into|to) your inbox\b",
    r"^(get|receive) (the latest|our|the best|the top|expert|exclusive)\b.{0,80}\b(in|into|to) your inbox\b",
    r"error processing your (subscription|sign.?up)",
)
# Longer promos that are still unmistakable: a newsletter pitch, an
# author's "follow him on Twitter @handle" tagline.
MESSENGER_LONG = _rx(
    r"\b(sign up|subscribe)\b.{0,100}\b(newsletters?|inbox)\b", r"\bdelivered (straight |directly )?to your inbox\b",
    r"\bfollow (us|him|her|them|me)\b.{0,30}\bon (twitter|x|facebook|instagram|threads|bluesky)\b.{0,40}@\w+",
    r"\bget .{1,60} delivered (through your letterbox|to your door)",
    # membership and subscription pitches
    r"^if you (enjoyed|liked|value|appreciate|appreciated) (this|our) (article|story|journalism|reporting)\b",
    r"^get access to .{0,80}\b(subscription|membership)", r"\bno paywall\b",
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
_PHOTO_HEAD = (
    r"^(photo|photos|photograph|picture|image|video|фото|фотография|видео|сурет|бейне|foto|fotoğraf|"
    r"görsel|图片来源|图片|照片|摄影|图|视频|rasm|surat|bild|bilder|crédit photo|crédits? photo|crédito|fotografía|"
    r"imagen)(\s*(credit|credits|by|provided by|courtesy( of)?|source|:|—|-|/|©|\|)|\s*$)",
    r"^(credit|courtesy|источник фото|фото предоставлено|фото из открытых источников)\s*:",
    r"^\(?(фото|photo|foto)\s*:",
)
_PHOTO_AGENCY = r"(getty images|shutterstock|reuters/|ap photo|afp photo|epa/|сурет:)"
PHOTO = _rx(*_PHOTO_HEAD, _PHOTO_AGENCY)
# PHOTO in two parts: the alternatives anchored at the line's start, and
# the agency names found anywhere (the slow part, behind a gate).
_PHOTO_HEAD_RX = _rx(*_PHOTO_HEAD)
_PHOTO_AGENCY_RX = _rx(_PHOTO_AGENCY)
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
COMMENTS = _rx(
    r"^(leave|post|add|write|submit) (a|your) (comment|reply)\b", r"^be the first to comment\b",
    r"^join the (conversation|discussion)\b", r"\btell us what you think\b",
    r"\bcomments? (are|will be|is) (moderated|closed|reviewed|pre-?moderated)\b",
    r"^(comments?|kommentare|commentaires|comentários|comentarios|commenti|комментарии|пікірлер|yorumlar|"
    r"izohlar|评论|留言)\s*(\(\d+\))?\s*:?$",
    r"(comentários|comentarios).*(não serão|no serán|moderador|aprovados|aprobados)",
    r"комментари\w*.*(модерац|модератор|публикуются после)", r"yorum\w*.*(onay|moderat|yayınlanmayacaktır)",
    r"kommentar\w*.*(moderiert|geprüft|freigeschaltet)", r"commentaires?.*(modérés|modération)",
    r"commenti.*(moderati|moderazione)", r"评论.*(审核)",
)
WIDGET_MESSAGE = _rx(
    r"^an error (has )?occurred,? please try again( later)?\.?$", r"^this article has been sent to\b",
    r"^(like|enjoy(ed)?|love) this (story|article|post)\?.{0,40}\bshare\b",
    r"^please (enable|turn on) javascript\b", r"^your browser does not support\b",
)
TAGS_HEAD = _rx(
    r"^(tags|tagged|tagged with|topics|теги|тэги|метки|тегтер|etiketler|anahtar kelimeler|标签|关键词|"
    r"teglar|schlagwörter|schlagworte|stichwörter|étiquettes|mots-clés|etiquetas|temas|tag)\s*:?$",
)
TAGS_INLINE = _rx(
    r"^(tags|tagged( with)?|filed under|posted in|topics|теги|тэги|метки|тегтер|etiketler|anahtar kelimeler|标签|关键词|teglar|"
    r"schlagwörter|stichwörter|étiquettes|mots-clés|etiquetas|tag)\s*:\s*\S",
)
CONTACT = _rx(
    r"^write to .{1,80}\bat\s+\S+@\S+", r"^(contact|email|e-mail|reach) (the )?(author|reporter|writer|us)s?\b.{0,80}@\S+",
)
CONTRIBUTORS = _rx(
    r"\bcontributed (to this (report|story|article)|reporting|additional reporting)\b",
    # "Reporting by A; editing by B": names, not a sentence that opens with the words
    r"^\(?(additional )?reporting by\b(?=.*(;|\bediting by\b|\bwriting by\b|\)$)|\s*(\S+\s+){0,6}\S+$)",
    r"^\(?(writing|editing|edited|compiled|compiling) by\b",
    r"^при подготовке (материала|статьи) использованы", r"^haberi hazırlayan\b",
    r"^(mitarbeit|mitwirkung)\s*:", r"^avec (l'|l’)?(afp|reuters|ap)\s*$",
    r"^con información de\b", r"^\(?with (reporting|additional reporting) (by|from)\b",
)
SOURCE_LINE = _rx(
    r"^(source|sources|источник|источники|дереккөз|kaynak|来源|消息来源|quelle|quellen|fuente|fuentes|manba|"
    r"fonte)\s*[:：]\s*\S",
)
READING_TIME = _rx(
    r"^(reading time|read time|время чтения|оқу уақыты|okuma süresi|阅读时间|lesezeit|lesedauer|"
    r"temps de lecture|tiempo de lectura|tempo de leitura|tempo di lettura)\s*:?\s*\d",
    r"^\d+\s*(min|mins|minute|minutes|мин|минут|dk|dakika|分钟|minuten|minutos|minuti)\.?\s*(read|чтения|okuma|"
    r"阅读|lesezeit|de lecture|de lectura|de leitura|di lettura)$",
)
AFFILIATE = _rx(
    r"\b(may|might|could|will) (get|earn|receive) (a share|a commission|commission|compensation|a small commission)\b",
    r"\bwe (may )?(earn|receive) (a )?(commission|affiliate)", r"\b(may|might|could|will) earn (us|me) (a )?(small )?commission\b", r"\baffiliate (link|links|commission)s?\b",
    r"\bprices are subject to change\b",
)
LINK_PROMPT = re.compile(
    r"^(follow|more|reach|listen|download|itunes|spotify|watch|subscribe|see|read|find|get|visit|explore)\b"
    r".{0,160}https?://\S+", re.IGNORECASE)
ADDRESS = _rx(r"\b(fone|tel|tel\.|phone|telefon|телефон|тел\.|電話|电话)\s*[:.]?\s*\(?\+?\d")
ADDRESS_MARK = _rx(
    r"\b(cnpj|cep|zip|p\.?\s?o\.? box|caixa postal|rua|street|st\.|avenue|ave\.|ул\.|улица|пр\.|көшесі|"
    r"cad\.|sok\.|mah\.|straße|strasse|rue|calle|avenida)\b|\d{5}-\d{3}|\b\d{5,6}\b",
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
    r"lee también|te puede interesar|noticias relacionadas|más noticias|relacionado|don['’]?t miss|do not miss|"
    r"see more|more on this( story)?|more from .{1,30}|leggi anche|articoli correlati|notizie correlate|"
    r"leia também|veja também|leia mais|veja mais|notícias relacionadas|matérias relacionadas|up next|"
    r"most read in .{1,30}|related (posts?|stories|articles|links|reading))\s*[:.!»]*$",
)
RELATED_INLINE = _rx(
    r"^[(\[]?(read also|also read|read more|see also|see more|related|related (post|story|article|link)s?|"
    r"leggi anche( su)?|leia também|veja também|читайте также|читайте по теме|смотрите также|"
    r"тағы оқыңыз|ilginizi çekebilir|ayrıca okuyun|相关阅读|延伸阅读|shuningdek o'?qing|lesen sie auch|"
    r"lire aussi|à lire aussi|lee también|you (may|might) also like)\s*[:>»—-]\s*\S",
    r"^also on [\w.-]+\.[a-z]{2,}\s+\S",  # "Also on rt.com <headline>"
    r"^also\s*:\s*(see|read|watch|listen)\b",
)
# A linked headline tagged with its kind in brackets ("... [VIDEO]", "[INSIGHT]").
TAGGED_LINK = re.compile(
    r"\S.*(\[[A-Z][A-Z ]{2,14}\]|\[(?i:video|videos|photos?|pics|gallery|watch|podcast|audio|live)\])\s*\|?$")
# WordPress-style shortcodes that leaked into the text: "[button link=...]Send us[/button]".
# "Get the <outlet> app!", "Click here to read the <outlet> ePaper": a
# prompt to the outlet's app or print edition, the whole line.
APP_PROMO = _rx(
    r"^(get|download|install) (the|our) (free |official |new )?[\w'’ .&-]{0,40}\bapps?\s*[!.]?$",
    r"^(click|tap) here to (read|download|get) (the|our|today'?s) [\w'’ .&-]{0,40}\be-?paper\s*[!.]?$",
)
SHORTCODE = re.compile(r"\[/[a-z_]+\]|^\[[a-z_]+(\s+[a-z_]+\s*=\s*\S+)+\s*\]", re.IGNORECASE)
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

_SHARE_REST_SPLIT = re.compile(r"[\s,|/•·:]+")
_SOCIAL_SPLIT = re.compile(r"[\s,|/•·]+")
_FIRST_TOKEN = re.compile(r"[\s,|/•·]*([^\s,|/•·]+)")  # the first of _SOCIAL_SPLIT's tokens


def is_share(line: str) -> bool:
    t, words, gates = _facts(line)
    if not t or words > 12:
        return False
    if gates & _G_SHARE and SHARE.search(t):
        rest = SHARE.sub("", t, count=1)
        tokens = [w.lower() for w in _SHARE_REST_SPLIT.split(rest) if w]
        return all(w in SOCIAL or _NUMBER.match(w) for w in tokens)
    first = _FIRST_TOKEN.match(t)
    if first is None or first.group(1).lower() not in SOCIAL:
        return False  # (the common case: prose does not open with a network's name)
    tokens = [w.lower() for w in _SOCIAL_SPLIT.split(t) if w]
    return len(tokens) >= 2 and all(w in SOCIAL for w in tokens)


def is_messenger(line: str) -> bool:
    t, words, gates = _facts(line)
    if not gates & _G_MESSENGER or words > 60 or not _has_stem(t, MESSENGER_STEMS):
        return False
    if gates & _G_CJK and not _cjk_short(t, 30):
        return False
    return (words <= 18 and bool(MESSENGER.search(t))) or bool(MESSENGER_LONG.search(t))


def is_copyright(line: str) -> bool:
    t, words, gates = _facts(line)
    return bool(gates & _G_COPYRIGHT) and words <= 25 and bool(COPYRIGHT.search(t))


# Cheap gates: a line without one of these stems cannot match the rule's
# regex, whose ``A.*B`` alternatives are slow to reject on long lines.
REPRINT_STEMS = (
    "использован", "перепечат", "цитирован", "копирован", "материал", "zinsiz", "kaynak", "reprint",
    "reproduc", "republish", "redistribut", "未经", "未經", "nachdruck", "vervielfält", "rediffusion",
    "prohibida", "personal", "print article",
)
COOKIE_STEMS = ("cookie", "куки", "çerez", "kuki")
MESSENGER_STEMS = (
    "telegram", "телеграм", "whatsapp", "channel", "newsletter", "youtube", "instagram", "facebook", "twitter",
    "viber", "tiktok", "vk", "x.com", "updates", "google news", "канал", "рассылк", "дзен", "вконтакте", "соцсет",
    "жазыл", "abone", "kanalımıza", "obuna", "abonnieren", "folgen sie", "abonnez", "suivez", "suscríb",
    "síguenos", "关注", "订阅", "扫码", "thank", "inbox", "error processing", "@", "delivered", "enjoyed", "liked",
    "value", "appreciat", "access", "paywall",
)
COMMENT_STEMS = (
    "comment", "reply", "conversation", "discussion", "tell us", "kommentar", "comentár", "comentar",
    "комментари", "пікір", "yorum", "izoh", "评论", "留言",
)
CONTRIBUTOR_STEMS = (
    "contributed", "reporting", "writing by", "editing", "edited", "compil", "при подготовке", "hazırlayan",
    "mitarbeit", "mitwirkung", "avec", "con información",
)
AFFILIATE_STEMS = ("commission", "compensation", "a share", "affiliate", "subject to change")
_TWO_NUMBERS = re.compile(r"\d\D+\d")


@functools.lru_cache(maxsize=64)
def _stem_rx(stems: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(stem) for stem in stems))


@functools.lru_cache(maxsize=16384)
def _casefolded(t: str) -> str:
    return t.casefold()


def _has_stem(t: str, stems: tuple[str, ...]) -> bool:
    """Whether ``t`` contains one of ``stems`` (lower case), case aside."""
    return _stem_rx(stems).search(_casefolded(t)) is not None


def _fits(line: str, max_words: int, rx: re.Pattern[str], *, stems: tuple[str, ...] = (), cjk: int | None = None,
          anchored: bool = False) -> bool:
    """The common shape of a line rule: the folded line has at most
    ``max_words`` words (and at most ``cjk`` Chinese characters), holds one
    of ``stems`` (a cheap gate before a slow regex), and ``rx`` matches at
    its start (``anchored``) or anywhere."""
    t = fold(line)
    if not t or n_words(t) > max_words or (stems and not _has_stem(t, stems)):
        return False
    if cjk is not None and not _cjk_short(t, cjk):
        return False
    return bool(rx.match(t) if anchored else rx.search(t))


# --- cheap gates ---------------------------------------------------------------
# Most lines are prose no rule matches, and most rules' regexes are
# case-insensitive searches that cannot skip ahead, slow to reject a long
# line. So each rule first tests bits of ``_facts(line)``: which of the
# rule's stems, or of the literal pieces every match of its regex holds, may
# be in the line (looked up per word: words repeat across lines and pages),
# whether it has a digit or a Chinese character. A bit only says "may match";
# the rule's own test decides.

# Under re.IGNORECASE a text character matches a pattern character when
# their simple lowercase forms are equal or in one of these classes (the
# sre module's extra cases). Casefolding, mapping each class to its first
# member and dropping U+0307 (the dot "İ" leaves) makes a piece that such a
# regex finds in a word a plain substring of the word's ``_norm`` form
# (tests/test_extract_rules.py checks it for every character of the pieces),
# and a stem of the casefolded word one of it.
_CASE_CLASSES = (
    "i\u0131", "s\u017f", "\xb5\u03bc", "\u0345\u03b9\u1fbe", "\u0390\u1fd3", "\u03b0\u1fe3", "\u03b2\u03d0",
    "\u03b5\u03f5", "\u03b8\u03d1", "\u03ba\u03f0", "\u03c0\u03d6", "\u03c1\u03f1", "\u03c2\u03c3", "\u03c6\u03d5",
    "\u0432\u1c80", "\u0434\u1c81", "\u043e\u1c82", "\u0441\u1c83", "\u0442\u1c84\u1c85", "\u044a\u1c86",
    "\u0463\u1c87", "\u1c88\ua64b", "\u1e61\u1e9b", "\ufb05\ufb06",
)
_CANON = str.maketrans({"\u0307": None, **{c: cls[0] for cls in _CASE_CLASSES for c in cls[1:]}})


def _norm(word: str) -> str:
    return word.lower() if word.isascii() else word.casefold().translate(_CANON)


_G_MESSENGER, _G_REPRINT, _G_COOKIE, _G_COMMENT, _G_CONTRIBUTOR, _G_AFFILIATE = (1 << i for i in range(6))
_G_COPYRIGHT, _G_PHOTO, _G_PHONE, _G_DEGREE = (1 << i for i in range(6, 10))
_G_DIGIT, _G_CJK = 1 << 10, 1 << 11  # a \d, a _CJK character
# Stem gates: the rules confirm a stem with _has_stem.
_GATE_STEMS = ((_G_MESSENGER, MESSENGER_STEMS), (_G_REPRINT, REPRINT_STEMS), (_G_COOKIE, COOKIE_STEMS),
               (_G_COMMENT, COMMENT_STEMS), (_G_CONTRIBUTOR, CONTRIBUTOR_STEMS), (_G_AFFILIATE, AFFILIATE_STEMS))
# Pieces every match of a rule's regex holds.
_GATE_PIECES = (
    (_G_COPYRIGHT, ("©", "(c)", "copyright", "rights", "права", "құқықтар", "hakları", "版权所有", "huquqlar", "rechte",
                    "droits", "derechos")),  # COPYRIGHT
    (_G_PHOTO, ("getty", "shutterstock", "reuters/", "photo", "epa/", "сурет:")),  # _PHOTO_AGENCY
    (_G_PHONE, ("fone", "tel", "phone", "тел", "電話", "电话")),  # ADDRESS (which also needs a digit)
    (_G_DEGREE, ("градус",)),  # TEMPERATURE's one alternative without a digit
)


_Trie = dict[str, "_Trie"]


def _trie(words: list[str]) -> str:
    """A regex of ``words`` as a trie: at a position it matches the
    longest of them that starts there."""
    root: _Trie = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _gate_scanner() -> Callable[[str], int]:
    """A function giving the or-ed bits of the stems and pieces in a
    ``_norm`` form (overlapping ones too: the search resumes one character
    after each find, whose longest piece stands for its prefixes)."""
    pieces: dict[str, int] = {}
    for bit, group in (*_GATE_STEMS, *_GATE_PIECES):
        for piece in group:
            # A stem with a space is not inside one word; its longest part is.
            part = _norm(max(piece.split(" "), key=len))
            pieces[part] = pieces.get(part, 0) | bit
    bits = {p: functools.reduce(operator.or_, (b for q, b in pieces.items() if p.startswith(q)), 0) for p in pieces}
    rx = re.compile(_trie(list(pieces)))

    def scan(s: str) -> int:
        found = 0
        m = rx.search(s)
        while m is not None:
            found |= bits[m.group()]
            m = rx.search(s, m.start() + 1)
        return found

    return scan


_scan = _gate_scanner()
_DIGIT = re.compile(r"\d")
# The gate bits of words seen (bits 0 in a set of their own), forgotten
# past _KNOWN_WORDS words.
_WORD_GATES: dict[str, int] = {}
_NO_GATES: set[str] = set()
_KNOWN_WORDS = 1 << 17
_GATED_WORDS = 60  # no rule that reads gate bits takes a longer line


def _word_gates(words: list[str]) -> int:
    todo = set(words)
    todo.difference_update(_NO_GATES)
    gates = 0
    for word in todo:
        bits = _WORD_GATES.get(word)
        if bits is None:
            bits = _scan(_norm(word))
            if len(_WORD_GATES) + len(_NO_GATES) >= _KNOWN_WORDS:
                _WORD_GATES.clear()
                _NO_GATES.clear()
            if bits:
                _WORD_GATES[word] = bits
            else:
                _NO_GATES.add(word)
        gates |= bits
    return gates


def _first_chars(rx: re.Pattern[str]) -> frozenset[str] | None:
    """The ``_norm`` forms of :func:`_first_literals`."""
    first = _first_literals(rx)
    return None if first is None else frozenset(_norm(ch) for ch in first)


def _first_literals(rx: re.Pattern[str]) -> frozenset[str] | None:
    """The characters a match of ``rx`` can start with, if all its
    alternatives are anchored at the line's start and open with literal
    characters or small character sets; else None. (From the regex's parse
    tree, re's own: patterns edited later keep right gates.)"""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        def anchored(seq: Any) -> bool:
            if not len(seq):
                return False
            op, av = seq[0]
            if op is c.AT:
                return bool(av is c.AT_BEGINNING)
            if op is c.SUBPATTERN:
                return anchored(av[-1])
            return op is c.BRANCH and all(anchored(alt) for alt in av[1])

        def first(seq: Any) -> tuple[set[str], bool]:  # (the first characters, whether it can match "")
            out: set[str] = set()
            for op, av in seq:
                if op is c.AT:
                    continue
                if op is c.LITERAL:
                    out.add(chr(av))
                    return out, False
                if op is c.IN:
                    for item, arg in av:
                        if item is c.LITERAL:
                            out.add(chr(arg))
                        elif item is c.RANGE and arg[1] - arg[0] < 128:
                            out.update(map(chr, range(arg[0], arg[1] + 1)))
                        else:
                            raise ValueError(item)
                    return out, False
                if op is c.SUBPATTERN:
                    sub, empty = first(av[-1])
                elif op is c.BRANCH:
                    subs = [first(alt) for alt in av[1]]
                    sub, empty = set().union(*(x for x, _ in subs)), any(e for _, e in subs)
                elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                    sub, empty = first(av[2])
                    empty = empty or av[0] == 0
                else:
                    raise ValueError(op)
                out |= sub
                if not empty:
                    return out, False
            return out, True

        tree = _parser.parse(rx.pattern, rx.flags)
        chars, empty = first(tree)
        if rx.flags & re.MULTILINE or empty or not anchored(tree):
            return None
        return frozenset(chars)
    except Exception:  # an unforeseen construct (or re's internals changed): no gate
        return None


# Gates on the first character for the rules' regexes that match only at
# the start of the line.
_FIRST_GATED = {bit: rx for bit, rx in zip((1 << i for i in range(12, 100)), (
    SHARE, ADS, SOURCE_LINE, TAGS_INLINE, WIDGET_MESSAGE, RELATED_INLINE, _PHOTO_HEAD_RX, BYLINE, STAMP, TAGS_HEAD,
    RELATED, EXCHANGE_HEAD, WEATHER_HEAD, CSS_TOKEN, APP_PROMO), strict=False)}
(_G_SHARE, _G_ADS, _G_SOURCE, _G_TAGS_INLINE, _G_WIDGET, _G_RELATED_INLINE, _G_PHOTO_HEAD, _G_BYLINE, _G_STAMP,
 _G_TAGS_HEAD, _G_RELATED, _G_EXCHANGE_HEAD, _G_WEATHER_HEAD, _G_CSS, _G_APP) = _FIRST_GATED
_FIRST_BITS: dict[str, int] = {}
_UNGATED = 0  # the bits of regexes _first_chars cannot read: always set
for _bit, _rx_ in _FIRST_GATED.items():
    _chars = _first_chars(_rx_)
    if _chars is None:
        _UNGATED |= _bit
    for _ch in _chars or ():
        _FIRST_BITS[_ch] = _FIRST_BITS.get(_ch, 0) | _bit


@functools.lru_cache(maxsize=8192)
def _facts(line: str) -> tuple[str, int, int]:
    """``fold(line)``, its number of words and its gate bits (all of them
    for a line of more than ``_GATED_WORDS`` words). Neither case mapping
    makes or unmakes a space, so a piece without one that is in the line is
    in one of its words."""
    t = fold(line)
    words = t.split()
    if len(words) > _GATED_WORDS:
        return t, len(words), -1
    gates = _word_gates(words) | _UNGATED | _FIRST_BITS.get(_norm(t[:1]), 0)
    if _DIGIT.search(t):
        gates |= _G_DIGIT
    if _CJK.search(t):
        gates |= _G_CJK
    return t, len(words), gates


def is_reprint(line: str) -> bool:
    t, words, gates = _facts(line)
    return (bool(gates & _G_REPRINT) and words <= 60 and _has_stem(t, REPRINT_STEMS)
            and bool(REPRINT.search(t)))


def is_photo_credit(line: str) -> bool:
    t, words, gates = _facts(line)
    if not t or words > 20 or (gates & _G_CJK and not _cjk_short(t, 30)):
        return False
    return ((bool(gates & _G_PHOTO_HEAD) and bool(_PHOTO_HEAD_RX.match(t)))
            or (bool(gates & _G_PHOTO) and bool(_PHOTO_AGENCY_RX.search(t))))


def is_ad_marker(line: str) -> bool:
    t, words, gates = _facts(line)
    return bool(gates & _G_ADS) and words <= 3 and bool(ADS.match(t))  # ADS matches the whole line: three words at most


def is_cookie_notice(line: str) -> bool:
    t, words, gates = _facts(line)
    return (bool(gates & _G_COOKIE) and words <= 60 and _has_stem(t, COOKIE_STEMS)
            and bool(COOKIES.search(t)))


def is_nav(line: str) -> bool:
    t = _facts(line)[0].lower()
    first = _FIRST_TOKEN.match(t)
    if first is None or first.group(1) not in NAV_WORDS:
        return False
    tokens = [w for w in _SOCIAL_SPLIT.split(t) if w]
    return 1 <= len(tokens) <= 8 and all(w in NAV_WORDS for w in tokens)


_RANGE_GAP = re.compile(r"^\s*(?:[ap]\.?m\.?)?\s*(?:[-–—|]|to|until|till|bis|до|au|al)\s*$", re.IGNORECASE)


def _date_range(t: str) -> bool:
    """Two dates or times joined as a range (``1/27/2026 - 3/24/2026``,
    ``6:15 PM - 8:15 PM``, ``29 November 2018 | 20 January 2019``)."""
    found = list(DATE.finditer(t))
    return any(_RANGE_GAP.match(t[a.end():b.start()]) for a, b in itertools.pairwise(found))


def is_dateline(line: str) -> bool:
    """A short byline/dateline: a date with a name or outlet, no sentence."""
    t, _, gates = _facts(line)
    dated = bool(gates & _G_DIGIT)  # DATE and STAMP need a digit
    if dated and gates & _G_STAMP and n_words(t) <= 8 and STAMP.match(t) and DATE.search(t):
        return True  # "Updated at 1:23 p.m.", "Обновлено 12:30"
    if not t or n_words(t) > 10 or t.endswith((".", "!", "?", "。")) or t.startswith(("—", "–", "-", "|")) or "(@" in t:
        return False  # an attribution line of a quoted post, a table row ("| 1/1/2013 | +13.1% |"): content
    if not (dated and DATE.search(t)):
        return bool(gates & _G_BYLINE and BYLINE.match(t)) and n_words(t) <= 6
    if t.endswith(":") or _date_range(t):
        return False  # a sentence's opening, or a range of dates or times (a schedule): content
    rest = DATE.sub(" ", t)
    return len(_WORD.findall(rest)) <= 6


def is_related_inline(line: str) -> bool:
    t, words, gates = _facts(line)
    if words > 25:
        return False
    return ((bool(gates & _G_RELATED_INLINE) and bool(RELATED_INLINE.match(t))) or (words >= 3 and "[" in t and bool(TAGGED_LINK.match(t)))
            or (" | " in t and _is_pipe_title(t)))


def _is_pipe_title(t: str) -> bool:
    """"Milan Design Week 2018 | <headline>": a section and a headline,
    the shape of a linked page title, not of prose or a table row."""
    parts = t.split(" | ")
    return (len(parts) == 2 and all(len(_WORD.findall(p)) >= 2 and n_words(p) <= 12 for p in parts)
            and not t.startswith("|")
            and not t.endswith((".", "!", "?", ":", ";", "|")))


def is_shortcode(line: str) -> bool:
    t, words, _ = _facts(line)
    return "[" in t and words <= 40 and bool(SHORTCODE.search(t))


def is_contributors(line: str) -> bool:
    """"Reporting by X; editing by Y", "X contributed to this report"."""
    t, words, gates = _facts(line)
    return (bool(gates & _G_CONTRIBUTOR) and words <= 40 and _has_stem(t, CONTRIBUTOR_STEMS)
            and bool(CONTRIBUTORS.search(t)))


def is_source_line(line: str) -> bool:
    """"Source: Al Jazeera": a short attribution label, not a sentence."""
    t, words, gates = _facts(line)
    return (bool(gates & _G_SOURCE) and words <= 8 and not t.endswith((".", "!", "?", "。"))
            and bool(SOURCE_LINE.match(t)))


def is_reading_time(line: str) -> bool:
    t, words, gates = _facts(line)
    return bool(gates & _G_DIGIT) and words <= 6 and bool(READING_TIME.match(t))


def is_affiliate(line: str) -> bool:
    t, words, gates = _facts(line)
    return (bool(gates & _G_AFFILIATE) and words <= 60 and _has_stem(t, AFFILIATE_STEMS)
            and bool(AFFILIATE.search(t)))


def is_app_promo(line: str) -> bool:
    t, words, gates = _facts(line)
    return bool(gates & _G_APP) and words <= 12 and bool(APP_PROMO.match(t))


def is_link_prompt(line: str) -> bool:
    """"Follow our coverage at https://...", "Listen: http://...": a prompt
    to go elsewhere, with the address in it."""
    t, words, _ = _facts(line)
    return "://" in t and words <= 25 and bool(LINK_PROMPT.match(t))


def is_address(line: str) -> bool:
    """A footer address: a phone number and a street, postcode or tax id."""
    t, words, gates = _facts(line)
    return (gates & (_G_DIGIT | _G_PHONE) == _G_DIGIT | _G_PHONE and words <= 40 and bool(ADDRESS.search(t))
            and bool(ADDRESS_MARK.search(t)))


def is_comment_prompt(line: str) -> bool:
    t, words, gates = _facts(line)
    if not gates & _G_COMMENT or words > 30 or not _has_stem(t, COMMENT_STEMS):
        return False
    return not (gates & _G_CJK and not _cjk_short(t, 40)) and bool(COMMENTS.search(t))


def is_widget_message(line: str) -> bool:
    t, words, gates = _facts(line)
    return bool(gates & _G_WIDGET) and words <= 15 and bool(WIDGET_MESSAGE.search(t))


def is_contact(line: str) -> bool:
    t, words, _ = _facts(line)
    return "@" in t and words <= 25 and bool(CONTACT.search(t))  # (no character casefolds to an "@")


def is_tags_line(line: str) -> bool:
    t, words, gates = _facts(line)
    return (bool(gates & _G_TAGS_INLINE) and words <= 40 and bool(TAGS_INLINE.match(t))
            and not t.endswith((".", "!", "?", "。")))


def is_tags_heading(line: str) -> bool:
    t, _, gates = _facts(line)
    return bool(gates & _G_TAGS_HEAD) and bool(TAGS_HEAD.match(t))


_CASED = re.compile(r"[^\W\d_]")
_ASCII_LOWER = re.compile(r"[a-z]")


def is_caps_headline(line: str) -> bool:
    """A linked headline set in capitals inside the body ("CLICK HERE TO GET
    THE APP", "CO-FOUNDER 'PROUD' OF ..."): four words or more, every
    letter upper case, no sentence end."""
    t, words, _ = _facts(line)
    if not t or not 4 <= words <= 25 or t.endswith((".", "?", "!", ":", ";")):
        return False
    if t.startswith("|") or _ASCII_LOWER.search(t):
        return False  # a table row; a lower-case letter
    cased = 0
    for m in _CASED.finditer(t):
        c = m.group()
        if c.lower() != c.upper():
            if not c.isupper():
                return False
            cased += 1
    return cased >= 12


_NOT_WORDS = frozenset({"course", "курс", "kur"})


@functools.lru_cache(maxsize=8192)
def _is_prose_word(w: str) -> bool:
    return len(w) >= 3 and not CURRENCY.fullmatch(w) and not UPDOWN.fullmatch(w) and w.lower() not in _NOT_WORDS


def _long_words(t: str, limit: int) -> int:
    """The number of words of three letters or more that are no currency or
    up/down word, counted up to ``limit + 1``."""
    n = 0
    for w in _WORD.findall(t):
        if _is_prose_word(w):
            n += 1
            if n > limit:
                break
    return n


def is_exchange_ticker(line: str) -> bool:
    """Number-heavy lines with currency codes or up/down words, not prose."""
    t, n, gates = _facts(line)
    if not gates & _G_DIGIT or n > 40 or not _TWO_NUMBERS.search(t):
        return False
    words = _long_words(t, 3)
    if words > 3:
        return False
    tokens = t.replace("▲", " ▲ ").replace("▼", " ▼ ").split()
    numbers = sum(1 for w in tokens if _NUMBER.match(w.strip("()[]")))
    if numbers < 2:
        return False
    return bool(CURRENCY.search(t) or UPDOWN.search(t)) or (numbers >= 3 and words == 0)


def is_weather(line: str) -> bool:
    t, words, gates = _facts(line)
    if not t or words > 10 or t.endswith((".", "!", "?")):
        return False
    return (bool(gates & (_G_DIGIT | _G_DEGREE)) and bool(TEMPERATURE.search(t))) or (bool(gates & _G_CSS) and bool(CSS_TOKEN.match(t)))


def is_exchange_heading(line: str) -> bool:
    t, _, gates = _facts(line)
    return bool(gates & _G_EXCHANGE_HEAD) and bool(EXCHANGE_HEAD.match(t))


def is_related_heading(line: str) -> bool:
    t, _, gates = _facts(line)
    return bool(gates & _G_RELATED) and bool(RELATED.match(t))


def _is_weather_heading(line: str) -> bool:
    t, _, gates = _facts(line)
    return bool(gates & _G_WEATHER_HEAD) and bool(WEATHER_HEAD.match(t))


def is_headline_like(line: str) -> bool:
    """A short line that reads as a headline or link text, not prose."""
    t, words, gates = _facts(line)
    if not t:
        return False
    if gates & _G_CJK and _CJK.search(t):
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
         is_messenger, 60),
    Rule("footer.copyright", "copyright and all-rights-reserved lines", is_copyright, 25),
    Rule("footer.reprint", "reprint and citation conditions", is_reprint, 60),
    Rule("credit.photo", "photo and video credits and captions credits", is_photo_credit, 20),
    Rule("ads.marker", "advertising and sponsored-content markers", is_ad_marker, 4),
    Rule("cookie.notice", "cookie consent notices", is_cookie_notice, 60),
    Rule("nav.links", "site navigation and footer link rows", is_nav, 8),
    Rule("related.inline", "a single 'read also: <headline>' line or a '<headline> [VIDEO]' link",
         is_related_inline, 25),
    Rule("related.caps_headline", "a linked headline in capitals inside the body", is_caps_headline, 25),
    Rule("comments.prompt", "comment prompts and moderation notices", is_comment_prompt, 30),
    Rule("widget.message", "share/e-mail widget messages ('This article has been sent to')", is_widget_message, 15),
    Rule("footer.contact", "'Write to <author> at <e-mail>' contact lines", is_contact, 25),
    Rule("tags.inline", "a 'Tags: a, b, c' line", is_tags_line, 40),
    Rule("credit.contributors", "'Reporting by X; editing by Y' and 'X contributed to this report'",
         is_contributors, 40),
    Rule("credit.source", "a short 'Source: <outlet>' label", is_source_line, 8),
    Rule("meta.reading_time", "reading-time labels ('5 min read')", is_reading_time, 6),
    Rule("ads.affiliate", "affiliate and commission disclosures", is_affiliate, 60),
    Rule("promo.link", "prompts to follow, listen or read elsewhere, with the web address", is_link_prompt, 25),
    Rule("promo.app", "prompts to get the outlet's app or read its e-paper ('Get the <outlet> app!')",
         is_app_promo, 12),
    Rule("markup.shortcode", "CMS shortcodes leaked into the text ('[button link=...]...[/button]')",
         is_shortcode, 40),
    Rule("footer.address", "a footer address line: phone number with street, postcode or tax id", is_address, 40),
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
         _is_weather_heading),
    Rule("tags.list", "a 'Tags' heading and the tag lines after it", is_tags_heading),
)

OTHER_RULES: tuple[Rule, ...] = (
    Rule("repeat.headline", "the headline repeated in the body", None),
    Rule("repeat.headline_caption", "the headline followed by a photo caption", None),
    Rule("repeat.paragraph", "the lead (one of the body's first three lines) repeated, or a line repeated "
         "right after itself", None),
    Rule("repeat.page_url", "a line that only prints the page's own address", None),
    Rule("related.trailing", "a run of short headline-like lines after the article end", None),
    Rule("related.linked_trailing", "three or more lines at the end that are each a link (HTML pages)", None),
    Rule("trailing.fragment", "one- to three-word fragments after the article end", None),
    Rule("nav.short_run", "a long run of one- to three-word lines (menus, tag clouds, archive lists)", None),
    Rule("site.template", "a line learned as template of its site", None),
)

RULES: dict[str, Rule] = {r.name: r for r in (*LINE_RULES, *BLOCK_RULES, *OTHER_RULES)}
