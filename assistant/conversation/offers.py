"""What the gateway says itself at a pause in a verified conversation (issue 9 items 2, 3, 5).

At a pause (no read-back open or just delivered, no form asking, no PIN awaited), the customer
hears how their held payments ended, once, and is asked one yes-or-no question not yet asked in
this conversation: a relative who accepted the invitation ("Linda has accepted your invitation.
Shall Linda be your helper?"), else a helper whose six-monthly review is due ("Linda can still
see your balance. Should Linda keep this access?"). The next message answers it only if it is a
plain yes or a plain no; anything else ends the question and goes to the assistant as usual.

Scam intervention (issue 10): a payment paused in a cooling-off is told at a pause ("... is
paused until 3 PM. To stop it, say cancel."), and the word cancel next cancels it; after a scam
warning that offered a person (the response's custom payload ``{"offer": "person"}``), a plain
yes hands over to a person (by phone, the transfer) and a plain no says how to reach one later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from babel.lists import format_list

from assistant.banking.errors import BankingError
from assistant.banking.holds import COOLING_OFF
from assistant.banking.service import BankingService
from assistant.banking.views import HeldPaymentView
from assistant.conversations import ConversationStore
from assistant.money import format_money, money_in_words
from assistant.readbacks import is_cancel, is_plain_no, is_plain_yes
from family.links.permissions import PERMISSIONS
from family.links.service import FamilyLinks

CONFIRM, REVIEW = "helper_confirm", "helper_review"
#: A scam warning offered a person now; a cooling-off payment was told, "cancel" stops it.
PERSON, COOLING = "scam_person", "scam_cancel"
#: How each ending of a held payment is told: with the helper who answered, and without.
HOLD_WORDS = {
    "released": ("hold_released", "hold_released_plain"),
    "declined": ("hold_declined", "hold_declined_plain"),
    "expired": ("hold_expired", "hold_expired"),
    "cancelled": ("hold_cancelled", "hold_cancelled"),
}

Say = Callable[..., str]


@dataclass(frozen=True)
class Spoken:
    """A message of the gateway's own, with its yes and no buttons when it asks."""

    text: str
    buttons: tuple = ()
    #: The answer hands the customer over to a person (by phone, the transfer).
    handoff: bool = False

    def as_message(self) -> dict:
        return {"text": self.text, "buttons": [dict(b) for b in self.buttons]}


