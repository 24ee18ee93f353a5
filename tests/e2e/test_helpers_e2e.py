"""Family helpers and held payments through the running stack (issue 9): signed Twilio webhooks
and the JSON chat -> gateway -> Rasa -> actions -> family-helper services and the bank.

Margaret invites a new helper by text (the permissions as one numbered list) and another by
phone (the number typed on the keypad and read back digit by digit, the permissions one by
one): each invitation's text with its code reaches the outbox. A $300 payment waits for Linda
and "which payments are waiting" names it; "remove my helper", "who looked at my account" and,
by phone, "get Linda on the line".
"""

from __future__ import annotations

import re
import time
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own TwiML
from typing import Dict, Iterator, List

import httpx
import pytest
from sqlalchemy import select

from assistant.bank import banking_service
from assistant.db import session_factory
from assistant.messaging.fake_twilio import read_inbox
from assistant.messaging.models import OutboxMessage
from assistant.messaging.transport import account_sid
from assistant.worker.wiring import build_worker
from family.links.service import FamilyLinks
from tests.e2e.chat import Chat
from tests.e2e.test_sms_e2e import fresh_sms_state
from tests.e2e.test_voice_e2e import Call, gather, said
from voice.models import VoiceCall
from voice.security import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.e2e

MARGARET, PIN = "+15550100001", "2468"
CODE = re.compile(r"\b\d{6}\b")


def family(stack) -> FamilyLinks:  # noqa: ANN001
    """The family services as the gateway has them: a text is handed to the stack's worker."""
    sessions = session_factory(stack.settings.bank_database_url)
    return FamilyLinks(
        sessions,
        stack.settings,
        wake=build_worker(stack.settings, sessions).deliver_soon,
        banking=banking_service(sessions, stack.settings),
    )


def texted(stack, phone: str, containing: str = "") -> str:  # noqa: ANN001
    """The newest text the bank sent ``phone`` (with ``containing`` in it), as the phone got
    it from the stack's loopback Twilio once the worker delivered it."""
    settings = stack.settings
    deadline = time.monotonic() + 90
    while True:
        items = read_inbox(
            settings.shared_loopback_twilio,
            account_sid(settings),
            settings.twilio_token(),
            phone,
        )
        bodies = [item["body"] for item in items if containing in item["body"]]
        if bodies:
            return bodies[-1]
        assert time.monotonic() < deadline, f"nothing texted to {phone}"
        time.sleep(0.2)


def margaret_id(stack) -> int:  # noqa: ANN001
    sessions = session_factory(stack.settings.bank_database_url)
    return banking_service(sessions, stack.settings).find_customer_by_phone(MARGARET).id


def outbox(stack, phone: str) -> List[OutboxMessage]:  # noqa: ANN001
    with session_factory(stack.settings.bank_database_url)() as session:
        query = select(OutboxMessage).where(OutboxMessage.to_phone == phone)
        return list(session.execute(query.order_by(OutboxMessage.id)).scalars())


@pytest.fixture(autouse=True)
def only_linda_after(stack) -> Iterator[None]:  # noqa: ANN001
    """Each test leaves Margaret with Linda alone (a customer may have five helpers at most,
    and the other end-to-end tests expect her as the demo has her)."""
    yield
    links, customer = family(stack), margaret_id(stack)
    for invitation in links.list_invitations(customer):
        links.cancel_invitation(customer, invitation.id, "chat")
    for helper in links.list_helpers(customer):
        if helper.name != "Linda Chen":
            links.remove_helper(customer, helper.link_id, "chat")


def sms(stack, http: httpx.Client, body: str, phone: str = MARGARET) -> str:  # noqa: ANN001
    """Text ``body`` from ``phone`` as Twilio would; the bank's reply, whole."""
    params: Dict[str, str] = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": "SM" + uuid.uuid4().hex,
        "From": phone,
        "To": stack.settings.twilio_number,
        "Body": body,
        "NumMedia": "0",
    }
    url = stack.settings.twilio_base_url + "/twilio/sms"
    signature = sign(url, params, stack.settings.twilio_token())
    answer = http.post("/twilio/sms", data=params, headers={SIGNATURE_HEADER: signature})
    assert answer.status_code == 200, answer.text
    root = ET.fromstring(answer.text)  # noqa: S314 - TwiML from our own gateway
    return "\n".join(message.text or "" for message in root.iter("Message"))


