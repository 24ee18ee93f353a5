"""``LedgerBankingService``: the BankingService implemented on the embedded SQL ledger."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking import cards as card_ops
from assistant.banking import held_payments as holds
from assistant.banking.audit import add_audit
from assistant.banking.errors import (
    CustomerNotFound,
    HoldEnded,
    IdempotencyConflict,
    InvalidAmount,
    InvalidPayee,
    SameAccount,
    UnknownAccount,
    UnknownHold,
    UnknownPayee,
)
from assistant.banking.holds import (
    MET_AT_DEADLINE,
    PAY_PAYEE,
    TRANSFER,
    HoldRule,
    PaymentObserver,
    PaymentRequest,
    ReleaseGate,
)
from assistant.banking.ledger import (
    PAYMENTS_CLEARING,
    TransactionKind,
    internal_account,
    lock_accounts,
    post,
)
from assistant.banking.limits import check_daily_limits
from assistant.banking.payees import match_payees, words
from assistant.banking.phones import normalize_phone
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
from assistant.clock import Zone, utc_range
from assistant.db import read_only, utcnow
from assistant.models import (
    Account,
    Card,
    Customer,
    HeldPayment,
    HoldCondition,
    LedgerTransaction,
    Payee,
    Posting,
)
from assistant.money import Money

log = logging.getLogger(__name__)

ACCOUNT_KINDS = ("checking", "savings")
_KIND_ALIASES = {
    "current": "checking",
    "chequing": "checking",
    "check": "checking",
    "saving": "savings",
}
_PAYEE_SCAN_LIMIT = 1000


def normalize_kind(kind: str) -> str:
    """ "Checking", "current", "saving" -> the stored account kind."""
    k = (kind or "").strip().lower()
    return _KIND_ALIASES.get(k, k)


def customer_view(c: Customer) -> CustomerView:
    return CustomerView(
        id=c.id,
        name=c.name,
        address_as=c.address_as or "",
        phone=c.phone,
        preferred_channel=c.preferred_channel,
        speech_rate=c.speech_rate,
        text_size=c.text_size,
        locale=c.locale,
        vulnerable=bool(c.vulnerable),
    )


def account_view(a: Account) -> AccountView:
    held = a.held_minor or 0
    return AccountView(
        kind=a.kind,
        name=a.name,
        last4=a.number[-4:],
        balance=Money(a.balance_minor, a.currency),
        available=Money(a.balance_minor + a.overdraft_limit_minor - held, a.currency),
        held=Money(held, a.currency),
    )


def payee_view(p: Payee) -> PayeeView:
    return PayeeView(
        id=p.id,
        name=p.name,
        kind=p.kind,
        relationship=p.relationship,
        account_last4=p.account_number[-4:],
    )


def card_view(c: Card, account_kind: str) -> CardView:
    return CardView(last4=c.last4, status=c.status, account_kind=account_kind)


def fingerprint(**request: Any) -> str:
    """A stable digest of a money-moving request, to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


