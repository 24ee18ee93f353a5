"""Off-script answers at every step of every form, end to end through the running stack.

The forms and their steps come from ``domain.yml``: a form added later joins the matrix by
itself, and fails loudly until it has a route below (how to open it and answer each step) and
its "Inside a form" rules in ``data/rules.yml``. At every step, each off-script answer
(goodbye, thanks, yes, no, repeat, help, slower, faster, a person, an unrelated question, a
question about recent payments, gibberish) must get a kind, sensible answer through the chat
path: the answer meant for it (from the domain's responses), never "What would you like to
do?" out of nowhere, a balance nobody asked for or another skill's answer; then the same
question again, except after goodbye, which ends the form with nothing more said. Nothing
moves: every case checks the balances and the saved payees in the bank itself.

At a read-back (a yes/no slot) "yes" is the on-script answer (tests/e2e/test_readback_e2e.py)
and is left out; "no" there is the customer declining, which ends the form and moves nothing.

By voice (signed Twilio webhooks), one call walks every step of every form: silence (an empty
SpeechResult) gets the step's own question again, the pace goes one step slower or faster on
request down to the slowest rate, and a goodbye half way ends the call.

One verified conversation (one call, one text conversation) is reused throughout: the bank's
PIN throttle allows a few checks a minute from one source, and a real customer would not
start over either.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own TwiML
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import yaml
from babel.dates import format_date

from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from assistant.texts import text as voice_text
from assistant.worker.wiring import build_worker
from family.links.service import FamilyLinks
from tests.e2e.chat import Chat
from tests.e2e.portal_client import last_seq, texted_code
from tests.e2e.test_sms_e2e import fresh_sms_state
from tests.e2e.test_sms_e2e import text as sms
from tests.e2e.test_voice_e2e import Call, gather

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
MARGARET, MARGARET_PIN = "+15550100001", "2468"
RAVI = "+15550100002"

#: Every form of the domain and its steps, in the order the form asks them.
FORMS: Dict[str, List[str]] = {
    name: list(spec.get("required_slots") or []) for name, spec in DOMAIN["forms"].items()
}
#: Steps answered with yes or no (read-backs): their "yes" is on script.
YES_NO_SLOTS = {name for name, slot in DOMAIN["slots"].items() if slot.get("type") == "bool"}


@dataclass(frozen=True)
class Route:
    """How to reach each step of a form as Margaret."""

    opening: str  # the request that opens the form
    answers: Dict[str, str]  # an on-script answer for every step
    declined: str  # what the form says when its read-back is answered no
    asks: Dict[str, str] = field(default_factory=dict)  # the question, if not utter_ask_<slot>
    free_text: frozenset = frozenset()  # steps any words may answer (a name)
    voice_answers: Dict[str, str] = field(default_factory=dict)  # spoken, where they differ
    voice_keys: Dict[str, str] = field(default_factory=dict)  # typed on the keypad by phone
    # Yes-or-no steps where both answers are on script (a permission), not a read-back.
    either_answer: frozenset = frozenset()
    # Steps only a text message asks (the numbered list of permissions): not walked here.
    sms_only: frozenset = frozenset()
    # What the bank needs before the form can ask every step (a second helper to choose).
    setup: Optional[Callable[[Any], None]] = None


def second_helper(stack) -> None:  # noqa: ANN001
    """Margaret gets a second helper, Rosa (only alerts), so "Which helper?" is asked."""
    settings = stack.settings
    sessions = session_factory(settings.bank_database_url)
    links = FamilyLinks(sessions, settings, wake=build_worker(settings, sessions).deliver_soon)
    customer = bank(stack).find_customer_by_phone(MARGARET).id
    if any(h.name == "Rosa" for h in links.list_helpers(customer)):
        return
    before = last_seq(settings, ROSA)
    result = links.invite(customer, "Rosa", ROSA, channel="chat")
    assert result.sent, result
    code, _ = texted_code(settings, ROSA, after=before)
    helper = links.sign_in(ROSA, code, "203.0.113.7")
    assert helper is not None and helper.accepted is not None
    assert links.confirm_helper(customer, helper.accepted.link_id, True, "chat")


def two_waiting_payments(stack) -> None:  # noqa: ANN001
    """Two of Margaret's payments to Tom (paid before: no scam pause) wait for Linda's
    co-sign, so "Which payment?" is asked."""
    from assistant.bank import banking_service
    from assistant.money import Money

    service = banking_service(session_factory(stack.settings.bank_database_url), stack.settings)
    customer = service.find_customer_by_phone(MARGARET).id
    for name, minor in (("Tom", 30100), ("Tom", 25100)):
        payee = service.resolve_payee(customer, name)[0]
        key = f"off-script-matrix:{name}:{minor}"
        receipt = service.pay_payee(customer, "checking", payee.id, Money(minor, "USD"), key)
        assert receipt.held, receipt


ROSA = "+15550100088"
PERMISSION_STEPS = frozenset(
    {
        "helper_perm_view_balance",
        "helper_perm_view_payments",
        "helper_perm_receive_alerts",
        "helper_perm_approve_payments",
        "helper_perm_join_calls",
    }
)
EVERY_PERMISSION = {step: "yes" for step in PERMISSION_STEPS}


ROUTES: Dict[str, Route] = {
    "payment_form": Route(
        opening="I'd like to send some money",
        answers={
            "recipient": "Tom",
            "amount": "twenty five dollars",
            "from_account": "from checking",
            "payment_confirmed": "yes",
        },
        asks={"recipient": "utter_ask_recipient", "payment_confirmed": "utter_confirm_payment"},
        declined="utter_payment_not_sent",
    ),
    "add_payee_form": Route(
        opening="I want to add someone new to pay",
        answers={
            "new_payee_name": "Rosa Diaz",
            "new_payee_account": "12345678",
            "new_payee_confirmed": "yes",
        },
        asks={"new_payee_confirmed": "utter_confirm_new_payee"},
        declined="utter_payee_not_added",
        free_text=frozenset({"new_payee_name"}),
        voice_answers={"new_payee_account": "one two three four five six seven eight"},
    ),
    "add_helper_form": Route(
        opening="I'd like my grandson to help me with my banking",
        answers={
            "helper_name": "Sam Lee",
            "helper_phone": "555 010 0066",
            "helper_phone_confirmed": "yes",
            "helper_permission_numbers": "1 3",
            **EVERY_PERMISSION,
            "helper_invite_confirmed": "yes",
        },
        asks={
            "helper_phone_confirmed": "utter_confirm_helper_phone",
            "helper_invite_confirmed": "utter_confirm_helper_invite",
        },
        declined="utter_helper_not_invited",
        free_text=frozenset({"helper_name"}),
        voice_keys={"helper_phone": "5550100066"},
        either_answer=frozenset({"helper_phone_confirmed", *PERMISSION_STEPS}),
        sms_only=frozenset({"helper_permission_numbers"}),
    ),
    "remove_helper_form": Route(
        opening="I want to remove one of my helpers",
        answers={"helper_link": "Linda Chen", "helper_remove_confirmed": "yes"},
        asks={"helper_remove_confirmed": "utter_confirm_remove_helper"},
        declined="utter_helper_kept",
        setup=second_helper,
    ),
    "helper_permissions_form": Route(
        opening="I'd like to change what my helpers can do",
        answers={
            "helper_link": "Linda Chen",
            "helper_permission_numbers": "1 2 3 4 5",
            **EVERY_PERMISSION,
            "helper_change_confirmed": "yes",
        },
        asks={"helper_change_confirmed": "utter_confirm_helper_permissions"},
        declined="utter_helper_permissions_unchanged",
        either_answer=PERMISSION_STEPS,
        sms_only=frozenset({"helper_permission_numbers"}),
        setup=second_helper,
    ),
    "cancel_held_form": Route(
        opening="I'd like to cancel a payment that is waiting",
        answers={"held_payment": "$301.00 Tom", "held_cancel_confirmed": "yes"},
        voice_answers={"held_payment": "three hundred and one dollars to Tom"},
        asks={"held_cancel_confirmed": "utter_confirm_cancel_held"},
        declined="utter_held_payment_kept",
        setup=two_waiting_payments,
    ),
    "safety_limit_form": Route(
        opening="I'd like to change my safety limits",
        answers={
            "safety_limit_name": "by phone",
            "safety_limit_value": "five hundred dollars",
            "safety_limit_confirmed": "yes",
        },
        asks={
            "safety_limit_value": "utter_ask_safety_limit_value",
            "safety_limit_confirmed": "utter_confirm_limit_now",
        },
        declined="utter_limit_not_changed",
    ),
}


def walked(form: str) -> List[str]:
    """The steps of ``form`` a chat or a call asks, in order."""
    route = ROUTES.get(form)
    skipped = route.sms_only if route else frozenset()
    return [step for step in FORMS[form] if step not in skipped]


def _responses(prefix: str) -> Tuple[str, ...]:
    """Every response for one step, whatever the filter or kind (``utter_transactions_intro``,
    ``utter_transactions_intro_with_payee``, ...)."""
    return tuple(name for name in DOMAIN["responses"] if name.startswith(prefix))


RECENT_INTROS = _responses("utter_transactions_intro")
NO_RECENT = _responses("utter_no_transactions")
RECENT_LINES = _responses("utter_transaction_line")


@dataclass(frozen=True)
class OffScript:
    words: str
    #: One of these responses must be said (none: the question alone, as for repeat).
    expect: Tuple[str, ...]
    resumes: bool = True  # the same question follows
    #: Responses that are right for this answer although wrong for the others.
    allowed: Tuple[str, ...] = ()


OFF_SCRIPT: Dict[str, OffScript] = {
    "goodbye": OffScript("thank you goodbye", ("utter_goodbye_in_form",), resumes=False),
    "thanks": OffScript("oh thanks very much", ("utter_you_are_welcome_in_form",)),
    "yes": OffScript("yes", ("utter_affirm_in_form",)),
    "no": OffScript("no", ("utter_deny_in_form",)),
    "repeat": OffScript("sorry what was that again", ()),
    "help": OffScript("i'm not sure what to say", ("utter_help_in_form",)),
    "slower": OffScript("slower please", ("utter_slower_ok",)),
    "faster": OffScript("you can go a bit faster", ("utter_faster_ok",)),
    "person": OffScript("can i talk to a real person", ("utter_talk_to_human",)),
    "balance": OffScript(
        "how much is in my savings", ("utter_balance",), allowed=("utter_balance",)
    ),
    "recent": OffScript(
        "who did I pay last week",
        (*RECENT_INTROS, *NO_RECENT),
        allowed=(*RECENT_INTROS, *NO_RECENT, *RECENT_LINES),
    ),
    "gibberish": OffScript(
        "wibble frobnitz quorp",
        # Not understood; or, where a name or number is asked, not one we know or could use.
        (
            "utter_default",
            "utter_fallback_choices",
            "utter_unknown_payee",
            "utter_bad_account_number",
            "utter_helper_bad_number",
            "utter_helper_not_found",
            "utter_held_payment_not_found",
        ),
        allowed=("utter_fallback_choices",),
    ),
}
#: Never right half way through a form: they answer as if no question were open, or belong
#: to another skill, or tell a balance or payments nobody asked for, or move something.
WRONG_IN_A_FORM = (
    "utter_how_can_i_help",
    "utter_inform_without_task",
    "utter_no_problem",
    "utter_you_are_welcome",
    "utter_goodbye",
    "utter_greet",
    "utter_greet_by_name",
    "utter_nothing_to_cancel",
    "utter_no_helpers",
    "utter_no_current_warnings",
    "utter_current_warning",
    "utter_current_warnings",
    "utter_report_fraud",
    "utter_ask_pin",
    "utter_cancelled",
    "utter_balance",
    *RECENT_INTROS,
    *NO_RECENT,
    *RECENT_LINES,
    "utter_fallback_choices",
    "utter_payment_done",
    "utter_transfer_done",
    "utter_payee_added",
)


def cases() -> Iterator[Any]:
    for form in FORMS:
        either = ROUTES[form].either_answer if form in ROUTES else frozenset()
        for slot in walked(form):
            for kind in OFF_SCRIPT:
                if kind == "yes" and slot in YES_NO_SLOTS:
                    continue  # a read-back's own answer
                if kind == "no" and slot in either:
                    continue  # no is as much an answer here as yes
                yield pytest.param(form, slot, kind, id=f"{form}-{slot}-{kind}")


# ---- the domain's wording ---------------------------------------------------------------------


def variation(response: str, channel: Optional[str] = None) -> str:
    """The wording of ``response`` on ``channel`` (its default when there is none)."""
    assert response in DOMAIN["responses"], f"{response} is not a response in domain.yml"
    variations = DOMAIN["responses"][response]
    default = next(v for v in variations if not v.get("channel"))
    chosen = next((v for v in variations if v.get("channel") == channel), default)
    return chosen.get("text") or default["text"]


@lru_cache
def pattern(response: str, channel: Optional[str] = None) -> re.Pattern:
    """A response's wording with its {values} as wildcards."""
    parts = re.split(r"\{\w+\}", variation(response, channel))
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


