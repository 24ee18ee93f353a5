"""Twilio SMS webhooks: a text in, one TwiML reply out, shaped for feature phones.

``POST /twilio/sms`` identifies the customer by the sender's number (identification only: the
PIN is asked for by reply, and checked by :class:`TurnHandler`), recognises the keywords
BAL, MINI, HELP, STOP and START (``voice.keywords``), passes free text to the assistant, and
answers with a single message: GSM-7 where possible, at most three segments.

Retries: Twilio re-sends a webhook it got no answer to, with the same ``MessageSid``. The
inbound record's unique sid makes the first delivery the only one that acts; a retry waits for
it to finish and is answered with the same reply, rebuilt from what the first one stored (the
assistant's turn is saved under ``sms:<MessageSid>``, keyword replies are fixed texts). No
message reaches the assistant, moves money or changes an opt-out twice.

STOP opts the number out (``assistant.messaging.opt_outs``) with one confirmation; while opted
out, only START and HELP are answered. When Twilio's Advanced Opt-Out already answered a keyword
(it adds ``OptOutType`` to the webhook), the choice is stored and no second reply is sent.

A scam warning the conversation opens with (``assistant.conversation.warnings``) goes as a text
of its own before the reply, so the reply keeps its one segment (BAL, MINI).

The channel's own words (``assistant/texts/<language>/sms.yml``) are in the language of the
number's conversation: the verified customer's, else the bank's (a number's own language before
the PIN would tell a stranger that it banks here). The keywords themselves (``voice.keywords``)
are the carriers' English ones in every language.

``POST /twilio/sms/status`` records delivery status callbacks (``assistant.messaging.sms_records``),
and on the outbox message sent with that sid (``assistant.messaging.delivery_status``: its
delivery status; error 21610 makes it opted out). A sid nobody sent changes no outbox message
and is answered 200 all the same (Twilio would only retry).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Annotated, Dict, List

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from twilio.twiml.messaging_response import MessagingResponse

from assistant.banking.phones import is_e164, normalize_phone
from assistant.banking.service import BankingService
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversation.warnings import is_warning
from assistant.conversations import ConversationStore
from assistant.gateway.deps import (
    Banking,
    Conversations,
    OptOuts,
    SettingsDep,
    SmsLog,
    Store,
    Turns,
)
from assistant.messaging.delivery_status import record_delivery
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.sms_records import RECEIVED, SmsRecords
from assistant.messaging.sms_text import ShapedSms, segment_info, shape_reply
from assistant.money import format_money
from assistant.settings import Settings
from assistant.texts import language_of
from assistant.texts import text as say
from fraud.cooling_off import CoolingOff
from voice.keywords import ASSISTANT_REQUESTS, Keyword, match_keyword
from voice.keywords import normalize as keyword_form
from voice.security import twilio_params

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/twilio",
    tags=["sms"],
    responses={
        400: {"description": "A field is missing or malformed."},
        403: {"description": "X-Twilio-Signature is missing or wrong."},
    },
)

CHANNEL = "sms"
STATUS_PATH = "/twilio/sms/status"
TWIML_TYPE = "application/xml"
MAX_BODY_CHARS = 1600  # Twilio's own limit for one (concatenated) message
REPLAY_WAIT_SECONDS = 10.0  # a retry waits this long for the first delivery to finish
REPLAY_POLL_SECONDS = 0.05

SID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
DELIVERY_STATUS = re.compile(r"^[a-z_-]{1,24}$")
ERROR_CODE = re.compile(r"^\d{1,16}$")
SHORT_CODE = re.compile(r"^\+?\d{3,15}$")
OUTBOX_ID = re.compile(r"^[1-9]\d{0,9}$")


class Purpose:
    """Why a received text was handled the way it was (stored on its inbound record)."""

    STOP = "stop"
    STOP_AGAIN = "stop_again"  # already opted out: stored again, not confirmed again
    START = "start"
    HELP = "help"
    IGNORED = "ignored"  # opted out: no reply
    EMPTY = "empty"
    BAL = "bal"
    MINI = "mini"
    TEXT = "text"
    CANCEL_PAUSED = "cancel_paused"  # CANCEL while a payment is paused as a possible scam

    ASSISTANT = frozenset({BAL, MINI, TEXT})


@dataclass(frozen=True)
class InboundSms:
    sid: str
    phone: str
    body: str
    twilio_answered: bool  # Twilio's Advanced Opt-Out already replied to a keyword


def parse_inbound(params: Dict[str, str]) -> InboundSms:
    """The webhook's fields, checked; 400 when one is missing or malformed."""
    sid = params.get("MessageSid", "").strip()
    phone = normalize_phone(params.get("From", ""))
    to = normalize_phone(params.get("To", ""))
    body = params.get("Body")
    if not SID.match(sid):
        raise HTTPException(status_code=400, detail="MessageSid is missing or malformed.")
    if not is_e164(phone):
        raise HTTPException(status_code=400, detail="From must be a phone number in E.164 form.")
    if to and not SHORT_CODE.match(to):
        raise HTTPException(status_code=400, detail="To is malformed.")
    if body is None:
        raise HTTPException(status_code=400, detail="Body is missing.")
    if len(body) > MAX_BODY_CHARS:
        raise HTTPException(status_code=400, detail="Body is longer than an SMS can be.")
    return InboundSms(sid, phone, body, twilio_answered=bool(params.get("OptOutType")))


