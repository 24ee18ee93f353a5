"""The scam warning a conversation opens with, on every channel, and the web pages' banner.

The gateway app runs on a copy of the demo bank with the real turn handler, conversation store,
identity service and broadcasts; Rasa is faked. Margaret prefers calls and has a helper; Ravi
prefers texts. A warning "for everyone" may open any conversation before the PIN, alike for every
caller; one for a group only after the PIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, List

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from assistant.db import dispose, session_factory, utcnow
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.messaging.models import OutboxMessage
from assistant.messaging.sms_text import segment_info
from assistant.models import Conversation
from assistant.settings import Settings
from assistant.texts import text as say
from fraud.broadcasts.audience import Audience
from fraud.models import BroadcastHeard
from tests.broadcast_support import FRAUDOPS, OPENER_TEXT, draft
from tests.fakes import ASK_PIN_TEXT, BALANCE_TEXT, copy_of_bank
from tests.test_sms_webhooks import PUBLIC_BASE, ScriptedRasa, SmsGateway
from tests.test_voice_webhooks import Phone, VoiceRasa

UNKNOWN = "+15559990000"
MARGARET_PIN, RAVI_PIN = "2468", "1357"
OPENER = say("warning_opener", warning=OPENER_TEXT)
TARGETED_OPENER_TEXT = "In Hill Valley, people are getting fake texts about parcels."
TARGETED = say("warning_opener", warning=TARGETED_OPENER_TEXT)


class Gateway:
    """The app, its broadcasts, and conversations driven through the turn handler."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.sessions = session_factory(settings.bank_database_url)
        self.broadcasts = app.state.broadcasts
        self.turns = app.state.turns
        self.conversations = self.turns.conversations

    def publish(self, **changes: Any) -> int:
        made = self.broadcasts.create(FRAUDOPS, draft(**changes))
        self.broadcasts.publish(FRAUDOPS, made.id)
        return made.id

    def for_hill_valley(self) -> int:
        return self.publish(
            title="Parcel texts",
            opener_text=TARGETED_OPENER_TEXT,
            audience=Audience.of(regions=["Hill Valley"]),
        )

    def chat(self, phone: str, *said: str) -> List[List[str]]:
        conversation = self.turns.start("chat", phone)
        return [[m["text"] for m in self.turns.handle(conversation, s).messages] for s in said]

    def heard(self) -> List[tuple]:
        with self.sessions() as session:
            rows = session.execute(select(BroadcastHeard)).scalars()
            return sorted((r.broadcast_id, r.customer_id, r.how) for r in rows)

    def customer(self, phone: str) -> int:
        return self.app.state.banking.find_customer_by_phone(phone).id

    def push_of(self, broadcast_id: int, phone: str) -> OutboxMessage:
        with self.sessions() as session:
            return session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.batch == f"broadcast:{broadcast_id}",
                    OutboxMessage.to_phone == phone,
                )
            ).scalar_one()


@pytest.fixture
def settings(demo_template: Path, tmp_path: Path) -> Iterator[Settings]:
    url = copy_of_bank(demo_template, tmp_path)
    yield Settings(
        database_url=url,
        home=tmp_path / "home",
        rasa_token="test-token",
        twilio_auth_token="test-twilio-auth-token",
        public_base_url=PUBLIC_BASE,
    )
    dispose(url)


@pytest.fixture
def gateway(settings: Settings) -> Iterator[Gateway]:
    app = create_app(settings)
    app.state.turns.rasa = VoiceRasa(app.state.turns.conversations)
    yield Gateway(app, settings)
    app.state.rasa.close()


# ---- before and after the PIN ----------------------------------------------------------------


def test_a_warning_for_everyone_opens_any_conversation_once_alike_for_every_number(
    gateway: Gateway,
) -> None:
    gateway.publish()
    unknown = gateway.chat(UNKNOWN, "hello", "hello again")
    ravi = gateway.chat(RAVI_PHONE, "hello", "hello again")
    assert unknown == ravi  # nothing tells whether the number banks here
    assert unknown[0] == [OPENER, "You said: hello"]
    assert unknown[1] == ["You said: hello again"]  # once per conversation
    assert gateway.chat(UNKNOWN, "hi")[0][0] == OPENER  # the next conversation, again
    assert gateway.heard() == []  # nobody proved who they are


