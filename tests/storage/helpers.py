"""Small records for the storage-module tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from newsmill.core.records import Article, Sketch, SourceRef

REF = SourceRef("src", "feed", "https://x.example/rss")
T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)


def art(n: int, **kw: Any) -> Article:
    text = f"Article number {n} has a body with several words in it for testing."
    a = Article(url=f"https://x.example/{n}", canonical_url=f"https://x.example/{n}", site="x.example",
                text=text, paragraphs=[text], source=REF, fetched_at=T0, title=f"Title {n}",
                published_at=T0 + timedelta(hours=n))
    return replace(a, **kw) if kw else a


def sketch(a: Article, bands: tuple[int, ...], *, kind: str = "passage", paragraph: int = 0) -> Sketch:
    return Sketch(kind, a.id, paragraph, f"{a.published_at:%Y%m%d%H}", bands,
                  bytes(f"{a.id}:{paragraph}", "ascii"), "test-params")