class SmsChannel:
    """Answers received texts: keywords, opt-outs, and the assistant through TurnHandler."""

    def __init__(
        self,
        settings: Settings,
        *,
        turns: TurnHandler,
        banking: BankingService,
        conversations: ConversationStore,
        records: SmsRecords,
        opt_outs: OptOutStore,
        cooling: CoolingOff | None = None,
    ) -> None:
        self.settings = settings
        self.turns = turns
        self.banking = banking
        self.conversations = conversations
        self.records = records
        self.opt_outs = opt_outs
        #: The one-word CANCEL of a payment paused as a possible scam (no PIN: nothing moves).
        self.cooling = cooling

    def answer(self, sms: InboundSms) -> List[ShapedSms]:
        """The texts answering ``sms``, in order (none: send nothing): a scam warning the
        conversation opens with, then the reply, which is the last. A retried sid gets the
        first answer."""
        purpose = self._purpose(sms)
        if not self.records.record_inbound(sms.sid, sms.phone, purpose, segment_info(sms.body)):
            return self._replay(sms)
        try:
            reply = self._act(sms, purpose)
            if reply:
                self.records.record_reply(sms.sid, sms.phone, reply[-1].info)
            self.records.finish_inbound(sms.sid)
        except Exception:
            # Nothing was answered: let Twilio's retry try again from the start.
            self.records.forget_inbound(sms.sid)
            raise
        return reply

    def _purpose(self, sms: InboundSms) -> str:
        found = match_keyword(sms.body)
        if found is not None and not found.exact and self._is_payee_name(sms):
            found = None
        keyword = found.keyword if found else None
        opted_out = self.opt_outs.is_opted_out(sms.phone)
        if keyword is Keyword.STOP:
            return Purpose.STOP_AGAIN if opted_out else Purpose.STOP
        if keyword is Keyword.START:
            return Purpose.START
        if keyword is Keyword.HELP:
            return Purpose.HELP
        if opted_out:
            return Purpose.IGNORED
        if not sms.body.strip():
            return Purpose.EMPTY
        if keyword is Keyword.BAL:
            return Purpose.BAL
        if keyword is Keyword.MINI:
            return Purpose.MINI
        if (
            self.cooling is not None
            and keyword_form(sms.body) in CANCEL_FORMS
            and self.cooling.has_cancellable(sms.phone)
        ):
            return Purpose.CANCEL_PAUSED
        return Purpose.TEXT

    def _is_payee_name(self, sms: InboundSms) -> bool:
        """A near-keyword that is exactly one of the sender's payee names stays free text."""
        customer = self.banking.find_customer_by_phone(sms.phone)
        if customer is None:
            return False
        names = [payee.name for payee in self.banking.list_payees(customer.id)]
        return match_keyword(sms.body, protected=names) is None

    def _act(self, sms: InboundSms, purpose: str) -> List[ShapedSms]:
        if purpose in (Purpose.STOP, Purpose.STOP_AGAIN):
            self.opt_outs.opt_out(sms.phone)
        elif purpose == Purpose.START:
            self.opt_outs.opt_in(sms.phone)
        elif purpose in Purpose.ASSISTANT:
            return self._shape(self._ask_assistant(sms, purpose))
        elif purpose == Purpose.CANCEL_PAUSED:
            return self._cancel_paused(sms)
        return self._fixed_reply(sms, purpose)

    def _cancel_paused(self, sms: InboundSms) -> List[ShapedSms]:
        """CANCEL: every payment of the sender's paused as a possible scam is cancelled."""
        cancelled = self.cooling.cancel_by_text(sms.phone) if self.cooling else []
        language = self._language(sms.phone)
        customer = self.banking.find_customer_by_phone(sms.phone)
        locale = customer.locale if customer is not None else self.settings.locale
        if len(cancelled) == 1:
            hold = cancelled[0]
            words = say(
                "scam_cancelled_sms",
                CHANNEL,
                language,
                amount=format_money(hold.amount, locale),
                payee=hold.counterparty,
            )
        else:
            words = say("scam_cancelled_many_sms", CHANNEL, language, count=len(cancelled))
        return [self._shape_texts([words], language)]

    def _fixed_reply(self, sms: InboundSms, purpose: str) -> List[ShapedSms]:
        """The channel's own words for ``purpose`` (the same on every retry)."""
        key = {
            Purpose.STOP: "sms_stopped",
            Purpose.START: "sms_started",
            Purpose.HELP: "sms_help",
            Purpose.EMPTY: "sms_empty",
            Purpose.CANCEL_PAUSED: "scam_cancelled_again_sms",
        }.get(purpose)
        if key is None or (sms.twilio_answered and purpose != Purpose.EMPTY):
            return []
        language = self._language(sms.phone)
        return [self._shape_texts([say(key, CHANNEL, language)], language)]

    def _language(self, phone: str) -> str:
        """The language of ``phone``'s conversation: its verified customer's, else the bank's."""
        conversation = self.conversations.latest(CHANNEL, phone, self.settings.sms_session_minutes)
        if conversation is None:
            return language_of(self.settings.locale, self.settings.locale)
        return self.turns.language(conversation.id)

    def _ask_assistant(self, sms: InboundSms, purpose: str) -> Turn:
        conversations = self.conversations
        conversation = conversations.latest(CHANNEL, sms.phone, self.settings.sms_session_minutes)
        conversation_id = conversation.id if conversation else self.turns.start(CHANNEL, sms.phone)
        words = {
            Purpose.BAL: ASSISTANT_REQUESTS[Keyword.BAL],
            Purpose.MINI: ASSISTANT_REQUESTS[Keyword.MINI],
        }.get(purpose, sms.body)
        return self.turns.handle(conversation_id, words, client_message_id=_message_id(sms.sid))

    def _replay(self, sms: InboundSms) -> List[ShapedSms]:
        """The first delivery's answer, rebuilt; nothing if it never finished."""
        deadline = time.monotonic() + REPLAY_WAIT_SECONDS
        first = self.records.get(sms.sid)
        while first is not None and first.status != RECEIVED and time.monotonic() < deadline:
            time.sleep(REPLAY_POLL_SECONDS)
            first = self.records.get(sms.sid)
        if first is None or first.status != RECEIVED:
            logger.warning("retried SMS %s: the first delivery did not finish", sms.sid)
            return []
        if self.records.reply_to(sms.sid) is None:
            return []
        if first.purpose not in Purpose.ASSISTANT:
            return self._fixed_reply(sms, first.purpose)
        conversation = self.conversations.latest(
            CHANNEL, sms.phone, self.settings.sms_session_minutes
        )
        saved = (
            self.conversations.saved_reply(conversation.id, _message_id(sms.sid))
            if conversation
            else None
        )
        return self._shape(Turn(**saved)) if saved is not None else []

    def _shape(self, turn: Turn) -> List[ShapedSms]:
        """Each warning as a text of its own, then the rest of the turn as one text."""
        # Buttons are not shown: the sms variations say "Reply YES or NO" instead.
        language = self.turns.language(turn.conversation_id)
        warnings = [m.get("text") or "" for m in turn.messages if is_warning(m)]
        texts = [m.get("text") or "" for m in turn.messages if not is_warning(m)]
        shaped = [self._shape_texts([words], language) for words in warnings if words.strip()]
        if not any(words.strip() for words in texts):
            return shaped
        return [*shaped, self._shape_texts(texts, language)]

    @staticmethod
    def _shape_texts(texts: list[str], language: str) -> ShapedSms:
        return shape_reply(texts, ending=say("sms_cut", CHANNEL, language))


