"""Linda joins Margaret's call: a Twilio conference, Linda rung through the transport, and
Margaret never cut off (issue 9 item 6); and a number typed on the keypad.

The gateway app runs on a private copy of the seeded demo bank with the loopback Twilio fake
behind the outbound transport; only Rasa is faked (``HelperRasa``: "get Linda on the line"
answers with the conference payload, "my daughter's number" asks for keys). Every webhook,
Margaret's and Linda's, is signed as Twilio signs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from assistant.db import dispose, session_factory
from assistant.demo import LINDA_PHONE, MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.messaging.fake_twilio import FakeTwilio, Received
from assistant.messaging.transport import TransportError, TwilioTransport
from assistant.models import AuditEvent, Customer
from assistant.settings import Settings
from assistant.texts import text
from family.links.calls import (
    DECLINED,
    JOINED,
    MISSED,
    CallHelper,
    helper_for_call,
    record_call_outcome,
)
from family.links.models import Helper, HelperLink
from family.links.permissions import JOIN_CALLS, normalise
from tests.fakes import BALANCE_TEXT, SentMessage, copy_of_bank
from tests.test_voice_webhooks import MARGARET_PIN, OPEN_TIME, Phone, Twiml, VoiceApp, VoiceRasa
from voice.conference import BACK_PATH, HELPER_PATH, HELPER_STATUS_PATH, WAIT_PATH
from voice.hours import OpeningHours

PUBLIC = "https://bank.example"
ACCOUNT = "AC" + "5" * 32
TOKEN = "conference-test-token"
BANK = "+15550100000"
CALLING = (
    "I'm calling Linda now. Please stay on the line. Press star to come back to me at any time."
)
ASK_NUMBER = "What is your daughter's mobile number? Type it on your keypad, then press hash."
ROOM = re.compile(r"^kb-[0-9a-f]{32}$")


class HelperRasa(VoiceRasa):
    """``VoiceRasa`` plus the two payloads of the contract: ``conference`` and ``keypad``."""

    link_id: Any = None

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        lower = text.lower()
        if "on the line" in lower:
            self.calls.append(SentMessage(channel, sender_id, text, dict(metadata or {})))
            return [{"text": CALLING, "custom": {"conference": {"link_id": self.link_id}}}]
        if "number" in lower:
            self.calls.append(SentMessage(channel, sender_id, text, dict(metadata or {})))
            return [{"text": ASK_NUMBER, "custom": {"keypad": "digits"}}]
        return super().send(channel, sender_id, text, metadata)


@dataclass
class ConferenceApp(VoiceApp):
    fake: Optional[FakeTwilio] = None

    def webhook(self, url: str, params: Dict[str, str], signed: bool = True) -> Any:
        """POST a webhook Twilio would send to ``url`` (absolute or a path), signed."""
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        phone = Phone(self.client, self.settings, params.get("CallSid", ""), "")
        return phone.post(path, params, signature=None if signed else "")

    def twiml(self, url: str, params: Dict[str, str]) -> Twiml:
        phone = Phone(self.client, self.settings, params.get("CallSid", ""), "")
        parts = urlsplit(url)
        return phone.twiml(parts.path + ("?" + parts.query if parts.query else ""), params)

    def audit(self, action: Optional[str] = None) -> List[AuditEvent]:
        with self.sessions() as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action is not None:
                query = query.where(AuditEvent.action == action)
            return list(session.execute(query).scalars())


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT, TOKEN) as server:
        yield server


@pytest.fixture
def app(demo_template: Path, tmp_path: Path, fake: FakeTwilio) -> Iterator[ConferenceApp]:
    url = copy_of_bank(demo_template, tmp_path)
    settings = Settings(
        database_url=url,
        home=tmp_path / "home",
        rasa_token="test-token",
        public_base_url=PUBLIC,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_number=BANK,
        twilio_api_base=fake.base_url,
    )
    gateway = create_app(settings)
    rasa = HelperRasa(gateway.state.turns.conversations)
    gateway.state.turns.rasa = rasa
    gateway.state.voice_hours = OpeningHours.parse(
        "08:00-20:00", settings.timezone, settings.locale, lambda: OPEN_TIME
    )
    sessions = session_factory(url)
    rasa.link_id = linda_link(sessions)
    yield ConferenceApp(TestClient(gateway), settings, rasa, sessions, gateway, fake=fake)
    gateway.state.rasa.close()
    dispose(url)


def linda_link(sessions: sessionmaker) -> int:
    with sessions() as session:
        return session.execute(
            select(HelperLink.id)
            .join(Helper, Helper.id == HelperLink.helper_id)
            .where(Helper.phone == LINDA_PHONE)
        ).scalar_one()


def verified(app: ConferenceApp, number: str = MARGARET_PHONE, pin: str = MARGARET_PIN) -> Phone:
    phone = app.phone(number)
    phone.call()
    phone.turn("what's my balance")
    phone.turn(digits=pin)
    return phone


def conference_call(app: ConferenceApp) -> Tuple[Phone, Twiml, Received]:
    """Margaret, verified, asks for Linda: (her call, the conference TwiML, Linda's call)."""
    phone = verified(app)
    twiml = phone.turn("get Linda on the line")
    (linda,) = app.fake.calls
    return phone, twiml, linda


def linda_params(linda: Received, **more: str) -> Dict[str, str]:
    return {
        "CallSid": linda.sid,
        "AccountSid": ACCOUNT,
        "From": BANK,
        "To": LINDA_PHONE,
        "Direction": "outbound-api",
        **more,
    }


def linda_answers(app: ConferenceApp, linda: Received) -> Twiml:
    """Linda picks up: Twilio fetches her call's TwiML."""
    return app.twiml(linda.params["Url"], linda_params(linda, CallStatus="in-progress"))


def linda_presses(app: ConferenceApp, linda: Received, greeting: Twiml, digits: str) -> Twiml:
    action = greeting.gather.get("action")
    params = linda_params(linda, CallStatus="in-progress")
    if digits:
        params["Digits"] = digits
    return app.twiml(action, params)


def linda_status(app: ConferenceApp, linda: Received, status: str) -> int:
    url, params = app.fake.status_params(linda.sid, status)
    return app.webhook(url, params).status_code


def margaret_back(app: ConferenceApp, phone: Phone, url: str = BACK_PATH) -> Twiml:
    """Margaret's call reaches the way back (her <Dial action>, or moved there by us)."""
    return app.twiml(url, {"CallSid": phone.call_sid, "From": MARGARET_PHONE})


def moved_back(app: ConferenceApp, phone: Phone) -> str:
    """The one update of Margaret's call through the transport: its new TwiML URL."""
    (moved,) = app.fake.updates(phone.call_sid)
    assert moved.params.get("Method") == "POST"
    return moved.params["Url"]


def assert_listening_again(app: ConferenceApp, phone: Phone, twiml: Twiml) -> None:
    """Back with the assistant, not cut off: it listens, and the next answer is a turn."""
    gather = twiml.gather
    assert gather is not None and gather.get("input") == "speech dtmf"
    assert gather.get("action") == f"/twilio/voice/turn?n={phone.n + 1}"
    assert twiml.find("Hangup") is None and twiml.find("Dial") is None
    assert phone.turn("what's my balance").said == BALANCE_TEXT


def said(key: str, **values: str) -> str:
    return text(key, "voice", "en", **values)


# ---- the customer's call moves into a conference -----------------------------------------------


def test_asking_for_linda_puts_the_call_into_a_conference_with_star_to_come_back(
    app: ConferenceApp,
) -> None:
    phone, twiml, _ = conference_call(app)
    assert CALLING in twiml.said
    dial = twiml.find("Dial")
    assert dial is not None and twiml.gather is None
    assert dial.get("action") == BACK_PATH
    assert dial.get("hangupOnStar") == "true"
    conference = dial.find("Conference")
    assert conference is not None
    assert conference.get("endConferenceOnExit") == "true"
    assert ROOM.match(conference.text or "")
    # Our own hold words, never Twilio's default music from the internet.
    assert conference.get("waitUrl") == f"{WAIT_PATH}?call={phone.call_sid}"
    assert "http" not in twiml.body.replace(PUBLIC, "")
    assert twiml.root.find(".//Play") is None


def test_every_conference_has_its_own_room(app: ConferenceApp) -> None:
    _, first, _ = conference_call(app)
    app.fake.clear()
    _, second, _ = conference_call(app)
    rooms = {t.find("Dial/Conference").text for t in (first, second)}
    assert len(rooms) == 2


def test_linda_is_dialled_through_the_transport_with_our_signed_twiml(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    assert linda.to == LINDA_PHONE
    assert linda.params["From"] == BANK
    assert linda.account_sid == ACCOUNT
    assert linda.params["Url"] == f"{PUBLIC}{HELPER_PATH}?call={phone.call_sid}"
    assert linda.status_callback == f"{PUBLIC}{HELPER_STATUS_PATH}?call={phone.call_sid}"


def test_the_hold_words_name_linda_slowly_and_loop(app: ConferenceApp) -> None:
    phone, twiml, _ = conference_call(app)
    wait_url = twiml.find("Dial/Conference").get("waitUrl")
    hold = app.twiml(wait_url, {"CallSid": phone.call_sid})
    assert hold.said == said("voice_conference_hold", name="Linda Chen")
    assert hold.rates == ["80%"]  # Margaret's own slow pace
    assert hold.find("Pause") is not None
    assert {child.tag for child in hold.root} <= {"Say", "Pause", "Redirect"}
    again = app.twiml(hold.find("Redirect").text, {"CallSid": phone.call_sid})
    assert again.said == said("voice_conference_hold_again", name="Linda Chen")


# ---- Linda's side ------------------------------------------------------------------------------


def test_linda_hears_who_asks_slowly_and_can_join_or_decline(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    greeting = linda_answers(app, linda)
    assert "Margaret Chen has asked you to join a call with Kindly Bank" in greeting.said
    assert said("voice_helper_choice") in greeting.said
    assert "PIN" in greeting.said  # ...that we will never ask for one
    gather = greeting.gather
    assert gather is not None
    assert (gather.get("input"), gather.get("numDigits")) == ("dtmf", "1")
    assert gather.get("action") == f"/twilio/voice/helper/answer?call={phone.call_sid}"
    assert set(greeting.rates) == {app.settings.voice_rate_slow}
    assert {say.get("voice") for say in greeting.root.iter("Say")} == {app.settings.voice_name}


def test_linda_presses_1_and_joins_the_same_room_and_it_is_audited(app: ConferenceApp) -> None:
    phone, twiml, linda = conference_call(app)
    joined = linda_presses(app, linda, linda_answers(app, linda), "1")
    conference = joined.find("Dial/Conference")
    assert conference is not None
    assert conference.text == twiml.find("Dial/Conference").text
    assert conference.get("endConferenceOnExit") == "true"
    assert conference.get("startConferenceOnEnter") == "true"
    assert joined.find("Hangup") is not None  # after the conference: goodbye
    (row,) = app.audit("helper_joined_call")
    helper_id = linda_helper_id(app)
    assert row.actor == f"helper:{helper_id}"
    assert row.customer_id == margaret_customer_id(app)
    assert row.detail == {
        "channel": "voice",
        "link_id": app.rasa.link_id,
        "call_sid": phone.call_sid,
    }
    assert not app.fake.updates(phone.call_sid)  # Margaret stays in the conference


def test_an_unknown_key_repeats_lindas_choice(app: ConferenceApp) -> None:
    _, _, linda = conference_call(app)
    again = linda_presses(app, linda, linda_answers(app, linda), "5")
    assert said("voice_helper_unknown_key") in again.said
    assert again.gather is not None and not app.audit("helper_joined_call")


@pytest.mark.parametrize("digits", ["2", ""], ids=["presses 2", "presses nothing"])
def test_linda_declines_and_margaret_is_brought_back_kindly(
    app: ConferenceApp, digits: str
) -> None:
    phone, _, linda = conference_call(app)
    goodbye = linda_presses(app, linda, linda_answers(app, linda), digits)
    assert goodbye.said == said("voice_helper_declined", customer="Margaret Chen")
    assert goodbye.find("Hangup") is not None and goodbye.find("Dial") is None

    url = moved_back(app, phone)
    assert url == PUBLIC + BACK_PATH
    back = margaret_back(app, phone, url)
    assert back.said == said("voice_conference_declined", name="Linda Chen")
    assert_listening_again(app, phone, back)
    (row,) = app.audit("helper_call_declined")
    assert row.actor == f"helper:{linda_helper_id(app)}"
    assert not app.audit("helper_joined_call") and not app.audit("helper_call_missed")


def test_if_the_call_cannot_be_moved_back_the_hold_words_say_press_star(
    app: ConferenceApp,
) -> None:
    phone, twiml, linda = conference_call(app)
    app.fake.stop()  # Twilio unreachable: Margaret's call cannot be moved out
    linda_presses(app, linda, linda_answers(app, linda), "2")
    hold = app.twiml(twiml.find("Dial/Conference").get("waitUrl"), {"CallSid": phone.call_sid})
    assert hold.said == said("voice_conference_hold_over", name="Linda Chen")
    back = margaret_back(app, phone)  # she presses *
    assert back.said == said("voice_conference_declined", name="Linda Chen")


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_linda_not_answering_brings_margaret_back_kindly(app: ConferenceApp, status: str) -> None:
    phone, _, linda = conference_call(app)
    assert linda_status(app, linda, status) == 204
    back = margaret_back(app, phone, moved_back(app, phone))
    assert back.said == said("voice_conference_missed", name="Linda Chen")
    assert_listening_again(app, phone, back)
    (row,) = app.audit("helper_call_missed")
    assert row.detail["reason"] == status


def test_linda_hanging_up_before_choosing_is_a_decline(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    linda_answers(app, linda)
    assert linda_status(app, linda, "completed") == 204
    back = margaret_back(app, phone, moved_back(app, phone))
    assert back.said == said("voice_conference_declined", name="Linda Chen")
    assert app.audit("helper_call_declined")


def test_linda_hanging_up_after_joining_brings_margaret_back(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    linda_presses(app, linda, linda_answers(app, linda), "1")
    assert linda_status(app, linda, "completed") == 204
    # Her endConferenceOnExit ends the conference: Margaret's <Dial action> brings her back.
    assert not app.fake.updates(phone.call_sid)
    back = margaret_back(app, phone)
    assert back.said == said("voice_conference_left", name="Linda Chen")
    assert_listening_again(app, phone, back)


def test_star_brings_margaret_back_while_linda_is_on_the_call(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    linda_presses(app, linda, linda_answers(app, linda), "1")
    back = margaret_back(app, phone)  # hangupOnStar: her <Dial action>
    assert back.said == said("voice_conference_back", name="Linda Chen")
    assert_listening_again(app, phone, back)


def test_star_while_linda_is_rung_stops_ringing_her(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    back = margaret_back(app, phone)
    assert back.said == said("voice_conference_back_early", name="Linda Chen")
    (stop,) = app.fake.updates(linda.sid)
    assert stop.params["Status"] == "canceled"
    assert app.audit("helper_call_missed")[0].detail["reason"] == "customer_returned"
    late = linda_answers(app, linda)
    assert late.said == said("voice_helper_not_needed")
    assert late.find("Dial") is None and late.find("Hangup") is not None
    assert_listening_again(app, phone, back)


def test_margaret_hanging_up_while_linda_is_rung_stops_ringing_her(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    status = {"CallSid": phone.call_sid, "CallStatus": "completed", "CallDuration": "40"}
    assert app.webhook("/twilio/voice/status", status).status_code == 204
    assert app.fake.updates(linda.sid)[0].params["Status"] == "canceled"
    assert app.audit("helper_call_missed")[0].detail["reason"] == "customer_hung_up"


def test_retried_webhooks_answer_the_same_and_audit_once(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    greeting = linda_answers(app, linda)
    first = linda_presses(app, linda, greeting, "2")
    assert linda_presses(app, linda, greeting, "2").body == first.body
    url = moved_back(app, phone)
    back = margaret_back(app, phone, url)
    assert margaret_back(app, phone, url).body == back.body
    assert margaret_back(app, phone).body == back.body  # the Dial action too: one way back
    assert linda_status(app, linda, "completed") == 204
    assert len(app.audit("helper_call_declined")) == 1
    assert not app.audit("helper_call_missed")
    assert len(app.fake.updates(phone.call_sid)) == 1


def test_another_call_cannot_pass_for_linda(app: ConferenceApp) -> None:
    phone, _, linda = conference_call(app)
    linda_answers(app, linda)
    stranger = {**linda_params(linda), "CallSid": "CA" + "9" * 32}
    answer = app.twiml(
        f"/twilio/voice/helper/answer?call={phone.call_sid}", {**stranger, "Digits": "1"}
    )
    assert answer.find("Dial") is None and not app.audit("helper_joined_call")


def test_a_failed_outbound_call_is_said_kindly_and_audited(app: ConferenceApp) -> None:
    class Down:
        def place_call(self, *args: Any, **kwargs: Any) -> str:
            raise TransportError("Twilio answered HTTP 500")

    app.app.state.transport = lambda: Down()
    phone = verified(app)
    twiml = phone.turn("get Linda on the line")
    assert twiml.said == said("voice_conference_failed", name="Linda Chen")
    assert twiml.find("Dial") is None and twiml.gather is not None
    assert app.audit("helper_call_missed")[0].detail["reason"] == "failed"


# ---- who may be rung --------------------------------------------------------------------------


def set_link(app: ConferenceApp, **values: Any) -> None:
    with app.sessions() as session, session.begin():
        session.execute(
            update(HelperLink).where(HelperLink.id == app.rasa.link_id).values(**values)
        )


def ravis_helper_link(app: ConferenceApp) -> int:
    with app.sessions() as session, session.begin():
        ravi = session.execute(select(Customer).where(Customer.phone == RAVI_PHONE)).scalar_one()
        helper = Helper(name="Sam Kumar", phone="+15550100044")
        session.add(helper)
        session.flush()
        link = HelperLink(
            customer_id=ravi.id,
            helper_id=helper.id,
            permissions=normalise({JOIN_CALLS}),
            status="active",
        )
        session.add(link)
        session.flush()
        return link.id


@pytest.mark.parametrize(
    "change",
    ["no join_calls", "removed", "left", "awaiting the customer", "another customer's", "unknown"],
)
def test_a_link_that_may_not_join_rings_nobody(app: ConferenceApp, change: str) -> None:
    if change == "no join_calls":
        set_link(app, permissions=normalise({"view_balance", "receive_alerts"}))
    elif change in ("removed", "left"):
        set_link(app, status=change)
    elif change == "awaiting the customer":
        set_link(app, status="awaiting_customer")
    elif change == "another customer's":
        app.rasa.link_id = ravis_helper_link(app)
    else:
        app.rasa.link_id = 999_999
    phone = verified(app)
    twiml = phone.turn("get Linda on the line")
    assert not app.fake.calls
    assert twiml.find("Dial") is None
    assert twiml.said == said("voice_conference_unavailable")
    assert (
        twiml.gather is not None
        and twiml.gather.get("action") == f"/twilio/voice/turn?n={phone.n + 1}"
    )
    assert not [e for e in app.audit() if e.action.startswith("helper_")]


def test_nobody_is_rung_before_the_pin(app: ConferenceApp) -> None:
    phone = app.phone()
    phone.call()
    twiml = phone.turn("get Linda on the line")
    assert not app.fake.calls and twiml.find("Dial") is None


@pytest.mark.parametrize("link_id", ["7x", None, True, -3, {"id": 1}])
def test_a_malformed_link_id_rings_nobody(app: ConferenceApp, link_id: Any) -> None:
    app.rasa.link_id = link_id
    twiml = verified(app).turn("get Linda on the line")
    assert not app.fake.calls and twiml.find("Dial") is None


def test_the_service_allows_only_an_active_own_link_with_join_calls(
    demo_sessions: sessionmaker, margaret_id: int, ravi_id: int
) -> None:
    link = linda_link(demo_sessions)
    helper = helper_for_call(demo_sessions, margaret_id, link)
    assert helper is not None
    assert (helper.name, helper.phone, helper.customer_name) == (
        "Linda Chen",
        LINDA_PHONE,
        "Margaret Chen",
    )
    assert helper_for_call(demo_sessions, ravi_id, link) is None
    with demo_sessions() as session, session.begin():
        row = session.get(HelperLink, link)
        row.permissions = {**row.permissions, JOIN_CALLS: False}
    assert helper_for_call(demo_sessions, margaret_id, link) is None


@pytest.mark.parametrize(
    ("outcome", "action"),
    [
        (JOINED, "helper_joined_call"),
        (DECLINED, "helper_call_declined"),
        (MISSED, "helper_call_missed"),
    ],
)
def test_each_outcome_is_one_audit_row_as_the_helper(
    bank_sessions: sessionmaker, outcome: str, action: str
) -> None:
    helper = CallHelper(3, 7, 1, "Linda Chen", LINDA_PHONE, "Margaret Chen")
    with bank_sessions() as session, session.begin():
        session.add(Customer(id=1, name="Margaret Chen", phone=MARGARET_PHONE))
    record_call_outcome(bank_sessions, helper, outcome, reason="busy", call_sid="CA1")
    with bank_sessions() as session:
        (row,) = session.execute(select(AuditEvent)).scalars()
    assert (row.actor, row.action, row.customer_id) == ("helper:7", action, 1)
    assert row.detail == {"channel": "voice", "link_id": 3, "reason": "busy", "call_sid": "CA1"}


# ---- the transport moves a live call on ---------------------------------------------------------


def test_update_call_moves_a_call_or_ends_it_through_the_real_client(app: ConferenceApp) -> None:
    transport = TwilioTransport(app.settings, app.sessions)
    placed = transport.place_call(LINDA_PHONE, f"{PUBLIC}{HELPER_PATH}?call=CA1")
    transport.update_call("CA" + "1" * 32, twiml_url=f"{PUBLIC}{BACK_PATH}")
    transport.update_call(placed, status="canceled")
    moved, ended = app.fake.updates()
    assert (moved.sid, moved.params) == (
        "CA" + "1" * 32,
        {"Url": PUBLIC + BACK_PATH, "Method": "POST"},
    )
    assert (ended.sid, ended.params) == (placed, {"Status": "canceled"})
    with pytest.raises(ValueError):
        transport.update_call(placed)


def test_a_refused_update_is_a_transport_error(app: ConferenceApp) -> None:
    wrong = app.settings.copy(update={"twilio_auth_token": "not-it"})
    with pytest.raises(TransportError, match="401"):
        TwilioTransport(wrong, app.sessions).update_call("CA" + "1" * 32, status="completed")
    assert not app.fake.updates()


# ---- every new webhook is Twilio's -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        BACK_PATH,
        f"{WAIT_PATH}?call=CA1",
        f"{HELPER_PATH}?call=CA1",
        "/twilio/voice/helper/answer?call=CA1",
        f"{HELPER_STATUS_PATH}?call=CA1",
    ],
)
def test_an_unsigned_or_wrongly_signed_webhook_is_refused(app: ConferenceApp, path: str) -> None:
    params = {"CallSid": "CA1", "CallStatus": "busy", "Digits": "1"}
    assert app.webhook(path, params, signed=False).status_code == 403
    phone = Phone(app.client, app.settings, "CA1", "")
    assert phone.post(path, params, signature="not-a-signature").status_code == 403


def test_a_malformed_helper_status_is_a_400(app: ConferenceApp) -> None:
    answer = app.webhook(f"{HELPER_STATUS_PATH}?call=CA1", {"CallSid": "CA1", "CallStatus": "x"})
    assert answer.status_code == 400


def test_a_helper_call_we_do_not_know_is_ended_politely(app: ConferenceApp) -> None:
    greeting = app.twiml(f"{HELPER_PATH}?call=CA404", {"CallSid": "CA405"})
    assert greeting.said == said("voice_helper_not_needed")
    assert greeting.find("Hangup") is not None


# ---- a number typed on the keypad --------------------------------------------------------------


def test_a_question_wanting_a_number_gathers_keys_until_hash(app: ConferenceApp) -> None:
    phone = verified(app)
    twiml = phone.turn("add my daughter, her number")
    gather = twiml.gather
    assert gather is not None
    assert gather.get("input") == "dtmf"
    assert gather.get("numDigits") is None
    assert gather.get("finishOnKey") == "#"
    assert int(gather.get("timeout")) > 8
    assert ASK_NUMBER in twiml.said

    answer = phone.turn(digits="5550100777")
    assert app.rasa.texts[-1] == "5550100777"
    assert answer.gather.get("input") == "speech dtmf"  # the next question is spoken again


def test_one_key_in_a_number_is_passed_on_but_0_is_still_a_person(app: ConferenceApp) -> None:
    phone = verified(app)
    phone.turn("her number")
    phone.turn(digits="3")
    assert app.rasa.texts[-1] == "3"
    phone.turn("her number")
    person = phone.turn(digits="0")
    assert person.find("Dial/Number") is not None


def test_silence_while_typing_a_number_asks_again_for_keys(app: ConferenceApp) -> None:
    phone = verified(app)
    phone.turn("her number")
    asked = len(app.rasa.texts)
    again = phone.turn()
    assert again.said == said("voice_reprompt_question_1", question=ASK_NUMBER)
    assert again.gather.get("input") == "dtmf" and again.gather.get("numDigits") is None
    assert len(app.rasa.texts) == asked
    phone.turn(digits="5550100777")
    assert app.rasa.texts[-1] == "5550100777"


def linda_helper_id(app: ConferenceApp) -> int:
    with app.sessions() as session:
        return session.execute(select(Helper.id).where(Helper.phone == LINDA_PHONE)).scalar_one()


def margaret_customer_id(app: ConferenceApp) -> int:
    return app.app.state.banking.find_customer_by_phone(MARGARET_PHONE).id
