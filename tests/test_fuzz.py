"""Property tests (hypothesis) over the cleaner, the text normalizer and the
extractor: whatever the input, they never raise, the cleaner never
returns a line that was not in its input, and the glued-line cut keeps
every character of its line in order."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from newsmill.core.errors import ExtractionError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.dedup.normalize import normalize_text, shingle_hashes, text_hash, tokens_hash, words
from newsmill.extractors import clean, extract
from newsmill.extractors.segments import split_glued

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Lines in the style of what the cleaner sees: boilerplate phrases of the
# catalog's languages, widget-like number rows, and arbitrary text.
PHRASES = [
    "ПОДЕЛИТЬСЯ", "Читайте также", "İlginizi Çekebilir", "TÜM HABERLER", "Join Telegram", "Подписывайтесь",
    "USD 504.61 ▲", "EUR 545,10 ▼", "Алматы +18°", "Almaty +24°C", "© 2025 All rights reserved",
    "Photo: Reuters", "Фото: Kazinform", "相关新闻", "责任编辑：王", "Lesen Sie auch", "Lire aussi", "Lea también",
    "Advertisement", "We use cookies", "Batafsil", "Read more",
]
line = st.one_of(
    st.sampled_from(PHRASES),
    st.text(min_size=0, max_size=200),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(PHRASES), st.text(max_size=80)),
    st.from_regex(r"[A-Z]{3} [0-9]{2,4}[.,][0-9]{2} [▲▼+-]?", fullmatch=True),
)


def _norm(s: str) -> str:
    return " ".join(s.split())


@FUZZ
@given(lines=st.lists(line, max_size=30), title=st.one_of(st.none(), line),
       templates=st.lists(line, max_size=5), trailing=st.booleans())
def test_cleaner_never_raises_and_only_returns_input_lines(lines: list[str], title: str | None,
                                                           templates: list[str], trailing: bool) -> None:
    result = clean(lines, title=title, templates=templates, trailing_runs=trailing)
    inputs = [x for x in lines if x and x.strip()]
    given_lines = {_norm(x) for x in inputs}
    assert all(_norm(p) in given_lines for p in result.paragraphs)
    assert all(_norm(r.text) in given_lines for r in result.removed)
    assert sorted([*result.paragraphs, *(r.text for r in result.removed)]) == sorted(inputs)  # nothing lost


@FUZZ
@given(text=st.text(max_size=400))
def test_normalizer_never_raises_and_is_stable(text: str) -> None:
    norm = normalize_text(text)
    assert normalize_text(norm) == norm  # idempotent
    assert not any(c.isdigit() and c != "0" for c in norm)
    tokens = words(text)
    assert tokens_hash(tokens) == text_hash(text)
    hashes = shingle_hashes(tokens, 5)
    assert hashes.dtype == np.uint32 and np.all(np.diff(hashes.astype(np.int64)) > 0)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(body=st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(lambda t: t.encode("utf-8", "replace"))),
       kind=st.sampled_from(["text/html", "text/html; charset=windows-1251", "text/plain", None]))
def test_extractor_fails_only_with_extraction_error(body: bytes, kind: str | None) -> None:
    doc = RawDocument(url="https://fuzz.example/a", body=body, source=SourceRef("fuzz", "urls", "fuzz"),
                      site="fuzz.example", content_type=kind, http_status=200)
    try:
        article = extract(doc)
    except ExtractionError:
        return
    assert isinstance(article.text, str) and article.paragraphs == article.text.split("\n\n")


# Page lines for the glued-line cut: words of several scripts, with and without spaces.
_WORDS = st.sampled_from(["river", "council", "bridge", "мост", "совет", "köprü", "大桥", "议会", "工程", "3", "2019",
                          "«да»", "—", "(AP)", "Share", "O'Neil"])
page_line = st.lists(_WORDS, min_size=1, max_size=40).map(" ".join)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(lines=st.lists(page_line, min_size=1, max_size=40), glue=st.sampled_from([" ", "", "  \n "]),
       drop=st.sets(st.integers(0, 39), max_size=10))
def test_a_glued_line_is_cut_without_losing_or_moving_text(lines: list[str], glue: str, drop: set[int]) -> None:
    """Whatever the page and however its lines were glued (some left out of
    the page), the cut keeps every character of the line, in order, but
    whitespace (squeezed, and where it cuts)."""
    shown = [text for i, text in enumerate(lines) if i not in drop] or lines[:1]
    page = lxml_html.fromstring("<html><body>" + "".join(f"<p>{text}</p>" for text in shown) + "</body></html>")
    glued = glue.join(lines) * (1 + 1000 // max(len(glue.join(lines)), 1))
    out = split_glued(["Short line.", glued], page)
    assert out[0] == "Short line."
    assert "".join("".join(out[1:]).split()) == "".join(glued.split())
