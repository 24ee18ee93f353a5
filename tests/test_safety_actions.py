"""Safety limits in a conversation (issue 10 item 5), run against a seeded demo bank.

Margaret (PIN given, voice customer) has Linda as a helper who approves above $200; Ravi (SMS)
has no helper. Trackers are built as Rasa sends them; what the actions did is checked in the
safety-limit service and the bank, never by trusting what they said.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
from rasa_sdk import Tracker

import actions.context as context
from actions.payments import ActionSubmitPayment
from actions.safety_limits import (
    ActionAskSafetyLimitConfirmed,
    ActionAskSafetyLimitValue,
    ActionSafetyLimits,
    ActionStartSafetyLimit,
    ActionSubmitSafetyLimit,
    ValidateSafetyLimitForm,
    limit_details,
)
from assistant.banking import LedgerBankingService
from assistant.banking.limits import COSIGN_ABOVE, DAILY_SMS, DAILY_VOICE, NEW_PAYEE_COOLING_OFF
from assistant.conversations import ConversationStore
from assistant.db import dispose, session_factory, utcnow
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.readbacks import SAFETY_LIMIT, ReadbackStore
from tests.fakes import copy_of_bank
from tests.test_actions import (
    DemoBank,
    _clear_caches,
    _confirmed_payment,
    money_slot,
    responses,
    run,
    slots_set,
)
from tests.test_helper_actions import on

FORM = "safety_limit_form"
AMOUNT = "amount"


@pytest.fixture
def demo(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoBank]:
    """A fresh copy of the seeded demo bank as the actions' bank."""
    url = copy_of_bank(demo_template, tmp_path)
    sessions = session_factory(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    _clear_caches()
    service = LedgerBankingService(sessions)
    yield DemoBank(
        service=service,
        conversations=ConversationStore(sessions),
        readbacks=ReadbackStore(sessions),
        margaret=service.find_customer_by_phone(MARGARET_PHONE).id,
        ravi=service.find_customer_by_phone(RAVI_PHONE).id,
    )
    _clear_caches()
    dispose(url)


def amount(minor: int) -> tuple:
    return ({"entity": AMOUNT, "value": money_slot(minor)},)


def start(demo: DemoBank, said: str, channel: str = "voice", **kwargs: Any) -> tuple:
    sender = kwargs.pop("sender", None) or demo.conversation(kwargs.pop("phone", MARGARET_PHONE))
    tracker = on(channel, sender, text=said, intent="set_safety_limit", **kwargs)
    dispatcher, events = run(ActionStartSafetyLimit(), tracker)
    return dispatcher, slots_set(events)


def at_step(
    demo: DemoBank,
    step: str,
    said: str,
    *,
    slots: Dict[str, Any],
    intent: str = "inform",
    entities: tuple = (),
    channel: str = "voice",
    sender: str | None = None,
) -> tuple:
    tracker = on(
        channel,
        sender or demo.conversation(),
        text=said,
        intent=intent,
        entities=entities,
        slots=slots,
        form=FORM,
        requested_slot=step,
    )
    dispatcher, events = run(ValidateSafetyLimitForm(), tracker)
    return dispatcher, slots_set(events)


def limits(demo: DemoBank, customer_id: int | None = None) -> Any:
    return context.safety().limits(customer_id or demo.margaret)


def plain_yes(demo: DemoBank, tracker: Tracker, customer_id: int) -> None:
    """What the gateway does: record the read-back it delivered, then the plain yes."""
    details = limit_details(tracker)
    assert details is not None
    demo.readbacks.record(tracker.sender_id, customer_id, SAFETY_LIMIT, details)
    demo.readbacks.answer(tracker.sender_id, True, "message-1")


def confirmed(demo: DemoBank, name: str, value: str, channel: str = "voice", **kwargs) -> Tracker:
    sender = kwargs.get("sender") or demo.conversation(kwargs.get("phone", MARGARET_PHONE))
    slots = {
        "safety_limit_name": name,
        "safety_limit_value": value,
        "safety_limit_confirmed": True,
    }
    return on(channel, sender, text="yes", intent="affirm", slots=slots)


# ---- hearing the request --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "entities", "name", "value"),
    [
        ("no payments by text", (), DAILY_SMS, "0"),
        ("set a limit of 500 a day by phone", amount(50000), DAILY_VOICE, "50000"),
        ("remove my phone limit", (), DAILY_VOICE, "off"),
        ("always ask my helper above 300", amount(30000), COSIGN_ABOVE, "30000"),
        ("stop asking my helper", (), COSIGN_ABOVE, "off"),
        ("make new payees wait a day", (), NEW_PAYEE_COOLING_OFF, "on"),
    ],
)
def test_the_request_says_which_limit_and_what_it_should_be(
    demo: DemoBank, said: str, entities: tuple, name: str, value: str
) -> None:
    context.safety().change(demo.margaret, DAILY_VOICE, 10000, "customer")
    dispatcher, slots = start(demo, said, entities=entities)
    assert responses(dispatcher) == []
    assert (slots["safety_limit_name"], slots["safety_limit_value"]) == (name, value)
    assert slots["helper_step"] == "form"


