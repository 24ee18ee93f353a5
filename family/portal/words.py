"""The portal's words for what the services return (permissions, alerts, the helper's history,
payments, why a payment waits and how it ended), as English source texts marked for the
catalogue with ``N_``; the pages translate them when they show them."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from assistant.banking.views import AccountView
from assistant.webkit.bank_words import ACCOUNT_TITLES
from assistant.webkit.i18n import N_
from family.links.approvals import ApprovalItem
from family.links.views import ActivityEntry

Say = Callable[..., str]

# What a customer can let a helper do (family.links.permissions), each in plain words.
PERMISSIONS = {
    "view_balance": N_("See the balance of their accounts"),
    "view_payments": N_("See their recent payments"),
    "receive_alerts": N_("Get alerts when a payment is paused, approved or cancelled"),
    "approve_payments": N_("Approve or decline their larger payments"),
    "join_calls": N_("Join their phone calls with us when they ask for you"),
}

# What a helper with "receive alerts" learns (family.links.views.HelperAlert.kind).
ALERTS = {
    "payment_waiting": N_("A payment was paused. It waits for a helper to approve it."),
    "payment_released": N_("A paused payment was approved and has gone."),
    "payment_declined": N_("A paused payment was declined, so it did not go."),
    "payment_expired": N_("Nobody answered in time, so a paused payment was cancelled."),
    "payment_cancelled": N_("A paused payment was cancelled by the customer."),
}

# The helper's own history (family.links.views.ActivityEntry.what); %(customer)s is the
# customer's name.
ACTIVITY = {
    "balance": N_("You looked at the balance of %(customer)s."),
    "payments": N_("You looked at the recent payments of %(customer)s."),
    "alerts": N_("You looked at the alerts about %(customer)s."),
    "viewed_approvals": N_("You looked at payments of %(customer)s that wait for approval."),
    "approved_payment": N_("You approved a payment of %(customer)s."),
    "declined_payment": N_("You declined a payment of %(customer)s."),
    "accepted": N_("You accepted the invitation of %(customer)s."),
    "left": N_("You stopped helping %(customer)s."),
    "joined_call": N_("You joined a phone call with %(customer)s."),
    "call_declined": N_("You said no to joining a phone call with %(customer)s."),
    "call_missed": N_("You missed a call to join %(customer)s on the phone."),
    "denied": N_("You tried to open a page of %(customer)s that you may not see."),
}
ACTIVITY_WITHOUT_CUSTOMER = {
    "signed_in": N_("You signed in."),
    "denied": N_("You tried to open a page that you may not see."),
}
ACTIVITY_OTHER = N_("You used the helper service.")
CHANNELS = {
    "portal": N_("On this website"),
    "sms": N_("By text message"),
    "voice": N_("By phone"),
}

# Why a held payment waits (assistant.banking.holds condition kinds).
REASONS = {
    "cosign": N_("%(customer)s asks a helper to approve payments over %(amount)s."),
    "cosign_any": N_("%(customer)s asks a helper to approve larger payments."),
    "cooling_off": N_("We paused it for a while, to keep %(customer)s safe from scams."),
    "agent_check": N_("Someone at the bank will check it too."),
}


def account_line(say: Say, account: AccountView) -> str:
    """ "Checking, ending 0012"."""
    title = say(ACCOUNT_TITLES.get(account.kind, account.name))
    return say(N_("%(account)s, ending %(last4)s"), account=title, last4=account.last4)


def activity_words(say: Say, entry: ActivityEntry) -> Optional[str]:
    """One entry of the helper's history in words; None for the bank's own steps of an
    answer the helper gave (its held payment's condition met, released...), already told."""
    if entry.what.startswith("hold_"):
        return None
    if entry.customer_name and entry.what in ACTIVITY:
        return say(ACTIVITY[entry.what], customer=entry.customer_name)
    if entry.what in ACTIVITY_WITHOUT_CUSTOMER:
        return say(ACTIVITY_WITHOUT_CUSTOMER[entry.what])
    return say(ACTIVITY_OTHER)


def reasons(say: Say, item: ApprovalItem, money: Callable[[Any], str]) -> List[str]:
    """Why the payment waits (or waited), one sentence per condition."""
    found = []
    for condition in item.hold.conditions:
        if condition.kind == "cosign":
            if item.cosign_above is not None:
                found.append(
                    say(
                        REASONS["cosign"],
                        customer=item.customer_name,
                        amount=money(item.cosign_above),
                    )
                )
            else:
                found.append(say(REASONS["cosign_any"], customer=item.customer_name))
        elif condition.kind in REASONS:
            found.append(say(REASONS[condition.kind], customer=item.customer_name))
    return found


def outcome(say: Say, item: ApprovalItem) -> List[str]:
    """How a payment that no longer waits for a helper ended, and who answered: "Linda Chen
    already approved this payment, so it has gone to Tom." / "The time to answer ran out"."""
    hold = item.hold
    values: Dict[str, str] = {
        "helper": item.decided_by,
        "customer": item.customer_name,
        "payee": hold.counterparty,
    }
    cosign = next((c for c in hold.conditions if c.kind == "cosign"), None)
    said: List[str] = []
    answered = cosign is not None and cosign.status in ("met", "failed")
    if answered and item.decided_by_you:
        said.append(
            say(
                N_("You approved this payment.")
                if cosign.status == "met"
                else N_("You declined this payment.")
            )
        )
    elif answered and item.decided_by:
        said.append(
            say(
                N_("%(helper)s already approved this payment.")
                if cosign.status == "met"
                else N_("%(helper)s already declined this payment."),
                **values,
            )
        )
    endings = {
        "released": N_("The money has gone to %(payee)s."),
        "held": N_("It still waits for another check before the money goes."),
        "declined": N_("It did not go, and no money moved."),
        "expired": N_("The time to answer ran out, so the payment was cancelled. No money moved."),
        "cancelled": N_("%(customer)s cancelled this payment. No money moved."),
    }
    ending = hold.status
    if ending == "held" and cosign is not None and cosign.status == "pending":
        ending = "expired"  # its time ran out; the worker's sweep has not ended it yet
    if ending in endings:
        said.append(say(endings[ending], **values))
    return said