#: The one-word cancel of a paused payment (the notice says "reply CANCEL"), as typed.
CANCEL_FORMS = frozenset({"cancel", "cancel it", "cancel payment", "cancel please"})


def _message_id(sid: str) -> str:
    return f"sms:{sid}"


def sms_channel(
    request: Request,
    settings: SettingsDep,
    turns: Turns,
    banking: Banking,
    conversations: Conversations,
    records: SmsLog,
    opt_outs: OptOuts,
) -> SmsChannel:
    """The SMS channel on this app's services (from :mod:`assistant.gateway.deps`), built once."""
    state = request.app.state
    channel = getattr(state, "sms_channel", None)
    if channel is None or channel.turns is not turns:
        channel = state.sms_channel = SmsChannel(
            settings,
            turns=turns,
            banking=banking,
            conversations=conversations,
            records=records,
            opt_outs=opt_outs,
            cooling=getattr(state, "cooling_off", None),
        )
    return channel


Channel = Annotated[SmsChannel, Depends(sms_channel)]
TwilioParams = Annotated[Dict[str, str], Depends(twilio_params)]


def _twiml(replies: List[ShapedSms], status_url: str) -> Response:
    """TwiML sending ``replies`` in order; the last (the reply proper, recorded as the reply
    to the text received) reports its delivery to ``status_url``."""
    response = MessagingResponse()
    for n, reply in enumerate(replies, start=1):
        if n == len(replies):
            response.message(reply.text, status_callback=status_url)
        else:
            response.message(reply.text)
    return Response(content=str(response), media_type=TWIML_TYPE)


