"""What a customer can let a helper do, each granted separately.

Least privilege by default: a new helper may only receive alerts. Whatever is granted, a helper
can never move money, add payees, change contact details or the PIN, or see a PIN or a full
account number: there is no permission for those, so no code path can grant them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

VIEW_BALANCE = "view_balance"
VIEW_PAYMENTS = "view_payments"
RECEIVE_ALERTS = "receive_alerts"
APPROVE_PAYMENTS = "approve_payments"
JOIN_CALLS = "join_calls"

# In the order they are offered, one by one (by SMS as the numbered list "reply 1 3 4").
PERMISSIONS: tuple[str, ...] = (
    VIEW_BALANCE,
    VIEW_PAYMENTS,
    RECEIVE_ALERTS,
    APPROVE_PAYMENTS,
    JOIN_CALLS,
)
DEFAULT_GRANTED = frozenset({RECEIVE_ALERTS})


def normalise(granted: Mapping[str, object] | Iterable[str] | None) -> dict[str, bool]:
    """Every permission name mapped to true or false; unknown names are dropped.

    ``None`` gives the default (only alerts); a mapping keeps its true values; an iterable
    names the granted ones.
    """
    if granted is None:
        chosen = set(DEFAULT_GRANTED)
    elif isinstance(granted, Mapping):
        chosen = {name for name, value in granted.items() if value is True}
    else:
        chosen = set(granted)
    return {name: name in chosen for name in PERMISSIONS}


def granted(permissions: Mapping[str, object] | None) -> list[str]:
    """The granted permission names, in the order they are offered."""
    permissions = permissions or {}
    return [name for name in PERMISSIONS if permissions.get(name) is True]
