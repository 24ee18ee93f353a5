"""One user turn on any channel: identity and PIN handling, then the assistant.

Every channel (terminal chat, JSON API, web, SMS, voice) hands its user's words to
:class:`TurnHandler`. The PIN never goes further than here: when the assistant asks for it,
the next message is checked against the customer's PIN hash, and Rasa is told only that this
conversation is verified (by replaying the request that needed the PIN).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from assistant.banking.service import BankingService
from assistant.conversations import ConversationStore
from assistant.gateway.rasa_client import RasaClient, RasaUnavailable
from assistant.identity import IdentityService
from assistant.settings import Settings
from assistant.texts import local_time
from assistant.texts import text as say
from nlu.normalize import spoken_digits

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
PIN_LENGTHS = range(4, 7)
PIN_LIKE = re.compile(r"(?<![\d$.,])\d{4,6}(?![\d,]|\.\d)")


@dataclass
class Turn:
    """What the channel shows or says back, plus what it needs to know."""

    conversation_id: str
    messages: List[Dict[str, Any]] = field(default_factory=list)
    awaiting_pin: bool = False
    speech_rate: Optional[str] = None
    handoff: bool = False
    end_call: bool = False

    def as_dict(self) -> Dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "messages": self.messages,
            "awaiting_pin": self.awaiting_pin,
            "speech_rate": self.speech_rate,
            "handoff": self.handoff,
            "end_call": self.end_call,
        }


class TurnHandler:
    def __init__(
        self,
        settings: Settings,
        rasa: RasaClient,
        conversations: ConversationStore,
        identity: IdentityService,
        banking: BankingService,
    ) -> None:
        self.settings = settings
        self.rasa = rasa
        self.conversations = conversations
        self.identity = identity
        self.banking = banking

    def start(self, channel: str, phone: str) -> str:
        return self.conversations.start(channel, phone).id

    def handle(
        self,
        conversation_id: str,
        user_text: str,
        client_message_id: Optional[str] = None,
    ) -> Turn:
        """Answer one message; a retried ``client_message_id`` gets the first answer again."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        if client_message_id:
            saved = self.conversations.saved_reply(conversation_id, client_message_id)
            if saved is not None:
                return Turn(**saved)
        turn = self._answer(conversation, user_text)
        if client_message_id:
            # A concurrent retry may have stored its answer first: that one is the answer.
            turn = Turn(
                **self.conversations.save_reply(conversation_id, client_message_id, turn.as_dict())
            )
        return turn

    def _answer(self, conversation: Any, user_text: str) -> Turn:
        channel = conversation.channel
        turn = Turn(conversation.id)
        cleaned = user_text.strip().lstrip("/").strip()
        self.conversations.touch(conversation.id)
        if not cleaned:
            return self._with(turn, say("empty_message", channel))
        if len(cleaned) > MAX_MESSAGE_CHARS:
            return self._with(turn, say("too_long", channel))

        digits = spoken_digits(cleaned)
        bare_pin = digits if digits and len(digits) in PIN_LENGTHS else None
        pin_runs = PIN_LIKE.findall(cleaned)
        known = conversation.customer_id is not None
        verified = self._verified(conversation) is not None

        if conversation.awaiting_pin:
            answer = bare_pin or (pin_runs[0] if len(pin_runs) == 1 else None)
            if answer:
                return self._check_pin(conversation, answer, turn)
            self.conversations.clear_awaiting_pin(conversation.id)
        elif known and not verified and bare_pin:
            # A bare PIN nobody asked for yet is a PIN attempt like any other: it counts
            # towards the lockout, so it can't be used to guess PINs without limit.
            return self._check_pin(conversation, bare_pin, turn)
        elif verified and self._is_unprompted_pin(conversation, pin_runs, bare_pin):
            return self._with(turn, say("pin_unprompted", channel))

        if known and not verified and pin_runs:
            # Until the PIN is checked, any PIN-like number is kept from the assistant; the
            # words as typed are replayed after verification, without the PIN.
            return self._ask_assistant(
                conversation,
                PIN_LIKE.sub("****", cleaned),
                turn,
                pending_text=self._without_pin(conversation, cleaned),
            )
        return self._ask_assistant(conversation, cleaned, turn)

    def _check_pin(self, conversation: Any, digits: str, turn: Turn) -> Turn:
        channel = conversation.channel
        result = self.identity.verify_pin(
            conversation.customer_id, digits, channel, conversation_id=conversation.id
        )
        if not result.ok:
            if result.locked_until is not None:
                self.conversations.clear_awaiting_pin(conversation.id)
                until = local_time(result.locked_until, self.settings)
                return self._with(turn, say("pin_locked", channel, until=until))
            if not conversation.awaiting_pin:
                self.conversations.set_awaiting_pin(conversation.id, None)
            turn.awaiting_pin = True
            return self._with(turn, say("pin_wrong", channel, attempts_left=result.attempts_left))
        self._mark_verified(conversation)
        pending = self.conversations.clear_awaiting_pin(conversation.id)
        self._with(turn, say("pin_thanks", channel))
        if pending:
            conversation = self.conversations.get(conversation.id)
            return self._ask_assistant(conversation, self._without_pin(conversation, pending), turn)
        return turn

    def _verified(self, conversation: Any) -> Optional[int]:
        return self.conversations.verified_customer_id(conversation.id)

    def _mark_verified(self, conversation: Any) -> None:
        minutes = (
            self.settings.verified_minutes_sms
            if conversation.channel == "sms"
            else self.settings.verified_minutes_default
        )
        self.conversations.mark_verified(conversation.id, conversation.customer_id, minutes)

    def _is_unprompted_pin(
        self, conversation: Any, pin_runs: List[str], bare_pin: Optional[str]
    ) -> bool:
        """In a verified conversation, the customer's PIN typed unasked is not passed on.

        Only checked once verified: before that, a match would tell a guesser the PIN
        without counting towards the lockout.
        """
        candidates = set(pin_runs) | ({bare_pin} if bare_pin else set())
        return any(
            self.identity.matches_pin(conversation.customer_id, candidate)
            for candidate in candidates
            if len(candidate) in PIN_LENGTHS
        )

    def _without_pin(self, conversation: Any, text: str) -> str:
        """``text`` with the customer's PIN masked.

        Its result is only shown to the assistant once the conversation is verified, so it
        tells a guesser nothing.
        """
        return PIN_LIKE.sub(
            lambda run: (
                "****"
                if self.identity.matches_pin(conversation.customer_id, run.group())
                else run.group()
            ),
            text,
        )

    def _ask_assistant(
        self, conversation: Any, text: str, turn: Turn, pending_text: Optional[str] = None
    ) -> Turn:
        channel = conversation.channel
        try:
            replies = self.rasa.send(
                channel, conversation.id, text, metadata=self._metadata(conversation)
            )
        except RasaUnavailable:
            logger.exception("assistant unavailable for conversation %s", conversation.id)
            return self._with(turn, say("unavailable", channel))
        if not any(reply.get("text") for reply in replies):
            # Every turn answers something; silence means a part behind Rasa failed.
            logger.error("assistant gave no answer in conversation %s", conversation.id)
            return self._with(turn, say("unavailable", channel))
        for reply in replies:
            custom = reply.get("custom") or {}
            if custom.get("pin_request"):
                turn.awaiting_pin = True
            if custom.get("speech_rate"):
                turn.speech_rate = custom["speech_rate"]
            if custom.get("handoff"):
                turn.handoff = True
            if custom.get("end_call"):
                turn.end_call = True
            if reply.get("text"):
                turn.messages.append({"text": reply["text"], "buttons": reply.get("buttons") or []})
        if turn.awaiting_pin:
            locked_until = self.identity.locked_until(conversation.customer_id)
            if locked_until is not None:
                turn.awaiting_pin = False
                turn.messages = [m for m in turn.messages if m is not turn.messages[-1]]
                until = local_time(locked_until, self.settings)
                return self._with(turn, say("pin_locked", channel, until=until))
            self.conversations.set_awaiting_pin(conversation.id, pending_text or text)
        return turn

    def _metadata(self, conversation: Any) -> Dict[str, Any]:
        """What the NLU may use: the claimed customer's saved payee names for fuzzy matching."""
        if conversation.customer_id is None:
            return {}
        payees = self.banking.list_payees(conversation.customer_id)
        return {
            "payees": [
                {"name": p.name, "aliases": [p.relationship] if p.relationship else []}
                for p in payees
            ]
        }

    @staticmethod
    def _with(turn: Turn, message: str) -> Turn:
        turn.messages.append({"text": message, "buttons": []})
        return turn
