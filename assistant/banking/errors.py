"""Typed banking errors; each has a stable ``code`` for actions and APIs to branch on."""

from __future__ import annotations

from datetime import datetime

from assistant.money import Money


class BankingError(Exception):
    """Base class. ``code`` is stable; the message is for logs, not for customers."""

    code = "banking_error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.code)


class CustomerNotFound(BankingError):
    code = "customer_not_found"


class UnknownAccount(BankingError):
    code = "unknown_account"


class UnknownPayee(BankingError):
    code = "unknown_payee"


class InvalidPayee(BankingError):
    """A payee that cannot be added (missing name, bad account number, duplicate)."""

    code = "invalid_payee"


class InvalidAmount(BankingError):
    """Zero, negative, or in a currency the account does not hold."""

    code = "invalid_amount"


class SameAccount(BankingError):
    code = "same_account"


class InsufficientFunds(BankingError):
    code = "insufficient_funds"


class CardNotFound(BankingError):
    code = "card_not_found"


class CardAmbiguous(BankingError):
    """Several usable cards and no last4 given: ask which one."""

    code = "card_ambiguous"


class CardFrozen(BankingError):
    code = "card_frozen"


class CardLost(BankingError):
    """A card reported lost is permanently blocked; it cannot be unfrozen."""

    code = "card_lost"


class PinLocked(BankingError):
    code = "pin_locked"

    def __init__(self, locked_until: datetime, message: str = "") -> None:
        super().__init__(message or f"PIN locked until {locked_until.isoformat()}")
        self.locked_until = locked_until


class IdempotencyConflict(BankingError):
    """The idempotency key was already used for a different request."""

    code = "idempotency_conflict"


class UnknownHold(BankingError):
    """No such held payment for this customer (or no condition of that kind on it)."""

    code = "unknown_hold"


class HoldEnded(BankingError):
    """A retried request whose held payment ended without moving money (declined, expired or
    cancelled): the key is used up and nothing will be sent."""

    code = "hold_ended"

    def __init__(self, reference: str, status: str) -> None:
        super().__init__(f"held payment {reference} was {status}")
        self.reference = reference
        self.status = status


class DailyLimitReached(BankingError):
    """The payment would pass the customer's own daily limit for the channel it was asked on
    (``limit_name``: daily_limit_sms | daily_limit_voice | daily_limit_web). ``limit`` is the
    most a day (zero: the customer chose no payments that way) and ``spent`` what the day's
    payments that way already took (held ones too). Nothing moved."""

    code = "daily_limit"

    def __init__(self, limit_name: str, limit_minor: int, spent_minor: int, currency: str) -> None:
        super().__init__(f"{limit_name}: {spent_minor} of {limit_minor} spent today")
        self.limit_name = limit_name
        self.limit_minor = limit_minor
        self.spent_minor = spent_minor
        self.currency = currency

    @property
    def limit(self) -> Money:
        return Money(self.limit_minor, self.currency)

    @property
    def left(self) -> Money:
        """What may still be paid that way today."""
        return Money(max(self.limit_minor - self.spent_minor, 0), self.currency)
