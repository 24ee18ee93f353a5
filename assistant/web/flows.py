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

from babel.numbers import get_currency_symbol, get_decimal_symbol, get_group_symbol, parse_decimal

from assistant.banking import AccountView, BankingService, PayeeView
from assistant.money import Money, currency_exponent, format_money
from assistant.webkit.bank_words import ACCOUNT_TITLES
from assistant.webkit.i18n import N_, Words
from assistant.webkit.sessions import WebSessionState

CHANNEL = "web"
KEEP_COMPLETED = 10
MAX_WHOLE_DIGITS = 9

# An account's kind as a title ("Checking") and inside a sentence ("your checking account").
ACCOUNT_WORDS = {"checking": N_("checking"), "savings": N_("savings")}
OWN_ACCOUNT_CHOICES = {"checking": N_("My checking account"), "savings": N_("My savings account")}
TO_OWN_ACCOUNT = {"checking": N_("your checking account"), "savings": N_("your savings account")}


@dataclass(frozen=True)
class Flow:
    """What differs between "send money" and "pay a bill": its paths and its words (English
    source text, translated when shown)."""

    name: str  # the key in the session's drafts
    path: str  # URL prefix
    payee_kind: str  # person | bill
    own_accounts: bool  # may the money go to the customer's other account?
    recipient_title: str
    recipient_missing: str
    none: str  # no payee of this kind saved yet (%(phone)s)
    amount_title: str
    amount_missing: str
    check_title: str
    sentence: str  # the read-back: %(amount)s %(to)s %(account)s
    button: str
    done_title: str
    done: str  # the receipt: %(amount)s %(to)s


SEND = Flow(
    "send",
    "/send",
    "person",
    True,
    recipient_title=N_("Who do you want to send money to?"),
    recipient_missing=N_("Choose who you want to send money to."),
    none=N_("You have nobody saved to send money to yet. To add someone, call us on %(phone)s."),
    amount_title=N_("How much do you want to send?"),
    amount_missing=N_("Enter how much you want to send."),
    check_title=N_("Check before you send"),
    sentence=N_("Send %(amount)s to %(to)s from %(account)s."),
    button=N_("Send money"),
    done_title=N_("Money sent"),
    done=N_("You sent %(amount)s to %(to)s."),
)
PAY_BILL = Flow(
    "pay-bill",
    "/pay-bill",
    "bill",
    False,
    recipient_title=N_("Which bill do you want to pay?"),
    recipient_missing=N_("Choose which bill you want to pay."),
    none=N_("You have no bills saved yet. To add a bill, call us on %(phone)s."),
    amount_title=N_("How much do you want to pay?"),
    amount_missing=N_("Enter how much you want to pay."),
    check_title=N_("Check before you pay"),
    sentence=N_("Pay %(amount)s to %(to)s from %(account)s."),
    button=N_("Pay bill"),
    done_title=N_("Bill paid"),
    done=N_("You paid %(amount)s to %(to)s."),
)
FLOWS = (SEND, PAY_BILL)


@dataclass(frozen=True)
class Choice:
    """One radio button."""

    value: str
    label: str
    hint: str = ""


AMOUNT_MISSING = "missing"  # worded by the flow ("Enter how much you want to send.")
AMOUNT_INVALID = N_("Enter an amount in dollars, like 50 or 12.50.")
AMOUNT_ZERO = N_("The amount must be more than zero.")
AMOUNT_TOO_BIG = N_("That is more than you have. The most you can use is %(most)s.")


