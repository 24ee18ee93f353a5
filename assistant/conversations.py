"""Conversation state kept by the gateway: who claims to be talking, PIN verification, replies.

A conversation id is a random URL-safe token used as the Rasa sender id. The phone number only
*identifies* the customer (``customer_id``); ``verified_customer_id`` is set once the PIN was
checked, until ``verified_until``. No PIN is ever stored here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assistant.banking.phones import normalize_phone
from assistant.db import read_only
from assistant.models import Conversation, ConversationReply, Customer, utcnow
from assistant.settings import get_settings
from nlu.normalize import spoken_digits


@dataclass(frozen=True)
class ConversationView:
    id: str
    channel: str
    phone: str | None
    customer_id: int | None  # claimed by phone: identification only
    created_at: datetime
    last_seen_at: datetime
    awaiting_pin: bool
    verified_customer_id: int | None
    verified_until: datetime | None
    pin_change_step: str | None = None
    #: A yes-or-no question the gateway asked at a pause, waiting for its answer.
    offer: str | None = None
    offers_made: tuple[str, ...] = ()


def _view(c: Conversation) -> ConversationView:
    return ConversationView(
        id=c.id,
        channel=c.channel,
        phone=c.phone,
        customer_id=c.customer_id,
        created_at=c.created_at,
        last_seen_at=c.last_seen_at,
        awaiting_pin=bool(c.awaiting_pin),
        verified_customer_id=c.verified_customer_id,
        verified_until=c.verified_until,
        pin_change_step=c.pin_change_step,
        offer=c.offer,
        offers_made=tuple(c.offers_made or ()),
    )


def pin_mask(conversation_id: str, digits: str) -> str:
    """HMAC-SHA256 of ``digits`` for this conversation, under a key kept outside the database."""
    key = get_settings().pin_mask_key().encode()
    return hmac.new(key, f"{conversation_id}:{digits}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _pending_cipher() -> Fernet:
    """Fernet (cryptography) under a key derived from the PIN-mask key."""
    secret = hashlib.sha256(b"pending-text:" + get_settings().pin_mask_key().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(secret))


class ConversationStore:
    """Reads and updates conversations; each call is one short transaction."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)

    @property
    def session_factory(self) -> sessionmaker:
        return self._sessions

    def start(
        self, channel: str, phone: str | None, api_token: str | None = None
    ) -> ConversationView:
        """A new conversation; the customer is looked up (not verified) by phone.

        ``api_token``, for a conversation the JSON API creates, is the secret its client must
        show with every message; only its SHA-256 is kept.
        """
        phone = normalize_phone(phone) if phone else None
        with self._sessions() as session, session.begin():
            customer_id = None
            if phone:
                customer_id = session.execute(
                    select(Customer.id).where(Customer.phone == phone)
                ).scalar_one_or_none()
            now = utcnow()
            conversation = Conversation(
                id=secrets.token_urlsafe(16),
                channel=channel,
                phone=phone,
                customer_id=customer_id,
                created_at=now,
                last_seen_at=now,
                awaiting_pin=False,
                api_token_hash=_token_hash(api_token) if api_token else None,
            )
            session.add(conversation)
            session.flush()
            return _view(conversation)

    def latest(self, channel: str, phone: str, idle_minutes: int) -> ConversationView | None:
        """The number's most recent conversation on ``channel``, unless idle for too long."""
        since = utcnow() - timedelta(minutes=idle_minutes)
        with self._readers() as session:
            conversation = session.execute(
                select(Conversation)
                .where(
                    Conversation.channel == channel,
                    Conversation.phone == normalize_phone(phone),
                    Conversation.last_seen_at >= since,
                )
                .order_by(Conversation.last_seen_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            return _view(conversation) if conversation else None

    def get_for_api(
        self, conversation_id: str, channel: str, token: str
    ) -> ConversationView | None:
        """The conversation, only if the JSON API created it on ``channel`` with ``token``."""
        with self._readers() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.channel != channel:
                return None
            stored = conversation.api_token_hash
            if not stored or not hmac.compare_digest(stored, _token_hash(token)):
                return None
            return _view(conversation)

    def get(self, conversation_id: str) -> ConversationView | None:
        with self._readers() as session:
            conversation = session.get(Conversation, conversation_id)
            return _view(conversation) if conversation else None

    def _update(self, conversation_id: str, **values: Any) -> Conversation:
        with self._sessions() as session, session.begin():
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise KeyError(conversation_id)
            for name, value in values.items():
                setattr(conversation, name, value)
            return conversation

    def touch(self, conversation_id: str) -> None:
        self._update(conversation_id, last_seen_at=utcnow())

    def set_awaiting_pin(self, conversation_id: str, pending_text: str | None) -> None:
        """Wait for a PIN; ``pending_text`` (the request that needed it) is replayed after.

        It may hold the PIN in some spelling, so it is kept encrypted (the key lives outside
        the database) and masked against the PIN once that is checked.
        """
        if pending_text and spoken_digits(pending_text):
            pending_text = None  # nothing but a number (a PIN, perhaps): nothing to replay
        sealed = _pending_cipher().encrypt(pending_text.encode()).decode() if pending_text else None
        self._update(conversation_id, awaiting_pin=True, pending_text=sealed)

    def clear_awaiting_pin(self, conversation_id: str) -> str | None:
        """Stop waiting for a PIN; returns the pending text (once), if any."""
        with self._sessions() as session, session.begin():
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise KeyError(conversation_id)
            sealed = conversation.pending_text
            conversation.awaiting_pin = False
            conversation.pending_text = None
            if not sealed:
                return None
            try:
                return _pending_cipher().decrypt(sealed.encode()).decode()
            except InvalidToken:
                return None  # sealed under another key (the key was changed): dropped

    # ---- changing the PIN ----------------------------------------------------------------

    def start_pin_change(self, conversation_id: str) -> None:
        """The next message is the new PIN (never passed on to the assistant)."""
        self._update(
            conversation_id,
            awaiting_pin=True,
            pending_text=None,
            pin_change_step="new",
            pin_change_mask=None,
        )

    def pin_change_first_entry(self, conversation_id: str, digits: str) -> None:
        """The new PIN was typed once: keep its keyed hash and wait for it again."""
        self._update(
            conversation_id,
            awaiting_pin=True,
            pin_change_step="again",
            pin_change_mask=pin_mask(conversation_id, "new:" + digits),
        )

    def pin_change_matches(self, conversation_id: str, digits: str) -> bool:
        with self._readers() as session:
            conversation = session.get(Conversation, conversation_id)
            stored = conversation.pin_change_mask if conversation else None
        return bool(stored) and hmac.compare_digest(
            stored, pin_mask(conversation_id, "new:" + digits)
        )

    def make_offer(self, conversation_id: str, offer: str) -> None:
        """The gateway asked ``offer`` ("helper_confirm:3"); the next message may answer it.
        It counts as made, so it is not asked again in this conversation."""
        with self._sessions() as session, session.begin():
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise KeyError(conversation_id)
            made = list(conversation.offers_made or [])
            if offer not in made:
                made.append(offer)
            conversation.offer = offer
            conversation.offers_made = made

    def note(self, conversation_id: str, mark: str) -> bool:
        """Remember ``mark`` ("warnings:open") among what was said or done here, without
        asking anything; True only for the call that added it (the row is locked, so of two
        turns at once one adds it)."""
        with self._sessions() as session, session.begin():
            conversation = session.execute(
                select(Conversation).where(Conversation.id == conversation_id).with_for_update()
            ).scalar_one_or_none()
            if conversation is None:
                raise KeyError(conversation_id)
            made = list(conversation.offers_made or [])
            if mark in made:
                return False
            conversation.offers_made = [*made, mark]
            return True

    def end_offer(self, conversation_id: str) -> str | None:
        """The offer waiting for an answer (None if none), no longer waiting."""
        with self._sessions() as session, session.begin():
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.offer is None:
                return None
            offer, conversation.offer = conversation.offer, None
            return offer

    def end_pin_change(self, conversation_id: str) -> None:
        self._update(
            conversation_id, awaiting_pin=False, pin_change_step=None, pin_change_mask=None
        )

    def mark_verified(
        self, conversation_id: str, customer_id: int, minutes: int, pin: str | None = None
    ) -> None:
        """Record that the customer's PIN was checked in this conversation.

        ``pin``, the PIN just checked, is kept only as a keyed hash (see :func:`pin_mask`) so
        later messages can be searched for it without argon2 work; it goes with the
        verification.
        """
        values: dict[str, Any] = {
            "verified_customer_id": customer_id,
            "verified_until": utcnow() + timedelta(minutes=minutes),
        }
        if pin is not None:
            values["pin_mask"] = pin_mask(conversation_id, pin)
        self._update(conversation_id, **values)

    def clear_verified(self, conversation_id: str) -> None:
        self._update(conversation_id, verified_customer_id=None, verified_until=None, pin_mask=None)

    def pin_mask_of(self, conversation_id: str) -> str | None:
        """The keyed hash of the PIN verified in this conversation, while it is verified."""
        with self._readers() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.pin_mask is None:
                return None
            until = conversation.verified_until
            if until is None or until <= utcnow():
                return None
            return conversation.pin_mask

    def verified_customer_id(self, conversation_id: str, now: datetime | None = None) -> int | None:
        """The verified customer, or None if never verified or expired (naive ``now`` is UTC)."""
        conversation = self.get(conversation_id)
        if conversation is None or conversation.verified_customer_id is None:
            return None
        now = now or utcnow()
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        if conversation.verified_until is None or conversation.verified_until <= now:
            return None
        return conversation.verified_customer_id

    def saved_reply(self, conversation_id: str, client_message_id: str) -> dict | None:
        """The response first given to this client message id, if any."""
        with self._readers() as session:
            return session.execute(
                select(ConversationReply.response).where(
                    ConversationReply.conversation_id == conversation_id,
                    ConversationReply.client_message_id == client_message_id,
                )
            ).scalar_one_or_none()

    def save_reply(self, conversation_id: str, client_message_id: str, response: dict) -> dict:
        """Store the response for a client message id; the first one wins and is returned."""
        try:
            with self._sessions() as session, session.begin():
                session.add(
                    ConversationReply(
                        conversation_id=conversation_id,
                        client_message_id=client_message_id,
                        response=response,
                    )
                )
        except IntegrityError:
            saved = self.saved_reply(conversation_id, client_message_id)
            return saved if saved is not None else response
        return response
