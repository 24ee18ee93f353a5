"""A scam warning through the running stack: fraud-operations staff publish it to one region
with ``assistant broadcast``; the stack's worker texts exactly the customers there who prefer
texts, once each, through the loopback Twilio (nothing to one who texted STOP, nothing to
anyone outside the region, no text to one who prefers the web pages); and the next phone call
of a customer there opens with it right after the PIN (a warning for a group is never said
before it).

The customers are added for this test in a region of its own, so the warning reaches no other
test's customers; it is cancelled at the end. Their time zone is one where it is daytime now,
so quiet hours never hold their texts back.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assistant.cli import main as cli
from assistant.db import session_factory
from assistant.identity import hash_pin
from assistant.messaging.fake_twilio import read_inbox
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.transport import account_sid
from assistant.models import Account, Customer
from assistant.settings import Settings
from assistant.texts import text as say
from fraud.broadcasts.service import Broadcasts
from fraud.models import BroadcastHeard
from tests.broadcast_support import FRAUDOPS
from tests.e2e.test_voice_e2e import Call, said

pytestmark = pytest.mark.e2e

SMS = "Kindly Bank: fake parcel texts are going round. Never click their links or pay a fee."
OPENER = "People here are getting fake texts about parcels that ask for a small fee."
PIN = "4826"
DAYTIME_ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/London",
)


def daytime_zone() -> str:
    """A time zone where it is between 10 in the morning and 6 in the evening now."""
    now = datetime.now(timezone.utc)
    for zone in DAYTIME_ZONES:
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 18:
            return zone
    raise AssertionError("no daytime zone in the list")  # the list covers every hour


def add_customer(sessions: Any, name: str, phone: str, channel: str, region: str, zone: str) -> int:
    with sessions() as session, session.begin():
        customer = Customer(
            name=name,
            address_as=name,
            phone=phone,
            pin_hash=hash_pin(PIN),
            preferred_channel=channel,
            region=region,
            time_zone=zone,
            locale="en_US",
        )
        session.add(customer)
        session.flush()
        session.add(
            Account(
                customer_id=customer.id,
                kind="checking",
                name="Checking",
                number=phone[-10:],
                currency="USD",
            )
        )
        return customer.id


def inbox(settings: Settings, phone: str) -> List[Dict[str, Any]]:
    base = settings.shared_loopback_twilio or settings.twilio_api_base
    return read_inbox(base, account_sid(settings), settings.twilio_token(), phone)


def texts_with(settings: Settings, phone: str, words: str) -> List[str]:
    return [
        i["body"] for i in inbox(settings, phone) if i["kind"] == "message" and words in i["body"]
    ]


@pytest.fixture
def town(stack) -> Iterator[Dict[str, Any]]:  # noqa: ANN001
    """Four customers: three in a region of their own (texts, texts but opted out, the web),
    one elsewhere (texts)."""
    sessions = session_factory(stack.settings.bank_database_url)
    region = f"Warning Town {uuid.uuid4().hex[:6]}"
    zone = daytime_zone()
    base = 15550170000 + int(uuid.uuid4().int % 9000) * 10
    phones = {name: f"+{base + n}" for n, name in enumerate(("sally", "otto", "walter", "nora"))}
    ids = {
        "sally": add_customer(sessions, "Sally", phones["sally"], "sms", region, zone),
        "otto": add_customer(sessions, "Otto", phones["otto"], "sms", region, zone),
        "walter": add_customer(sessions, "Walter", phones["walter"], "web", region, zone),
        "nora": add_customer(sessions, "Nora", phones["nora"], "sms", "Elsewhere", zone),
    }
    OptOutStore(sessions).opt_out(phones["otto"])  # Otto texted STOP
    yield {"region": region, "phones": phones, "ids": ids, "sessions": sessions}


def test_a_warning_published_to_a_region_reaches_exactly_its_customers_and_opens_the_next_call(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
    town: Dict[str, Any],
) -> None:
    settings, phones = stack.settings, town["phones"]
    broadcasts = Broadcasts(town["sessions"], settings)
    env = {"ASSISTANT_STAFF_PASSWORD": "fraudops-demo"}
    created = CliRunner().invoke(
        cli,
        [
            "broadcast", "create", "--staff", "fraudops",
            "--title", "Parcel fee texts",
            "--voice", "Fake texts about parcels ask for a small fee. Never pay it.",
            "--sms", SMS,
            "--banner", "Fake parcel texts ask for a fee: never pay it.",
            "--opener", OPENER,
            "--region", town["region"],
            "--expires", "2h",
        ],
        env=env,
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    (warning,) = [b for b in broadcasts.list() if town["region"] in b.audience.regions]
    try:
        preview = CliRunner().invoke(
            cli, ["broadcast", "preview", "--staff", "fraudops", str(warning.id)], env=env
        )
        assert "(3 customers now: sms 2, web 1)" in preview.output, preview.output
        published = CliRunner().invoke(
            cli, ["broadcast", "publish", "--staff", "fraudops", str(warning.id)], env=env
        )
        assert published.exit_code == 0, published.output

        # The stack's worker sends them: Sally gets it; Otto's text is refused (opted out).
        deadline = time.monotonic() + 60
        while True:
            status = broadcasts.status(warning.id)
            if status.fanned_out and status.queued == 0 and status.sent + status.delivered >= 1:
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.25)
        assert texts_with(settings, phones["sally"], SMS) == [SMS]
        assert (status.opted_out, status.web, status.failed, status.deferred) == (1, 1, 0, 0)
        assert texts_with(settings, phones["otto"], "parcel") == []
        assert texts_with(settings, phones["nora"], "parcel") == []
        assert inbox(settings, phones["walter"]) == []  # the web: the banner and the opener
        for demo_customer in ("+15550100001", "+15550100002"):
            assert texts_with(settings, demo_customer, "parcel") == []

        # Another sweep of the worker's due job (or a restart) sends nobody anything twice.
        assert broadcasts.fan_out_due() == 0
        time.sleep(1.0)
        assert texts_with(settings, phones["sally"], SMS) == [SMS]

        # Walter phones: not before the PIN (a group's warning), but right after it.
        call = Call(gateway, stack, phones["walter"])
        opening = said(call.start())
        assert OPENER not in opening
        asked = call.answer("what's my balance")
        assert OPENER not in said(asked)
        answered = call.answer(digits=PIN)
        heard = said(answered)
        assert OPENER in heard, heard
        assert heard.index(say("pin_thanks", "voice")) < heard.index(OPENER)
        with town["sessions"]() as session:
            how = session.execute(
                select(BroadcastHeard.how).where(
                    BroadcastHeard.broadcast_id == warning.id,
                    BroadcastHeard.customer_id == town["ids"]["walter"],
                )
            ).scalar_one()
        assert how == "opener"
        # And the next call does not open with it again.
        again = Call(gateway, stack, phones["walter"])
        again.start()
        again.answer("what's my balance")
        assert OPENER not in said(again.answer(digits=PIN))
    finally:
        broadcasts.cancel(FRAUDOPS, warning.id)
