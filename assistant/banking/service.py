"""The ``BankingService`` boundary: the bank's API for actions, channels and portals.

The embedded ledger (``LedgerBankingService``) implements it; a real core banking system can
replace it by implementing the same protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from assistant.banking.ledger_service import LedgerBankingService
from assistant.banking.views import (
    AccountView,
    CardView,
    CustomerView,
    HeldPaymentView,
    HoldOutcome,
    PayeeView,
    Receipt,
    TransactionView,
)
from assistant.money import Money

__all__ = ["BankingService", "LedgerBankingService"]


@runtime_checkable
class BankingService(Protocol):
    """Every operation takes the customer id the caller has already verified.

    Moments are aware UTC datetimes; calendar days (``since``, ``until``) are the bank's
    (``assistant.clock``), so "November 4" means November 4 in the bank's time zone.
    """

    def find_customer_by_phone(self, phone: str) -> CustomerView | None: ...

    def get_customer(self, customer_id: int) -> CustomerView: ...

    def list_accounts(self, customer_id: int) -> list[AccountView]: ...

    def get_account(self, customer_id: int, kind: str) -> AccountView: ...

    def recent_transactions(
        self,
        customer_id: int,
        account_kind: str | None = None,
        payee: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 5,
    ) -> list[TransactionView]: ...

    def list_payees(self, customer_id: int, kind: str | None = None) -> list[PayeeView]: ...

    def resolve_payee(
        self, customer_id: int, text: str, kind: str | None = None
    ) -> list[PayeeView]: ...

    def transfer_between_accounts(
        self,
        customer_id: int,
        from_kind: str,
        to_kind: str,
        amount: Money,
        idempotency_key: str,
        *,
        channel: str = "",
        signals: Sequence[str] = (),
    ) -> Receipt: ...

    def pay_payee(
        self,
        customer_id: int,
        from_kind: str,
        payee_id: int,
        amount: Money,
        idempotency_key: str,
        *,
        channel: str = "",
        signals: Sequence[str] = (),
    ) -> Receipt: ...

    def find_payment(self, customer_id: int, idempotency_key: str) -> Receipt | None: ...

    # Held payments (DESIGN.md section 8): a payment a rule made wait; ``Receipt.held``.

    def list_holds(
        self, customer_id: int, statuses: Sequence[str] = ("held",)
    ) -> list[HeldPaymentView]: ...

    def get_hold(self, hold_id: int) -> HeldPaymentView | None: ...

    def decide_hold_condition(
        self,
        hold_id: int,
        kind: str,
        met: bool,
        actor: str,
        note: str = "",
        now: datetime | None = None,
    ) -> HoldOutcome: ...

    def cancel_hold(
        self,
        customer_id: int,
        hold_id_or_reference: int | str,
        actor: str,
        now: datetime | None = None,
    ) -> HoldOutcome: ...

    def release_hold(
        self, hold_id: int, actor: str, note: str = "", now: datetime | None = None
    ) -> HoldOutcome: ...

    def waiting_holds(self, limit: int = 100) -> list[HeldPaymentView]: ...

    def expire_due_holds(self, now: datetime | None = None) -> int: ...

    def untold_hold_outcomes(
        self, limit: int = 50, customer_id: int | None = None
    ) -> list[HeldPaymentView]: ...

    def mark_hold_outcome_told(self, hold_id: int) -> None: ...

    def add_payee(
        self,
        customer_id: int,
        name: str,
        account_number: str,
        kind: str = "person",
        relationship: str = "",
    ) -> PayeeView: ...

    def list_cards(self, customer_id: int) -> list[CardView]: ...

    def freeze_card(self, customer_id: int, last4: str | None = None) -> CardView: ...

    def unfreeze_card(self, customer_id: int, last4: str | None = None) -> CardView: ...

    def report_lost_card(self, customer_id: int, last4: str | None = None) -> CardView: ...

    def record_audit(
        self,
        actor: str,
        action: str,
        customer_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...
