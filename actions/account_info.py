"""Balances and recent payments."""

from __future__ import annotations

from datetime import date
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import banking
from actions.entities import entity_value
from actions.formatting import account_values, date_values, money_values, short_text
from actions.verification import VerifiedAction
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
            dispatcher.utter_message(
                response="utter_balance",
                **account_values("account", account.kind),
                **money_values("balance", account.balance),
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
        filter_part = f" with {payee}" if payee else ""
        if since and until and until < bank_today(self.clock()):
            filter_part += f" between {date_values(since)['date']} and {date_values(until)['date']}"
        elif since:
            filter_part += " since " + date_values(since)["date"]
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
        if not found:
            dispatcher.utter_message(response="utter_no_transactions", filter_part=filter_part)
            return []
        dispatcher.utter_message(response="utter_transactions_intro", filter_part=filter_part)
        for item in found:
            dispatcher.utter_message(
                response="utter_transaction_line",
                description=item.description,
                short_description=short_text(item.counterparty or item.description),
                **date_values(item.created_at),
                **money_values("amount", item.amount),
            )
        return []


# A mini statement by text message must fit one segment: fewer, shorter lines.
LINES_PER_CHANNEL = {"sms": 4}


def _day(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None
