"""Customer PINs and staff passwords: argon2 hashes, PIN lockout, audit. Never logs secrets."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assistant.banking.audit import add_audit
from assistant.banking.errors import CustomerNotFound
from assistant.db import read_only
from assistant.models import Customer, StaffUser, utcnow
from assistant.settings import get_settings

log = logging.getLogger(__name__)

# OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane): about 25 ms a check here,
# against 190 ms for argon2-cffi's default, on the path of every PIN turn. A 4-digit PIN's real
# protection is the lockout; the hash keeps PINs unreadable if the database leaks.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when a staff username is unknown, so timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
STAFF_ROLES = ("agent", "admin")


def hash_pin(pin: str) -> str:
    """An argon2id hash of a PIN (or password)."""
    return _hasher.hash(pin)


def check_pin(pin_hash: str | None, pin: str) -> bool:
    """True when ``pin`` matches ``pin_hash``; any malformed input is simply False."""
    if not pin_hash or not isinstance(pin, str):
        return False
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


hash_password = hash_pin
check_password = check_pin


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class PinResult:
    ok: bool
    attempts_left: int
    locked_until: datetime | None = None


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    role: str  # agent | admin


class IdentityService:
    """PIN checks with a lockout shared by every channel (it lives on the customer row)."""

    def __init__(self, session_factory: sessionmaker, max_attempts: int | None = None,
                 lock_minutes: int | None = None) -> None:
        settings = get_settings()
        self._sessions = session_factory
        self._readers = read_only(session_factory)
        self.max_attempts = max_attempts or settings.pin_max_attempts
        self.lock_minutes = lock_minutes or settings.pin_lock_minutes

    def verify_pin(self, customer_id: int, pin: str, channel: str,
                   conversation_id: str | None = None) -> PinResult:
        """Check a PIN attempt; locked customers get ok=False even with the right PIN."""
        now = utcnow()
        context = {"channel": channel, "conversation_id": conversation_id}
        with self._sessions() as session, session.begin():
            customer = session.execute(
                select(Customer).where(Customer.id == customer_id).with_for_update()
            ).scalar_one_or_none()
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            if customer.pin_locked_until is not None:
                if customer.pin_locked_until > now:
                    add_audit(session, "system", "pin_attempt_while_locked", customer_id,
                              {**context, "locked_until": _stamp(customer.pin_locked_until)})
                    log.warning("PIN attempt while locked: customer %s channel %s",
                                customer_id, channel)
                    return PinResult(False, 0, customer.pin_locked_until)
                customer.pin_locked_until = None  # the lock has expired: a fresh start
                customer.pin_failed_count = 0

            if check_pin(customer.pin_hash, pin):
                customer.pin_failed_count = 0
                if _hasher.check_needs_rehash(customer.pin_hash):
                    customer.pin_hash = hash_pin(pin)
                add_audit(session, f"customer:{customer_id}", "pin_verified", customer_id,
                          context)
                log.info("PIN verified: customer %s channel %s", customer_id, channel)
                return PinResult(True, self.max_attempts, None)

            customer.pin_failed_count = (customer.pin_failed_count or 0) + 1
            failures = customer.pin_failed_count
            if failures >= self.max_attempts:
                customer.pin_locked_until = now + timedelta(minutes=self.lock_minutes)
                add_audit(session, "system", "pin_locked", customer_id,
                          {**context, "failures": failures,
                           "locked_until": _stamp(customer.pin_locked_until)})
                log.warning("PIN locked after %s failures: customer %s channel %s until %s",
                            failures, customer_id, channel,
                            _stamp(customer.pin_locked_until))
                return PinResult(False, 0, customer.pin_locked_until)
            add_audit(session, "system", "pin_failed", customer_id,
                      {**context, "failures": failures})
            log.info("PIN failed (%s of %s): customer %s channel %s",
                     failures, self.max_attempts, customer_id, channel)
            return PinResult(False, self.max_attempts - failures, None)

    def matches_pin(self, customer_id: int, pin: str) -> bool:
        """Whether ``pin`` is the customer's PIN, without counting an attempt.

        Only for spotting a PIN typed where it should not be (e.g. to keep it out of the
        assistant); never use it to authenticate.
        """
        with self._readers() as session:
            customer = session.get(Customer, customer_id)
            return customer is not None and check_pin(customer.pin_hash, pin)

    def locked_until(self, customer_id: int) -> datetime | None:
        """When the customer's PIN lock ends, or None if not locked."""
        with self._readers() as session:
            customer = session.get(Customer, customer_id)
            if customer is None or customer.pin_locked_until is None:
                return None
            return customer.pin_locked_until if customer.pin_locked_until > utcnow() else None

    def set_pin(self, customer_id: int, pin: str, actor: str = "system") -> None:
        """Set a new PIN (4 to 6 digits) and clear any lockout."""
        if not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 6):
            raise ValueError("a PIN is 4 to 6 digits")
        with self._sessions() as session, session.begin():
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            customer.pin_hash = hash_pin(pin)
            customer.pin_failed_count = 0
            customer.pin_locked_until = None
            add_audit(session, actor, "pin_changed", customer_id, {})

    # ---- staff ------------------------------------------------------------------------

    def add_staff(self, username: str, password: str, role: str) -> StaffView:
        """Create a staff login; raises ValueError for a bad role or a taken username."""
        if role not in STAFF_ROLES:
            raise ValueError(f"role must be one of {STAFF_ROLES}")
        try:
            with self._sessions() as session, session.begin():
                user = StaffUser(username=username, password_hash=hash_password(password),
                                 role=role)
                session.add(user)
                session.flush()
                add_audit(session, "system", "staff_added", None,
                          {"username": username, "role": role})
                return StaffView(user.id, user.username, user.role)
        except IntegrityError as exc:
            raise ValueError(f"username {username!r} is taken") from exc

    def verify_staff(self, username: str, password: str) -> StaffView | None:
        """The staff user when the password is right, else None (logged, never the password)."""
        with self._sessions() as session:
            user = session.execute(
                select(StaffUser).where(StaffUser.username == username)
            ).scalar_one_or_none()
            if user is None:
                check_password(_DUMMY_HASH, password)
                log.info("staff login failed: unknown username")
                return None
            if not check_password(user.password_hash, password):
                log.info("staff login failed: %s", user.username)
                return None
            return StaffView(user.id, user.username, user.role)