class Offers:
    """The gateway's questions and news at a pause; ``say(key, **values)`` words each one for
    the conversation's medium and language."""

    def __init__(
        self, family: FamilyLinks, banking: BankingService, conversations: ConversationStore
    ) -> None:
        self.family = family
        self.banking = banking
        self.conversations = conversations

    # ---- the answer to the question asked at the last pause ------------------------------

    def answer(
        self, conversation_id: str, customer_id: int, said: str, language: str, say: Say
    ) -> Optional[List[Spoken]]:
        """The words for a plain yes or no to the question waiting here (which is no longer
        waiting either way); None when nothing waited or the message is anything else."""
        offer = self.conversations.end_offer(conversation_id)
        if offer is None:
            return None
        kind, _, link = offer.partition(":")
        if not link.isdigit():
            return None
        if kind == COOLING:
            return self._cancel_cooling(customer_id, int(link), said, language, say)
        yes = is_plain_yes(said, language)
        if not yes and not is_plain_no(said, language):
            return None
        if kind == PERSON:
            return [Spoken(say("scam_person_yes" if yes else "scam_person_no"), handoff=yes)]
        name = self._name(customer_id, int(link))
        channel = self._channel(conversation_id)
        if kind == CONFIRM:
            done = self.family.confirm_helper(customer_id, int(link), yes, channel)
            key = "offer_confirmed" if yes else "offer_declined"
        elif kind == REVIEW and yes:
            done = self.family.keep_helper(customer_id, int(link), channel)
            key = "offer_kept"
        elif kind == REVIEW:
            done = self.family.remove_helper(customer_id, int(link), channel)
            key = "offer_removed"
        else:
            return None
        return [Spoken(say(key if done else "offer_settled", helper=name))]

    # ---- at a pause --------------------------------------------------------------------

    def has_news(self, customer_id: int) -> bool:
        """Whether :meth:`at_pause` could have anything to say (cheap queries)."""
        return self.family.has_news(customer_id) or bool(self._cooling(customer_id))

    def offer_person(self, conversation_id: str) -> None:
        """A scam warning offered a person now: a plain yes next hands over."""
        self.conversations.make_offer(conversation_id, f"{PERSON}:1")

    def _cooling(self, customer_id: int) -> List[HeldPaymentView]:
        return [h for h in self.banking.list_holds(customer_id) if COOLING_OFF in h.pending]

    def _cancel_cooling(
        self, customer_id: int, hold_id: int, said: str, language: str, say: Say
    ) -> Optional[List[Spoken]]:
        """The word cancel after a cooling-off payment was told: it is cancelled."""
        if not is_cancel(said, language):
            return None
        try:
            outcome = self.banking.cancel_hold(customer_id, hold_id, f"customer:{customer_id}")
        except BankingError:
            return None
        if outcome.result != "cancelled":
            return None
        locale = self.banking.get_customer(customer_id).locale
        values = _hold_values(outcome.hold, language, locale)
        return [Spoken(say("scam_cooling_off_cancelled", **values))]

    def at_pause(
        self, conversation_id: str, customer_id: int, language: str, locale: str, say: Say
    ) -> List[Spoken]:
        """Held payments' endings not told yet, then one question not asked here yet (a paused
        payment's "say cancel" first)."""
        spoken = [
            Spoken(self._hold_words(hold, language, locale, say))
            for hold in self._untold(customer_id)
        ]
        question = self._cooling_question(conversation_id, customer_id, language, locale, say)
        if question is None:
            question = self._next_question(conversation_id, customer_id, language, locale, say)
        if question is not None:
            spoken.append(question)
        return spoken

    def _untold(self, customer_id: int) -> List[HeldPaymentView]:
        holds = self.banking.untold_hold_outcomes(customer_id=customer_id)
        for hold in holds:
            self.banking.mark_hold_outcome_told(hold.id)
        return holds

    def _hold_words(self, hold: HeldPaymentView, language: str, locale: str, say: Say) -> str:
        named, plain = HOLD_WORDS.get(hold.status, HOLD_WORDS["cancelled"])
        helper = self.family.hold_decider(hold)
        return say(
            named if helper else plain,
            helper=helper,
            recipient=hold.counterparty,
            amount=format_money(hold.amount, locale),
            amount_words=money_in_words(hold.amount, language),
        )

    def _cooling_question(
        self, conversation_id: str, customer_id: int, language: str, locale: str, say: Say
    ) -> Optional[Spoken]:
        """A payment paused in a cooling-off, not told here yet: until when, and "say cancel"."""
        conversation = self.conversations.get(conversation_id)
        asked = set(conversation.offers_made if conversation else ())
        for hold in self._cooling(customer_id):
            offer = f"{COOLING}:{hold.id}"
            if offer not in asked:
                self.conversations.make_offer(conversation_id, offer)
                values = _hold_values(hold, language, locale)
                return Spoken(say("scam_cooling_off_offer", **values))
        return None

    def _next_question(
        self, conversation_id: str, customer_id: int, language: str, locale: str, say: Say
    ) -> Optional[Spoken]:
        conversation = self.conversations.get(conversation_id)
        asked = set(conversation.offers_made if conversation else ())
        buttons = (
            {"title": say("offer_yes_button"), "payload": "yes"},
            {"title": say("offer_no_button"), "payload": "no"},
        )
        for pending in self.family.pending_confirmations(customer_id):
            offer = f"{CONFIRM}:{pending.link_id}"
            if offer not in asked:
                self.conversations.make_offer(conversation_id, offer)
                return Spoken(say("offer_helper_confirm", helper=pending.name), buttons)
        for due in self.family.due_reviews(customer_id):
            offer = f"{REVIEW}:{due.link_id}"
            if offer not in asked:
                self.conversations.make_offer(conversation_id, offer)
                if not due.permissions:
                    return Spoken(say("offer_helper_review_plain", helper=due.name), buttons)
                abilities = _abilities(due.permissions, say, locale)
                words = say("offer_helper_review", helper=due.name, abilities=abilities)
                return Spoken(words, buttons)
        return None

    def _name(self, customer_id: int, link_id: int) -> str:
        for helper in self.family.list_helpers(customer_id):
            if helper.link_id == link_id:
                return helper.name
        return ""

    def _channel(self, conversation_id: str) -> str:
        conversation = self.conversations.get(conversation_id)
        return conversation.channel if conversation else ""


def _abilities(permissions: Any, say: Say, locale: str) -> str:
    """What a helper may do, as one list ("see your balance and get alerts")."""
    chosen = [name for name in PERMISSIONS if name in set(permissions)]
    return format_list([say(f"helper_can_{name}") for name in chosen], "standard", locale)


def _hold_values(hold: HeldPaymentView, language: str, locale: str) -> dict:
    """A held payment for the words: to whom, how much, until when (for the eye and ear)."""
    from assistant.settings import get_settings
    from assistant.texts import when_words

    settings = get_settings()
    values = {
        "recipient": hold.counterparty,
        "amount": format_money(hold.amount, locale),
        "amount_words": money_in_words(hold.amount, language),
        "deadline": "",
        "deadline_words": "",
    }
    if hold.deadline is not None:
        values["deadline"] = when_words(
            hold.deadline, settings, "default", language, locale, deadline=True
        )
        values["deadline_words"] = when_words(
            hold.deadline, settings, "voice", language, locale, deadline=True
        )
    return values
