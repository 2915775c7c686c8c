"""The boilerplate rule catalog.

Each rule is small and named; the cleaner records every removed line with
the name of the rule that removed it (``boilerplate_removed``). Line rules
look at one line; block rules (``related.*``, ``widget.*_block``) also take
the run of short lines that follows a heading; repeat rules compare lines
with the headline and with each other.

Word lists cover English, Russian, Kazakh, Turkish, Chinese, Uzbek, German,
French and Spanish. Every rule has fixtures that fire it and real-content
look-alikes where it must not (``tests/test_extract_rules.py``).

The package, in import order: :mod:`.patterns` (the regexes and word
lists), :mod:`.gates` (the folded line and its cheap gate bits),
:mod:`.line` (the line and heading matchers), :mod:`.catalog` (``Rule``
and the catalog). Names the cleaner, the docs and the tests use are
re-exported here; the cleaner reads ``LINE_RULES`` and ``BLOCK_RULES``
through this package, so a test that patches them here changes what it
applies.
"""

from __future__ import annotations

from newsmill.extractors.rules.catalog import (
    BLOCK_RULES,
    LINE_RULES,
    OTHER_RULES,
    RULES,
    Rule,
)
from newsmill.extractors.rules.gates import (
    _FIRST_GATED,
    _GATE_PIECES,
    _UNGATED,
    _first_chars,
    _first_literals,
    _norm,
    count_words,
    fold,
    n_words,
)
from newsmill.extractors.rules.line import (
    is_copyright,
    is_exchange_heading,
    is_exchange_ticker,
    is_headline_like,
    is_photo_credit,
    is_related_heading,
    is_share,
    is_weather,
)
from newsmill.extractors.rules.patterns import (
    _CJK,
    SENTENCE_END,
    SOCIAL,
    TERMINAL,
    WEATHER_HEAD,
)

__all__ = [
    "BLOCK_RULES",
    "LINE_RULES",
    "OTHER_RULES",
    "RULES",
    "SENTENCE_END",
    "SOCIAL",
    "TERMINAL",
    "WEATHER_HEAD",
    "_CJK",
    "_FIRST_GATED",
    "_GATE_PIECES",
    "_UNGATED",
    "Rule",
    "_first_chars",
    "_first_literals",
    "_norm",
    "count_words",
    "fold",
    "is_copyright",
    "is_exchange_heading",
    "is_exchange_ticker",
    "is_headline_like",
    "is_photo_credit",
    "is_related_heading",
    "is_share",
    "is_weather",
    "n_words",
]