class LedgerBankingService:
    """Banking on the embedded double-entry ledger. Thread-safe; one DB transaction per call.

    Calendar days (``since``/``until``) are days in ``zone``, by default the bank's time zone.
    ``hold_rules`` are asked about every payment and transfer; any condition one of them sets
    makes the payment wait as a held payment (``assistant.banking.holds``). ``observers`` are
    told what became of each request and when a held payment ends; ``release_gates`` may keep
    a condition met by its deadline (a cooling-off) waiting past it.
    """

    def __init__(
        self,
        session_factory: sessionmaker,
        zone: Zone = None,
        hold_rules: Sequence[HoldRule] = (),
        observers: Sequence[PaymentObserver] = (),
        release_gates: Sequence[ReleaseGate] = (),
    ) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)
        self._zone = zone
        self._rules = tuple(hold_rules)
        self._observers = tuple(observers)
        self._gates = tuple(release_gates)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A transaction for lookups only (never blocks behind a payment on SQLite)."""
        with self._readers() as session, session.begin():
            yield session

    # ---- customers and accounts -------------------------------------------------------

    @staticmethod
    def _customer(session: Session, customer_id: int) -> Customer:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(f"customer {customer_id}")
        return customer

    @staticmethod
    def _account(session: Session, customer_id: int, kind: str) -> Account:
        query = select(Account).where(
            Account.customer_id == customer_id, Account.kind == normalize_kind(kind)
        )
        account = session.execute(query).scalar_one_or_none()
        if account is None:
            raise UnknownAccount(f"customer {customer_id} has no {kind!r} account")
        return account

    def find_customer_by_phone(self, phone: str) -> CustomerView | None:
        with self._read() as session:
            query = select(Customer).where(Customer.phone == normalize_phone(phone))
            customer = session.execute(query).scalar_one_or_none()
            return customer_view(customer) if customer else None

    def get_customer(self, customer_id: int) -> CustomerView:
        with self._read() as session:
            return customer_view(self._customer(session, customer_id))

    def list_accounts(self, customer_id: int) -> list[AccountView]:
        with self._read() as session:
            self._customer(session, customer_id)
            query = select(Account).where(Account.customer_id == customer_id).order_by(Account.id)
            return [account_view(a) for a in session.execute(query).scalars()]

    def get_account(self, customer_id: int, kind: str) -> AccountView:
        with self._read() as session:
            self._customer(session, customer_id)
            return account_view(self._account(session, customer_id, kind))

    # ---- history ----------------------------------------------------------------------

    def recent_transactions(
        self,
        customer_id: int,
        account_kind: str | None = None,
        payee: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 5,
    ) -> list[TransactionView]:
        """Newest first. ``payee`` is matched fuzzily (name or relationship, then counterparty).

        ``since`` and ``until`` are bank-local calendar days, both included: a payment at
        23:30 New York time on ``until`` is in, one at 00:30 the next day is not.
        """
        payee_ids: set[int] = set()
        if payee:
            payee_ids = {p.id for p in self.resolve_payee(customer_id, payee)}
        with self._read() as session:
            self._customer(session, customer_id)
            query = (
                select(Posting, LedgerTransaction, Account)
                .join(LedgerTransaction, Posting.transaction_id == LedgerTransaction.id)
                .join(Account, Posting.account_id == Account.id)
                .where(Account.customer_id == customer_id)
                .order_by(LedgerTransaction.created_at.desc(), Posting.id.desc())
            )
            if account_kind:
                query = query.where(Account.kind == normalize_kind(account_kind))
            start, end = utc_range(since, until, self._zone)
            if start is not None:
                query = query.where(LedgerTransaction.created_at >= start)
            if end is not None:
                query = query.where(LedgerTransaction.created_at < end)
            if payee and payee_ids:
                query = query.where(LedgerTransaction.payee_id.in_(payee_ids))
            query = query.limit(_PAYEE_SCAN_LIMIT if payee and not payee_ids else max(limit, 0))
            rows = list(session.execute(query))
            if payee and not payee_ids:
                wanted = " ".join(words(payee))
                rows = [
                    r
                    for r in rows
                    if wanted and fuzz.partial_ratio(wanted, r[1].counterparty.lower()) >= 85
                ][: max(limit, 0)]
            other_side = self._transfer_sides(
                session,
                customer_id,
                [r[1].id for r in rows if r[1].kind == TransactionKind.TRANSFER],
            )
            views = []
            for posting, txn, account in rows:
                counterparty = txn.counterparty
                if txn.kind == TransactionKind.TRANSFER:
                    counterparty = other_side.get((txn.id, account.id), counterparty)
                views.append(
                    TransactionView(
                        reference=txn.reference,
                        created_at=txn.created_at,
                        kind=txn.kind,
                        counterparty=counterparty,
                        amount=Money(posting.amount_minor, posting.currency),
                        account_kind=account.kind,
                        account_name=account.name,
                    )
                )
            return views

    @staticmethod
    def _transfer_sides(
        session: Session, customer_id: int, txn_ids: list[int]
    ) -> dict[tuple[int, int], str]:
        """For own-account transfers: (txn, account) -> the other account's name."""
        if not txn_ids:
            return {}
        query = (
            select(Posting.transaction_id, Account.id, Account.name)
            .join(Account, Posting.account_id == Account.id)
            .where(Posting.transaction_id.in_(txn_ids), Account.customer_id == customer_id)
        )
        legs: dict[int, list[tuple[int, str]]] = {}
        for txn_id, account_id, name in session.execute(query):
            legs.setdefault(txn_id, []).append((account_id, name))
        sides = {}
        for txn_id, accounts in legs.items():
            for account_id, _ in accounts:
                others = [name for other, name in accounts if other != account_id]
                if others:
                    sides[(txn_id, account_id)] = others[0]
        return sides

    # ---- payees -----------------------------------------------------------------------

    def list_payees(self, customer_id: int, kind: str | None = None) -> list[PayeeView]:
        with self._read() as session:
            self._customer(session, customer_id)
            query = select(Payee).where(Payee.customer_id == customer_id).order_by(Payee.name)
            if kind:
                query = query.where(Payee.kind == kind)
            return [payee_view(p) for p in session.execute(query).scalars()]

    def resolve_payee(
        self, customer_id: int, text: str, kind: str | None = None
    ) -> list[PayeeView]:
        """[] for no match, [one] when confident, several (best first) when ambiguous."""
        return match_payees(text, self.list_payees(customer_id), kind)

    def add_payee(
        self,
        customer_id: int,
        name: str,
        account_number: str,
        kind: str = "person",
        relationship: str = "",
    ) -> PayeeView:
        name = " ".join((name or "").split())
        digits = "".join(ch for ch in (account_number or "") if ch not in " -")
        if not name or len(name) > 200:
            raise InvalidPayee("a payee needs a name")
        if not digits.isdigit() or not 4 <= len(digits) <= 34:
            raise InvalidPayee("account number must be 4 to 34 digits")
        if kind not in ("person", "bill"):
            raise InvalidPayee(f"unknown payee kind {kind!r}")
        with self._tx() as session:
            self._customer(session, customer_id)
            duplicate = session.execute(
                select(Payee.id).where(
                    Payee.customer_id == customer_id, func.lower(Payee.name) == name.lower()
                )
            ).first()
            if duplicate:
                raise InvalidPayee(f"a payee called {name!r} already exists")
            payee = Payee(
                customer_id=customer_id,
                name=name,
                account_number=digits,
                kind=kind,
                relationship=(relationship or "").strip(),
            )
            session.add(payee)
            session.flush()
            add_audit(
                session,
                f"customer:{customer_id}",
                "payee_added",
                customer_id,
                {"payee_id": payee.id, "name": name, "kind": kind},
            )
            return payee_view(payee)

    # ---- money movement ---------------------------------------------------------------

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
    ) -> Receipt:
        """Move money between two of the customer's accounts, or hold it if a rule says so.
        ``signals``: scam signals heard while it was asked (see ``PaymentRequest``)."""
        from_kind, to_kind = normalize_kind(from_kind), normalize_kind(to_kind)
        _check_amount(amount)
        if from_kind == to_kind:
            raise SameAccount("from and to are the same account")
        digest = fingerprint(
            op="transfer",
            source=from_kind,
            target=to_kind,
            minor=amount.minor,
            currency=amount.currency,
        )

        def perform(session: Session) -> Receipt:
            ids = [self._account(session, customer_id, k).id for k in (from_kind, to_kind)]
            locked = lock_accounts(session, ids)
            source, target = locked[ids[0]], locked[ids[1]]
            replay = self._replay(session, customer_id, idempotency_key, digest)
            if replay is not None:
                return replay
            if {source.currency, target.currency} != {amount.currency}:
                raise InvalidAmount(f"{amount.currency} between {source.currency} accounts")
            request = PaymentRequest(
                customer_id,
                TRANSFER,
                from_kind,
                amount,
                to_kind=to_kind,
                channel=channel,
                signals=tuple(signals),
            )
            held = self._hold(session, request, source, target.name, idempotency_key, digest)
            if held is not None:
                return held
            txn = post(
                session,
                legs=[(source, -amount), (target, amount)],
                kind=TransactionKind.TRANSFER,
                counterparty=target.name,
                customer_id=customer_id,
                idempotency_key=idempotency_key,
                fingerprint=digest,
            )
            add_audit(
                session,
                f"customer:{customer_id}",
                "transfer",
                customer_id,
                {
                    "reference": txn.reference,
                    "amount_minor": amount.minor,
                    "currency": amount.currency,
                    "from": from_kind,
                    "to": to_kind,
                },
            )
            self._observe(session, request, None)
            return Receipt(
                reference=txn.reference,
                amount=amount,
                from_account=account_view(source),
                to_description=target.name,
                created_at=txn.created_at,
                replayed=False,
            )

        return self._move(customer_id, idempotency_key, digest, perform)

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
    ) -> Receipt:
        """Pay one of the customer's payees, or hold the payment if a rule says so.
        ``signals``: scam signals heard while it was asked (see ``PaymentRequest``).

        Raises ``DailyLimitReached`` when it would pass the customer's own daily limit for
        ``channel`` ("sms", "voice", "web"; "chat" counts as web; none or another: every
        limit), with nothing moved (``assistant.banking.limits``)."""
        from_kind = normalize_kind(from_kind)
        _check_amount(amount)
        digest = fingerprint(
            op="pay_payee",
            source=from_kind,
            payee=int(payee_id),
            minor=amount.minor,
            currency=amount.currency,
        )

        def perform(session: Session) -> Receipt:
            payee = session.get(Payee, payee_id)
            if payee is None or payee.customer_id != customer_id:
                raise UnknownPayee(f"payee {payee_id}")
            account_id = self._account(session, customer_id, from_kind).id
            source = lock_accounts(session, [account_id])[account_id]
            replay = self._replay(session, customer_id, idempotency_key, digest)
            if replay is not None:
                return replay
            if amount.currency != source.currency:
                raise InvalidAmount(f"{amount.currency} from a {source.currency} account")
            # The customer's own daily limit for this channel: refused, nothing moves.
            check_daily_limits(session, customer_id, channel, amount, utcnow(), self._zone)
            request = PaymentRequest(
                customer_id,
                PAY_PAYEE,
                from_kind,
                amount,
                payee_id=payee.id,
                channel=channel,
                signals=tuple(signals),
            )
            held = self._hold(session, request, source, payee.name, idempotency_key, digest)
            if held is not None:
                return held
            clearing = internal_account(session, PAYMENTS_CLEARING, source.currency)
            txn = post(
                session,
                legs=[(source, -amount), (clearing, amount)],
                kind=(
                    TransactionKind.BILL_PAYMENT
                    if payee.kind == "bill"
                    else TransactionKind.PAYMENT
                ),
                counterparty=payee.name,
                customer_id=customer_id,
                idempotency_key=idempotency_key,
                fingerprint=digest,
                payee_id=payee.id,
            )
            add_audit(
                session,
                f"customer:{customer_id}",
                "payment",
                customer_id,
                {
                    "reference": txn.reference,
                    "amount_minor": amount.minor,
                    "currency": amount.currency,
                    "from": from_kind,
                    "payee_id": payee.id,
                    "channel": (channel or "")[:16],
                },
            )
            self._observe(session, request, None)
            return Receipt(
                reference=txn.reference,
                amount=amount,
                from_account=account_view(source),
                to_description=payee.name,
                created_at=txn.created_at,
                replayed=False,
            )

        return self._move(customer_id, idempotency_key, digest, perform)

    def _move(
        self, customer_id: int, key: str, digest: str, perform: Callable[[Session], Receipt]
    ) -> Receipt:
        """Run ``perform`` in one transaction; a concurrent use of the same key replays."""
        if not isinstance(key, str) or not key.strip() or len(key) > 200:
            raise ValueError("every money movement needs an idempotency key (1-200 chars)")
        try:
            with self._tx() as session:
                self._lock_customer(session, customer_id)
                return perform(session)
        except IntegrityError:
            # Lost a race on (customer, key): the winner's transaction is committed now.
            with self._tx() as session:
                receipt = self._replay(session, customer_id, key, digest)
            if receipt is None:
                raise
            log.info("idempotent replay after concurrent request (customer %s)", customer_id)
            return receipt

    @staticmethod
    def _lock_customer(session: Session, customer_id: int) -> Customer:
        """The customer, locked against their other money movements until the transaction ends
        (PostgreSQL FOR NO KEY UPDATE; SQLite's transaction already holds the write lock): one
        idempotency key can then never be used by a held payment and a direct one at once."""
        customer = session.execute(
            select(Customer).where(Customer.id == customer_id).with_for_update(key_share=True)
        ).scalar_one_or_none()
        if customer is None:
            raise CustomerNotFound(f"customer {customer_id}")
        return customer

    def _hold(
        self,
        session: Session,
        request: PaymentRequest,
        source: Account,
        counterparty: str,
        key: str,
        digest: str,
    ) -> Receipt | None:
        """Ask the hold rules; if any sets a condition, hold the payment and return its receipt."""
        if not self._rules:
            return None
        now = self._now(session)
        specs = holds.conditions_for(self._rules, session, request, now)
        if not specs:
            return None
        hold = holds.place(
            session,
            request=request,
            source=source,
            counterparty=counterparty,
            specs=specs,
            key=key,
            digest=digest,
            now=now,
        )
        self._observe(session, request, hold.id)
        return self._held_receipt(session, hold, replayed=False)

    @staticmethod
    def _now(session: Session) -> datetime:
        """One moment for the whole transaction: the rules, the hold and the observers."""
        return session.info.setdefault("payment_now", utcnow())

    def _observe(self, session: Session, request: PaymentRequest, hold_id: int | None) -> None:
        """Tell the observers what became of ``request`` (held as ``hold_id``, or moved)."""
        for observer in self._observers:
            observer.decided(session, request, self._now(session), hold_id)

    def _ended(self, session: Session, hold: HeldPayment, now: datetime) -> None:
        """Tell the observers the held payment ended (its status is its outcome)."""
        for observer in self._observers:
            observer.ended(session, hold.id, hold.status, now)

    def _ready(self, session: Session, now: datetime) -> Callable[[HoldCondition], bool] | None:
        """Whether a condition met by its deadline may count as met now (every gate agrees)."""
        if not self._gates:
            return None

        def ready(condition: HoldCondition) -> bool:
            return condition.kind not in MET_AT_DEADLINE or all(
                gate(session, condition.hold_id, condition.kind, now) for gate in self._gates
            )

        return ready

    @staticmethod
    def _held_receipt(session: Session, hold: HeldPayment, replayed: bool) -> Receipt:
        view = holds.views(session, [hold])[0]
        return Receipt(
            reference=hold.reference,
            amount=view.amount,
            from_account=account_view(session.get(Account, hold.account_id)),
            to_description=hold.counterparty,
            created_at=hold.created_at,
            replayed=replayed,
            held=True,
            hold_deadline=view.deadline,
            hold_conditions=view.pending,
        )

    def find_payment(self, customer_id: int, idempotency_key: str) -> Receipt | None:
        """The money movement made with this idempotency key, if it was made; the held
        payment's receipt (``held``) while it waits; None if it ended without moving money."""
        with self._read() as session:
            txn = self._by_key(session, customer_id, idempotency_key)
            if txn is not None:
                return self._receipt(session, customer_id, txn)
            hold = holds.by_key(session, customer_id, idempotency_key)
            if hold is not None and hold.status == holds.HELD:
                return self._held_receipt(session, hold, replayed=True)
            return None

    @classmethod
    def _replay(cls, session: Session, customer_id: int, key: str, digest: str) -> Receipt | None:
        """The first result for this key, or None if unused; a different request conflicts.

        A held payment's key replays its held receipt while it waits, the ledger transaction's
        once released, and raises ``HoldEnded`` once it ended without moving money.
        """
        txn = cls._by_key(session, customer_id, key)
        hold = holds.by_key(session, customer_id, key) if txn is None else None
        if txn is None and hold is None:
            return None
        if (txn or hold).request_fingerprint != digest:
            raise IdempotencyConflict("idempotency key already used for a different request")
        if txn is not None:
            return cls._receipt(session, customer_id, txn)
        if hold.status != holds.HELD:
            raise HoldEnded(hold.reference, hold.status)
        return cls._held_receipt(session, hold, replayed=True)

    @staticmethod
    def _by_key(session: Session, customer_id: int, key: str) -> LedgerTransaction | None:
        return session.execute(
            select(LedgerTransaction).where(
                LedgerTransaction.customer_id == customer_id,
                LedgerTransaction.idempotency_key == key,
            )
        ).scalar_one_or_none()

    @staticmethod
    def _receipt(session: Session, customer_id: int, txn: LedgerTransaction) -> Receipt:
        posting, account = session.execute(
            select(Posting, Account)
            .join(Account, Posting.account_id == Account.id)
            .where(
                Posting.transaction_id == txn.id,
                Account.customer_id == customer_id,
                Posting.amount_minor < 0,
            )
        ).one()
        return Receipt(
            reference=txn.reference,
            amount=Money(-posting.amount_minor, posting.currency),
            from_account=account_view(account),
            to_description=txn.counterparty,
            created_at=txn.created_at,
            replayed=True,
        )

    # ---- held payments ----------------------------------------------------------------

    def list_holds(
        self, customer_id: int, statuses: Sequence[str] = ("held",)
    ) -> list[HeldPaymentView]:
        """The customer's held payments with one of ``statuses``, newest first."""
        with self._read() as session:
            self._customer(session, customer_id)
            query = (
                select(HeldPayment)
                .where(HeldPayment.customer_id == customer_id, HeldPayment.status.in_(statuses))
                .order_by(HeldPayment.created_at.desc(), HeldPayment.id.desc())
            )
            return holds.views(session, list(session.execute(query).scalars()))

    def get_hold(self, hold_id: int) -> HeldPaymentView | None:
        """Any customer's held payment: the caller checks who may see it."""
        with self._read() as session:
            hold = session.get(HeldPayment, hold_id)
            return holds.views(session, [hold])[0] if hold is not None else None

    def decide_hold_condition(
        self,
        hold_id: int,
        kind: str,
        met: bool,
        actor: str,
        note: str = "",
        now: datetime | None = None,
    ) -> HoldOutcome:
        """Record that the hold's ``kind`` condition is met (e.g. a helper approved) or failed
        (declined). All conditions met: the money moves, once, with the original idempotency
        key; one failed: the payment is declined. A condition past its deadline is settled by
        time first (a co-sign approved too late finds the payment expired). Raises
        ``UnknownHold`` if there is no such hold or it has no such condition."""
        now = now or utcnow()
        with self._tx() as session:
            hold = holds.lock(session, hold_id)
            conditions = holds.conditions_of(session, hold_id) if hold is not None else []
            if not any(c.kind == kind for c in conditions):
                raise UnknownHold(f"no {kind!r} condition on held payment {hold_id}")
            if hold.status != holds.HELD:
                return self._outcome(session, "already", hold, conditions)
            holds.settle_due(conditions, now, self._ready(session, now))
            if not any(c.status == holds.EXPIRED for c in conditions):
                waiting = [c for c in conditions if c.kind == kind and c.status == holds.PENDING]
                for condition in waiting:
                    holds.decide(condition, met, actor, note, now)
                    add_audit(
                        session,
                        actor,
                        "hold_condition_met" if met else "hold_condition_failed",
                        hold.customer_id,
                        {"reference": hold.reference, "kind": kind},
                    )
            result = holds.conclude(session, hold, conditions, actor, now)
            if result in HoldOutcome.ENDINGS:
                self._ended(session, hold, now)
            return self._outcome(session, result, hold, conditions)

    def cancel_hold(
        self,
        customer_id: int,
        hold_id_or_reference: int | str,
        actor: str,
        now: datetime | None = None,
    ) -> HoldOutcome:
        """Cancel one of the customer's held payments (by id, or by the reference they were
        given); its money is unreserved and nothing moves. The customer's own cancellation
        counts as told. Raises ``UnknownHold`` for another customer's or no hold."""
        now = now or utcnow()
        with self._tx() as session:
            if isinstance(hold_id_or_reference, int):
                hold = holds.lock(session, hold_id_or_reference, customer_id=customer_id)
            else:
                reference = str(hold_id_or_reference).strip().upper()
                hold = holds.lock(session, customer_id=customer_id, reference=reference)
            if hold is None:
                raise UnknownHold(f"customer {customer_id}: no hold {hold_id_or_reference}")
            conditions = holds.conditions_of(session, hold.id)
            if hold.status != holds.HELD:
                return self._outcome(session, "already", hold, conditions)
            holds.end(session, hold, holds.CANCELLED, actor, None, now)
            hold.outcome_told = actor == f"customer:{customer_id}"
            self._ended(session, hold, now)
            return self._outcome(session, holds.CANCELLED, hold, conditions)

    def release_hold(
        self, hold_id: int, actor: str, note: str = "", now: datetime | None = None
    ) -> HoldOutcome:
        """A member of staff releases a held payment on their word (``actor``
        "staff:<username>", audited): every condition still open is met by them and the money
        moves once, with the original idempotency key, under the hold's row lock. A condition
        past its deadline is settled by time first (a co-sign nobody answered in time has
        expired the payment). A hold that has ended answers "already" and changes nothing;
        raises ``UnknownHold`` when there is no such hold."""
        if not actor.startswith("staff:"):
            raise ValueError("only a member of staff releases a held payment")
        now = now or utcnow()
        with self._tx() as session:
            hold = holds.lock(session, hold_id)
            if hold is None:
                raise UnknownHold(f"no held payment {hold_id}")
            conditions = holds.conditions_of(session, hold_id)
            if hold.status != holds.HELD:
                return self._outcome(session, "already", hold, conditions)
            holds.settle_due(conditions, now, self._ready(session, now))
            if not any(c.status == holds.EXPIRED for c in conditions):
                for condition in conditions:
                    if condition.status != holds.PENDING:
                        continue
                    holds.decide(condition, True, actor, note, now)
                    add_audit(
                        session,
                        actor,
                        "hold_condition_met",
                        hold.customer_id,
                        {
                            "reference": hold.reference,
                            "kind": condition.kind,
                            "released_by_staff": True,
                            "note": note[:500],
                        },
                    )
            result = holds.conclude(session, hold, conditions, actor, now)
            if result in HoldOutcome.ENDINGS:
                self._ended(session, hold, now)
            return self._outcome(session, result, hold, conditions)

    def waiting_holds(self, limit: int = 100) -> list[HeldPaymentView]:
        """Every customer's held payments still waiting, oldest first (for staff)."""
        with self._read() as session:
            query = (
                select(HeldPayment)
                .where(HeldPayment.status == holds.HELD)
                .order_by(HeldPayment.created_at, HeldPayment.id)
                .limit(max(limit, 0))
            )
            return holds.views(session, list(session.execute(query).scalars()))

    def expire_due_holds(self, now: datetime | None = None) -> int:
        """Settle every condition whose deadline has come: a co-sign (or an agent's check) no
        one answered expires its payment, a cooling-off that ended is met (and releases the
        payment if nothing else holds it). Safe to run on several workers at once. Returns
        how many held payments this call ended."""
        now = now or utcnow()
        with self._read() as session:
            due = (
                select(HoldCondition.hold_id)
                .join(HeldPayment, HeldPayment.id == HoldCondition.hold_id)
                .where(
                    HoldCondition.status == holds.PENDING,
                    HoldCondition.deadline <= now,
                    HeldPayment.status == holds.HELD,
                )
                .distinct()
            )
            hold_ids = sorted(session.execute(due).scalars())
        ended = 0
        for hold_id in hold_ids:
            try:
                with self._tx() as session:
                    hold = holds.lock(session, hold_id)
                    if hold is None or hold.status != holds.HELD:
                        continue
                    conditions = holds.conditions_of(session, hold_id)
                    if not holds.settle_due(conditions, now, self._ready(session, now)):
                        continue
                    result = holds.conclude(session, hold, conditions, holds.SYSTEM, now)
                    if result in HoldOutcome.ENDINGS:
                        self._ended(session, hold, now)
                    ended += result in HoldOutcome.ENDINGS
            except Exception:  # one bad hold must not keep the others waiting
                log.exception("could not settle held payment %s", hold_id)
        return ended

    def untold_hold_outcomes(
        self, limit: int = 50, customer_id: int | None = None
    ) -> list[HeldPaymentView]:
        """Held payments that ended and whose customer has not been told, oldest first."""
        with self._read() as session:
            query = select(HeldPayment).where(
                HeldPayment.status != holds.HELD, HeldPayment.outcome_told.is_(False)
            )
            if customer_id is not None:
                query = query.where(HeldPayment.customer_id == customer_id)
            query = query.order_by(HeldPayment.decided_at, HeldPayment.id).limit(max(limit, 0))
            return holds.views(session, list(session.execute(query).scalars()))

    def mark_hold_outcome_told(self, hold_id: int) -> None:
        """The customer has been told how the held payment ended."""
        with self._tx() as session:
            session.execute(
                update(HeldPayment)
                .where(HeldPayment.id == hold_id, HeldPayment.status != holds.HELD)
                .values(outcome_told=True)
            )

    @staticmethod
    def _outcome(
        session: Session, result: str, hold: HeldPayment, conditions: Sequence[HoldCondition]
    ) -> HoldOutcome:
        kind = session.get(Account, hold.account_id).kind
        return HoldOutcome(result=result, hold=holds.view(hold, conditions, kind))

    # ---- cards ------------------------------------------------------------------------

    def list_cards(self, customer_id: int) -> list[CardView]:
        with self._read() as session:
            self._customer(session, customer_id)
            return [
                self._card_view(session, c) for c in card_ops.customer_cards(session, customer_id)
            ]

    def freeze_card(self, customer_id: int, last4: str | None = None) -> CardView:
        return self._card_change(customer_id, last4, "card_frozen", card_ops.freeze)

    def unfreeze_card(self, customer_id: int, last4: str | None = None) -> CardView:
        """Raises ``CardLost`` for a card reported lost."""
        return self._card_change(customer_id, last4, "card_unfrozen", card_ops.unfreeze)

    def report_lost_card(self, customer_id: int, last4: str | None = None) -> CardView:
        """Mark the card lost and return the replacement card (the same one if repeated)."""
        with self._tx() as session:
            self._customer(session, customer_id)
            cards = card_ops.customer_cards(session, customer_id, lock=True)
            card = card_ops.pick_card(cards, last4)
            already = card.status == "lost"
            replacement = card_ops.replace_lost(session, card, cards)
            if not already:
                add_audit(
                    session,
                    f"customer:{customer_id}",
                    "card_reported_lost",
                    customer_id,
                    {"last4": card.last4, "replacement_last4": replacement.last4},
                )
            return self._card_view(session, replacement)

    def _card_change(
        self, customer_id: int, last4: str | None, action: str, change: Callable[[Card], bool]
    ) -> CardView:
        with self._tx() as session:
            self._customer(session, customer_id)
            card = card_ops.pick_card(
                card_ops.customer_cards(session, customer_id, lock=True), last4
            )
            if change(card):
                add_audit(
                    session, f"customer:{customer_id}", action, customer_id, {"last4": card.last4}
                )
            return self._card_view(session, card)

    @staticmethod
    def _card_view(session: Session, card: Card) -> CardView:
        return card_view(card, session.get(Account, card.account_id).kind)

    # ---- audit ------------------------------------------------------------------------

    def record_audit(
        self,
        actor: str,
        action: str,
        customer_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Store an audit event (secret keys such as "pin" are dropped from ``detail``)."""
        with self._tx() as session:
            add_audit(session, actor, action, customer_id, detail)


def _check_amount(amount: Money) -> None:
    if not isinstance(amount, Money):
        raise InvalidAmount("amount must be Money")
    if amount.minor <= 0:
        raise InvalidAmount("amount must be more than zero")
