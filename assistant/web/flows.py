"""Send money and pay a bill, one question per page: the draft, its choices and its checks.

The draft lives in the web session (``data["drafts"][flow]``) until the session ends, so no
time limit loses it. The idempotency key is made when the check page is first shown and kept
in the draft; any change to the answers makes a new one. After the money moves, the answers
stay under their key (``data["completed"]``), so posting the same form again replays the same
payment instead of moving money twice.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from assistant.banking import AccountView, BankingService, PayeeView
from assistant.money import Money, format_money
from assistant.texts import text
from assistant.webkit.sessions import WebSessionState

KEEP_COMPLETED = 10
_AMOUNT = re.compile(r"^(\d{1,9}(\.\d{0,2})?|\.\d{1,2})$")


def t(key: str, **values: Any) -> str:
    """A web text (assistant/texts/<language>/web.yml)."""
    return text(key, "web", **values)


@dataclass(frozen=True)
class Flow:
    """What differs between "send money" and "pay a bill"."""

    name: str  # the key in the session's drafts
    path: str  # URL prefix
    texts: str  # text key prefix, e.g. "web_send_"
    payee_kind: str  # person | bill
    own_accounts: bool  # may the money go to the customer's other account?

    def text(self, key: str, **values: Any) -> str:
        return t(self.texts + key, **values)


SEND = Flow("send", "/send", "web_send_", "person", True)
PAY_BILL = Flow("pay-bill", "/pay-bill", "web_bill_", "bill", False)
FLOWS = (SEND, PAY_BILL)


@dataclass(frozen=True)
class Choice:
    """One radio button."""

    value: str
    label: str
    hint: str = ""


class AmountError(ValueError):
    """The amount typed is not usable; ``key`` is the web text saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_amount(typed: str, currency: str) -> Money:
    """Dollars as people type them ("$1,250", "12.5", " 40 ") as exact Money."""
    cleaned = re.sub(r"[\s,$]", "", typed or "")
    if not cleaned:
        raise AmountError("missing")
    if not _AMOUNT.match(cleaned):
        raise AmountError("web_amount_invalid")
    money = Money.from_decimal_str(cleaned, currency)
    if not money.is_positive:
        raise AmountError("web_amount_zero")
    return money


def account_word(kind: str) -> str:
    """The account's kind in a sentence ("checking")."""
    return t(f"web_account_word_{kind}")


def new_payment_key() -> str:
    """A fresh idempotency key for one web payment."""
    return "web-" + secrets.token_urlsafe(18)


