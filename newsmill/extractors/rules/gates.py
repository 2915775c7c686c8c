"""What a line rule reads of a line: :func:`fold`, its word count, and the
cheap gate bits of :func:`_facts` (stems, literal pieces, first characters,
digits) that turn most prose away before a slow regex runs."""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from newsmill.extractors.rules.patterns import (
    _BULLET,
    _CJK,
    _PHOTO_HEAD_RX,
    _UNSPACED_HAN,
    _UNSPACED_SEA,
    ADS,
    APP_PROMO,
    BYLINE,
    EXCHANGE_HEAD,
    RELATED,
    RELATED_INLINE,
    SHARE,
    SOURCE_LINE,
    STAMP,
    TAGS_HEAD,
    TAGS_INLINE,
    UNSPACED,
    WEATHER_HEAD,
    WIDGET_MESSAGE,
)


@functools.lru_cache(maxsize=8192)
def fold(line: str) -> str:
    """A line as rules see it: NFKC, list bullet and outer spaces stripped.
    (Cached: every line rule folds the same line again.)"""
    line = unicodedata.normalize("NFKC", line).strip()
    return _BULLET.sub("", line).strip()


def count_words(text: str) -> int:
    """Words separated by spaces; in scripts written without spaces (Han,
    kana, Thai, Lao, Khmer, Myanmar, Tibetan) a word per two Han or kana
    characters or per three letters, so a Thai or Japanese sentence counts
    about as many words as its translation would."""
    if not UNSPACED.search(text):
        return len(text.split())
    n = 0
    for token in text.split():
        han = len(_UNSPACED_HAN.findall(token))
        sea = sum(1 for c in _UNSPACED_SEA.findall(token) if not unicodedata.category(c).startswith("M"))
        n += max(1, -(-(3 * han + 2 * sea) // 6)) if han or sea else 1
    return n


@functools.lru_cache(maxsize=16384)
def n_words(line: str) -> int:
    return count_words(line)


def _cjk_short(line: str, limit: int) -> bool:
    return len(_CJK.findall(line)) <= limit


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
    "комментари", "пікір", "yorum", "izoh", "评论", "留言", "коментар", "komentar", "reacties", "bình luận", "コメント",
    "댓글", "التعليقات", "نظرات", "टिप्पणि", "komentář", "comentarii", "hozzászólás", "σχόλια", "תגובות", "kommentit",
)
CONTRIBUTOR_STEMS = (
    "contributed", "reporting", "writing by", "editing", "edited", "compil", "при подготовке", "hazırlayan",
    "mitarbeit", "mitwirkung", "avec", "con información",
)
AFFILIATE_STEMS = ("commission", "compensation", "a share", "affiliate", "subject to change")


@functools.lru_cache(maxsize=64)
def _stem_rx(stems: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(stem) for stem in stems))


@functools.lru_cache(maxsize=16384)
def _casefolded(t: str) -> str:
    return t.casefold()


def _has_stem(t: str, stems: tuple[str, ...]) -> bool:
    """Whether ``t`` contains one of ``stems`` (lower case), case aside."""
    return _stem_rx(stems).search(_casefolded(t)) is not None


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
                    "droits", "derechos", "diritti", "direitos", "prawa", "rechten", "cipta", "bản", "無断転載",
                    "재배포", "الحقوق", "حقوق", "सर्वाधिकार", "práva", "drepturile", "jog", "δικαιώματος", "הזכויות",
                    "rättigheter", "rettigheder", "oikeudet", "prava", "hüquqlar")),  # COPYRIGHT
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
    RELATED, EXCHANGE_HEAD, WEATHER_HEAD, APP_PROMO), strict=False)}
(_G_SHARE, _G_ADS, _G_SOURCE, _G_TAGS_INLINE, _G_WIDGET, _G_RELATED_INLINE, _G_PHOTO_HEAD, _G_BYLINE, _G_STAMP,
 _G_TAGS_HEAD, _G_RELATED, _G_EXCHANGE_HEAD, _G_WEATHER_HEAD, _G_APP) = _FIRST_GATED
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
    """``fold(line)``, its number of words (:func:`count_words`) and its gate bits (all of them
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
    return t, (count_words(t) if UNSPACED.search(t) else len(words)), gates
