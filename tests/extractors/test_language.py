"""py3langid's model from newsmill's cache: the same identifier, built
from a decompressed copy written once; without a usable cache py3langid
loads its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from py3langid import langid

from newsmill.extractors.language import load_identifier

TEXTS = ("The city council approved the new budget on Tuesday after a long debate about schools.",
         "Le conseil municipal a adopté mardi le nouveau budget après un long débat sur les écoles.",
         "Der Stadtrat hat am Dienstag nach langer Debatte über die Schulen den neuen Haushalt beschlossen.",
         "Городской совет во вторник после долгих споров о школах утвердил новый бюджет.")


@pytest.fixture
def fresh() -> Iterator[None]:
    """No identifier loaded in this process, before and after."""
    saved = langid.IDENTIFIER
    langid.IDENTIFIER = None
    yield
    langid.IDENTIFIER = saved


def test_the_cached_model_identifies_as_py3langid_does(fresh: None, tmp_path: Path) -> None:
    stock = langid._load_identifier()
    assert load_identifier(tmp_path)
    [cached] = list(tmp_path.glob("py3langid-*.npz"))
    mine = langid.IDENTIFIER
    assert mine is not None
    assert [mine.classify(t) for t in TEXTS] == [stock.classify(t) for t in TEXTS]
    assert [lang for lang, _ in (mine.classify(t) for t in TEXTS)] == ["en", "fr", "de", "ru"]
    langid.IDENTIFIER = None
    assert load_identifier(tmp_path)  # from the file written the first time
    assert list(tmp_path.glob("*")) == [cached]


def test_without_a_usable_cache_py3langid_loads_its_own(fresh: None, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert not load_identifier(blocked / "cache")
    assert langid.IDENTIFIER is None
    assert langid.classify(TEXTS[1])[0] == "fr"
