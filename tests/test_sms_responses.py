"""Every SMS the assistant can send is GSM-7 and short, with realistic worst-case values.

For each response in ``domain.yml`` the text an SMS customer gets is its ``channel: sms``
variation, or the default when it has none. Filled with long but realistic values (a 40-letter
payee, a six-figure balance, a reference), each must be GSM-7 only and at most three segments;
the common ones must fit one segment. The same holds for the words the gateway and the SMS
channel say themselves (``assistant/texts/en/*.yml``), and for the turns that join several
messages (PIN accepted plus balances; recent payments).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

from assistant.messaging.sms_text import MAX_REPLY_SEGMENTS, is_gsm7, segment_info, shape_reply
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.texts import text as say
from fraud.scams import SCAMS

DOMAIN = PROJECT_ROOT / "domain.yml"
TEXTS = PROJECT_ROOT / "assistant" / "texts" / "en"

LONG_PAYEE = "Green Valley Feed and Supply Cooperative"  # 40 letters

# The longest realistic value of every slot a response or text fills in.
WORST_CASE: Dict[str, str] = {
    "name_part": " Bartholomew",
    "payee": LONG_PAYEE,
    "since": "Sep 12",
    "to_account": "checking",
    "account": "checking",
    "account_title": "Checking",
    "balance": "$128,400.00",
    "from_account": "checking",
    "from_account_title": "Checking",
    "accounts": "checking and savings",
    "available": "$128,400.00",
    "amount": "$8,400.00",
    "recipient": LONG_PAYEE,
    "reference": "A1B2C3D4E5",
    "payee_names": f"Linda, Tom, City Power, Riverside Water, or {LONG_PAYEE}",
    "choices": "Thomas, Tomasz, or Tom",
    "name": LONG_PAYEE,
    "filter_part": f" with {LONG_PAYEE} between Sep 12 and Dec 31",
    "date": "Sep 12",
    "short_date": "12/31",
    "description": f"Payment to {LONG_PAYEE}",
    "short_description": "Green Valley Fe.",
    "last4": "4321",
    "old_last4": "4321",
    "new_last4": "8765",
    "until": "12:45 PM",
    "attempts_left": "4",
    "minutes": "15",
    "kind": "checking",
    "outcome": f"Sent $8,400.00 to {LONG_PAYEE}. Ref A1B2C3D4E5",
    "bank_phone": get_settings().bank_phone,
    # family.yml
    "customer": "Margaret Bartholomew-Featherstonehaugh",
    "helper": "Alexandra Bartholomew-Featherstonehaugh",
    "portal": "https://helpers.kindlybank.example.com/helper",
    "code": "123456",
    "hours": "72",
    "when": "yesterday at 12:45 PM",
    "time": "12:45 PM",
    "deadline": "Dec 12 at 12:45 PM",
    # family helpers and held payments (domain.yml, gateway.yml)
    "helper_name": "Alexandra Bartholomew-Featherstonehaugh",
    "phone": "+44 7700 900123",
    "abilities": "see balance, see payments, get alerts, approve big payments, and join your calls",
    "ability": "approve big payments",
    "helper_names": "Linda Chen, Tom Chen, and Alexandra Bartholomew-Featherstonehaugh",
    "entries": (
        "Alexandra Bartholomew-Featherstonehaugh looked at your balance today at 12:45 PM. "
        "To see more, look on the Helpers page of our website."
    ),
    "held": "$8,400.00",
    # scam warnings staff wrote (a text message is 3 segments at most, checked when written)
    "title": "Safe account calls",
    "sms_warning": (
        "Kindly Bank: scammers are calling about a 'safe account'. We never ask you to move "
        "money. Call 1-800-555-0199 if unsure."
    ),
    # scam intervention (scams.yml): the longest warning by text, the longest scam name
    # (and the longest of these and a staff-written warning fills {warning})
    "warning": max(
        [
            "We will never ask you to move money to a safe account.",
            *(say(f"scam_warning_{scam}", "sms") for scam in SCAMS),
        ],
        key=len,
    ),
    "scam": max((say(f"scam_name_{scam}", "sms") for scam in SCAMS), key=len),
    "count": "12",
    # safety limits (domain.yml, safety.yml)
    "way": "by text message",
    "change": "At most $8,400.00 a day for payments by text message",
    "limit": "$8,400.00",
    "left": "$8,400.00",
    "limits": (
        "Max $8,400.00 a day by text; Max $8,400.00 a day by phone; Max $8,400.00 a day "
        "online; New payees wait 24h; Helper asked above $8,400.00."
    ),
    "changes": "From tomorrow at 12:45 PM: Max $8,400.00 a day by text.",
}

# What the customer is told most often: one segment, even with the values above.
ONE_SEGMENT = {
    "utter_greet",
    "utter_greet_by_name",
    "utter_goodbye",
    "utter_you_are_welcome",
    "utter_ask_pin",
    "utter_balance",
    "utter_no_transactions",
    "utter_no_transactions_with_payee",
    "utter_no_transactions_since",
    "utter_no_transactions_between",
    "utter_no_transactions_with_payee_since",
    "utter_no_transactions_with_payee_between",
    "utter_ask_amount",
    "utter_ask_from_account",
    "utter_confirm_payment",
    "utter_confirm_transfer",
    "utter_payment_done",
    "utter_transfer_done",
    "utter_payment_not_sent",
    "utter_cancelled",
    "utter_nothing_to_cancel",
    "utter_insufficient_funds",
    "utter_amount_too_small",
    "utter_same_account",
    "utter_no_such_account",
    "utter_payment_failed",
    "utter_confirm_new_payee",
    "utter_payee_added",
    "utter_card_frozen",
    "utter_card_unfrozen",
    "utter_card_reported_lost",
    "utter_report_fraud",
    "utter_talk_to_human",
    "utter_no_current_warnings",
    "utter_help",
    "utter_help_in_form",
    "utter_default",
    "utter_fallback_choices",
    "utter_fallback_person",
    "utter_out_of_scope",
    "utter_how_can_i_help",
    "pin_thanks",
    "pin_wrong",
    "pin_wrong_one",
    "pin_locked",
    "pin_held",
    "pin_throttled",
    "pin_throttled_one",
    "pin_unprompted",
    "empty_message",
    "too_long",
    "unavailable",
    "sms_help",
    "sms_stopped",
    "sms_started",
    "sms_empty",
    "sms_pin_lockout_alert",
    "family_sign_in_code_sms",
    "utter_confirm_helper_phone",
    "utter_helper_invited",
    "utter_helper_removed",
    "utter_balance_with_held",
    "utter_no_held_payments",
    "utter_held_payment_cancelled",
    "utter_payment_held",
    "utter_who_looked",
    "offer_helper_confirm",
    "hold_released",
}

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str) -> str:
    missing = {name for name in PLACEHOLDER.findall(template) if name not in WORST_CASE}
    assert not missing, f"no worst-case value for {missing} in {template!r}"
    return PLACEHOLDER.sub(lambda match: WORST_CASE[match.group(1)], template)


def sms_variations(response: List[Dict[str, Any]]) -> List[str]:
    """What an SMS customer can get: the sms variations, else the default ones."""
    sms = [v["text"] for v in response if v.get("channel") == "sms" and v.get("text")]
    return sms or [v["text"] for v in response if not v.get("channel") and v.get("text")]


def domain_sms_texts() -> Iterator[Tuple[str, str]]:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    for name, variations in responses.items():
        for template in sms_variations(variations):
            yield name, template


def gateway_sms_texts() -> Iterator[Tuple[str, str]]:
    """The gateway's, SMS channel's and family helpers' own words; voice.yml only where it has an
    sms variation."""
    for path in sorted(TEXTS.glob("*.yml")):
        for key, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if "sms" in entry:
                yield key, entry["sms"]
            elif path.name in {"gateway.yml", "sms.yml", "family.yml"}:
                yield key, entry["default"]


ALL_TEXTS = list(domain_sms_texts()) + list(gateway_sms_texts())


def test_every_response_and_text_is_checked() -> None:
    names = {name for name, _ in ALL_TEXTS}
    assert "utter_balance" in names and "pin_wrong" in names and "sms_help" in names
    assert ONE_SEGMENT <= names, ONE_SEGMENT - names


@pytest.mark.parametrize("name, template", ALL_TEXTS, ids=[name for name, _ in ALL_TEXTS])
def test_every_sms_text_is_gsm7_and_at_most_three_segments(name: str, template: str) -> None:
    filled = fill(template)
    bad = sorted({ch for ch in filled if not is_gsm7(ch)})
    assert not bad, f"{name}: characters that force UCS-2: {bad}"
    info = segment_info(filled)
    limit = 1 if name in ONE_SEGMENT else MAX_REPLY_SEGMENTS
    assert info.segments <= limit, f"{name}: {info.units} characters: {filled!r}"


def domain_sms(name: str) -> str:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    (template,) = sms_variations(responses[name])
    return fill(template)


def turn(*texts: str) -> Any:
    return shape_reply(texts, ending=say("sms_cut", "sms"))


def test_pin_accepted_and_both_balances_fit_one_segment() -> None:
    balances = [
        fill(domain_sms("utter_balance").replace("Checking", kind))
        for kind in ("Checking", "Savings")
    ]
    shaped = turn(say("pin_thanks", "sms"), *balances)
    assert (shaped.info.segments, shaped.info.encoding, shaped.cut) == (1, "GSM-7", False)


def test_pin_accepted_and_a_payment_read_back_fit_one_segment() -> None:
    shaped = turn(say("pin_thanks", "sms"), domain_sms("utter_confirm_payment"))
    assert (shaped.info.segments, shaped.cut) == (1, False)


def test_five_recent_payments_fit_three_segments_without_cutting() -> None:
    lines = [domain_sms("utter_transaction_line")] * 5
    shaped = turn(say("pin_thanks", "sms"), domain_sms("utter_transactions_intro"), *lines)
    assert shaped.info.encoding == "GSM-7"
    assert shaped.info.segments <= MAX_REPLY_SEGMENTS
    assert shaped.cut is False


def test_a_mini_statement_fits_one_segment() -> None:
    """MINI: the intro and the four lines a text message gets, with long values."""
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    (intro,) = sms_variations(responses["utter_transactions_intro"])
    intro = fill(intro.replace("{filter_part}", ""))
    line = domain_sms("utter_transaction_line").replace("$8,400.00", "-$1,312.75")
    shaped = turn(intro, *[line] * 4)
    assert (shaped.info.segments, shaped.info.encoding, shaped.cut) == (1, "GSM-7", False)


def test_the_sms_texts_exist_and_fill_in(tmp_path: Path) -> None:
    for key in ("sms_help", "sms_stopped", "sms_started", "sms_empty", "sms_cut"):
        assert is_gsm7(say(key, "sms"))
    assert "STOP" in say("sms_help", "sms") and "START" in say("sms_stopped", "sms")
