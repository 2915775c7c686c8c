"""Warm the extraction stack up: trafilatura, htmldate and the language
detector load models and build caches on their first call.

:func:`warm_up` extracts one small synthetic page. The extraction pool's
fork server imports :mod:`newsmill.execution.worker`, which calls it, so
every worker forked from it starts warm instead of paying that second
itself at every run.
"""

from __future__ import annotations

import contextlib

from trafilatura import external as trafilatura_external

from newsmill.core.errors import ExtractionError
from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors.extract import detect_language, extract

_PARAGRAPHS = (
    "The city council approved the new budget on Tuesday after a long debate about school funding "
    "and the repair of the old bridge across the river.",
    "Officials said the plan would be reviewed again in the spring, when the first figures of the "
    "year are published and the cost of the works is known.",
    "Residents who spoke at the meeting asked for more buses on the evening routes and for longer "
    "opening hours at the public library in the town centre.",
)

_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>Council approves budget | Warm-up Times</title>"
    "<meta property='og:title' content='Council approves budget'>"
    "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"headline\": \"Council approves budget\"}"
    "</script></head><body><nav><a href='/'>Home</a></nav><article><h1>Council approves budget</h1>"
    + "".join(f"<p>{p}</p>" for p in _PARAGRAPHS)
    + "<p>Share on Facebook</p></article><footer>© 2026 Warm-up Times</footer></body></html>"
)


def warm_up() -> None:
    """Run the extraction stack once on a small synthetic page."""
    doc = RawDocument(url="https://warm-up.invalid/news/council-budget", body=_PAGE.encode(),
                      source=SourceRef(name="warm-up", kind="urls", url="https://warm-up.invalid/"),
                      site="warm-up.invalid", content_type="text/html; charset=utf-8")
    with contextlib.suppress(ExtractionError):  # warm either way: the page only exercises the code
        extract(doc)
    detect_language(" ".join(_PARAGRAPHS))
    # jusText's stop lists (every language, ~0.45 s) load on trafilatura's
    # first jusText rescue, which the small page above does not reach.
    init = getattr(trafilatura_external, "jt_stoplist_init", None)
    if callable(init):
        init()
