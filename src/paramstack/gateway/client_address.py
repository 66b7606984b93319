"""Who is calling, as far as the network can tell: the connecting peer, or, when that peer is a configured
proxy, the address it forwarded in ``X-Forwarded-For``.

The header is read right to left: each trusted proxy appends the address that connected to it, so the first
address (from the right) that is not a trusted proxy is the client. Whatever a client wrote into the header
itself sits further left and is never reached. A header from an untrusted peer is ignored entirely.

IPv6 clients are limited per /64: one subscriber usually holds a whole /64, so counting single addresses
would hand an attacker 2^64 fresh identities.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ClientAddresses:
    def __init__(self, trusted_proxies: Iterable[Network] = ()) -> None:
        self._trusted: Sequence[Network] = tuple(trusted_proxies)

    def of(self, scope: Scope) -> str:
        """The client's address as a limiter key: an IPv4 address, an IPv6 /64, or the peer's name as given."""
        client = scope.get("client")
        peer = _parse(client[0]) if client else None
        if peer is None:
            return client[0] if client else "unknown"
        address = peer
        if self._is_trusted(peer):
            for hop in reversed(_forwarded_for(scope)):
                parsed = _parse(hop)
                if parsed is None:
                    break  # a trusted proxy never writes this: stop at the last address it vouched for
                address = parsed
                if not self._is_trusted(parsed):
                    break
        return limiter_key(address)

    def _is_trusted(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self._trusted)


def limiter_key(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _forwarded_for(scope: Scope) -> list[str]:
    hops: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",")]
    return hops[-32:]  # a longer chain is not a real proxy path


def _parse(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
