"""The address a web request comes from, for throttling PIN attempts per client.

The peer address of the connection, unless that peer is one of the trusted proxies
(``ASSISTANT_TRUSTED_PROXIES``: comma-separated addresses or networks, none by default): then
the right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy. A header from
anyone else is ignored, so a client cannot choose its own address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Optional, Sequence, Tuple, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> Tuple[Network, ...]:
    """The networks named by the setting (a bare address is a one-address network)."""
    networks = []
    for part in (setting or "").split(","):
        part = part.strip()
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))
    return tuple(networks)


def _address(text: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: Sequence[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def client_address(peer: Optional[str], forwarded_for: Optional[str], trusted: str) -> str:
    """The client's address for ``peer`` and its ``X-Forwarded-For`` header (see above)."""
    peer = (peer or "").strip() or "unknown"
    networks = trusted_networks(trusted)
    if not networks or not _trusted(peer, networks) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            break  # a malformed hop: trust nothing before it
        if not _trusted(hop, networks):
            return hop
    return peer
