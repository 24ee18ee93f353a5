"""What the helper pages say about permissions and about an invitation that was not sent, in
the catalogue's words (English source text, translated when shown)."""

from __future__ import annotations

from typing import List, Sequence

from fastapi import Form

from assistant.webkit.i18n import N_
from family.links import views
from family.links.permissions import (
    APPROVE_PAYMENTS,
    JOIN_CALLS,
    PERMISSIONS,
    RECEIVE_ALERTS,
    VIEW_BALANCE,
    VIEW_PAYMENTS,
)

# Each permission as a checkbox's label and hint, and in the list of what a helper can do.
LABELS = {
    VIEW_BALANCE: N_("See your balance"),
    VIEW_PAYMENTS: N_("See your recent payments"),
    RECEIVE_ALERTS: N_("Get alerts"),
    APPROVE_PAYMENTS: N_("Approve bigger payments"),
    JOIN_CALLS: N_("Join your phone calls"),
}
HINTS = {
    VIEW_BALANCE: N_("They can see how much money is in your accounts."),
    VIEW_PAYMENTS: N_("They can see the money that went in and out lately."),
    RECEIVE_ALERTS: N_(
        "We send them a text when something happens, such as a payment waiting. "
        "Alerts never say the amount or who it is to."
    ),
    APPROVE_PAYMENTS: N_(
        "Some bigger payments wait until a helper says yes. They can say yes or no."
    ),
    JOIN_CALLS: N_("When you ask for them on a call to us, we ring them and they join the call."),
}
# What the permission checkboxes (templates/_helper_macros.html) need in their page's context.
CHECKBOXES = {
    "permission_names": PERMISSIONS,
    "permission_labels": LABELS,
    "permission_hints": HINTS,
}

# Why an invitation was not sent (family.links.views), and what to do.
REFUSALS = {
    views.OWN_NUMBER: N_("That is your own phone number. A helper needs their own mobile number."),
    views.ALREADY_LINKED: N_(
        "That number belongs to one of your helpers already, or to someone who is waiting "
        "for your answer. You can see them on the Helpers page."
    ),
    views.ALREADY_INVITED: N_(
        "You have already invited that number, and the invitation is still open. You can "
        "cancel it on the Helpers page."
    ),
    views.TOO_MANY: N_(
        "You already have %(most)s helpers and invitations, which is the most you can have. "
        "To invite someone new, first remove a helper or cancel an invitation."
    ),
    views.BAD_NUMBER: N_("That number does not look like a mobile number. Please check it."),
    views.NO_NAME: N_("Please tell us their name."),
}
OPTED_OUT = N_(
    "That number has asked us to stop sending texts, so we could not send the invitation. "
    "%(name)s can text START to %(number)s to get texts from us again. Then you can "
    "invite %(name)s again."
)


def ticked(
    view_balance: str = Form(""),
    view_payments: str = Form(""),
    receive_alerts: str = Form(""),
    approve_payments: str = Form(""),
    join_calls: str = Form(""),
) -> List[str]:
    """The permissions ticked on a form (a dependency: each checkbox is named after its
    permission), in the order they are offered."""
    boxes = {
        VIEW_BALANCE: view_balance,
        VIEW_PAYMENTS: view_payments,
        RECEIVE_ALERTS: receive_alerts,
        APPROVE_PAYMENTS: approve_payments,
        JOIN_CALLS: join_calls,
    }
    return [name for name in PERMISSIONS if boxes[name]]


def labels(permissions: Sequence[str]) -> List[str]:
    """The English source labels of these permissions, in the order they are offered."""
    return [LABELS[name] for name in PERMISSIONS if name in permissions]