def says(texts: List[str], response: str, channel: Optional[str] = None) -> bool:
    return any(pattern(response, channel).fullmatch(t) for t in texts)


def question_of(route: Route, slot: str) -> str:
    return route.asks.get(slot, f"utter_ask_{slot}")


# ---- the bank ---------------------------------------------------------------------------------


def bank(stack) -> LedgerBankingService:  # noqa: ANN001
    return LedgerBankingService(session_factory(stack.settings.bank_database_url))


def snapshot(stack, phone: str = MARGARET) -> Tuple[Any, ...]:  # noqa: ANN001
    """Balances and saved payees: what must not change off script."""
    service = bank(stack)
    customer = service.find_customer_by_phone(phone)
    accounts = tuple(sorted((a.kind, a.balance.minor) for a in service.list_accounts(customer.id)))
    payees = tuple(sorted(p.name for p in service.list_payees(customer.id)))
    return accounts, payees


# ---- one verified chat conversation, walked to each step --------------------------------------


class Walker:
    """Margaret's chat conversation, verified once, brought to any step of any form."""

    def __init__(self, http: httpx.Client, stack: Any) -> None:
        self.stack = stack
        self.chat = Chat(http, MARGARET)
        assert self.chat.say("what is my balance")["awaiting_pin"]
        reply = self.chat.text(MARGARET_PIN)
        assert "right" in reply, reply
        self.at: Optional[Tuple[str, str, str]] = None  # form, step, its question
        self.in_form = False

    def say(self, words: str) -> Dict[str, Any]:
        return self.chat.say(words)

    def to_step(self, form: str, slot: str) -> str:
        """Bring the conversation to ``slot`` of ``form``; the question it asks there."""
        if self.at is not None and self.at[:2] == (form, slot):
            return self.at[2]
        route = ROUTES.get(form)
        assert route is not None, (
            f"{form} has no route in {__name__}.ROUTES: say how to open it and answer each step"
        )
        missing = [s for s in FORMS[form] if s not in route.answers]
        assert not missing, f"{form}: no answer in ROUTES for {missing}"
        if self.in_form:
            self.say("cancel")  # start afresh
        if route.setup is not None:
            route.setup(self.stack)
        self.at, self.in_form = None, True
        turn = self.say(route.opening)
        for step in walked(form):
            texts = [m["text"] for m in turn["messages"]]
            asked = question_of(route, step)
            assert texts and pattern(asked).fullmatch(texts[-1]), (
                f"{form}: expected {asked} for {step}, got {texts}"
            )
            if step == slot:
                self.at = (form, slot, texts[-1])
                return texts[-1]
            turn = self.say(route.answers[step])
        raise AssertionError(f"{slot} is not a step of {form}")


