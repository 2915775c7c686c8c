"""URL canonicalization shared by the stages (the seen-check and article ids)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url

_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|"
    r"ref_src|ref_url|cmpid|ocid|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|at_medium|"
    r"at_campaign|spm|share|from|__twitter_impression|s_cid|sr_share)$",
    re.IGNORECASE,
)


def canonicalize_url(url: str, base: str | None = None) -> str:
    """A canonical form of an http(s) URL for the seen-check and article ids.

    Resolves against ``base``, lowercases scheme and host, drops default
    ports, fragments and tracking parameters (``utm_*``, ``fbclid``,
    ``gclid``...), and sorts the remaining query parameters.
    """
    if base:
        url = urljoin(base, url.strip())
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    cleaned = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(sorted(query)), ""))
    try:
        return str(normalize_url(cleaned, strict=False, trailing_slash=True))
    except (ValueError, TypeError):
        return cleaned


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