def test_by_text_margaret_invites_a_helper_choosing_permissions_from_one_numbered_list(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    son = "+15550100055"
    fresh_sms_state(stack, MARGARET)
    assert "PIN" in sms(stack, gateway, "I want to add my grandson as a helper")
    assert "helper's name" in sms(stack, gateway, PIN)
    assert "Sam's mobile number" in sms(stack, gateway, "Sam")
    read_back = sms(stack, gateway, "555 010 0055")
    assert "(555) 010-0055" in read_back and "YES or NO" in read_back
    listed = sms(stack, gateway, "yes")
    assert "1 See balance" in listed and "5 Join calls" in listed
    assert outbox(stack, son) == []
    invitation = sms(stack, gateway, "1 3")
    assert "Invite Sam on (555) 010-0055 to see your balance and get alerts?" in invitation
    assert outbox(stack, son) == []  # nothing is sent before the plain yes
    done = sms(stack, gateway, "yes")
    assert "Sam was texted a code" in done, done
    body = texted(stack, son)
    assert len(outbox(stack, son)) == 1
    assert "Margaret Chen" in body and CODE.search(body)
    assert CODE.search(body).group(0) not in done
    (invited,) = [i for i in family(stack).list_invitations(margaret_id(stack)) if i.phone == son]
    assert set(invited.permissions) == {"view_balance", "receive_alerts"}


def test_by_phone_margaret_types_the_number_hears_it_back_and_answers_each_permission(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    niece = "+15550100044"
    call = Call(gateway, stack, MARGARET)
    call.start()
    pin = gather(call.answer("I'd like my niece to help me with my banking"))
    assert pin is not None and pin.get("input") == "dtmf"
    assert "name" in said(call.answer(digits=PIN))
    asked = call.answer("Rosie")
    assert "Rosie's mobile number" in said(asked) and "keypad" in said(asked)
    keypad = gather(asked)
    assert keypad.get("input") == "dtmf" and keypad.get("finishOnKey") == "#"
    read_back = said(call.answer(digits="5550100044"))
    assert "I heard five five five, zero one zero, zero zero four four." in read_back
    questions = []
    heard = said(call.answer("yes"))
    for answer in ("yes", "no", "yes", "no", "no"):
        questions.append(heard)
        heard = said(call.answer(answer))
    assert [q.split(" be able to ")[-1].split("?")[0] for q in questions[:2]] == [
        "see your balance",
        "see your recent payments",
    ]
    assert all("Rosie" in q and "press 1 for yes" in q for q in questions)
    assert "I will text Rosie at five five five, zero one zero, zero zero four four" in heard
    assert "see your balance and get alerts about your account" in heard
    assert outbox(stack, niece) == []
    done = said(call.answer("yes"))
    assert "I have texted Rosie a code" in done, done
    body = texted(stack, niece)
    assert len(outbox(stack, niece)) == 1
    assert CODE.search(body) and "Margaret Chen" in body


def test_a_300_dollar_payment_waits_for_linda_and_is_named_among_the_waiting(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    chat = Chat(gateway, MARGARET)
    assert chat.say("send 300 dollars to Tom from checking")["awaiting_pin"]
    read_back = chat.text(PIN)
    assert "Send $300.00 to Tom from checking" in read_back
    held = chat.text("yes")
    assert "waits for Linda Chen to approve it" in held, held
    assert "sent" not in held.lower()
    waiting = chat.text("which payments are waiting")
    assert "$300.00 to Tom" in waiting, waiting
    balance = chat.text("what's my balance")
    assert "waiting in held payments" in balance, balance

    asked = chat.text("cancel the waiting payment of $300 to Tom")
    assert "Cancel the payment of $300.00 to Tom?" in asked, asked
    assert "I cancelled the payment of $300.00 to Tom" in chat.text("yes")
    service = banking_service(session_factory(stack.settings.bank_database_url), stack.settings)
    assert all(h.amount.minor != 30000 for h in service.list_holds(margaret_id(stack)))


def dora_as_helper(stack) -> int:  # noqa: ANN001
    """Dora, invited, accepted and confirmed: a helper of Margaret with only alerts."""
    dora = "+15550100033"
    links, customer = family(stack), margaret_id(stack)
    assert links.invite(customer, "Dora", dora, channel="chat").sent
    (code,) = CODE.findall(texted(stack, dora))
    helper = links.sign_in(dora, code, "203.0.113.5")
    assert helper is not None and helper.accepted is not None
    assert links.confirm_helper(customer, helper.accepted.link_id, True, "chat")
    return helper.helper_id


def test_remove_my_helper_asks_which_one_then_ends_their_access_at_once(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    dora = dora_as_helper(stack)
    customer = margaret_id(stack)
    assert family(stack).link_for(dora, customer) is not None
    chat = Chat(gateway, MARGARET)
    chat.say("remove my helper")
    which = chat.text(PIN)
    assert "Which of your helpers do you mean?" in which and "Dora" in which, which
    asked = chat.text("Dora")
    assert "Remove Dora as your helper?" in asked, asked
    assert "Dora is no longer your helper" in chat.text("yes")
    assert family(stack).link_for(dora, customer) is None  # an open page loses access now
    assert "Linda Chen" in [h.name for h in family(stack).list_helpers(customer)]
    assert texted(stack, "+15550100033", "ended your helper access")


def test_who_looked_at_my_account_names_lindas_views_in_plain_words(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    links, customer = family(stack), margaret_id(stack)
    linda = next(h for h in links.list_helpers(customer) if h.name == "Linda Chen")
    assert links.helper_view_balance(linda.helper_id, customer, "portal") is not None
    chat = Chat(gateway, MARGARET)
    chat.say("who looked at my account")
    answer = chat.text(PIN)
    assert "Linda Chen looked at your balance today at " in answer, answer


def test_by_phone_get_linda_on_the_line_rings_her_into_the_call(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    call = Call(gateway, stack, MARGARET)
    call.start()
    call.answer("get Linda on the line")
    joined = call.answer(digits=PIN)
    heard = said(joined)
    assert (
        "I'm calling Linda Chen now. Please stay on the line. "
        "Press star to come back to me at any time." in heard
    ), heard
    conference = joined.find("Dial/Conference")
    assert conference is not None, ET.tostring(joined)
    with session_factory(stack.settings.bank_database_url)() as session:
        row = session.get(VoiceCall, call.sid)
        assert row.summary["conference"]["helper"]["phone"] == "+15550100003"


def test_a_relative_who_accepted_is_offered_at_a_pause_never_while_a_form_asks(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    """The dialogue state each message carries from Rasa tells the gateway a form is asking."""
    eve = "+15550100022"
    links, customer = family(stack), margaret_id(stack)
    assert links.invite(customer, "Eve", eve, channel="chat").sent
    (code,) = CODE.findall(texted(stack, eve))
    assert links.sign_in(eve, code, "203.0.113.6").accepted is not None
    offer = "Eve has accepted your invitation. Shall Eve be your helper? Say yes or no."

    chat = Chat(gateway, MARGARET)
    chat.say("I'd like to send some money")
    asked = chat.text(PIN)
    assert "Who would you like to send money to?" in asked and offer not in asked, asked
    assert offer not in chat.text("Tom")  # "How much?": still asking
    stopped = chat.text("cancel")
    assert stopped.endswith(offer), stopped  # the form stopped: a pause
    assert "Eve is now your helper" in chat.text("yes")
    assert "Eve" in [h.name for h in links.list_helpers(customer) if h.status == "active"]