@pytest.fixture(scope="module")
def walker(gateway: httpx.Client, stack) -> Iterator[Walker]:  # noqa: ANN001
    yield Walker(gateway, stack)
    undo_setups(stack)


def undo_setups(stack) -> None:  # noqa: ANN001
    """What the routes' setups added goes again: Rosa, and the payments waiting for Linda."""
    from assistant.bank import banking_service

    settings = stack.settings
    sessions = session_factory(settings.bank_database_url)
    service = banking_service(sessions, settings)
    customer = service.find_customer_by_phone(MARGARET).id
    for hold in service.list_holds(customer):
        if hold.amount.minor in (30100, 25100):
            service.cancel_hold(customer, hold.id, actor=f"customer:{customer}")
    links = FamilyLinks(sessions, settings, banking=service)
    for helper in links.list_helpers(customer):
        if helper.name == "Rosa":
            links.remove_helper(customer, helper.link_id, "chat")


@pytest.fixture(scope="module")
def gateway(stack) -> Iterator[httpx.Client]:  # noqa: ANN001
    with httpx.Client(base_url=stack.settings.gateway_url, timeout=60) as http:
        yield http


def test_every_form_has_a_route() -> None:
    assert FORMS, "domain.yml has no forms"
    assert set(ROUTES) == set(FORMS), "each form in domain.yml needs a route here"
    for form, route in ROUTES.items():
        assert set(route.answers) == set(FORMS[form]), form
        for slot in walked(form):
            assert question_of(route, slot) in DOMAIN["responses"], (form, slot)
        assert route.declined in DOMAIN["responses"], form


