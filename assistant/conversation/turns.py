"""One user turn on any channel: identity and PIN handling, then the assistant.

Every channel (terminal chat, JSON API, web, SMS, voice) hands its user's words to
:class:`TurnHandler`. The PIN never goes further than here: when the assistant asks for it,
the next message is checked against the customer's PIN hash, and Rasa is told only that this
conversation is verified (by replaying the request that needed the PIN).
"""

from __future__ import annotations

import hmac
import logging
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from assistant.banking.service import BankingService
from assistant.conversation.offers import Offers, Spoken
from assistant.conversation.rasa_client import RasaClient, RasaUnavailable
from assistant.conversation.warnings import WarningOpeners, warning_message
from assistant.conversations import ConversationStore, pin_mask
from assistant.identity import IdentityService
from assistant.money import Money, format_money, money_in_words
from assistant.pin_text import (
    NEW_PIN_LENGTH,
    PIN_LENGTHS,
    is_weak_pin,
    mask_matching,
    mask_pin_shaped,
    single_candidate,
)
from assistant.readbacks import (
    HELPER_GRANT,
    HELPER_INVITE,
    KINDS,
    NEW_PAYEE,
    PAYLOAD_KEY,
    PAYMENT,
    SAFETY_LIMIT,
    USED,
    ReadbackStore,
    ReadbackView,
    is_cancel,
    is_plain_yes,
    payment_key,
)
from assistant.settings import Settings
from assistant.texts import language_of, local_time
from assistant.texts import text as say
from family.links.service import FamilyLinks
from fraud.broadcasts.service import Broadcasts
from nlu.normalize import spoken_digits

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
# A confirmation whose first delivery is still being answered is waited for this long.
OUTCOME_WAIT_SECONDS = 10.0
OUTCOME_POLL_SECONDS = 0.2
OWN_ACCOUNT_PREFIX = "account:"
#: Outcomes of a confirmed read-back that did what was asked (told as done, not as a failure).
DONE = ("sent", "added", "held", "changed")
#: Each bot message says whether a form is still asking (``assistant.rasa_nlg``).
DIALOGUE_KEY = "dialogue"
_KEPT_CONTROLS = {"\t": " ", "\n": " ", "\r": " "}


def clean_text(text: str) -> str:
    """``text`` without control characters, lone surrogates or other unstorable code points.

    PostgreSQL refuses a NUL byte, and a lone surrogate cannot be encoded at all: both are
    dropped (tabs and line breaks become spaces) so every channel answers kindly instead.
    """
    if text.isprintable():
        return text
    kept = []
    for char in text:
        if char in _KEPT_CONTROLS:
            kept.append(_KEPT_CONTROLS[char])
        elif unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)


@dataclass
class Turn:
    """What the channel shows or says back, plus what it needs to know."""

    conversation_id: str
    messages: List[Dict[str, Any]] = field(default_factory=list)
    awaiting_pin: bool = False
    speech_rate: Optional[str] = None
    handoff: bool = False
    end_call: bool = False
    #: The assistant asked to bring the customer's helper into the call (voice):
    #: ``{"link_id": <helper link id>}`` from the custom payload ``conference``.
    conference: Optional[Dict[str, Any]] = None
    #: How the answer is typed, from the custom payload ``keypad``: "digits" (a phone number).
    keypad: Optional[str] = None
    #: What may be kept of the customer's message (any PIN in it masked), for transcripts.
    said: str = ""

    def as_dict(self) -> Dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "messages": self.messages,
            "awaiting_pin": self.awaiting_pin,
            "speech_rate": self.speech_rate,
            "handoff": self.handoff,
            "end_call": self.end_call,
            "conference": self.conference,
            "keypad": self.keypad,
            "said": self.said,
        }