def test_a_request_that_names_no_limit_asks_which(demo: DemoBank) -> None:
    _, slots = start(demo, "i want to change my limits")
    assert "safety_limit_name" not in {k for k, v in slots.items() if v}
    assert slots["helper_step"] == "form"


def test_asking_a_helper_first_needs_a_helper_who_may_approve(demo: DemoBank) -> None:
    dispatcher, slots = start(
        demo,
        "always ask my helper above 300",
        channel="sms",
        entities=amount(30000),
        phone=RAVI_PHONE,
    )
    assert responses(dispatcher) == ["utter_limit_cosign_no_helper"]
    assert slots["helper_step"] == "done"
    assert limits(demo, demo.ravi).limits.cosign_above is None


def test_a_limit_that_already_is_so_is_said_and_nothing_is_asked(demo: DemoBank) -> None:
    dispatcher, slots = start(demo, "always ask my helper above 200", entities=amount(20000))
    assert responses(dispatcher) == ["utter_limit_kept"]
    assert slots["helper_step"] == "done"


# ---- the form's steps -----------------------------------------------------------------------


def test_which_limit_is_taken_from_the_answer_even_when_it_sounds_like_a_call(
    demo: DemoBank,
) -> None:
    _, slots = at_step(demo, "safety_limit_name", "the phone one", intent="talk_to_human", slots={})
    assert slots["safety_limit_name"] == DAILY_VOICE


@pytest.mark.parametrize(
    ("said", "entities", "value"),
    [("five hundred", amount(50000), "50000"), ("none", (), "0"), ("no limit", (), "off")],
)
def test_how_much_a_day_is_an_amount_none_or_no_limit(
    demo: DemoBank, said: str, entities: tuple, value: str
) -> None:
    slots = {"safety_limit_name": DAILY_VOICE}
    _, set_ = at_step(demo, "safety_limit_value", said, entities=entities, slots=slots)
    assert set_["safety_limit_value"] == value


def test_a_cancel_or_a_plain_no_is_never_a_value(demo: DemoBank) -> None:
    slots = {"safety_limit_name": DAILY_SMS}
    for said, intent in (("stop", "cancel"), ("no", "deny"), ("repeat that", "repeat")):
        _, set_ = at_step(demo, "safety_limit_value", said, intent=intent, slots=slots)
        assert "safety_limit_value" not in set_


def test_the_value_question_says_which_way(demo: DemoBank) -> None:
    tracker = on("sms", demo.conversation(), slots={"safety_limit_name": DAILY_SMS})
    dispatcher, _ = run(ActionAskSafetyLimitValue(), tracker)
    assert responses(dispatcher) == ["utter_ask_safety_limit_value"]
    assert dispatcher.messages[0]["way"] == "by text"
    tracker = on("voice", demo.conversation(), slots={"safety_limit_name": COSIGN_ABOVE})
    dispatcher, _ = run(ActionAskSafetyLimitValue(), tracker)
    assert responses(dispatcher) == ["utter_ask_safety_limit_cosign"]