@router.post("/sms", response_class=Response, summary="A text message from a customer")
def incoming_sms(params: TwilioParams, channel: Channel) -> Response:
    """Answer one received text with TwiML: at most one ``<Message>``, or none."""
    sms = parse_inbound(params)
    replies = channel.answer(sms)
    status_url = f"{channel.settings.twilio_base_url}{STATUS_PATH}?reply_to={sms.sid}"
    return _twiml(replies, status_url)


@router.post("/sms/status", response_class=Response, summary="Delivery status of a text")
def sms_status(request: Request, params: TwilioParams, channel: Channel, store: Store) -> Response:
    """Record a delivery status callback on the message with that sid (and on its outbox
    message, named by ``?outbox=<id>`` when the worker sent it)."""
    sid = params.get("MessageSid", "").strip()
    status = params.get("MessageStatus", params.get("SmsStatus", "")).strip().lower()
    error_code = params.get("ErrorCode", "").strip()
    reply_to = request.query_params.get("reply_to")
    segments = params.get("NumSegments", "").strip()
    to = normalize_phone(params.get("To", ""))
    if not SID.match(sid):
        raise HTTPException(status_code=400, detail="MessageSid is missing or malformed.")
    if not DELIVERY_STATUS.match(status):
        raise HTTPException(status_code=400, detail="MessageStatus is missing or malformed.")
    if error_code and not ERROR_CODE.match(error_code):
        raise HTTPException(status_code=400, detail="ErrorCode is malformed.")
    if reply_to is not None and not SID.match(reply_to):
        raise HTTPException(status_code=400, detail="reply_to is malformed.")
    outbox_id = request.query_params.get("outbox")
    if outbox_id is not None and not OUTBOX_ID.match(outbox_id):
        raise HTTPException(status_code=400, detail="outbox is malformed.")
    channel.records.record_status(
        sid,
        status,
        error_code or None,
        reply_to=reply_to,
        phone=to if is_e164(to) else None,
        segments=int(segments) if segments.isdigit() and 0 < int(segments) < 100 else None,
    )
    record_delivery(
        store, sid, status, error_code or None, int(outbox_id) if outbox_id is not None else None
    )
    return _twiml([], "")