def test_a_warning_for_a_group_is_never_said_before_the_pin(gateway: Gateway) -> None:
    warning = gateway.for_hill_valley()
    before = gateway.chat(RAVI_PHONE, "hello", "what is my balance")
    assert before == gateway.chat(UNKNOWN, "hello", "what is my balance")
    assert before == [["You said: hello"], [ASK_PIN_TEXT]]
    conversation = gateway.turns.start("chat", RAVI_PHONE)
    gateway.turns.handle(conversation, "what is my balance")
    answered = gateway.turns.handle(conversation, RAVI_PIN)
    # Right after the PIN: the warning, as a message of its own, then the answer.
    assert [m["text"] for m in answered.messages] == [say("pin_thanks"), TARGETED, BALANCE_TEXT]
    assert answered.messages[1]["warning"] == warning
    ravi = gateway.customer(RAVI_PHONE)
    assert gateway.heard() == [(warning, ravi, "opener")]
    # Heard: his text of it, not sent yet, is cancelled; no conversation opens with it again.
    assert gateway.push_of(warning, RAVI_PHONE).status == "cancelled"
    again = gateway.turns.start("chat", RAVI_PHONE)
    gateway.turns.handle(again, "what is my balance")
    assert [m["text"] for m in gateway.turns.handle(again, RAVI_PIN).messages] == [
        say("pin_thanks"),
        BALANCE_TEXT,
    ]


def test_the_warning_said_before_the_pin_counts_as_heard_once_it_is_given(
    gateway: Gateway,
) -> None:
    for_all = gateway.publish()
    for_ravi = gateway.for_hill_valley()
    conversation = gateway.turns.start("chat", RAVI_PHONE)
    asked = gateway.turns.handle(conversation, "what is my balance")
    assert [m["text"] for m in asked.messages] == [OPENER, ASK_PIN_TEXT]
    answered = gateway.turns.handle(conversation, RAVI_PIN)
    assert [m["text"] for m in answered.messages] == [say("pin_thanks"), TARGETED, BALANCE_TEXT]
    ravi = gateway.customer(RAVI_PHONE)
    assert gateway.heard() == [(for_all, ravi, "opener"), (for_ravi, ravi, "opener")]
    assert gateway.push_of(for_all, RAVI_PHONE).status == "cancelled"


def test_skip_right_after_the_warning_skips_it_and_is_recorded(gateway: Gateway) -> None:
    warning = gateway.for_hill_valley()
    conversation = gateway.turns.start("chat", RAVI_PHONE)
    gateway.conversations.mark_verified(conversation, gateway.customer(RAVI_PHONE), 30)
    opened = gateway.turns.handle(conversation, "hello")
    assert [m["text"] for m in opened.messages] == [TARGETED, "You said: hello"]
    skipped = gateway.turns.handle(conversation, "skip")
    assert [m["text"] for m in skipped.messages] == [say("warning_skipped")]
    assert "skip" not in gateway.turns.rasa.texts
    assert gateway.heard() == [(warning, gateway.customer(RAVI_PHONE), "skipped")]
    # Only right after it: later, "skip" is the customer's to say to the assistant.
    assert [m["text"] for m in gateway.turns.handle(conversation, "skip").messages] == [
        "You said: skip"
    ]


def test_skip_while_the_pin_is_asked_for_keeps_asking_for_it(gateway: Gateway) -> None:
    gateway.publish()
    conversation = gateway.turns.start("chat", RAVI_PHONE)
    gateway.turns.handle(conversation, "what is my balance")
    skipped = gateway.turns.handle(conversation, "skip it please")
    assert [m["text"] for m in skipped.messages] == [say("warning_skipped_pin")]
    assert skipped.awaiting_pin
    answered = gateway.turns.handle(conversation, RAVI_PIN)
    assert [m["text"] for m in answered.messages] == [say("pin_thanks"), BALANCE_TEXT]


