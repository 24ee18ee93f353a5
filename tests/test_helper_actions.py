"""The family-helper and held-payment actions, run against a seeded demo bank.

Margaret (PIN given) has Linda Chen as her helper: balance, alerts, approvals above $200, calls.
Trackers are built by hand as Rasa sends them (``tests.test_actions``); what the actions did is
checked in the family-helper services and the bank, never by trusting what they said.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from sqlalchemy import select

import actions.context as context
from actions.account_info import ActionCheckBalance
from actions.held_payments import (
    ActionHeldPayments,
    ActionStartCancelHeld,
    ActionSubmitCancelHeld,
)
from actions.helper_access import ActionCallHelper, ActionListHelpers, ActionWhoLooked
from actions.helper_changes import (
    ActionAskHelperChangeConfirmed,
    ActionStartChangeHelper,
    ActionStartRemoveHelper,
    ActionSubmitChangeHelper,
    ActionSubmitRemoveHelper,
    ValidateHelperPermissionsForm,
    ValidateRemoveHelperForm,
    change_details,
)
from actions.helper_invite import (
    ActionAskHelperInviteConfirmed,
    ActionAskHelperPhoneConfirmed,
    ActionStartAddHelper,
    ActionSubmitAddHelper,
    ValidateAddHelperForm,
    invitation_details,
)
from actions.payments import ActionSubmitPayment
from actions.slots import PERMISSION_SLOTS
from assistant.banking import LedgerBankingService
from assistant.conversations import ConversationStore
from assistant.db import dispose, session_factory
from assistant.demo import LINDA_PHONE, MARGARET_PHONE, RAVI_PHONE
from assistant.messaging.models import OutboxMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.sms_text import segment_info
from assistant.readbacks import HELPER_GRANT, HELPER_INVITE, ReadbackStore
from family.links.permissions import (
    APPROVE_PAYMENTS,
    JOIN_CALLS,
    RECEIVE_ALERTS,
    VIEW_BALANCE,
    VIEW_PAYMENTS,
)
from tests.fakes import copy_of_bank
from tests.test_actions import (
    DOMAIN,
    DemoBank,
    _clear_caches,
    _confirmed_payment,
    listen,
    make_tracker,
    money_slot,
    responses,
    run,
    slots_set,
    values,
)

SON = "+15550100077"
LINDAS = {VIEW_BALANCE, RECEIVE_ALERTS, APPROVE_PAYMENTS, JOIN_CALLS}
ALL_PERMISSIONS = {name: None for name in PERMISSION_SLOTS.values()}


@pytest.fixture
def demo(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoBank]:
    """A fresh copy of the seeded demo bank as the actions' bank (the helper code key in the
    test's own home)."""
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


def on(
    channel: str,
    sender: str,
    *,
    text: str = "",
    intent: str = "inform",
    entities: tuple = (),
    slots: Optional[Dict[str, Any]] = None,
    form: Optional[str] = None,
    requested_slot: Optional[str] = None,
) -> Tracker:
    """A tracker whose latest message came in on ``channel`` (voice, sms, web, chat)."""
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
    user = {"event": "user", "text": text, "parse_data": {**parse, "text": text}}
    user["input_channel"] = channel
    return make_tracker(
        sender,
        intent=intent,
        entities=entities,
        text=text,
        slots=slots,
        events=[listen(), user],
        form=form,
        requested_slot=requested_slot,
    )


def validate(action: Any, tracker: Tracker) -> tuple[Any, Dict[str, Any]]:
    dispatcher, events = run(action, tracker)
    return dispatcher, slots_set(events)


def helpers_of(demo: DemoBank) -> Dict[str, set]:
    return {h.name: set(h.permissions) for h in context.family().list_helpers(demo.margaret)}


def linda_link(demo: DemoBank) -> str:
    (linda,) = context.family().list_helpers(demo.margaret)
    return f"link:{linda.link_id}"


def outbox_to(demo: DemoBank, phone: str) -> List[OutboxMessage]:
    with session_factory()() as session:
        return list(
            session.execute(select(OutboxMessage).where(OutboxMessage.to_phone == phone)).scalars()
        )


