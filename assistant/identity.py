"""Customer PINs and staff passwords: argon2 hashes, PIN lockout, audit. Never logs secrets.

A PIN attempt is refused without any check while its source is throttled
(:mod:`assistant.pin_throttle`: per conversation, From number or web address); otherwise it
counts against the customer's lockout (5 tries, then 15 minutes), and three lockouts within a
day hold the PIN until staff unlock it (:meth:`IdentityService.unlock_pin`). At the first
lockout the customer is told on their own number, through an injected notifier.

A number we do not know gets exactly the same: the same words, one argon2 check against a
dummy hash, the same lockouts (``pin_unknown_subjects``) and throttles, so no answer and no
timing tells whether a number banks here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assistant.banking.audit import add_audit
from assistant.banking.errors import CustomerNotFound
from assistant.db import read_only
from assistant.models import Customer, StaffUser, UnknownPinSubject, utcnow
from assistant.pin_throttle import Limit, PinThrottle, count_event, events_in_window, source_keys
from assistant.settings import Settings, get_settings

log = logging.getLogger(__name__)

# OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane): about 25 ms a check here,
# against 190 ms for argon2-cffi's default, on the path of every PIN turn. A 4-digit PIN's real
# protection is the lockout; the hash keeps PINs unreadable if the database leaks.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when a staff username is unknown, so timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
STAFF_ROLES = ("agent", "fraud", "admin")
# What ``locked_until`` reports for a PIN held until staff unlock it (never shown as a time).
HELD_UNTIL = datetime(9999, 1, 1, tzinfo=timezone.utc)
LOCKOUT_WINDOW = timedelta(hours=24)

# Told the customer's own number at the first lockout: (customer id, phone number on file).
# It must not raise into the PIN turn; whatever it raises is logged (never the message) and
# the turn carries on.
LockoutNotifier = Callable[[int, str], None]


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


def _unknown_subject(phone: str | None, conversation_id: str | None) -> str:
    """Whose lockout an attempt for a number we do not know counts on."""
    if phone:
        return phone[:64]
    return f"conversation:{conversation_id}"[:64]


def _clear_lock(customer: Customer) -> None:
    customer.pin_failed_count = 0
    customer.pin_locked_until = None
    customer.pin_held_since = None
    customer.pin_lockouts = 0
    customer.pin_lockouts_since = None


@dataclass(frozen=True)
class PinResult:
    """The outcome of a PIN attempt (or, from :meth:`IdentityService.pin_refusal`, why the
    next one would be refused): ``locked_until`` a timed lockout; ``held`` locked until staff
    unlock it; ``throttled_until`` the source made too many tries and nothing was checked."""

    ok: bool
    attempts_left: int
    locked_until: datetime | None = None
    held: bool = False
    throttled_until: datetime | None = None
    customer_id: int | None = None  # set when ok

    @property
    def refused(self) -> bool:
        """No PIN can be tried now (locked, held or throttled)."""
        return self.held or self.locked_until is not None or self.throttled_until is not None


def pin_sources(channel: str, phone: str | None = None, address: str | None = None) -> list[str]:
    """Throttle keys of a PIN attempt besides its conversation.

    The From number of a text or call (``phone`` on those channels), the client address of a
    web request; the conversation itself is always one (``conversation_id``).
    """
    sources = []
    if phone and channel in ("sms", "voice"):
        sources.append(f"from:{phone}")
    if address:
        sources.append(f"address:{address}")
    return sources


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    role: str  # agent | fraud | admin

    @property
    def actor(self) -> str:
        """Who the audit log says did it: "staff:<username>"."""
        return f"staff:{self.username}"


# Counter kind of failed staff sign-ins in the shared throttle table (assistant.pin_throttle).
STAFF_SIGN_IN_FAILURES = "staff_failures"


@dataclass(frozen=True)
class StaffSignIn:
    """A staff sign-in: ``staff`` when it worked; ``throttled`` when the username or the client
    address failed too often lately and no password was checked."""

    staff: StaffView | None
    throttled: bool = False


class IdentityService:
    """PIN checks with a lockout shared by every channel (it lives on the customer row)."""

    def __init__(
        self,
        session_factory: sessionmaker,
        max_attempts: int | None = None,
        lock_minutes: int | None = None,
        *,
        settings: Settings | None = None,
        notifier: Optional[LockoutNotifier] = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        settings = settings or get_settings()
        self._settings = settings
        self._sessions = session_factory
        self._readers = read_only(session_factory)
        self.max_attempts = max_attempts or settings.pin_max_attempts
        self.lock_minutes = lock_minutes or settings.pin_lock_minutes
        self.lockouts_before_hold = settings.pin_lockouts_before_hold
        self.throttle = PinThrottle.from_settings(settings)
        self.notifier = notifier
        self._now = clock

    # ---- PIN attempts ---------------------------------------------------------------------

    def verify_pin(
        self,
        customer_id: int | None,
        pin: str,
        channel: str,
        conversation_id: str | None = None,
        *,
        phone: str | None = None,
        sources: Iterable[str] = (),
    ) -> PinResult:
        """Check a PIN attempt; locked customers get ok=False even with the right PIN.

        ``customer_id`` None is a number we do not know (``phone``, or no number at all): the
        attempt fails exactly as a wrong PIN does. ``sources`` (see :func:`pin_sources`) and
        the conversation are throttled: past their limits nothing is checked.
        """
        now = self._now()
        context: dict[str, Any] = {"channel": channel, "conversation_id": conversation_id}
        keys = source_keys(conversation_id, sources)
        if keys:
            with self._sessions() as session, session.begin():
                refusal = self.throttle.refusal(session, keys, now)
                if refusal is None:
                    refusal = self.throttle.note_check(session, keys, now, context)
            if refusal is not None:
                log.info("PIN attempt refused: source throttled (%s)", channel)
                return PinResult(False, 0, throttled_until=refusal.until)

        alert_phone = None
        with self._sessions() as session, session.begin():
            if customer_id is None:
                subject = _unknown_subject(phone, conversation_id)
                state: Any = self._unknown_state(session, subject, now)
                pin_hash = None
                context["subject"] = subject
            else:
                state = session.execute(
                    select(Customer).where(Customer.id == customer_id).with_for_update()
                ).scalar_one_or_none()
                if state is None:
                    raise CustomerNotFound(f"customer {customer_id}")
                pin_hash = state.pin_hash
            result, alert = self._attempt(session, state, customer_id, pin_hash, pin, now, context)
            if not result.ok:
                self.throttle.note_failure(session, keys, now, context)
            if alert and customer_id is not None:
                alert_phone = state.phone
        if alert_phone:
            self._tell_customer(customer_id, alert_phone)  # type: ignore[arg-type]
        return result

    def verify_pin_for_phone(
        self,
        phone: str,
        pin: str,
        channel: str,
        conversation_id: str | None = None,
        *,
        sources: Iterable[str] = (),
    ) -> PinResult:
        """Check a PIN for whoever banks with ``phone`` (E.164); the same for an unknown one."""
        with self._readers() as session:
            customer_id = session.execute(
                select(Customer.id).where(Customer.phone == phone)
            ).scalar_one_or_none()
        return self.verify_pin(
            customer_id, pin, channel, conversation_id, phone=phone, sources=sources
        )

    def pin_refusal(
        self,
        customer_id: int | None,
        *,
        phone: str | None = None,
        conversation_id: str | None = None,
        sources: Iterable[str] = (),
    ) -> PinResult | None:
        """Why a PIN asked for now would be refused (throttled, held, locked), or None.

        Counts nothing: it decides whether asking for the PIN makes sense.
        """
        now = self._now()
        with self._readers() as session:
            refusal = self.throttle.refusal(session, source_keys(conversation_id, sources), now)
            if refusal is not None:
                return PinResult(False, 0, throttled_until=refusal.until)
            if customer_id is None:
                state = session.get(UnknownPinSubject, _unknown_subject(phone, conversation_id))
            else:
                state = session.get(Customer, customer_id)
            if state is None:
                return None
            if state.pin_held_since is not None:
                return PinResult(False, 0, held=True)
            if state.pin_locked_until is not None and state.pin_locked_until > now:
                return PinResult(False, 0, state.pin_locked_until)
            return None

    def _attempt(
        self,
        session: Any,
        state: Any,
        customer_id: int | None,
        pin_hash: str | None,
        pin: str,
        now: datetime,
        context: dict,
    ) -> tuple[PinResult, bool]:
        """One attempt against ``state`` (a customer row, or an unknown number's row).

        Returns the result and whether this was the first lockout of the day (tell them).
        """
        who = f"customer {customer_id}" if customer_id is not None else "an unknown number"
        if state.pin_held_since is not None:
            add_audit(
                session,
                "system",
                "pin_attempt_while_held",
                customer_id,
                {**context, "held_since": _stamp(state.pin_held_since)},
            )
            log.warning("PIN attempt while held for staff: %s channel %s", who, context["channel"])
            return PinResult(False, 0, held=True), False
        if state.pin_locked_until is not None:
            if state.pin_locked_until > now:
                add_audit(
                    session,
                    "system",
                    "pin_attempt_while_locked",
                    customer_id,
                    {**context, "locked_until": _stamp(state.pin_locked_until)},
                )
                log.warning("PIN attempt while locked: %s channel %s", who, context["channel"])
                return PinResult(False, 0, state.pin_locked_until), False
            state.pin_locked_until = None  # the lock has expired: a fresh start
            state.pin_failed_count = 0

        # Always one argon2 check: against the dummy hash when there is no PIN to check.
        matched = check_pin(pin_hash or _DUMMY_HASH, pin) and pin_hash is not None
        if matched:
            state.pin_failed_count = 0
            if _hasher.check_needs_rehash(state.pin_hash):
                state.pin_hash = hash_pin(pin)
            add_audit(session, f"customer:{customer_id}", "pin_verified", customer_id, context)
            log.info("PIN verified: customer %s channel %s", customer_id, context["channel"])
            return PinResult(True, self.max_attempts, None, customer_id=customer_id), False

        state.pin_failed_count = (state.pin_failed_count or 0) + 1
        failures = state.pin_failed_count
        if failures < self.max_attempts:
            add_audit(
                session, "system", "pin_failed", customer_id, {**context, "failures": failures}
            )
            log.info(
                "PIN failed (%s of %s): %s channel %s",
                failures,
                self.max_attempts,
                who,
                context["channel"],
            )
            return PinResult(False, self.max_attempts - failures, None), False

        if state.pin_lockouts_since is None or state.pin_lockouts_since + LOCKOUT_WINDOW <= now:
            state.pin_lockouts, state.pin_lockouts_since = 0, now
        state.pin_lockouts = (state.pin_lockouts or 0) + 1
        first = state.pin_lockouts == 1
        if state.pin_lockouts >= self.lockouts_before_hold:
            state.pin_held_since = now
            state.pin_locked_until = None
            add_audit(
                session,
                "system",
                "pin_held",
                customer_id,
                {**context, "failures": failures, "lockouts": state.pin_lockouts},
            )
            log.warning(
                "PIN held for staff after %s lockouts in a day: %s channel %s",
                state.pin_lockouts,
                who,
                context["channel"],
            )
            return PinResult(False, 0, held=True), first
        state.pin_locked_until = now + timedelta(minutes=self.lock_minutes)
        add_audit(
            session,
            "system",
            "pin_locked",
            customer_id,
            {
                **context,
                "failures": failures,
                "lockouts": state.pin_lockouts,
                "locked_until": _stamp(state.pin_locked_until),
                "customer_told": first and customer_id is not None,
            },
        )
        log.warning(
            "PIN locked after %s failures: %s channel %s until %s",
            failures,
            who,
            context["channel"],
            _stamp(state.pin_locked_until),
        )
        return PinResult(False, 0, state.pin_locked_until), first

    @staticmethod
    def _unknown_state(session: Any, subject: str, now: datetime) -> UnknownPinSubject:
        """The locked row of an unknown number (created at its first attempt)."""
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(
            insert(UnknownPinSubject)
            .values(subject=subject, pin_failed_count=0, pin_lockouts=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        state = session.execute(
            select(UnknownPinSubject)
            .where(UnknownPinSubject.subject == subject)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        state.updated_at = now
        return state

    def _tell_customer(self, customer_id: int, phone: str) -> None:
        """The first lockout of the day, told on the customer's own number; never fails."""
        if self.notifier is None:
            log.warning("PIN lockout of customer %s: no notifier to tell them", customer_id)
            return
        try:
            self.notifier(customer_id, phone)
        except Exception as error:  # noqa: BLE001 - telling must never fail the PIN turn
            log.warning(
                "PIN lockout alert for customer %s not sent: %s", customer_id, type(error).__name__
            )

    def matches_pin(self, customer_id: int, pin: str) -> bool:
        """Whether ``pin`` is the customer's PIN, without counting an attempt.

        Only for spotting a PIN typed where it should not be (e.g. to keep it out of the
        assistant); never use it to authenticate.
        """
        if customer_id is None:
            return False
        with self._readers() as session:
            customer = session.get(Customer, customer_id)
            return customer is not None and check_pin(customer.pin_hash, pin)

    def locked_until(self, customer_id: int | None) -> datetime | None:
        """When the customer's PIN lock ends, or None if not locked.

        :data:`HELD_UNTIL` when the PIN is held until staff unlock it.
        """
        if customer_id is None:
            return None
        with self._readers() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                return None
            if customer.pin_held_since is not None:
                return HELD_UNTIL
            if customer.pin_locked_until is None:
                return None
            return customer.pin_locked_until if customer.pin_locked_until > self._now() else None

    def unlock_pin(self, customer_id: int, staff: StaffView, reason: str = "") -> None:
        """A person clears the customer's PIN lock, held or timed (audited as that person)."""
        if staff.role not in STAFF_ROLES:
            raise PermissionError("only staff can unlock a PIN")
        with self._sessions() as session, session.begin():
            customer = session.execute(
                select(Customer).where(Customer.id == customer_id).with_for_update()
            ).scalar_one_or_none()
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            detail = {
                "staff_id": staff.id,
                "role": staff.role,
                "reason": reason[:200],
                "was_held": customer.pin_held_since is not None,
                "lockouts": customer.pin_lockouts or 0,
            }
            _clear_lock(customer)
            add_audit(session, f"staff:{staff.username}", "pin_unlocked", customer_id, detail)
        log.info("PIN unlocked by staff %s: customer %s", staff.id, customer_id)

    def set_pin(self, customer_id: int, pin: str, actor: str = "system") -> None:
        """Set a new PIN (4 to 6 digits) and clear any lockout."""
        if not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 6):
            raise ValueError("a PIN is 4 to 6 digits")
        with self._sessions() as session, session.begin():
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            customer.pin_hash = hash_pin(pin)
            _clear_lock(customer)
            add_audit(session, actor, "pin_changed", customer_id, {})

    # ---- staff ------------------------------------------------------------------------

    def add_staff(self, username: str, password: str, role: str) -> StaffView:
        """Create a staff login; raises ValueError for a bad role or a taken username."""
        if role not in STAFF_ROLES:
            raise ValueError(f"role must be one of {STAFF_ROLES}")
        try:
            with self._sessions() as session, session.begin():
                user = StaffUser(
                    username=username, password_hash=hash_password(password), role=role
                )
                session.add(user)
                session.flush()
                add_audit(
                    session, "system", "staff_added", None, {"username": username, "role": role}
                )
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

    def staff_member(self, staff_id: int) -> StaffView | None:
        """The staff user as they are now (a console asks on every request), or None."""
        with self._readers() as session:
            user = session.get(StaffUser, staff_id)
            return StaffView(user.id, user.username, user.role) if user is not None else None

    def sign_in_staff(
        self, username: str, password: str, client_address: str, channel: str = "admin"
    ) -> StaffSignIn:
        """A staff sign-in by username and password, throttled and audited.

        A wrong password and an unknown username get the same answer, one argon2 check and the
        same count against the username and the client address; past either limit
        (``staff_sign_in_failures_per_user``, ``..._per_address``) nothing is checked.
        """
        settings = self._settings
        now = self._now()
        username = (username or "").strip()[:64]
        window = timedelta(minutes=settings.staff_sign_in_window_minutes)
        counters = (
            (
                f"staff_user:{username}",
                Limit(STAFF_SIGN_IN_FAILURES, window, settings.staff_sign_in_failures_per_user),
            ),
            (
                f"staff_address:{client_address or 'unknown'}",
                Limit(STAFF_SIGN_IN_FAILURES, window, settings.staff_sign_in_failures_per_address),
            ),
        )
        context = {"channel": channel, "address": client_address}
        with self._sessions() as session, session.begin():
            if any(events_in_window(session, k, limit, now) >= limit.most for k, limit in counters):
                add_audit(session, "system", "staff_sign_in_throttled", None, context)
                log.warning("staff sign-in refused: too many failures (%s)", channel)
                return StaffSignIn(None, throttled=True)
            user = session.execute(
                select(StaffUser).where(StaffUser.username == username)
            ).scalar_one_or_none()
            matched = check_password(user.password_hash if user else _DUMMY_HASH, password)
            if user is None or not matched:
                for key, limit in counters:
                    count_event(session, key, limit, now)
                known = {"username": username} if user is not None else {"username_known": False}
                add_audit(session, "system", "staff_sign_in_failed", None, {**context, **known})
                log.info("staff sign-in failed (%s)", channel)
                return StaffSignIn(None)
            staff = StaffView(user.id, user.username, user.role)
            add_audit(
                session, staff.actor, "staff_signed_in", None, {**context, "role": staff.role}
            )
        log.info("staff sign-in: %s (%s)", staff.username, channel)
        return StaffSignIn(staff)
