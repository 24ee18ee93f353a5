"""The web client's address for PIN throttling: X-Forwarded-For only from a trusted proxy."""

from __future__ import annotations

import pytest

from assistant.gateway.client_address import client_address

PROXIES = "10.0.0.1, 192.168.0.0/16"


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", None, "", "203.0.113.9"),
        ("203.0.113.9", "198.51.100.7", "", "203.0.113.9"),  # nobody is trusted by default
        ("203.0.113.9", "198.51.100.7", PROXIES, "203.0.113.9"),  # not a proxy: ignored
        ("10.0.0.1", "198.51.100.7", PROXIES, "198.51.100.7"),
        # A client's own header is kept left of what the proxy added: only the right-most
        # untrusted hop counts.
        ("10.0.0.1", "1.2.3.4, 198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.0.0.1", "198.51.100.7, 192.168.4.4", PROXIES, "198.51.100.7"),  # two proxies
        ("10.0.0.1", "not-an-address", PROXIES, "10.0.0.1"),
        ("10.0.0.1", "", PROXIES, "10.0.0.1"),
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
        (None, None, "", "unknown"),
    ],
)
def test_the_client_address(peer, forwarded, trusted, expected) -> None:
    assert client_address(peer, forwarded, trusted) == expected