@pytest.mark.parametrize(("form", "slot", "kind"), list(cases()))
def test_an_off_script_answer_gets_a_kind_answer_and_the_same_question_again(
    stack,  # noqa: ANN001
    walker: Walker,
    form: str,
    slot: str,
    kind: str,
) -> None:
    question = walker.to_step(form, slot)
    route, answer = ROUTES[form], OFF_SCRIPT[kind]
    before = snapshot(stack)
    walker.at = None  # until this answer proves it is still there
    turn = walker.say(answer.words)
    texts = [m["text"] for m in turn["messages"]]
    assert texts and all(t.strip() for t in texts), texts

    declined = kind == "no" and slot in YES_NO_SLOTS
    taken = kind == "gibberish" and slot in route.free_text
    if kind == "goodbye":
        # Ends cleanly: the goodbye and nothing after it (no question, no other answer).
        assert len(texts) == 1 and says(texts, "utter_goodbye_in_form"), texts
        walker.in_form = False
        after = walker.say("how much is in my checking")
        after_texts = [m["text"] for m in after["messages"]]
        assert says(after_texts, "utter_balance"), after_texts
        assert question not in after_texts, "the form came back after goodbye"
    elif declined:
        assert says(texts, route.declined) and question not in texts, texts
        walker.in_form = False
    elif taken:
        # Any words may be a name: taken, and read back before anything is saved.
        assert question not in texts, texts
        walker.in_form = True
    else:
        if answer.expect:
            assert any(says(texts, r) for r in answer.expect), (kind, texts)
        else:
            assert texts == [question], texts
        assert texts[-1] == question, f"not asked again after {kind!r}: {texts}"
        assert question not in texts[:-1], texts  # asked once, at the end
        wrong = [r for r in WRONG_IN_A_FORM if r not in answer.allowed and says(texts, r)]
        assert wrong == [], (kind, texts)
        walker.at = (form, slot, question)
    assert snapshot(stack) == before, "something moved"