def test_the_json_api_gets_the_warning_as_a_message_of_its_own_first(
    gateway: Gateway,
) -> None:
    gateway.publish()
    client = TestClient(gateway.app)
    started = client.post("/api/conversations", json={"phone": UNKNOWN}).json()
    answer = client.post(
        f"/api/conversations/{started['conversation_id']}/messages",
        json={"text": "hello", "client_message_id": "m1"},
        headers={"Authorization": f"Bearer {started['conversation_token']}"},
    ).json()
    assert [m["text"] for m in answer["messages"]] == [OPENER, "You said: hello"]


# ---- by text ---------------------------------------------------------------------------------


@pytest.fixture
def sms(settings: Settings) -> Iterator[SmsGateway]:
    app = create_app(settings)
    app.state.turns.rasa = ScriptedRasa(app.state.turns.conversations)
    yield SmsGateway(app, settings)
    app.state.rasa.close()


def test_by_text_the_warning_goes_as_its_own_text_before_a_one_segment_reply(
    sms: SmsGateway,
) -> None:
    broadcasts = sms.app.state.broadcasts
    made = broadcasts.create(FRAUDOPS, draft(audience=Audience.of(regions=["Hill Valley"])))
    broadcasts.publish(FRAUDOPS, made.id)
    assert sms.text("BAL").messages == [ASK_PIN_TEXT]  # a group's warning waits for the PIN
    answered = sms.text(RAVI_PIN)
    warning, reply = answered.messages
    assert warning == OPENER
    assert reply == f"{say('pin_thanks', 'sms')}\n{BALANCE_TEXT}"
    assert segment_info(reply).segments == 1
    import xml.etree.ElementTree as ET

    messages = list(ET.fromstring(answered.body).iter("Message"))  # noqa: S314 - our TwiML
    assert [m.get("statusCallback") is not None for m in messages] == [False, True]
    (recorded,) = [r for r in sms.rows() if r.direction == "out"][-1:]
    assert recorded.segments == 1


def test_by_text_a_warning_for_everyone_is_sent_once_to_a_customers_own_phone(
    sms: SmsGateway,
) -> None:
    broadcasts = sms.app.state.broadcasts
    made = broadcasts.create(FRAUDOPS, draft())
    broadcasts.publish(FRAUDOPS, made.id)
    assert sms.text("BAL").messages == [OPENER, ASK_PIN_TEXT]
    # A reply goes to the number itself: the one on file had it, so it counts as heard.
    with session_factory(sms.settings.bank_database_url)() as session:
        (heard,) = session.execute(select(BroadcastHeard)).scalars()
        assert heard.how == "opener"
    # The next conversation (the first one long idle): the number's customer met it already.
    with session_factory(sms.settings.bank_database_url)() as session, session.begin():
        session.execute(update(Conversation).values(last_seen_at=utcnow() - timedelta(hours=2)))
    later = sms.text("BAL")
    assert later.messages == [ASK_PIN_TEXT]
    assert sms.sms_conversation().offers_made == ("warnings:open",)
    # A number that is nobody's gets it in each conversation (it can meet no record).
    assert sms.text("hello", phone="+15559990001").messages[0] == OPENER


# ---- by phone --------------------------------------------------------------------------------


@pytest.fixture
def client(gateway: Gateway) -> TestClient:
    from tests.test_voice_webhooks import OPEN_TIME
    from voice.hours import OpeningHours

    gateway.app.state.voice_hours = OpeningHours.parse(
        "08:00-20:00", gateway.settings.timezone, gateway.settings.locale, lambda: OPEN_TIME
    )
    return TestClient(gateway.app)


def _says(twiml: Any) -> List[tuple]:
    """(words, rate) of each thing said."""
    return [("".join(p.itertext()), p.get("rate")) for p in twiml.root.iter("prosody")]


def test_a_call_opens_with_a_warning_for_everyone_said_slowly_before_any_question(
    gateway: Gateway, client: TestClient
) -> None:
    gateway.publish()
    margaret = Phone(client, gateway.settings, "CA" + "1" * 32, MARGARET_PHONE)
    opening = margaret.call()
    said = _says(opening)
    spoken = say("warning_opener", "voice", warning=OPENER_TEXT)
    assert said[0] == (say("voice_greeting", "voice"), "90%")
    assert said[1] == (spoken, "80%")  # a step slower than the call
    assert said[2] == (say("voice_opening_prompt", "voice"), "90%")
    stranger = Phone(client, gateway.settings, "CA" + "2" * 32, UNKNOWN).call()
    assert _says(stranger) == said  # every caller hears the same
    assert gateway.turns.rasa.texts == []


