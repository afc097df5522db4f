"""Where the server may open connections on an administrator's or a stranger's say-so.

Rule webhooks and mailbox hosts are addresses typed by people; without a check they turn the
server into a probe of its own network (cloud metadata at 169.254.169.254, an internal admin
port, the database). A host is resolved once, every address it resolves to must be public
(not loopback, private, link-local, multicast, reserved or unspecified) unless it falls inside
networks the operator allowed, and the caller then connects to that checked address, so a DNS
answer that changes between check and connect (rebinding) cannot redirect it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Sequence

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
type IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(Exception):
    """The destination is not allowed; retrying will not help."""


class ResolveFailed(OSError):
    """The host name has no address right now (may be transient)."""


def parse_networks(values: Iterable[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_address(address: IPAddress, allowed: Sequence[IPNetwork], setting: str) -> None:
    if is_public(address):
        return
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return
    raise AddressRefused(f"{address} is not a public address (allow its network in {setting})")


def resolve_checked(host: str, port: int, allowed: Sequence[IPNetwork], setting: str) -> IPAddress:
    """The address to connect to, after checking every address the host resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolveFailed(f"cannot resolve {host}: {exc}") from exc
    # Scope ids ("fe80::1%eth0") are dropped: the check is about the address itself.
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise ResolveFailed(f"{host} has no address")
    # All of them: a host with one public and one private record must not get through.
    for address in addresses:
        check_address(address, allowed, setting)
    return addresses[0]


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``host`` that goes to the address checked for it, not a fresh lookup."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        # Certificate and SNI are checked against the host name, not the pinned address.
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def pinned_connection(scheme: str, host: str, port: int, address: IPAddress, timeout: float) -> http.client.HTTPConnection:
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    return connection_class(host, port, str(address), timeout)