def record_plain_yes(demo: DemoBank, sender: str, kind: str, details: Dict[str, Any]) -> None:
    """What the gateway does: record the read-back it delivered, then the plain yes to it."""
    demo.readbacks.record(sender, demo.margaret, kind, details)
    demo.readbacks.answer(sender, True, "message-1")


# ---- inviting a relative ----------------------------------------------------------------------


def test_a_fresh_invitation_asks_the_permissions_one_by_one_except_by_text(demo: DemoBank) -> None:
    sender = demo.conversation()
    leftovers = {"helper_name": "Old", "helper_phone": "+15550100099"}
    _, events = run(ActionStartAddHelper(), on("voice", sender, slots=leftovers))
    slots = slots_set(events)
    assert slots["helper_step"] == "form"
    assert slots["helper_name"] is None and slots["helper_phone"] is None
    assert slots["helper_permission_numbers"] == ""  # not the numbered list

    _, events = run(ActionStartAddHelper(), on("sms", sender))
    assert "helper_permission_numbers" not in slots_set(events)  # the list is asked


def test_no_invitation_starts_when_the_customer_has_the_most_helpers(
    demo: DemoBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HELPER_MAX_HELPERS", "1")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    dispatcher, events = run(ActionStartAddHelper(), on("chat", demo.conversation()))
    assert responses(dispatcher) == ["utter_helper_too_many"]
    assert slots_set(events) == {"helper_step": "done"}


@pytest.mark.parametrize(
    ("said", "name"),
    [("her name is linda", "Linda"), ("my grandson Tom", "Tom"), ("Sam O'Neill", "Sam O'Neill")],
)
def test_the_helpers_name_is_taken_from_the_answer(demo: DemoBank, said: str, name: str) -> None:
    tracker = on(
        "chat",
        demo.conversation(),
        text=said,
        intent="call_helper",  # a name can sound like a helper request: still the answer
        form="add_helper_form",
        requested_slot="helper_name",
        slots={"helper_permission_numbers": ""},
    )
    _, slots = validate(ValidateAddHelperForm(), tracker)
    assert slots["helper_name"] == name
    assert slots["requested_slot"] == "helper_phone"


def test_thanks_or_a_balance_question_is_no_name(demo: DemoBank) -> None:
    for said, intent in (("thank you", "thank_you"), ("what's my balance", "check_balance")):
        tracker = on(
            "chat",
            demo.conversation(),
            text=said,
            intent=intent,
            form="add_helper_form",
            requested_slot="helper_name",
        )
        _, slots = validate(ValidateAddHelperForm(), tracker)
        assert "helper_name" not in slots


def at_phone(demo: DemoBank, said: str, channel: str = "voice", **slots: Any) -> tuple:
    tracker = on(
        channel,
        demo.conversation(),
        text=said,
        form="add_helper_form",
        requested_slot=slots.pop("requested_slot", "helper_phone"),
        slots={"helper_name": "Sam", "helper_permission_numbers": "", **slots},
    )
    return validate(ValidateAddHelperForm(), tracker)


def test_a_number_typed_on_the_keypad_is_kept_in_full_and_read_back_first(demo: DemoBank) -> None:
    _, slots = at_phone(demo, "5550100077")
    assert slots["helper_phone"] == SON
    assert slots["helper_phone_confirmed"] is None
    assert slots["requested_slot"] == "helper_phone_confirmed"


@pytest.mark.parametrize(
    ("said", "response"),
    [("12345", "utter_helper_bad_number"), ("555 010 0001", "utter_helper_own_number")],
)
def test_a_short_number_or_the_customers_own_is_asked_again(
    demo: DemoBank, said: str, response: str
) -> None:
    dispatcher, slots = at_phone(demo, said, channel="chat")
    assert responses(dispatcher) == [response]
    assert slots["helper_phone"] is None
    assert slots["requested_slot"] == "helper_phone"


def test_the_number_is_read_back_digit_by_digit_by_voice(demo: DemoBank) -> None:
    tracker = on("voice", demo.conversation(), slots={"helper_name": "Sam", "helper_phone": SON})
    dispatcher, _ = run(ActionAskHelperPhoneConfirmed(), tracker)
    assert responses(dispatcher) == ["utter_confirm_helper_phone"]
    assert values(dispatcher)["phone"] == "(555) 010-0077"
    assert (
        values(dispatcher)["phone_words"] == "five five five, zero one zero, zero zero seven seven"
    )


def test_no_to_the_number_asks_for_it_again_and_a_new_number_replaces_it(
    demo: DemoBank,
) -> None:
    tracker = on(
        "chat",
        demo.conversation(),
        text="no",
        intent="deny",
        form="add_helper_form",
        requested_slot="helper_phone_confirmed",
        slots={"helper_name": "Sam", "helper_phone": SON, "helper_permission_numbers": ""},
    )
    _, slots = validate(ValidateAddHelperForm(), tracker)
    assert slots["helper_phone"] is None
    assert slots["requested_slot"] == "helper_phone"

    _, slots = at_phone(
        demo, "no it's 555 010 0078", requested_slot="helper_phone_confirmed", helper_phone=SON
    )
    assert slots["helper_phone"] == "+15550100078"
    assert slots["requested_slot"] == "helper_phone_confirmed"


def test_by_text_one_numbered_list_chooses_every_permission(demo: DemoBank) -> None:
    confirmed = {"helper_name": "Sam", "helper_phone": SON, "helper_phone_confirmed": True}
    tracker = on(
        "sms",
        demo.conversation(),
        text="1 3 4",
        form="add_helper_form",
        requested_slot="helper_permission_numbers",
        slots=confirmed,
    )
    _, slots = validate(ValidateAddHelperForm(), tracker)
    assert {name: slots[slot] for name, slot in PERMISSION_SLOTS.items()} == {
        VIEW_BALANCE: True,
        VIEW_PAYMENTS: False,
        RECEIVE_ALERTS: True,
        APPROVE_PAYMENTS: True,
        JOIN_CALLS: False,
    }
    assert slots["requested_slot"] == "helper_invite_confirmed"

    wrong = on(
        "sms",
        demo.conversation(),
        text="1 7",
        form="add_helper_form",
        requested_slot="helper_permission_numbers",
        slots=confirmed,
    )
    dispatcher, slots = validate(ValidateAddHelperForm(), wrong)
    assert responses(dispatcher) == ["utter_helper_numbers_again"]
    assert slots["requested_slot"] == "helper_permission_numbers"


def test_elsewhere_each_permission_is_its_own_yes_or_no(demo: DemoBank) -> None:
    tracker = on(
        "web",
        demo.conversation(),
        text="yes",
        intent="affirm",
        form="add_helper_form",
        requested_slot="helper_perm_view_balance",
        slots={
            "helper_name": "Sam",
            "helper_phone": SON,
            "helper_phone_confirmed": True,
            "helper_permission_numbers": "",
        },
    )
    _, slots = validate(ValidateAddHelperForm(), tracker)
    assert slots["helper_perm_view_balance"] is True
    assert slots["requested_slot"] == "helper_perm_view_payments"


def invitation(**permissions: bool) -> Dict[str, Any]:
    granted = {VIEW_BALANCE: True, RECEIVE_ALERTS: True, **permissions}
    return {
        "helper_name": "Sam",
        "helper_phone": SON,
        "helper_phone_confirmed": True,
        "helper_permission_numbers": "",
        **{slot: granted.get(name, False) for name, slot in PERMISSION_SLOTS.items()},
    }


def test_the_invitation_is_read_back_whole_for_the_gateway_to_record(demo: DemoBank) -> None:
    tracker = on("voice", demo.conversation(), slots=invitation())
    dispatcher, _ = run(ActionAskHelperInviteConfirmed(), tracker)
    assert responses(dispatcher) == ["utter_confirm_helper_invite"]
    said = values(dispatcher)
    assert said["abilities"] == "see your balance and get alerts about your account"
    assert said["phone_words"].startswith("five five five")
    payload = dispatcher.messages[0]["custom"]["readback"]
    assert payload == {
        "kind": HELPER_INVITE,
        "details": {"name": "Sam", "phone": SON, "permissions": [VIEW_BALANCE, RECEIVE_ALERTS]},
    }


def test_only_a_plain_yes_to_the_read_back_sends_the_invitation_once(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = on(
        "chat",
        sender,
        text="yes",
        intent="affirm",
        slots={**invitation(), "helper_invite_confirmed": True},
    )
    dispatcher, _ = run(ActionSubmitAddHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_invite_not_confirmed"]
    assert outbox_to(demo, SON) == []

    record_plain_yes(demo, sender, HELPER_INVITE, invitation_details(tracker))
    dispatcher, events = run(ActionSubmitAddHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_invited"]
    assert slots_set(events)["helper_phone"] is None
    (text,) = outbox_to(demo, SON)
    assert "Margaret Chen" in text.body
    (invited,) = context.family().list_invitations(demo.margaret)
    assert set(invited.permissions) == {VIEW_BALANCE, RECEIVE_ALERTS}

    again, _ = run(ActionSubmitAddHelper(), tracker)  # a retried action
    assert responses(again) == ["utter_helper_invited"]
    assert len(outbox_to(demo, SON)) == 1


def test_an_invitation_to_a_helper_already_linked_is_refused_kindly(demo: DemoBank) -> None:
    sender = demo.conversation()
    slots = {**invitation(), "helper_phone": LINDA_PHONE, "helper_invite_confirmed": True}
    tracker = on("chat", sender, text="yes", intent="affirm", slots=slots)
    record_plain_yes(demo, sender, HELPER_INVITE, invitation_details(tracker))
    dispatcher, _ = run(ActionSubmitAddHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_already_linked"]


def test_a_number_that_texted_stop_is_not_texted_and_the_customer_hears_how(
    demo: DemoBank,
) -> None:
    OptOutStore(session_factory()).opt_out(SON)
    sender = demo.conversation()
    tracker = on(
        "chat",
        sender,
        text="yes",
        intent="affirm",
        slots={**invitation(), "helper_invite_confirmed": True},
    )
    record_plain_yes(demo, sender, HELPER_INVITE, invitation_details(tracker))
    dispatcher, _ = run(ActionSubmitAddHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_opted_out"]
    assert outbox_to(demo, SON) == []
    assert "START" in DOMAIN["responses"]["utter_helper_opted_out"][0]["text"]


# ---- removing a helper ------------------------------------------------------------------------


def test_remove_my_helper_picks_the_only_one_and_asks_yes_or_no(demo: DemoBank) -> None:
    _, events = run(
        ActionStartRemoveHelper(), on("chat", demo.conversation(), text="remove my helper")
    )
    slots = slots_set(events)
    assert slots["helper_step"] == "form"
    assert slots["helper_link"] == linda_link(demo)
    assert slots["helper_name"] == "Linda Chen"


def test_remove_with_no_helpers_says_so(demo: DemoBank) -> None:
    sender = demo.conversation(RAVI_PHONE)
    dispatcher, events = run(ActionStartRemoveHelper(), on("sms", sender, text="remove my helper"))
    assert responses(dispatcher) == ["utter_no_helpers"]
    assert slots_set(events) == {"helper_step": "done"}


def test_a_name_nobody_has_is_not_a_helper(demo: DemoBank) -> None:
    tracker = on(
        "chat",
        demo.conversation(),
        text="Bartholomew",
        form="remove_helper_form",
        requested_slot="helper_link",
    )
    dispatcher, slots = validate(ValidateRemoveHelperForm(), tracker)
    assert responses(dispatcher) == ["utter_helper_not_found"]
    assert values(dispatcher)["helper_names"] == "Linda Chen"
    assert slots["helper_link"] is None


def test_yes_removes_the_helper_at_once_and_no_keeps_them(demo: DemoBank) -> None:
    sender = demo.conversation()
    chosen = {"helper_link": linda_link(demo), "helper_name": "Linda Chen"}
    kept, _ = run(
        ActionSubmitRemoveHelper(),
        on("chat", sender, slots={**chosen, "helper_remove_confirmed": False}),
    )
    assert responses(kept) == ["utter_helper_kept"]
    assert helpers_of(demo) == {"Linda Chen": LINDAS}

    done, _ = run(
        ActionSubmitRemoveHelper(),
        on("chat", sender, slots={**chosen, "helper_remove_confirmed": True}),
    )
    assert responses(done) == ["utter_helper_removed"]
    assert helpers_of(demo) == {}


def test_removing_an_open_invitation_cancels_it(demo: DemoBank) -> None:
    result = context.family().invite(demo.margaret, "Sam", SON, channel="chat")
    assert result.sent
    sender = demo.conversation()
    _, events = run(ActionStartRemoveHelper(), on("chat", sender, text="remove sam"))
    chosen = slots_set(events)
    assert chosen["helper_link"] == f"invitation:{result.invitation_id}"
    slots = {**chosen, "helper_remove_confirmed": True}
    dispatcher, _ = run(ActionSubmitRemoveHelper(), on("chat", sender, slots=slots))
    assert responses(dispatcher) == ["utter_invitation_cancelled"]
    assert context.family().list_invitations(demo.margaret) == []
    assert helpers_of(demo) == {"Linda Chen": LINDAS}


# ---- changing what a helper may do --------------------------------------------------------------


def test_stop_linda_seeing_my_balance_takes_effect_at_once(demo: DemoBank) -> None:
    tracker = on("voice", demo.conversation(), text="stop linda seeing my balance")
    dispatcher, events = run(ActionStartChangeHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_permission_withdrawn"]
    assert values(dispatcher)["ability"] == "see your balance"
    assert slots_set(events)["helper_step"] == "done"
    assert helpers_of(demo) == {"Linda Chen": LINDAS - {VIEW_BALANCE}}


def test_letting_linda_see_more_is_read_back_and_done_only_on_a_plain_yes(
    demo: DemoBank,
) -> None:
    sender = demo.conversation()
    _, events = run(
        ActionStartChangeHelper(), on("chat", sender, text="let linda see my payments too")
    )
    slots = slots_set(events)
    assert slots["helper_step"] == "form"
    assert slots["helper_perm_view_payments"] is True
    assert helpers_of(demo) == {"Linda Chen": LINDAS}  # nothing yet

    filled = {k: v for k, v in slots.items() if k != "helper_step"}
    asked = on("chat", sender, form="helper_permissions_form", slots=filled)
    _, next_slot = validate(ValidateHelperPermissionsForm(), asked)
    assert next_slot["requested_slot"] == "helper_change_confirmed"
    dispatcher, _ = run(ActionAskHelperChangeConfirmed(), asked)
    assert responses(dispatcher) == ["utter_confirm_helper_permissions"]
    assert dispatcher.messages[0]["custom"]["readback"]["kind"] == HELPER_GRANT

    answered = on(
        "chat",
        sender,
        text="yes",
        intent="affirm",
        slots={**filled, "helper_change_confirmed": True},
    )
    unconfirmed, _ = run(ActionSubmitChangeHelper(), answered)
    assert responses(unconfirmed) == ["utter_helper_permissions_not_confirmed"]
    assert helpers_of(demo) == {"Linda Chen": LINDAS}

    record_plain_yes(demo, sender, HELPER_GRANT, change_details(answered))
    done, _ = run(ActionSubmitChangeHelper(), answered)
    assert responses(done) == ["utter_helper_permissions_changed"]
    assert helpers_of(demo) == {"Linda Chen": LINDAS | {VIEW_PAYMENTS}}


def test_an_unclear_change_goes_through_the_permissions_and_less_needs_no_read_back(
    demo: DemoBank,
) -> None:
    sender = demo.conversation()
    _, events = run(ActionStartChangeHelper(), on("chat", sender, text="change what linda can see"))
    slots = slots_set(events)
    assert all(slots.get(slot) is None for slot in PERMISSION_SLOTS.values())
    answers = {slot: False for slot in PERMISSION_SLOTS.values()}
    answers["helper_perm_receive_alerts"] = True
    filled = {k: v for k, v in slots.items() if k != "helper_step"}
    last = on(
        "chat",
        sender,
        text="no",
        intent="deny",
        form="helper_permissions_form",
        requested_slot="helper_perm_join_calls",
        slots={**filled, **answers, "helper_perm_join_calls": None},
    )
    _, validated = validate(ValidateHelperPermissionsForm(), last)
    assert validated["requested_slot"] is None  # less: no read-back
    done, _ = run(ActionSubmitChangeHelper(), on("chat", sender, slots={**filled, **answers}))
    assert responses(done) == ["utter_helper_permissions_changed"]
    assert helpers_of(demo) == {"Linda Chen": {RECEIVE_ALERTS}}


# ---- who can see, who looked, call --------------------------------------------------------------


def test_who_can_see_my_account_names_each_helper_and_what_they_may_do(demo: DemoBank) -> None:
    context.family().invite(demo.margaret, "Sam", SON, channel="chat")
    dispatcher, _ = run(ActionListHelpers(), on("chat", demo.conversation()))
    assert responses(dispatcher) == ["utter_helper_line", "utter_helper_line_invited"]
    assert values(dispatcher, 0)["abilities"] == (
        "see your balance, get alerts about your account, approve your bigger payments, "
        "and join your phone calls"
    )
    assert values(dispatcher, 1)["helper"] == "Sam"


def look(demo: DemoBank, times: int) -> None:
    (linda,) = context.family().list_helpers(demo.margaret)
    for _ in range(times):
        context.family().helper_view_balance(linda.helper_id, demo.margaret, "portal")


def test_who_looked_says_at_most_three_by_voice_and_where_the_rest_are(demo: DemoBank) -> None:
    look(demo, 5)
    dispatcher, _ = run(ActionWhoLooked(), on("voice", demo.conversation()))
    entries = values(dispatcher)["entries"]
    assert entries.count("Linda Chen looked at your balance today at ") == 3
    assert " in the " in entries or " at night" in entries  # the time in words
    assert entries.endswith("To see more, look on the Helpers page of our website.")


def test_who_looked_by_text_fits_one_segment(demo: DemoBank) -> None:
    look(demo, 6)
    dispatcher, _ = run(ActionWhoLooked(), on("sms", demo.conversation()))
    entries = values(dispatcher)["entries"]
    assert "Linda Chen looked at your balance" in entries
    assert segment_info(entries).segments == 1
    assert entries.endswith("Helpers page of our website.")


def test_who_looked_with_nobody_looking(demo: DemoBank) -> None:
    dispatcher, _ = run(ActionWhoLooked(), on("chat", demo.conversation()))
    assert values(dispatcher)["entries"] == "No helper has looked at your account."


def test_get_linda_on_the_line_rings_her_in_by_phone_only(demo: DemoBank) -> None:
    said = "get linda on the line"
    dispatcher, _ = run(ActionCallHelper(), on("voice", demo.conversation(), text=said))
    assert responses(dispatcher) == ["utter_calling_helper"]
    link_id = int(linda_link(demo).split(":")[1])
    assert dispatcher.messages[0]["custom"] == {"conference": {"link_id": link_id}}

    by_text, _ = run(ActionCallHelper(), on("sms", demo.conversation(), text=said))
    assert responses(by_text) == ["utter_call_helper_by_phone"]
    assert by_text.messages[0]["custom"] == {}


def test_a_helper_who_may_not_join_calls_is_not_rung(demo: DemoBank) -> None:
    (linda,) = context.family().list_helpers(demo.margaret)
    context.family().set_permission(demo.margaret, linda.link_id, JOIN_CALLS, False)
    dispatcher, _ = run(ActionCallHelper(), on("voice", demo.conversation(), text="get linda"))
    assert responses(dispatcher) == ["utter_no_helper_for_calls"]
    assert dispatcher.messages[0]["custom"] == {}


# ---- held payments ------------------------------------------------------------------------------


def pay_tom(demo: DemoBank, sender: str, minor: int = 30000) -> Any:
    tracker = _confirmed_payment(sender, amount=money_slot(minor))
    demo.read_back(tracker)
    return run(ActionSubmitPayment(), tracker)[0]


def test_a_payment_above_the_cosign_amount_waits_and_is_never_said_sent(demo: DemoBank) -> None:
    dispatcher = pay_tom(demo, demo.conversation())
    assert responses(dispatcher) == ["utter_payment_held"]
    said = values(dispatcher)
    assert said["helper"] == "Linda Chen"
    assert said["deadline"].startswith(("today at ", "tomorrow at "))
    assert said["deadline_words"].endswith(("morning", "afternoon", "evening", "night"))
    checking = demo.service.get_account(demo.margaret, "checking")
    assert checking.balance.minor == 125000 and checking.held.minor == 30000


def test_the_balance_and_which_payments_are_waiting_tell_of_the_held_money(
    demo: DemoBank,
) -> None:
    sender = demo.conversation()
    pay_tom(demo, sender)
    balance, _ = run(ActionCheckBalance(), on("chat", sender, text="balance"))
    assert responses(balance) == ["utter_balance_with_held", "utter_balance"]
    assert values(balance)["held"] == "$300.00"
    assert values(balance)["held_words"] == "three hundred dollars"

    waiting, _ = run(ActionHeldPayments(), on("voice", sender))
    assert responses(waiting) == ["utter_held_payments_intro", "utter_held_payment_line"]
    assert values(waiting, 1)["recipient"] == "Tom"
    assert values(waiting, 1)["amount_words"] == "three hundred dollars"


def test_the_only_waiting_payment_is_cancelled_on_yes(demo: DemoBank) -> None:
    sender = demo.conversation()
    pay_tom(demo, sender)
    _, events = run(ActionStartCancelHeld(), on("chat", sender, text="cancel the held payment"))
    chosen = slots_set(events)
    assert chosen["helper_step"] == "form" and chosen["held_payment"]
    slots = {"held_payment": chosen["held_payment"], "held_cancel_confirmed": True}
    dispatcher, _ = run(ActionSubmitCancelHeld(), on("chat", sender, slots=slots))
    assert responses(dispatcher) == ["utter_held_payment_cancelled"]
    assert demo.service.list_holds(demo.margaret) == []
    assert demo.service.get_account(demo.margaret, "checking").held.minor == 0


def test_cancel_with_nothing_waiting_says_so(demo: DemoBank) -> None:
    dispatcher, events = run(ActionStartCancelHeld(), on("chat", demo.conversation()))
    assert responses(dispatcher) == ["utter_no_held_payments"]
    assert slots_set(events) == {"helper_step": "done"}


def test_the_relatives_number_stays_out_of_the_logs(
    demo: DemoBank, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    sender = demo.conversation()
    at_phone(demo, "555 010 0077")
    slots = {**invitation(), "helper_invite_confirmed": True}
    tracker = on("chat", sender, text="yes", intent="affirm", slots=slots)
    record_plain_yes(demo, sender, HELPER_INVITE, invitation_details(tracker))
    dispatcher, _ = run(ActionSubmitAddHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_invited"]
    assert "helper invitation" in caplog.text  # the service logged it, masked
    for spelling in (SON, "5550100077", "010-0077", "010 0077"):
        assert spelling not in caplog.text


def test_letting_linda_do_what_she_may_already_do_changes_nothing_and_asks_nothing(
    demo: DemoBank,
) -> None:
    tracker = on("chat", demo.conversation(), text="let linda see my balance too")
    dispatcher, events = run(ActionStartChangeHelper(), tracker)
    assert responses(dispatcher) == ["utter_helper_permissions_unchanged"]
    assert slots_set(events)["helper_step"] == "done"
    assert helpers_of(demo) == {"Linda Chen": LINDAS}
