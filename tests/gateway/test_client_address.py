"""The client address the failed-authentication limiter counts: X-Forwarded-For believed only from configured
proxies, read right to left; a header from anyone else is ignored; IPv6 counted per /64."""

from __future__ import annotations

import ipaddress

import pytest

from paramstack.gateway.client_address import ClientAddresses

PROXIES = ClientAddresses([ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.1/32")])


def scope(peer: str, *forwarded: str) -> dict:
    return {"client": (peer, 5555), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", (), "203.0.113.7"),
        ("203.0.113.7", ("198.51.100.1",), "203.0.113.7"),  # untrusted peer: its header is ignored
        ("10.1.2.3", ("198.51.100.1",), "198.51.100.1"),
        ("10.1.2.3", ("6.6.6.6, 198.51.100.1",), "198.51.100.1"),  # what the client wrote itself is never reached
        ("10.1.2.3", ("6.6.6.6, 198.51.100.1, 10.9.9.9",), "198.51.100.1"),  # two proxies deep
        ("10.1.2.3", ("6.6.6.6", "198.51.100.1"), "198.51.100.1"),  # several header lines are one list
        ("10.1.2.3", ("not-an-ip",), "10.1.2.3"),
        ("10.1.2.3", ("10.4.4.4",), "10.4.4.4"),  # only proxies: the leftmost
        ("10.1.2.3", ("[2001:db8::1]:443",), "2001:db8::/64"),
        ("192.0.2.1", ("198.51.100.1:1234",), "198.51.100.1"),
        ("2001:db8:1:2:3:4:5:6", (), "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", (), "203.0.113.7"),
    ],
)
def test_client_address(peer, forwarded, client):
    assert PROXIES.of(scope(peer, *forwarded)) == client


def test_without_configured_proxies_the_header_never_counts():
    assert ClientAddresses().of(scope("10.1.2.3", "198.51.100.1")) == "10.1.2.3"
