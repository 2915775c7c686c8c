"""Where documents come from: feeds, sitemaps, URL lists, folders, WARC
files, and the polite async fetcher."""

from newsmill.core.records import SourceState
from newsmill.sources.discover import Discovery, discover, select_items
from newsmill.sources.fetcher import Fetcher, blocked_reason
from newsmill.sources.files import iter_folder, iter_warc, read_file
from newsmill.sources.parse import DiscoveredItem
from newsmill.sources.urls import canonicalize_url, private_address_reason

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