def test_how_much_is_the_bill_is_answered_and_the_amount_asked_again(
    stack,  # noqa: ANN001
    walker: Walker,
) -> None:
    if walker.in_form:
        walker.say("cancel")
    walker.at, walker.in_form = None, True
    asked = walker.say("I need to pay my electricity bill")
    question = asked["messages"][-1]["text"]
    assert pattern("utter_ask_amount").fullmatch(question), asked
    before = snapshot(stack)
    texts = [m["text"] for m in walker.say("how much is it")["messages"]]
    assert says(texts, "utter_amount_due_unknown") and texts[-1] == question, texts
    assert not says(texts, "utter_balance"), texts
    assert snapshot(stack) == before


def test_by_text_spending_on_feed_in_a_month_lists_only_the_feed_payments(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    service = bank(stack)
    ravi = service.find_customer_by_phone(RAVI)
    feed = service.recent_transactions(ravi.id, payee="Green Valley Feed", limit=50)
    assert feed, "the demo bank has feed payments"
    month = feed[0].date.replace(day=1)
    in_month = [t for t in feed if t.date.replace(day=1) == month]
    fresh_sms_state(stack, RAVI)
    abbreviation = format_date(month, "MMM", locale="en_US").lower()
    sms(stack, gateway, f"wat did i spend on feed in {abbreviation}", "SM" + uuid.uuid4().hex)
    (reply,) = sms(stack, gateway, "1357", "SM" + uuid.uuid4().hex)
    lines = [line for line in reply.splitlines() if line.strip()]
    header = next(i for i, line in enumerate(lines) if line.startswith("Recent"))
    assert "Green Valley Feed" in lines[header], reply  # "Recent with Green Valley Feed ..."
    listed = lines[header + 1 :]
    assert len(listed) == min(len(in_month), 4), reply
    assert all("Green Valley" in line for line in listed), reply


# ---- by voice: silence, pace and goodbye at every step, in one call ---------------------------


def lines_of(twiml: ET.Element) -> List[str]:
    return [" ".join("".join(s.itertext()).split()) for s in twiml.iter("Say")]


def rates_of(twiml: ET.Element) -> set:
    return {p.get("rate") for p in twiml.iter("prosody")}


def test_by_voice_silence_gets_the_same_question_the_pace_steps_and_goodbye_hangs_up(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    steps = stack.settings.voice_rate_steps
    call = Call(gateway, stack, MARGARET)
    assert rates_of(call.start()) == {steps[0]}  # every caller starts at one pace
    before = snapshot(stack)
    forms = list(FORMS)
    rate = steps[1]
    for index, form in enumerate(forms):
        route = ROUTES.get(form)
        assert route is not None, f"{form} has no route in ROUTES"
        if route.setup is not None:
            route.setup(stack)
        heard = call.answer(route.opening)
        if gather(heard) is not None and gather(heard).get("input") == "dtmf":
            heard = call.answer(digits=MARGARET_PIN)  # the PIN, once per call
            assert rates_of(heard) == {rate}  # then her own pace: one step down
        form_steps = walked(form)
        for position, slot in enumerate(form_steps):
            question = lines_of(heard)[-1]
            asked = question_of(route, slot)
            assert pattern(asked, "voice").fullmatch(question), (form, slot, lines_of(heard))
            for count in (1, 2):
                quiet = call.answer()  # an empty SpeechResult
                assert lines_of(quiet) == [
                    voice_text(f"voice_reprompt_question_{count}", question=question)
                ], lines_of(quiet)
                assert gather(quiet) is not None and quiet.find("Hangup") is None
            if index == 0 and position == 1:
                # "slower" goes one step further each time, down to the slowest; "faster" back.
                for expected in steps[2:]:
                    slower = call.answer("slower please")
                    rate = expected
                    assert rates_of(slower) == {rate}
                    assert lines_of(slower) == [voice_text("voice_slower"), question]
                slowest = call.answer("slower")
                assert rates_of(slowest) == {rate}
                assert lines_of(slowest) == [voice_text("voice_slowest"), question]
                faster = call.answer("a bit faster please")
                rate = steps[-2]
                assert rates_of(faster) == {rate}
                assert lines_of(faster) == [voice_text("voice_faster"), question]
            last = index == len(forms) - 1 and position == len(form_steps) - 1
            if last:
                goodbye = call.answer("thank you goodbye")
                assert gather(goodbye) is None and goodbye.find("Hangup") is not None
                assert lines_of(goodbye) == [variation("utter_goodbye_in_form", "voice")]
                assert rates_of(goodbye) == {rate}
                break
            if slot in YES_NO_SLOTS and slot not in route.either_answer:
                declined = call.answer("no")
                assert pattern(route.declined, "voice").fullmatch(lines_of(declined)[-1])
                break
            if slot in route.voice_keys:
                heard = call.answer(digits=route.voice_keys[slot])
            else:
                heard = call.answer(route.voice_answers.get(slot, route.answers[slot]))
            assert rates_of(heard) == {rate}
    assert snapshot(stack) == before, "something moved"
    undo_setups(stack)