def test_the_read_back_says_whether_it_starts_now_or_after_the_delay(demo: DemoBank) -> None:
    sender = demo.conversation()
    tighter = {"safety_limit_name": DAILY_VOICE, "safety_limit_value": "50000"}
    dispatcher, _ = run(ActionAskSafetyLimitConfirmed(), on("voice", sender, slots=tighter))
    assert responses(dispatcher) == ["utter_confirm_limit_now"]
    message = dispatcher.messages[0]
    assert message["change"] == "At most five hundred dollars a day for payments by phone"
    assert message["custom"] == {
        "readback": {"kind": SAFETY_LIMIT, "details": {"name": DAILY_VOICE, "value": 50000}}
    }
    looser = {"safety_limit_name": COSIGN_ABOVE, "safety_limit_value": "off"}
    dispatcher, _ = run(ActionAskSafetyLimitConfirmed(), on("chat", sender, slots=looser))
    assert responses(dispatcher) == ["utter_confirm_limit_later"]
    assert dispatcher.messages[0]["hours"] == "24"
    assert dispatcher.messages[0]["change"] == "Your helper is not asked first before payments"


@pytest.mark.parametrize(
    ("said", "entities", "slot", "new"),
    [
        ("no make it 400", amount(40000), "safety_limit_value", "40000"),
        ("actually no payments at all", (), "safety_limit_value", "0"),
        ("no by text", (), "safety_limit_name", DAILY_SMS),
    ],
)
def test_an_answer_to_the_read_back_that_changes_it_is_read_back_again(
    demo: DemoBank, said: str, entities: tuple, slot: str, new: str
) -> None:
    slots = {"safety_limit_name": DAILY_VOICE, "safety_limit_value": "50000"}
    _, set_ = at_step(
        demo, "safety_limit_confirmed", said, intent="deny", entities=entities, slots=slots
    )
    assert set_[slot] == new
    assert set_["safety_limit_confirmed"] is None  # asked again, read back anew


def test_a_plain_yes_or_no_answers_the_read_back(demo: DemoBank) -> None:
    slots = {"safety_limit_name": DAILY_VOICE, "safety_limit_value": "50000"}
    sender = demo.conversation()
    tracker = on("voice", sender, slots=slots)
    plain_yes(demo, tracker, demo.margaret)
    _, set_ = at_step(
        demo, "safety_limit_confirmed", "yes", intent="affirm", slots=slots, sender=sender
    )
    assert set_["safety_limit_confirmed"] is True
    _, set_ = at_step(demo, "safety_limit_confirmed", "no", intent="deny", slots=slots)
    assert set_["safety_limit_confirmed"] is False


# ---- the change ---------------------------------------------------------------------------


def test_a_tightening_is_done_at_once_after_a_plain_yes(demo: DemoBank) -> None:
    tracker = confirmed(demo, DAILY_SMS, "0", channel="sms", phone=RAVI_PHONE)
    plain_yes(demo, tracker, demo.ravi)
    dispatcher, events = run(ActionSubmitSafetyLimit(), tracker)
    assert responses(dispatcher) == ["utter_limit_changed_now"]
    assert dispatcher.messages[0]["change"] == "No payments by text"
    assert limits(demo, demo.ravi).limits.daily_limit_sms == 0
    assert all(value is None for value in slots_set(events).values())


def test_a_loosening_waits_and_the_customer_is_told_when(demo: DemoBank) -> None:
    tracker = confirmed(demo, COSIGN_ABOVE, "off")
    plain_yes(demo, tracker, demo.margaret)
    dispatcher, _ = run(ActionSubmitSafetyLimit(), tracker)
    assert responses(dispatcher) == ["utter_limit_changed_later"]
    assert dispatcher.messages[0]["when"].startswith("tomorrow at ")
    view = limits(demo)
    assert view.limits.cosign_above == 20000
    (waiting,) = view.pending
    assert (waiting.name, waiting.value) == (COSIGN_ABOVE, None)
    assert waiting.effective_at > utcnow() + timedelta(hours=23)