class PaymentDraft:
    """One customer's draft for one flow, checked against the bank each time it is used."""

    def __init__(
        self,
        flow: Flow,
        banking: BankingService,
        customer_id: int,
        session: WebSessionState,
        locale: str = "en_US",
    ) -> None:
        self.flow = flow
        self.banking = banking
        self.customer_id = customer_id
        self.locale = locale
        self._session = session  # the draft is one entry in the session's data
        self._accounts: Optional[List[AccountView]] = None
        self._payees: Optional[List[PayeeView]] = None

    # ---- the stored answers ---------------------------------------------------------

    @property
    def _data(self) -> Dict[str, Any]:
        return self._session.data

    @property
    def _changed(self) -> Dict[str, Any]:
        return self._session.changed()

    @property
    def answers(self) -> Dict[str, Any]:
        return self._data.get("drafts", {}).get(self.flow.name, {})

    def _set(self, **values: Any) -> None:
        drafts = self._changed.setdefault("drafts", {})
        draft = dict(drafts.get(self.flow.name, {}))
        for name, value in values.items():
            if value is None:
                draft.pop(name, None)
            else:
                draft[name] = value
        draft.pop("payment_key", None)  # new answers, a new payment
        drafts[self.flow.name] = draft

    def money(self, minor: int) -> str:
        return format_money(Money(minor, self.currency), self.locale)

    # ---- the bank's side ----------------------------------------------------------------

    @property
    def accounts(self) -> List[AccountView]:
        if self._accounts is None:
            self._accounts = self.banking.list_accounts(self.customer_id)
        return self._accounts

    @property
    def payees(self) -> List[PayeeView]:
        if self._payees is None:
            self._payees = self.banking.list_payees(self.customer_id, self.flow.payee_kind)
        return self._payees

    @property
    def currency(self) -> str:
        return self.accounts[0].balance.currency if self.accounts else "USD"

    def account(self, kind: Optional[str]) -> Optional[AccountView]:
        return next((a for a in self.accounts if a.kind == kind), None)

    # ---- question 1: who ----------------------------------------------------------------

    def recipients(self) -> List[Choice]:
        """The radios of question 1: saved payees of the flow's kind, own accounts."""
        choices = [Choice(f"payee:{p.id}", p.name, p.relationship) for p in self.payees]
        if self.flow.own_accounts and len(self.accounts) > 1:
            choices += [
                Choice(f"account:{a.kind}", t(f"web_recipient_own_{a.kind}")) for a in self.accounts
            ]
        return choices

    def set_recipient(self, value: str) -> Optional[str]:
        """Store the answer; returns an error message, or None when it is fine."""
        if value not in {choice.value for choice in self.recipients()}:
            return self.flow.text("recipient_missing")
        if value != self.answers.get("recipient"):
            from_account = self.answers.get("from_account")
            self._set(recipient=value)
            if value == f"account:{from_account}":
                self._set(from_account=None)
        return None

    def recipient_name(self) -> str:
        """Who gets the money, in words."""
        value = self.answers.get("recipient", "")
        kind, _, ident = value.partition(":")
        if kind == "account":
            return t(f"web_to_own_{ident}")
        payee = next((p for p in self.payees if str(p.id) == ident), None)
        return payee.name if payee else ""

    def _recipient_account(self) -> Optional[str]:
        kind, _, ident = self.answers.get("recipient", "").partition(":")
        return ident if kind == "account" else None

    # ---- question 2: how much -------------------------------------------------------

    def sources(self) -> List[AccountView]:
        """The accounts the money can come from (never the one it goes to)."""
        target = self._recipient_account()
        return [a for a in self.accounts if a.kind != target]

    def set_amount(self, typed: str) -> Optional[str]:
        """Store the amount typed; returns an error message, or None."""
        try:
            amount = parse_amount(typed, self.currency)
        except AmountError as error:
            return self.flow.text("amount_missing") if error.key == "missing" else t(error.key)
        chosen = self.account(self.answers.get("from_account"))
        sources = [chosen] if chosen in self.sources() else self.sources()
        if not sources:
            return t("web_amount_too_big", most=self.money(0))
        most = max(a.available.minor for a in sources)
        if amount.minor > most:
            if len(sources) == 1:
                balance = self.money(sources[0].available.minor)
                return t(
                    "web_amount_more_than_account",
                    balance=balance,
                    account=account_word(sources[0].kind),
                )
            return t("web_amount_too_big", most=self.money(most))
        self._set(amount_minor=amount.minor, currency=amount.currency)
        if len(self.sources()) == 1:
            self._set(from_account=self.sources()[0].kind)
        return None

    def amount_typed(self) -> str:
        """The stored amount as the customer would type it ("50.00")."""
        minor = self.answers.get("amount_minor")
        return "" if minor is None else str(Money(minor, self.currency).to_decimal())

    # ---- question 3: from which account ---------------------------------------------

    def source_choices(self) -> List[Choice]:
        """The radios of question 3, each with its balance as a hint."""
        return [
            Choice(
                a.kind,
                t(f"web_account_title_{a.kind}"),
                t("web_you_have", balance=self.money(a.balance.minor)),
            )
            for a in self.sources()
        ]

    def set_source(self, kind: str) -> Optional[str]:
        """Store the source account; returns an error message, or None."""
        account = self.account(kind)
        if account is None or account not in self.sources():
            return t("web_from_missing")
        if account.available.minor < self.answers.get("amount_minor", 0):
            return t(
                "web_from_too_little",
                account=account_word(kind),
                balance=self.money(account.balance.minor),
            )
        if kind != self.answers.get("from_account"):
            self._set(from_account=kind)
        return None

    def choose_only_source(self) -> bool:
        """When only one account can pay, answer question 3 for the customer."""
        sources = self.sources()
        if len(sources) == 1:
            if self.answers.get("from_account") != sources[0].kind:
                self._set(from_account=sources[0].kind)
            return True
        return False

    # ---- where next -------------------------------------------------------------------

    def _unanswered(self) -> Optional[str]:
        """The first question without a usable answer, or None."""
        answers = self.answers
        if answers.get("recipient") not in {c.value for c in self.recipients()}:
            return self.flow.path
        if answers.get("amount_minor") is None:
            return f"{self.flow.path}/amount"
        source = self.account(answers.get("from_account"))
        if source is None or source not in self.sources():
            return f"{self.flow.path}/from"
        return None

    def next_path(self) -> str:
        """The first unanswered question, or the check page."""
        unanswered = self._unanswered()
        if unanswered is not None:
            return unanswered
        answers = self.answers
        source = self.account(answers["from_account"])
        assert source is not None
        if source.available.minor < answers["amount_minor"]:
            # The balance changed since the amount was accepted: ask again.
            return f"{self.flow.path}/{'from' if len(self.sources()) > 1 else 'amount'}"
        return f"{self.flow.path}/check"

    def complete(self) -> bool:
        """Whether every question is answered and the check page can be shown."""
        return self.next_path().endswith("/check")

    # ---- the check page and the payment ---------------------------------------------

    def payment_key(self) -> str:
        """The draft's idempotency key, made the first time the check page is shown."""
        key = self.answers.get("payment_key")
        if not key:
            key = new_payment_key()
            self._changed["drafts"][self.flow.name] = {**self.answers, "payment_key": key}
        return key

    def summary(self) -> Dict[str, str]:
        """To, amount and from, in words, plus the read-back sentence."""
        amount = self.money(self.answers["amount_minor"])
        to = self.recipient_name()
        account = account_word(self.answers["from_account"])
        return {
            "to": to,
            "amount": amount,
            "from": t(f"web_account_title_{self.answers['from_account']}"),
            "sentence": self.flow.text("sentence", amount=amount, to=to, account=account),
        }

    def payment_for(self, key: str) -> Optional[Dict[str, Any]]:
        """The answers to pay with ``key``: the draft's, or a payment already made with it."""
        done = self._data.get("completed", {}).get(key)
        if done is not None and done.get("flow") == self.flow.name:
            return done
        if key and self.answers.get("payment_key") == key and self._unanswered() is None:
            return {**self.answers, "flow": self.flow.name, "to": self.recipient_name()}
        return None

    def pay(self, payment: Dict[str, Any], key: str) -> Any:
        """Move the money (or replay it, for a key already used). Returns the Receipt."""
        amount = Money(payment["amount_minor"], payment["currency"])
        kind, _, ident = payment["recipient"].partition(":")
        if kind == "account":
            return self.banking.transfer_between_accounts(
                self.customer_id, payment["from_account"], ident, amount, key
            )
        return self.banking.pay_payee(
            self.customer_id, payment["from_account"], int(ident), amount, key
        )

    def finish(self, payment: Dict[str, Any], key: str, receipt: Any) -> Dict[str, Any]:
        """Record the receipt (the first one for a reference is kept) and clear the draft."""
        data = self._changed
        completed = data.setdefault("completed", {})
        completed[key] = {**payment, "reference": receipt.reference}
        while len(completed) > KEEP_COMPLETED:
            completed.pop(next(iter(completed)))
        receipts = data.setdefault("receipts", {})
        if receipt.reference not in receipts:
            receipts[receipt.reference] = {
                "flow": self.flow.name,
                "amount": format_money(receipt.amount, self.locale),
                "to": payment["to"],
                "account": account_word(receipt.from_account.kind),
                "balance": format_money(receipt.from_account.balance, self.locale),
            }
            while len(receipts) > KEEP_COMPLETED:
                receipts.pop(next(iter(receipts)))
        if self.answers.get("payment_key") == key:
            data["drafts"].pop(self.flow.name, None)
        return receipts[receipt.reference]
