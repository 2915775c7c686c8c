"""The line matchers: one function per line rule or block heading, each
reading ``_facts(line)`` and testing its gate bits before its regex."""

from __future__ import annotations

import functools
import itertools
import re

from newsmill.extractors.rules.gates import (
    _G_ADS,
    _G_AFFILIATE,
    _G_APP,
    _G_BYLINE,
    _G_CJK,
    _G_COMMENT,
    _G_CONTRIBUTOR,
    _G_COOKIE,
    _G_COPYRIGHT,
    _G_DEGREE,
    _G_DIGIT,
    _G_EXCHANGE_HEAD,
    _G_MESSENGER,
    _G_PHONE,
    _G_PHOTO,
    _G_PHOTO_HEAD,
    _G_RELATED,
    _G_RELATED_INLINE,
    _G_REPRINT,
    _G_SHARE,
    _G_SOURCE,
    _G_STAMP,
    _G_TAGS_HEAD,
    _G_TAGS_INLINE,
    _G_WEATHER_HEAD,
    _G_WIDGET,
    AFFILIATE_STEMS,
    COMMENT_STEMS,
    CONTRIBUTOR_STEMS,
    COOKIE_STEMS,
    MESSENGER_STEMS,
    REPRINT_STEMS,
    _cjk_short,
    _facts,
    _has_stem,
    fold,
    n_words,
)
from newsmill.extractors.rules.patterns import (
    _CJK,
    _NUMBER,
    _PHOTO_AGENCY_RX,
    _PHOTO_HEAD_RX,
    _WORD,
    ADDRESS,
    ADDRESS_MARK,
    ADS,
    AFFILIATE,
    APP_PROMO,
    BYLINE,
    COMMENTS,
    CONTACT,
    CONTRIBUTORS,
    COOKIES,
    COPYRIGHT,
    CURRENCY,
    DATE,
    EXCHANGE_HEAD,
    LINK_PROMPT,
    MESSENGER,
    MESSENGER_LONG,
    NAV_WORDS,
    READING_TIME,
    RELATED,
    RELATED_INLINE,
    REPRINT,
    SENTENCE_END,
    SHARE,
    SHORTCODE,
    SOCIAL,
    SOURCE_LINE,
    STAMP,
    TAGGED_LINK,
    TAGS_HEAD,
    TAGS_INLINE,
    TEMPERATURE,
    UPDOWN,
    WEATHER_HEAD,
    WIDGET_MESSAGE,
)

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


_RANGE_OPEN = re.compile(r"\d\s*[-–—]\s*$")  # a range's first day just before a date
_RANGE_GAP = re.compile(r"^\s*(?:[ap]\.?m\.?)?\s*(?:[-–—|]|to|until|till|bis|до|au|al)\s*$", re.IGNORECASE)


def _date_range(t: str) -> bool:
    """Two dates or times joined as a range (``1/27/2026 - 3/24/2026``,
    ``6:15 PM - 8:15 PM``, ``29 November 2018 | 20 January 2019``,
    ``May 31-June 4, 2026``)."""
    found = list(DATE.finditer(t))
    return (any(_RANGE_GAP.match(t[a.end():b.start()]) for a, b in itertools.pairwise(found))
            or any(_RANGE_OPEN.search(t, 0, m.start()) for m in found))  # "May 31-June 4, 2026", "12-13 June"


_CODE_CHARS = frozenset("={}<>`$│├└")
_IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")


def is_dateline(line: str) -> bool:
    """A short byline/dateline: a date with a name or outlet, no sentence."""
    t, _, gates = _facts(line)
    dated = bool(gates & _G_DIGIT)  # DATE and STAMP need a digit
    if dated and gates & _G_STAMP and n_words(t) <= 8 and STAMP.match(t) and DATE.search(t):
        return True  # "Updated at 1:23 p.m.", "Обновлено 12:30"
    if not t or n_words(t) > 10 or t.endswith(SENTENCE_END) or t.startswith(("—", "–", "-", "|")) or "(@" in t:
        return False  # an attribution line of a quoted post, a table row ("| 1/1/2013 | +13.1% |"): content
    if any(c in t for c in _CODE_CHARS) or (dated and _IPV4.search(t)):
        return False  # code, a config or log line, markup: "WHERE created_at > '2024-01-01'", "forward . 10.0.1.128"
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
    the shape of a linked page title, not of prose or a table row, nor of
    a fact line ("Family: Rubiaceae | Place of Origin: Ethiopia") or a
    schedule entry ("Cisco Live: May 31-June 4, 2026 | Las Vegas, NV"):
    a part that is a label and its value, or a date, is content."""
    parts = t.split(" | ")
    return (len(parts) == 2 and all(len(_WORD.findall(p)) >= 2 and n_words(p) <= 12 for p in parts)
            and not t.startswith("|")
            and not t.endswith((*SENTENCE_END, ":", ";", "|"))
            and not any(": " in p for p in parts) and DATE.search(t) is None)


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
    return (bool(gates & _G_SOURCE) and words <= 8 and not t.endswith(SENTENCE_END)
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
            and not t.endswith(SENTENCE_END))


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
    if not t or not 4 <= words <= 25 or t.endswith((*SENTENCE_END, ":", ";")):
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


_TWO_NUMBERS = re.compile(r"\d\D+\d")


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
    if not t or words > 10 or t.endswith(SENTENCE_END):
        return False
    # (A lone css-token-like line, "location-current", goes only inside a
    # weather block: elsewhere it is a code identifier or a compound word.)
    return bool(gates & (_G_DIGIT | _G_DEGREE)) and bool(TEMPERATURE.search(t))


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
    return 1 <= words <= 16 and not t.endswith((*SENTENCE_END, "…", ":", ";", "»", "”", '"'))