def test_without_the_plain_yes_nothing_changes(demo: DemoBank) -> None:
    tracker = confirmed(demo, DAILY_VOICE, "1000")
    dispatcher, _ = run(ActionSubmitSafetyLimit(), tracker)
    assert responses(dispatcher) == ["utter_limit_not_confirmed"]
    assert limits(demo).limits.daily_limit_voice is None


def test_a_no_changes_nothing(demo: DemoBank) -> None:
    tracker = confirmed(demo, DAILY_VOICE, "1000")
    tracker.slots["safety_limit_confirmed"] = False
    dispatcher, _ = run(ActionSubmitSafetyLimit(), tracker)
    assert responses(dispatcher) == ["utter_limit_not_changed"]
    assert limits(demo).limits.daily_limit_voice is None


def test_what_are_my_limits_needs_the_pin(demo: DemoBank) -> None:
    tracker = on("voice", demo.conversation(verified=False), intent="safety_limits")
    dispatcher, _ = run(ActionSafetyLimits(), tracker)
    assert responses(dispatcher) == ["utter_ask_pin"]


def test_what_are_my_limits_says_each_and_the_changes_waiting(demo: DemoBank) -> None:
    context.safety().change(demo.ravi, DAILY_SMS, 0, "customer")
    context.safety().change(demo.ravi, DAILY_SMS, 5000, "customer")
    tracker = on("sms", demo.conversation(RAVI_PHONE), intent="safety_limits")
    dispatcher, _ = run(ActionSafetyLimits(), tracker)
    assert responses(dispatcher) == ["utter_safety_limits", "utter_safety_limits_waiting"]
    assert dispatcher.messages[0]["limits"] == (
        "No payments by text; No limit by phone; No limit online; New payees: no wait; "
        "Helper not asked."
    )
    assert dispatcher.messages[1]["changes"].startswith("From tomorrow at ")
    assert dispatcher.messages[1]["changes"].endswith(": Max $50.00 a day by text.")


# ---- payments the limits stop -------------------------------------------------------------


def test_a_payment_by_text_when_the_customer_chose_none_is_refused_in_words(
    demo: DemoBank,
) -> None:
    context.safety().change(demo.margaret, DAILY_SMS, 0, "customer")
    sender = demo.conversation()
    slots = _confirmed_payment(sender).slots
    tracker = on("sms", sender, text="yes", intent="affirm", slots=slots)
    demo.read_back(tracker)
    before = demo.balance(demo.margaret)
    dispatcher, _ = run(ActionSubmitPayment(), tracker)
    assert responses(dispatcher) == ["utter_payment_way_blocked"]
    assert dispatcher.messages[0]["way"] == "by text"
    assert demo.balance(demo.margaret) == before


def test_a_payment_by_phone_over_the_days_limit_says_how_much_is_left(demo: DemoBank) -> None:
    context.safety().change(demo.margaret, DAILY_VOICE, 6000, "customer")
    sender = demo.conversation()
    first = on("voice", sender, text="yes", intent="affirm", slots=_confirmed_payment(sender).slots)
    demo.read_back(first)
    dispatcher, _ = run(ActionSubmitPayment(), first)
    assert responses(dispatcher) == ["utter_payment_done"]  # $50 of $60
    again = on(
        "voice",
        sender,
        text="yes",
        intent="affirm",
        slots={**first.slots, "payment_reference": "second"},
    )
    demo.read_back(again)
    before = demo.balance(demo.margaret)
    dispatcher, _ = run(ActionSubmitPayment(), again)
    assert responses(dispatcher) == ["utter_payment_over_daily_limit"]
    message = dispatcher.messages[0]
    assert (message["limit"], message["left"], message["way"]) == ("$60.00", "$10.00", "by phone")
    assert message["left_words"] == "ten dollars"
    assert demo.balance(demo.margaret) == before
