"""Outbound requests only to public addresses: the guard for URLs that people configure.

A configured URL (a webhook) must not become a request to a service inside the network: its
host is refused when it is, or resolves to, a loopback, private, link-local, multicast or
otherwise non-global address — unless the caller allows private addresses (a development or
test setup). The check runs when the URL is saved (`url_refusal`) and again when each request
is sent: `guarded_opener` resolves the name at connect time, checks every address, and
connects to the address it checked, so a DNS change between the two cannot slip through.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class AddressRefused(OSError):
    """The host is (or resolves to) an address that outbound requests must not reach."""


def address_refusal(address: str) -> str | None:
    """Why requests to this IP address are refused, or None when it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private address"
    if not ip.is_global or ip.is_multicast:
        return f"{ip} is not a public address"
    return None


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def url_refusal(url: str, *, allow_private: bool, resolve: bool = True) -> str | None:
    """Why this http(s) URL is refused, or None. With `resolve`, a host name is looked up and
    refused when any of its addresses is; a name that does not resolve (now) is not refused
    here — the request is checked again when it is sent."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "it must start with https:// (or http://)"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "it has no host name"
    if allow_private:
        return None
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return f"{host} is this machine"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return address_refusal(host)
    if not resolve:
        return None
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        return None
    for address in addresses:
        if reason := address_refusal(address):
            return f"{host} resolves to {reason.removeprefix(address + ' is ')}: {address}"
    return None


def guarded_connection(host: str, port: int, timeout, allow_private: bool) -> socket.socket:
    """A TCP connection to the first reachable address of `host`, every address of which was
    checked first (AddressRefused when one is not public and private ones are not allowed)."""
    addresses = _resolve(host, port)
    if not allow_private:
        for address in addresses:
            if reason := address_refusal(address):
                raise AddressRefused(f"refused: {host} resolves to {address} ({reason})")
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except OSError as exc:
            error = exc
    raise error or OSError(f"{host} has no address")


def guarded_opener(*, allow_private: bool, handlers=()) -> urllib.request.OpenerDirector:
    """A urllib opener whose HTTP and HTTPS connections go through `guarded_connection`."""

    class _HTTP(http.client.HTTPConnection):
        def connect(self):
            self.sock = guarded_connection(self.host, self.port, self.timeout, allow_private)

    class _HTTPS(http.client.HTTPSConnection):
        def connect(self):
            sock = guarded_connection(self.host, self.port, self.timeout, allow_private)
            context = self._context  # type: ignore[attr-defined]
            self.sock = context.wrap_socket(sock, server_hostname=self.host)

    class _HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_HTTP, req)

    class _HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_HTTPS, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _HTTPHandler, _HTTPSHandler, *handlers
    )