def test_a_caller_who_says_skip_skips_the_warning(gateway: Gateway, client: TestClient) -> None:
    gateway.publish()
    margaret = Phone(client, gateway.settings, "CA" + "3" * 32, MARGARET_PHONE)
    margaret.call()
    skipped = margaret.turn("skip")
    assert say("warning_skipped", "voice") in skipped.said
    assert gateway.turns.rasa.texts == []


def test_a_groups_warning_is_said_slowly_right_after_the_pin_by_phone(
    gateway: Gateway, client: TestClient
) -> None:
    warning = gateway.publish(
        opener_text=TARGETED_OPENER_TEXT, audience=Audience.of(has_helper=True)
    )
    margaret = Phone(client, gateway.settings, "CA" + "4" * 32, MARGARET_PHONE)
    opening = margaret.call()
    assert TARGETED_OPENER_TEXT not in opening.said
    asked = margaret.turn("what is my balance")
    assert TARGETED_OPENER_TEXT not in asked.said
    answered = margaret.turn(digits=MARGARET_PIN)
    said = _says(answered)
    spoken = say("warning_opener", "voice", warning=TARGETED_OPENER_TEXT)
    # Her own pace after the PIN is 80%; the warning a step slower.
    assert said[0] == (say("pin_thanks", "voice"), "80%")
    assert said[1] == (spoken, "70%")
    assert said[2] == (BALANCE_TEXT, "80%")
    assert gateway.heard() == [(warning, gateway.customer(MARGARET_PHONE), "opener")]
    assert gateway.push_of(warning, MARGARET_PHONE).status == "cancelled"  # no call now


# ---- the web pages ---------------------------------------------------------------------------


def test_the_web_banner_shows_the_newest_warning_escaped_and_before_sign_in_only_everyones(
    web: Any,
) -> None:
    broadcasts = web.app.state.broadcasts
    for_all = broadcasts.create(
        FRAUDOPS, draft(banner_text="Never move money to a 'safe account'.")
    )
    broadcasts.publish(FRAUDOPS, for_all.id)
    signed_out = web.browser().get("/sign-in").text
    assert "Never move money to a &#39;safe account&#39;." in signed_out
    assert 'class="warning-text"' in signed_out
    nasty = "<script>alert('x')</script> Fake parcel texts in Riverside"
    targeted = broadcasts.create(
        FRAUDOPS, draft(banner_text=nasty, audience=Audience.of(regions=["Riverside"]))
    )
    broadcasts.publish(FRAUDOPS, targeted.id)
    assert "Fake parcel texts" not in web.browser().get("/sign-in").text
    browser = web.browser()
    assert browser.sign_in().status_code == 303  # Margaret, of Riverside
    home = browser.get("/").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Fake parcel texts in Riverside" in home
    assert "<script>alert" not in home
    assert '<span class="visually-hidden">Warning</span>' in home
    broadcasts.cancel(FRAUDOPS, targeted.id)
    assert "safe account" in browser.get("/").text  # the newest still in force


def test_a_page_without_a_warning_in_force_has_no_banner(web: Any) -> None:
    assert "warning-text" not in web.browser().get("/sign-in").text


def test_web_ask_me_shows_the_warning_as_a_message_of_its_own(margaret: Any, web: Any) -> None:
    broadcasts = web.app.state.broadcasts
    made = broadcasts.create(FRAUDOPS, draft(audience=Audience.of(has_helper=True)))
    broadcasts.publish(FRAUDOPS, made.id)
    assert margaret.post("/ask", {"message": "hello"}).status_code == 303
    page = margaret.get("/ask").text
    warning = page.index('class="message message-bank message-warning"')
    assert page.index(OPENER_TEXT) > warning
    assert page.index("You said: hello") > page.index(OPENER_TEXT)
