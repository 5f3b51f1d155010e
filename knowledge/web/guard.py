"""Which addresses a crawl may connect to, decided where the connection is made.

A URL an admin types, a link on a page or a redirect may point at the machine itself, at the
private network behind it or at a cloud metadata address. Checking the name before the request is
not enough (the name may resolve differently a moment later), so :class:`GuardedBackend` resolves
the host itself, checks every address with :func:`address_allowed` and connects to a checked one:
the address used is the address judged.

    global                                        allowed
    private, loopback, link-local                 allowed only with ``allow_private``
    unspecified, multicast, reserved (240/4)      never
"""

from __future__ import annotations

import ipaddress
import socket

import httpcore

from ..errors import InputError

__all__ = ["Refused", "address_kind", "address_allowed", "check_host", "GuardedBackend", "ALLOW_PRIVATE_SETTING"]

ALLOW_PRIVATE_SETTING = "HELPDESK_SYNC__ALLOW_PRIVATE"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(InputError):
    """A URL, address or redirect that a crawl may not follow (scheme, address, scope)."""


def _embedded(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list:
    """The address itself and any IPv4 address it carries (mapped, 6to4, Teredo, NAT64)."""
    found = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        found += [a for a in (ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())) if a is not None]
        if ip in _NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _kind_of(ip) -> str:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_global:
        return "global"
    if isinstance(ip, ipaddress.IPv4Address) and ip.is_reserved:
        return "reserved"
    return "private"


_RANK = {"global": 0, "private": 1, "link-local": 1, "loopback": 1, "reserved": 2, "multicast": 2, "unspecified": 2}


def address_kind(address: str) -> str:
    """``global``, ``private``, ``loopback``, ``link-local``, ``reserved``, ``multicast`` or
    ``unspecified``; an IPv6 address that carries an IPv4 one is judged by the stricter of the two."""
    # The carried IPv4 address first: of equally strict kinds, its own is the one to name.
    kinds = [_kind_of(ip) for ip in reversed(_embedded(ipaddress.ip_address(address.split("%", 1)[0])))]
    return max(kinds, key=_RANK.__getitem__)


def address_allowed(address: str, allow_private: bool = False) -> bool:
    """May a crawl connect to this IP address?"""
    rank = _RANK[address_kind(address)]
    return rank == 0 or (rank == 1 and allow_private)


def refusal(host: str, address: str) -> str:
    """The message for a refused address, naming the setting that allows private ones."""
    kind = address_kind(address)
    text = f"{host} resolves to {address}, a {kind} address"
    if _RANK[kind] == 1:
        return f"{text}; set {ALLOW_PRIVATE_SETTING}=true to crawl the private network"
    return f"{text}, which is never crawled"


def check_host(host: str, port: int, allow_private: bool = False) -> list[str]:
    """The addresses of ``host``, all of them allowed; raises :class:`Refused` when one is not
    and ``httpcore.ConnectError`` when the name does not resolve. Resolving connects to nothing."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"{host} cannot be resolved: {exc.strerror or exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        # Every address must pass: a name that also resolves to an internal one is refused whole.
        if not address_allowed(address, allow_private):
            raise Refused(refusal(host, address))
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend that connects only to addresses :func:`address_allowed` accepts."""

    def __init__(self, allow_private: bool = False):
        self.allow_private = allow_private

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options=None) -> httpcore.NetworkStream:
        """Resolve ``host``, refuse it if any address is not allowed, connect to the first that answers."""
        addresses = check_host(host, port, self.allow_private)
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error