class AmountError(ValueError):
    """The amount typed is not usable; ``message`` says why (English source text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_amount(typed: str, currency: str, locale: str) -> Money:
    """An amount as people type it in their locale ("$1,250", "12.5", " 40 " in en_US;
    "1.250,50 EUR" in de_DE) as exact Money: the currency's symbol or code, spaces and the
    locale's group separators are ignored; the locale's decimal mark may carry as many digits
    as the currency's minor unit."""
    cleaned = "".join((typed or "").split())
    ignored = {get_currency_symbol(currency, locale), currency, get_group_symbol(locale)}
    for symbol in sorted(ignored, key=len, reverse=True):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        raise AmountError(AMOUNT_MISSING)
    places = currency_exponent(currency)
    mark = re.escape(get_decimal_symbol(locale))
    whole = rf"\d{{1,{MAX_WHOLE_DIGITS}}}"
    shape = rf"{whole}({mark}\d{{0,{places}}})?|{mark}\d{{1,{places}}}" if places else whole
    if not re.fullmatch(shape, cleaned):
        raise AmountError(AMOUNT_INVALID)
    minor = int(parse_decimal(cleaned, locale=locale).scaleb(places))
    if minor <= 0:
        raise AmountError(AMOUNT_ZERO)
    return Money(minor, currency)


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
        locale: str,
        words: Words,
    ) -> None:
        self.flow = flow
        self.banking = banking
        self.customer_id = customer_id
        self.locale = locale
        self._ = words.gettext
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

    def account_word(self, kind: str) -> str:
        """The account's kind inside a sentence ("checking")."""
        return self._(ACCOUNT_WORDS[kind])

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
                Choice(f"account:{a.kind}", self._(OWN_ACCOUNT_CHOICES[a.kind]))
                for a in self.accounts
            ]
        return choices

    def set_recipient(self, value: str) -> Optional[str]:
        """Store the answer; returns an error message, or None when it is fine."""
        if value not in {choice.value for choice in self.recipients()}:
            return self._(self.flow.recipient_missing)
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
            return self._(TO_OWN_ACCOUNT[ident])
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
            amount = parse_amount(typed, self.currency, self.locale)
        except AmountError as error:
            missing = error.message == AMOUNT_MISSING
            return self._(self.flow.amount_missing if missing else error.message)
        chosen = self.account(self.answers.get("from_account"))
        sources = [chosen] if chosen in self.sources() else self.sources()
        if not sources:
            return self._(AMOUNT_TOO_BIG, most=self.money(0))
        most = max(a.available.minor for a in sources)
        if amount.minor > most:
            if len(sources) == 1:
                balance = self.money(sources[0].available.minor)
                return self._(
                    "That is more than the %(balance)s in your %(account)s account. "
                    "Enter %(balance)s or less.",
                    balance=balance,
                    account=self.account_word(sources[0].kind),
                )
            return self._(AMOUNT_TOO_BIG, most=self.money(most))
        self._set(amount_minor=amount.minor, currency=amount.currency)
        if len(self.sources()) == 1:
            self._set(from_account=self.sources()[0].kind)
        return None

    def amount_typed(self) -> str:
        """The stored amount as the customer would type it ("50.00"; "50,00" in de_DE)."""
        minor = self.answers.get("amount_minor")
        if minor is None:
            return ""
        value = str(Money(minor, self.currency).to_decimal())
        return value.replace(".", get_decimal_symbol(self.locale))

    # ---- question 3: from which account ---------------------------------------------

    def source_choices(self) -> List[Choice]:
        """The radios of question 3, each with its balance as a hint."""
        return [
            Choice(
                a.kind,
                self._(ACCOUNT_TITLES[a.kind]),
                self._("You have %(balance)s", balance=self.money(a.balance.minor)),
            )
            for a in self.sources()
        ]

    def set_source(self, kind: str) -> Optional[str]:
        """Store the source account; returns an error message, or None."""
        account = self.account(kind)
        if account is None or account not in self.sources():
            return self._("Choose which account the money should come from.")
        if account.available.minor < self.answers.get("amount_minor", 0):
            return self._(
                "Your %(account)s account has %(balance)s. That is not enough. "
                "Choose the other account, or change the amount.",
                account=self.account_word(kind),
                balance=self.money(account.available.minor),
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
        account = self.account_word(self.answers["from_account"])
        return {
            "to": to,
            "amount": amount,
            "from": self._(ACCOUNT_TITLES[self.answers["from_account"]]),
            "sentence": self._(self.flow.sentence, amount=amount, to=to, account=account),
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
        """Move the money, or hold it when a rule says so (``Receipt.held``), or replay either
        for a key already used. Returns the Receipt."""
        amount = Money(payment["amount_minor"], payment["currency"])
        kind, _, ident = payment["recipient"].partition(":")
        if kind == "account":
            return self.banking.transfer_between_accounts(
                self.customer_id, payment["from_account"], ident, amount, key, channel=CHANNEL
            )
        return self.banking.pay_payee(
            self.customer_id, payment["from_account"], int(ident), amount, key, channel=CHANNEL
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
                "account_kind": receipt.from_account.kind,
                "balance": format_money(receipt.from_account.balance, self.locale),
                "held": receipt.held,
            }
            while len(receipts) > KEEP_COMPLETED:
                receipts.pop(next(iter(receipts)))
        if self.answers.get("payment_key") == key:
            data["drafts"].pop(self.flow.name, None)
        return receipts[receipt.reference]
