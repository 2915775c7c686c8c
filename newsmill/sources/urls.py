"""Address safety checks: refuse loopback, link-local and private targets."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from newsmill.core.urls import canonicalize_url, is_http_url

__all__ = ["canonicalize_url", "is_http_url", "private_address_reason"]


def _is_private_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None
            and _is_private_ip(ip.ipv4_mapped))
    )


def private_address_reason(url: str) -> str | None:
    """Why ``url`` points at a loopback, link-local or private address, or
    None when every address it resolves to is public. DNS failures return
    None (the fetch itself then reports them)."""
    host = urlsplit(url).hostname
    if not host:
        return "no host in URL"
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        return f"{host} is a non-public address" if _is_private_ip(ip) else None
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is a loopback name"
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return None
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if _is_private_ip(addr):
            return f"{host} resolves to non-public address {addr}"
    return None
