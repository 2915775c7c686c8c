"""The line rules' cheap gates (``newsmill.extractors.rules.gates``): a gate
only turns away lines its rule would not match anyway.

Each rule first reads bits of ``gates._facts(line)`` (stems, literal pieces,
first characters, digits...); with every bit set a rule runs its full test.
The gated and the ungated answers must agree, and the case folding the
gates rely on must hold for every character they are built from.
"""

from __future__ import annotations

import re

import pytest

from newsmill.extractors import rules as r
from newsmill.extractors.rules import line as matchers
from tests.test_extract_rules import BLOCK_CASES, LINE_CASES

_CHARS = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)


def _variants(line: str) -> list[str]:
    words = line.split()
    out = [line, line.upper(), line.lower(), line.title(), "- " + line, line + ".", line.replace("i", "ı"),
           line.replace("I", "İ"), line.replace("i", "İ"), line.replace("s", "ſ"), line.replace(" ", "\u00a0"),
           line.replace("о", "ᲂ").replace("в", "ᲀ")]
    out += [" ".join(words[:k]) for k in range(1, len(words))] + [" ".join(words[k:]) for k in range(1, len(words))]
    return out


def _lines() -> list[str]:
    base = [line for cases in (LINE_CASES, BLOCK_CASES) for fire, keep in cases.values() for line in fire + keep]
    base += ["", " ", "-", "|", "© 2025", "(c) 2024 Foo", "Tel: +7 727 123 45 67, ул. Абая 10, 050000",
             "Фото: пресс-служба", "+25 °C", "Reading time: 5 min", "Read also: the story", "[VIDEO] a b c"]
    return list(dict.fromkeys(v for line in base for v in _variants(line)))


_FUNCTIONS = sorted(name for name in dir(matchers) if name.startswith("is_") and callable(getattr(matchers, name)))


def test_gates_never_change_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _lines()
    rules = [*r.LINE_RULES, *r.BLOCK_RULES]
    gated = {(name, line): getattr(matchers, name)(line) for name in _FUNCTIONS for line in lines}
    gated |= {(rule.name, line): rule.match(line) for rule in rules if rule.match for line in lines}

    calls = 0

    def ungated(line: str) -> tuple[str, int, int]:
        nonlocal calls
        calls += 1
        t = r.fold(line)
        return t, r.n_words(t), -1  # every bit set: each rule runs its full test

    monkeypatch.setattr(matchers, "_facts", ungated)  # where the matchers look it up
    full = {(name, line): getattr(matchers, name)(line) for name in _FUNCTIONS for line in lines}
    full |= {(rule.name, line): rule.match(line) for rule in rules if rule.match for line in lines}
    assert calls > 0  # (the matchers did read the ungated facts)
    assert {k for k in full if full[k] != gated[k]} == set()
    assert sum(full.values()) > 100  # (the lines do fire the rules)


def _gate_characters() -> set[str]:
    chars = {ch for _, group in (*r._GATE_PIECES,) for piece in group for ch in piece}
    for rx in r._FIRST_GATED.values():
        chars |= r._first_literals(rx) or set()
    return chars


def test_case_folding_of_gate_characters() -> None:
    """A character a case-insensitive regex matches to one of the gates'
    characters has the same ``_norm`` form."""
    bad = []
    for ch in sorted(_gate_characters()):
        for x in set(re.findall(re.escape(ch), _CHARS, re.IGNORECASE)):
            if r._norm(x) != r._norm(ch):
                bad.append((ch, x))
    assert bad == []


def test_no_case_mapping_makes_or_unmakes_a_space() -> None:
    assert [c for c in _CHARS if c.isspace() != any(x.isspace() for x in c.casefold() + c.lower())] == []


def test_first_character_gates_are_read() -> None:
    """Every anchored regex the first-character gate covers is understood
    (a pattern _first_chars cannot read is never gated, only slower)."""
    assert r._UNGATED == 0
    for rx in r._FIRST_GATED.values():
        first = r._first_chars(rx)
        assert first and all(first)
