"""Where documents come from: feeds, sitemaps, URL lists, folders, WARC
files, and the polite async fetcher.

The fetcher (``Fetcher``, ``blocked_reason``) is loaded on first use, so
that a run that only reads files (``newsmill import``) does not import its
HTTP stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsmill.core.records import SourceState
from newsmill.sources.discover import Discovery, discover, select_items
from newsmill.sources.files import iter_folder, iter_warc, read_file
from newsmill.sources.parse import DiscoveredItem
from newsmill.sources.urls import canonicalize_url, private_address_reason

if TYPE_CHECKING:
    from newsmill.sources.fetcher import Fetcher, blocked_reason

_FETCHER = ("Fetcher", "blocked_reason")


def __getattr__(name: str) -> object:
    if name not in _FETCHER:
        raise AttributeError(f"module 'newsmill.sources' has no attribute {name!r}")
    from newsmill.sources import fetcher

    value = getattr(fetcher, name)
    globals()[name] = value
    return value


__all__ = [
    "DiscoveredItem",
    "Discovery",
    "Fetcher",
    "SourceState",
    "blocked_reason",
    "canonicalize_url",
    "discover",
    "iter_folder",
    "iter_warc",
    "private_address_reason",
    "read_file",
    "select_items",
]
