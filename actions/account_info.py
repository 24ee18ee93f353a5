"""Balances and recent payments."""

from __future__ import annotations

from datetime import date
from typing import Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import banking
from actions.entities import entity_value
from actions.formatting import (
    account_values,
    catalogue_language,
    date_values,
    locale_of,
    money_values,
    short_text,
)
from actions.verification import VerifiedAction
from assistant.banking import TransactionKind, TransactionView
from assistant.banking.errors import UnknownAccount
from assistant.clock import Clock, bank_today, system_clock


class ActionCheckBalance(VerifiedAction):
    def name(self) -> str:
        return "action_check_balance"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        wanted = entity_value(tracker, "account")
        accounts = banking().list_accounts(customer_id)
        chosen = [a for a in accounts if a.kind == wanted] or accounts
        for account in chosen:
            # Money waiting in a held payment is still in the balance, but not to spend.
            held = account.held.minor > 0
            dispatcher.utter_message(
                response="utter_balance_with_held" if held else "utter_balance",
                **account_values(
                    "account", account.kind, account.name, catalogue_language(tracker)
                ),
                **money_values("balance", account.balance, locale_of(tracker)),
                **(money_values("held", account.held, locale_of(tracker)) if held else {}),
            )
        return []


class ActionRecentTransactions(VerifiedAction):
    """Recent payments, filtered by what the customer said; days are the bank's calendar days."""

    def __init__(self, clock: Clock = system_clock) -> None:
        super().__init__()
        self.clock = clock  # tests pin it

    def name(self) -> str:
        return "action_recent_transactions"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        payee = entity_value(tracker, "payee")
        period = entity_value(tracker, "date_range") or {}
        since = _day(period.get("start"))
        until = _day(period.get("end"))
        # Up to today is worded "since", not "between".
        in_the_past = since and until and until < bank_today(self.clock())
        asked = _filter_values(tracker, payee, since, until if in_the_past else None)
        try:
            found = banking().recent_transactions(
                customer_id,
                account_kind=entity_value(tracker, "account"),
                payee=payee,
                since=since,
                until=until,
                limit=LINES_PER_CHANNEL.get(tracker.get_latest_input_channel() or "", 5),
            )
        except UnknownAccount:
            found = []
        shown = (bool(payee), bool(since), bool(in_the_past))
        if not found:
            dispatcher.utter_message(response=NONE_FOUND[shown], **asked)
            return []
        dispatcher.utter_message(response=INTRO[shown], **asked)
        for item in found:
            dispatcher.utter_message(
                response=line_response(item),
                counterparty=item.counterparty,
                account_name=item.account_name,
                short_description=short_text(item.counterparty),
                **date_values(item.created_at, locale=locale_of(tracker)),
                **money_values("amount", item.amount, locale_of(tracker)),
            )
        return []


# Which response words the list, by what the customer asked for: (a payee, since, until).
INTRO = {
    (False, False, False): "utter_transactions_intro",
    (True, False, False): "utter_transactions_intro_with_payee",
    (False, True, False): "utter_transactions_intro_since",
    (False, True, True): "utter_transactions_intro_between",
    (True, True, False): "utter_transactions_intro_with_payee_since",
    (True, True, True): "utter_transactions_intro_with_payee_between",
}
NONE_FOUND = {
    (False, False, False): "utter_no_transactions",
    (True, False, False): "utter_no_transactions_with_payee",
    (False, True, False): "utter_no_transactions_since",
    (False, True, True): "utter_no_transactions_between",
    (True, True, False): "utter_no_transactions_with_payee_since",
    (True, True, True): "utter_no_transactions_with_payee_between",
}

# The words of each transaction kind (``TransactionKind``) are in its response.
LINES = {
    TransactionKind.OPENING_BALANCE: "utter_transaction_line_opening_balance",
    TransactionKind.DEPOSIT: "utter_transaction_line_deposit",
    TransactionKind.PENSION: "utter_transaction_line_pension",
    TransactionKind.INTEREST: "utter_transaction_line_interest",
    TransactionKind.CARD_PURCHASE: "utter_transaction_line_card_purchase",
    TransactionKind.PAYMENT: "utter_transaction_line_payment",
    TransactionKind.BILL_PAYMENT: "utter_transaction_line_bill_payment",
}
TRANSFER_LINES = {
    True: "utter_transaction_line_transfer_out",
    False: "utter_transaction_line_transfer_in",
}


def line_response(item: TransactionView) -> str:
    """The response that words ``item``: by its kind (a transfer also by its direction)."""
    if item.kind == TransactionKind.TRANSFER:
        return TRANSFER_LINES[item.amount.is_negative]
    return LINES.get(item.kind, "utter_transaction_line")


def _filter_values(
    tracker: Tracker, payee: Optional[str], since: Optional[date], until: Optional[date]
) -> Dict[str, str]:
    """The payee and days the customer asked about, for the intro's words."""
    values: Dict[str, str] = {"payee": payee} if payee else {}
    locale = locale_of(tracker)
    for name, day in (("since", since), ("until", until)):
        if day:
            words = date_values(day, locale=locale)
            values[name] = words["date"]
            values[f"{name}_words"] = words["date_words"]
    return values


# A mini statement by text message must fit one segment: fewer, shorter lines.
LINES_PER_CHANNEL = {"sms": 4}


def _day(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None