class TurnHandler:
    def __init__(
        self,
        settings: Settings,
        rasa: RasaClient,
        conversations: ConversationStore,
        identity: IdentityService,
        banking: BankingService,
        readbacks: Optional[ReadbackStore] = None,
        security_texts: Optional[Callable[..., None]] = None,
        family: Optional[FamilyLinks] = None,
        broadcasts: Optional[Broadcasts] = None,
    ) -> None:
        self.settings = settings
        self.rasa = rasa
        self.conversations = conversations
        self.identity = identity
        self.banking = banking
        self.readbacks = readbacks or ReadbackStore(
            conversations.session_factory, settings.readback_minutes
        )
        #: ``(customer_id, phone, text_key)``: a security text to the customer's own number.
        self.security_texts = security_texts
        #: The gateway's own questions and news at a pause (helpers to confirm, held payments).
        self.offers = Offers(family, banking, conversations) if family is not None else None
        #: The scam warning a conversation opens with (fraud-operations' broadcasts).
        self.warnings = WarningOpeners(broadcasts, conversations) if broadcasts else None

    def start(self, channel: str, phone: str) -> str:
        return self.conversations.start(channel, phone).id

    def handle(
        self,
        conversation_id: str,
        user_text: str,
        client_message_id: Optional[str] = None,
        address: Optional[str] = None,
    ) -> Turn:
        """Answer one message; a retried ``client_message_id`` gets the first answer again.

        ``address`` is the client's address (JSON API, web) for throttling PIN attempts.
        """
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        if conversation.channel == "voice":
            # The caller is still on the line, so they heard the last answer.
            self.readbacks.mark_told(conversation_id)
        turn: Optional[Turn] = None
        if client_message_id:
            saved = self.conversations.saved_reply(conversation_id, client_message_id)
            if saved is not None:
                return Turn(**saved)
            # The first delivery may have confirmed a payment and then died before answering:
            # the retry answers with what happened to it.
            turn = self._answer_again(conversation, client_message_id)
        if turn is None:
            turn = self._answer(
                conversation, user_text, client_message_id or uuid.uuid4().hex, address
            )
        if client_message_id:
            # A concurrent retry may have stored its answer first: that one is the answer.
            turn = Turn(
                **self.conversations.save_reply(conversation_id, client_message_id, turn.as_dict())
            )
        if conversation.channel != "voice":
            self.readbacks.mark_told(conversation_id)
        return turn

    def acknowledge(self, conversation_id: str) -> None:
        """The channel knows the customer heard the last answer (a call's next webhook)."""
        self.readbacks.mark_told(conversation_id)

    def _answer(
        self, conversation: Any, user_text: str, message_id: str, address: Optional[str] = None
    ) -> Turn:
        turn = Turn(conversation.id)
        cleaned = clean_text(user_text).strip().lstrip("/").strip()
        self.conversations.touch(conversation.id)
        if not cleaned:
            return self._with(turn, self._say(conversation, "empty_message"))
        if len(cleaned) > MAX_MESSAGE_CHARS:
            turn.said = mask_pin_shaped(cleaned[:MAX_MESSAGE_CHARS])
            return self._with(turn, self._say(conversation, "too_long"))

        digits = spoken_digits(cleaned)
        bare_pin = digits if digits and len(digits) in PIN_LENGTHS else None
        verified_id = self._verified(conversation)
        verified = verified_id is not None
        if self.warnings is not None and not conversation.pin_change_step:
            if self.warnings.skipped(
                conversation, verified_id, cleaned, self.customer_language(verified_id)
            ):
                turn.said = cleaned
                if conversation.awaiting_pin:
                    turn.awaiting_pin = True
                    return self._with(turn, self._say(conversation, "warning_skipped_pin"))
                return self._with(turn, self._say(conversation, "warning_skipped"))
            self._open_with_warning(conversation, verified_id, turn)

        if conversation.pin_change_step:
            # Changing the PIN: the new PIN stays here, like the old one.
            turn.said = mask_pin_shaped(cleaned)
            return self._pin_change(conversation, cleaned, digits, turn)
        if conversation.awaiting_pin:
            # One message is one PIN attempt at most: a single PIN-long number in it.
            answer = single_candidate(cleaned)
            if answer:
                turn.said = mask_pin_shaped(cleaned)
                return self._check_pin(conversation, answer, turn, address)
            self.conversations.clear_awaiting_pin(conversation.id)
        elif not verified and bare_pin:
            # A bare PIN nobody asked for yet is a PIN attempt like any other: it counts
            # towards the lockout, so it can't be used to guess PINs without limit.
            turn.said = mask_pin_shaped(cleaned)
            return self._check_pin(conversation, bare_pin, turn, address)

        if verified:
            kept = self._without_pin(conversation, cleaned)
            turn.said = kept
            if kept != cleaned:
                # The customer's PIN typed unasked is not passed on, nor kept.
                return self._with(turn, self._say(conversation, "pin_unprompted"))
            answered = self._answer_offer(conversation, cleaned, turn)
            if answered is not None:
                return answered
            return self._ask_assistant(conversation, cleaned, turn, message_id)
        if conversation.offer:
            self.conversations.end_offer(conversation.id)  # no longer verified: not answered

        # Until the PIN is checked, every PIN-shaped number is kept from the assistant (without
        # comparing: that would tell a guesser the PIN). The words as typed are kept sealed and
        # replayed after verification, with the PIN masked.
        masked = mask_pin_shaped(cleaned)
        turn.said = masked
        return self._ask_assistant(
            conversation, masked, turn, message_id, pending_text=cleaned, address=address
        )

    def _check_pin(
        self, conversation: Any, digits: str, turn: Turn, address: Optional[str] = None
    ) -> Turn:
        # A number we do not know (customer_id None) is checked too: it fails with the same
        # words and work as a wrong PIN, so no answer tells whether the number banks here.
        # Throttled per conversation and per From number (texts and calls) as well.
        from assistant.conversation.pin_answers import refusal_text, wrong_pin_text
        from assistant.identity import pin_sources

        channel = conversation.channel
        result = self.identity.verify_pin(
            conversation.customer_id,
            digits,
            channel,
            conversation_id=conversation.id,
            phone=conversation.phone,
            sources=pin_sources(channel, conversation.phone, address),
        )
        if not result.ok:
            # Still before the PIN: the bank's language and locale, whoever the number is.
            language = self.customer_language(None)
            refused = refusal_text(
                result, channel, lambda at: local_time(at, self.settings), language
            )
            if refused is not None:
                self.conversations.clear_awaiting_pin(conversation.id)
                return self._with(turn, refused)
            if not conversation.awaiting_pin:
                self.conversations.set_awaiting_pin(conversation.id, None)
            turn.awaiting_pin = True
            return self._with(turn, wrong_pin_text(result, channel, language))
        self._mark_verified(conversation, digits)
        pending = self.conversations.clear_awaiting_pin(conversation.id)
        self._with(turn, self._say(conversation, "pin_thanks"))
        if self.warnings is not None and conversation.customer_id is not None:
            self._open_with_warning(conversation, conversation.customer_id, turn)
        if pending:
            conversation = self.conversations.get(conversation.id)
            return self._ask_assistant(conversation, self._without_pin(conversation, pending), turn)
        if not self.readbacks.is_waiting(conversation.id):
            self._at_pause(conversation, conversation.customer_id, turn)
        return turn

    def _verified(self, conversation: Any) -> Optional[int]:
        return self.conversations.verified_customer_id(conversation.id)

    def _mark_verified(self, conversation: Any, pin: Optional[str] = None) -> None:
        self.conversations.mark_verified(
            conversation.id, conversation.customer_id, self._verified_minutes(conversation), pin=pin
        )

    def _verified_minutes(self, conversation: Any) -> int:
        if conversation.channel == "sms":
            return self.settings.verified_minutes_sms
        return self.settings.verified_minutes_default

    def _without_pin(self, conversation: Any, text: str) -> str:
        """``text`` with the PIN verified in this conversation masked, in any spelling.

        Compared with the conversation's keyed hash of that PIN (no argon2 work), and only
        once verified: before that, a match would tell a guesser the PIN. Without the hash
        (verified some other way), every PIN-shaped number is masked.
        """
        mask = self.conversations.pin_mask_of(conversation.id)
        if mask is None:
            return mask_pin_shaped(text)
        return mask_matching(
            text, lambda digits: hmac.compare_digest(pin_mask(conversation.id, digits), mask)
        )

    def _ask_assistant(
        self,
        conversation: Any,
        text: str,
        turn: Turn,
        message_id: Optional[str] = None,
        pending_text: Optional[str] = None,
        address: Optional[str] = None,
    ) -> Turn:
        channel = conversation.channel
        message_id = message_id or uuid.uuid4().hex
        verified_id = self._verified(conversation)
        if verified_id is not None:
            self._tell_outcomes(conversation, verified_id, turn)
        locale = self.customer_locale(verified_id)
        language = language_of(locale, self.settings.locale)
        # The gateway, not the part it protects, records whether this message is the plain
        # yes to the read-back just delivered; anything else closes that read-back.
        confirmed = self.readbacks.answer(conversation.id, is_plain_yes(text, language), message_id)
        try:
            replies = self.rasa.send(
                channel,
                conversation.id,
                text,
                metadata=self._metadata(conversation, locale, language),
            )
        except RasaUnavailable:
            logger.exception("assistant unavailable for conversation %s", conversation.id)
            return self._failed(conversation, turn, confirmed)
        if not any(reply.get("text") for reply in replies):
            # Every turn answers something; silence means a part behind Rasa failed.
            logger.error("assistant gave no answer in conversation %s", conversation.id)
            return self._failed(conversation, turn, confirmed)
        self.readbacks.settle(conversation.id)
        changing = False
        person_offered = False
        for reply in replies:
            custom = reply.get("custom") or {}
            self._record_readback(conversation, verified_id, custom.get(PAYLOAD_KEY))
            if custom.get("pin_request"):
                turn.awaiting_pin = True
            if custom.get("pin_change") and verified_id is not None:
                changing = True
            if custom.get("speech_rate"):
                turn.speech_rate = custom["speech_rate"]
            if custom.get("handoff"):
                turn.handoff = True
            if custom.get("end_call"):
                turn.end_call = True
            if isinstance(custom.get("conference"), dict):
                turn.conference = dict(custom["conference"])
            if isinstance(custom.get("keypad"), str):
                turn.keypad = custom["keypad"]
            if custom.get("offer") == "person":
                person_offered = True
            if reply.get("text"):
                turn.messages.append({"text": reply["text"], "buttons": reply.get("buttons") or []})
        if changing:
            # The assistant asked for the new PIN: the next message is taken here.
            self.conversations.start_pin_change(conversation.id)
            turn.awaiting_pin = True
            return turn
        if person_offered and verified_id is not None and self.offers is not None:
            # A scam warning asked "a person now?": the next plain yes hands over.
            self.offers.offer_person(conversation.id)
        elif verified_id is not None and self._is_pause(conversation, replies, turn):
            self._at_pause(conversation, verified_id, turn)
        if turn.awaiting_pin:
            # No PIN prompt when no PIN could be tried now: the PIN is locked or held (the
            # same for a number we do not know), or this source made too many tries.
            from assistant.conversation.pin_answers import refusal_text
            from assistant.identity import pin_sources

            refusal = self.identity.pin_refusal(
                conversation.customer_id,
                phone=conversation.phone,
                conversation_id=conversation.id,
                sources=pin_sources(channel, conversation.phone, address),
            )
            if refusal is not None:
                turn.awaiting_pin = False
                turn.messages = [m for m in turn.messages if m is not turn.messages[-1]]
                verified = self._verified(conversation)
                locale = self.customer_locale(verified)
                words = refusal_text(
                    refusal,
                    channel,
                    lambda at: local_time(at, self.settings, locale),
                    self.customer_language(verified),
                )
                return self._with(turn, words or "")
            self.conversations.set_awaiting_pin(conversation.id, pending_text or text)
        return turn

    # ---- the scam warning a conversation opens with -----------------------------------------

    def opening_warning(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """The warning a conversation opens with before anything is said (a call's greeting):
        the newest for everyone, the same for every caller, once per conversation. A message
        (``{"text", "buttons", "warning"}``), or None."""
        conversation = self.conversations.get(conversation_id)
        if self.warnings is None or conversation is None:
            return None
        warning = self.warnings.before_pin(conversation)
        if warning is None:
            return None
        words = self._say(conversation, "warning_opener", warning=warning.opener_text)
        return warning_message(words, warning.id)

    def _open_with_warning(self, conversation: Any, customer_id: Optional[int], turn: Turn) -> None:
        """Before the PIN, the warning for everyone (once per conversation); once verified,
        the newest warning the customer has not met (see :mod:`.warnings`)."""
        assert self.warnings is not None
        if customer_id is None:
            warning = self.warnings.before_pin(conversation)
        else:
            warning = self.warnings.after_pin(conversation, customer_id)
        if warning is not None:
            words = self._say(conversation, "warning_opener", warning=warning.opener_text)
            turn.messages.append(warning_message(words, warning.id))

    # ---- the gateway's own words at a pause -------------------------------------------------

    def _is_pause(self, conversation: Any, replies: List[Dict[str, Any]], turn: Turn) -> bool:
        """Whether the assistant's answer leaves the floor free: it asks for no PIN, hands
        nothing over, ends no call, delivered no read-back and leaves none open, and no form
        is asking its question (the dialogue state each message carries; the last one counts)."""
        if turn.awaiting_pin or turn.handoff or turn.end_call or turn.conference is not None:
            return False
        if any(PAYLOAD_KEY in (reply.get("custom") or {}) for reply in replies):
            return False
        for reply in reversed(replies):
            dialogue = reply.get(DIALOGUE_KEY)
            if isinstance(dialogue, dict):
                if dialogue.get("active_loop"):
                    return False
                break
        return not self.readbacks.is_waiting(conversation.id)

    def _at_pause(self, conversation: Any, customer_id: Optional[int], turn: Turn) -> None:
        """How held payments ended (once), then one question not yet asked here."""
        if self.offers is None or customer_id is None:
            return
        if not self.offers.has_news(customer_id):
            return
        locale = self.customer_locale(customer_id)
        spoken = self.offers.at_pause(
            conversation.id,
            customer_id,
            language_of(locale, self.settings.locale),
            locale,
            lambda key, **values: self._say(conversation, key, **values),
        )
        turn.messages.extend(s.as_message() for s in spoken)

    def _answer_offer(self, conversation: Any, text: str, turn: Turn) -> Optional[Turn]:
        """A plain yes or no to the question asked at the last pause: answered here, never
        passed on; then the next pause's words. None when it answers no question."""
        if self.offers is None or not conversation.offer:
            return None
        customer_id = self._verified(conversation)
        spoken: Optional[List[Spoken]] = self.offers.answer(
            conversation.id,
            customer_id,
            text,
            self.customer_language(customer_id),
            lambda key, **values: self._say(conversation, key, **values),
        )
        if spoken is None:
            return None
        turn.messages.extend(s.as_message() for s in spoken)
        if any(s.handoff for s in spoken):
            turn.handoff = True
            return turn
        if not self.readbacks.is_waiting(conversation.id):
            self._at_pause(conversation, customer_id, turn)
        return turn

    def customer_locale(self, customer_id: Optional[int]) -> str:
        """The customer's locale ("en_US"), else the bank's. Pass only a verified customer
        (or one written to on their own number on file): a language picked by a claimed
        number would tell a caller that it banks here."""
        if customer_id is not None:
            locale = self.banking.get_customer(customer_id).locale
            if locale:
                return locale
        return self.settings.locale

    def customer_language(self, customer_id: Optional[int]) -> str:
        """The customer's language ("en"), else the bank's: the catalogue the turn speaks."""
        return language_of(self.customer_locale(customer_id), self.settings.locale)

    def locale(self, conversation_id: str) -> str:
        """The locale conversation ``conversation_id`` is spoken in now: its verified
        customer's, else the bank's (before the PIN, whoever the number belongs to)."""
        return self.customer_locale(self.conversations.verified_customer_id(conversation_id))

    def language(self, conversation_id: str) -> str:
        """The catalogue language conversation ``conversation_id`` is spoken in now (see
        :meth:`locale`): every channel's own words use it too."""
        return language_of(self.locale(conversation_id), self.settings.locale)

    # ---- changing the PIN -----------------------------------------------------------------

    def _pin_change(
        self, conversation: Any, cleaned: str, digits: Optional[str], turn: Turn
    ) -> Turn:
        """The new PIN, then the new PIN again; never passed on, never kept in clear."""
        customer_id = self._verified(conversation)
        if customer_id is None:
            self.conversations.end_pin_change(conversation.id)
            return self._with(turn, self._say(conversation, "pin_change_expired"))
        if digits is None and is_cancel(cleaned, self.customer_language(customer_id)):
            self.conversations.end_pin_change(conversation.id)
            return self._with(turn, self._say(conversation, "pin_change_cancelled"))
        if digits is None or len(digits) != NEW_PIN_LENGTH:
            turn.awaiting_pin = True
            return self._with(turn, self._say(conversation, "pin_change_four_digits"))
        if conversation.pin_change_step == "new":
            if is_weak_pin(digits) or self._is_current_pin(conversation, digits):
                turn.awaiting_pin = True
                return self._with(turn, self._say(conversation, "pin_change_weak"))
            self.conversations.pin_change_first_entry(conversation.id, digits)
            turn.awaiting_pin = True
            return self._with(turn, self._say(conversation, "pin_change_again"))
        matches = self.conversations.pin_change_matches(conversation.id, digits)
        self.conversations.end_pin_change(conversation.id)
        if not matches:
            return self._with(turn, self._say(conversation, "pin_change_mismatch"))
        self.identity.set_pin(customer_id, digits, actor=f"customer:{customer_id}")
        self.conversations.mark_verified(
            conversation.id, customer_id, self._verified_minutes(conversation), pin=digits
        )
        if self.security_texts is not None and conversation.phone:
            # Told on their own number too, in case it was not them.
            self.security_texts(customer_id, conversation.phone, "sms_pin_changed_alert")
        return self._with(turn, self._say(conversation, "pin_change_done"))

    def _is_current_pin(self, conversation: Any, digits: str) -> bool:
        mask = self.conversations.pin_mask_of(conversation.id)
        return mask is not None and hmac.compare_digest(pin_mask(conversation.id, digits), mask)

    # ---- read-backs and what became of them --------------------------------------------

    def _record_readback(self, conversation: Any, customer_id: Optional[int], payload: Any) -> None:
        if not isinstance(payload, dict) or payload.get("kind") not in KINDS:
            return
        details = payload.get("details")
        if customer_id is None or not isinstance(details, dict):
            return
        self.readbacks.record(conversation.id, customer_id, payload["kind"], details)

    def _failed(self, conversation: Any, turn: Turn, confirmed: Optional[str]) -> Turn:
        """A turn the assistant could not finish: a confirmation in it does not carry over.

        If the confirmed payment was made all the same, the customer gets its receipt.
        """
        self.readbacks.settle(conversation.id)
        readback = self.readbacks.get(confirmed) if confirmed else None
        if readback is None:
            return self._with(turn, self._say(conversation, "unavailable"))
        outcome = readback.outcome or self._ledger_outcome(readback)
        if outcome is None:
            return self._with(turn, self._say(conversation, "unavailable_outcome_unknown"))
        if outcome.get("status") not in DONE:
            return self._with(turn, self._say(conversation, "unavailable_not_done"))
        return self._with(turn, self._outcome_words(conversation, readback) or "")

    def _answer_again(self, conversation: Any, message_id: str) -> Optional[Turn]:
        """For a retried message that confirmed a read-back: what happened to it."""
        readback = self.readbacks.answered_by(conversation.id, message_id)
        if readback is None:
            return None
        deadline = time.monotonic() + OUTCOME_WAIT_SECONDS
        while readback.state != USED and readback.outcome is None:
            if time.monotonic() >= deadline:
                # Nobody acted on it (the first delivery died before): it is over now.
                self.readbacks.settle(conversation.id)
                readback = self.readbacks.answered_by(conversation.id, message_id) or readback
                break
            time.sleep(OUTCOME_POLL_SECONDS)
            readback = self.readbacks.answered_by(conversation.id, message_id) or readback
        turn = Turn(conversation.id)
        words = self._outcome_words(conversation, readback)
        return self._with(turn, words or self._say(conversation, "readback_not_done"))

    def _outcome_words(self, conversation: Any, readback: Optional[ReadbackView]) -> Optional[str]:
        """What happened to a confirmed read-back, in words; None if nothing happened."""
        if readback is None:
            return None
        outcome = readback.outcome or self._ledger_outcome(readback)
        if outcome is None:
            return None
        details = readback.details
        status = outcome.get("status")
        if readback.kind == NEW_PAYEE:
            key = "outcome_payee_added" if status == "added" else "outcome_payee_not_added"
            return self._say(conversation, key, name=details.get("name", ""))
        if readback.kind == HELPER_INVITE:
            key = "outcome_helper_invited" if status == "sent" else "outcome_helper_not_invited"
            return self._say(conversation, key, name=details.get("name", ""))
        if readback.kind == HELPER_GRANT:
            key = "outcome_helper_changed" if status == "changed" else "outcome_helper_not_changed"
            return self._say(conversation, key, name=details.get("name", ""))
        if readback.kind == SAFETY_LIMIT:
            key = "outcome_limit_changed" if status == "changed" else "outcome_limit_not_changed"
            return self._say(conversation, key)
        amount = Money(int(details.get("amount_minor", 0)), details.get("currency", "USD"))
        recipient = str(details.get("recipient", ""))
        if recipient.startswith(OWN_ACCOUNT_PREFIX):
            kind = self._say(conversation, f"account_{recipient[len(OWN_ACCOUNT_PREFIX) :]}")
            recipient = self._say(conversation, "own_account", kind=kind)
        verified = self._verified(conversation)
        values = {
            "amount": format_money(amount, self.customer_locale(verified)),
            "amount_words": money_in_words(amount, self.customer_language(verified)),
            "recipient": recipient,
            "reference": outcome.get("reference", ""),
        }
        keys = {"sent": "outcome_payment_sent", "held": "outcome_payment_held"}
        return self._say(conversation, keys.get(status, "outcome_payment_not_sent"), **values)

    def _ledger_outcome(self, readback: ReadbackView) -> Optional[Dict[str, Any]]:
        """The bank's own record of a confirmed payment (by its idempotency key)."""
        if readback.kind != PAYMENT or readback.customer_id is None:
            return None
        reference = readback.details.get("reference")
        if not reference:
            return None
        receipt = self.banking.find_payment(
            readback.customer_id, payment_key(readback.conversation_id, str(reference))
        )
        if receipt is None:
            return {"status": "not_sent"} if readback.state != USED else None
        return {"status": "held" if receipt.held else "sent", "reference": receipt.reference}

    def _tell_outcomes(self, conversation: Any, customer_id: int, turn: Turn) -> None:
        """Outcomes of other conversations the customer may not have heard (a dropped call)."""
        untold = self.readbacks.untold(customer_id)
        for readback in untold:
            words = self._outcome_words(conversation, readback)
            if words:
                self._with(turn, self._say(conversation, "outcome_intro", outcome=words))
        self.readbacks.mark_told_ids([r.id for r in untold])

    def _metadata(self, conversation: Any, locale: str, language: str) -> Dict[str, Any]:
        """What Rasa may use: the verified customer's ``language`` and ``locale`` (the bank's
        before the PIN, so a caller hears the same words whether or not the number banks here),
        and the claimed customer's saved payee names for the NLU's fuzzy matching."""
        metadata: Dict[str, Any] = {"language": language, "locale": locale}
        if conversation.customer_id is None:
            return metadata
        payees = self.banking.list_payees(conversation.customer_id)
        metadata["payees"] = [
            {"name": p.name, "aliases": [p.relationship] if p.relationship else []} for p in payees
        ]
        return metadata

    def _say(self, conversation: Any, key: str, **values: Any) -> str:
        """``key`` worded for the conversation's medium, in its verified customer's language
        (the bank's before the PIN)."""
        language = self.customer_language(self._verified(conversation))
        return say(key, conversation.channel, language, **values)

    @staticmethod
    def _with(turn: Turn, message: str) -> Turn:
        turn.messages.append({"text": message, "buttons": []})
        return turn
