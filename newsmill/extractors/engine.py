"""trafilatura, called the way the recall guard needs it.

trafilatura 2.3's balanced mode ends with a *recall escalation*: a text
under 3,000 characters and under a fifth of the page's text (measured by
``baseline.html2txt``, a second cleaning of the whole page) is retried in
recall mode. newsmill's recall guard (:mod:`newsmill.extractors.body`)
makes that decision itself, from the page's blocks it reads anyway, and
tries the full cascade and then recall mode when fast mode's text is a stub.
In fast mode, the escalation inside trafilatura is that decision taken
twice: on the development sets, leaving it out changed the text of few
pages and no set's F1, and saved a large share of newsmill's extraction
time (benchmarks/RESULTS.md, the extraction section's time paragraph).

:func:`fast_text` is therefore trafilatura's fast mode without its
escalation: the same stages as ``trafilatura.core.trafilatura_sequence``
(raw-tree pruning, cleaning and tag conversion, the main extractor, the
baseline rescue of a short result) and the same output checks as
``bare_extraction``, built from trafilatura's own functions. The guard
uses it for fast mode with the balanced focus and comments off
(newsmill's defaults); other settings, and a trafilatura
whose stages are not where this expects them, go through
``bare_extraction`` unchanged. tests/extractors/test_engine.py
checks the text against ``bare_extraction`` on pages with and without the
escalation, so a trafilatura release that changes its stages fails there.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from lxml import html as lxml_html
from lxml.etree import strip_tags
from trafilatura import bare_extraction

from newsmill.core.errors import ExtractionError

try:  # trafilatura's stages (trafilatura_sequence's building blocks)
    from trafilatura.baseline import baseline as _baseline
    from trafilatura.core import _forum_thread_page  # type: ignore[attr-defined]
    from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
    from trafilatura.main_extractor import extract_content
    from trafilatura.settings import Extractor
    from trafilatura.xml import xmltotxt
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

    STAGES = True
except ImportError:  # another trafilatura: bare_extraction for everything
    STAGES = False


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _failed(exc: Exception) -> ExtractionError:
    return ExtractionError(f"trafilatura failed: {type(exc).__name__}: {exc}", status="extract_error")


def bare_text(page: lxml_html.HtmlElement, url: str | None, *, fast: bool, include_comments: bool,
              include_tables: bool, favor_precision: bool, favor_recall: bool) -> list[str]:
    """The lines of ``bare_extraction``'s text (trafilatura as released)."""
    try:
        result = bare_extraction(page, url=url, with_metadata=False, fast=fast, include_comments=include_comments,
                                 include_tables=include_tables, favor_precision=favor_precision,
                                 favor_recall=favor_recall)
    except Exception as exc:  # trafilatura/lxml failures on hostile markup
        raise _failed(exc) from exc
    if result is None:
        return []
    text = (result.as_dict() if hasattr(result, "as_dict") else dict(result)).get("text") or ""
    return _lines(text)


def fast_text(page: lxml_html.HtmlElement, url: str | None, *, include_tables: bool) -> list[str]:
    """The lines of trafilatura's fast mode (balanced, comments off)
    without its recall escalation; ``page`` is not changed."""
    if not STAGES:
        return bare_text(page, url, fast=True, include_comments=False, include_tables=include_tables,
                         favor_precision=False, favor_recall=False)
    try:
        return _lines(_sequence(page, url, include_tables))
    except (TypeError, ValueError):  # what bare_extraction reads as "no text"
        return []
    except Exception as exc:
        raise _failed(exc) from exc


def _sequence(page: lxml_html.HtmlElement, url: str | None, include_tables: bool) -> str:
    options: Any = Extractor(fast=True, comments=False, tables=include_tables, url=url, with_metadata=False,
                             output_format="python")
    tree = copy(page)  # bare_extraction's copy of a tree it is given: the stages change theirs
    is_forum = _forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    if not is_forum:
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
    body, text = extract_content(cleaned, options)
    if len(text) < options.min_extracted_size:  # the baseline rescue, kept when it finds more
        b_body, b_text, b_len = _baseline(tree)
        if b_len > len(text):
            body, text = b_body, b_text
    if options.max_tree_size and len(body) > options.max_tree_size:
        strip_tags(body, "hi")
        if len(body) > options.max_tree_size:
            return ""
    if len(text) < options.min_output_size and options.min_output_comm_size > 0:  # (no comments: 0 of them)
        return ""
    return str(xmltotxt(body, options.formatting))
