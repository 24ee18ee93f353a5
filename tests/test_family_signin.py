"""One-time codes and the helper portal's passwordless sign-in (issue 9 items 1 and 2): codes
stored only as a keyed hash and never logged, single use, dead after 5 wrong tries, expiring;
every number answered alike; texts capped per number and per client address."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.schema import metadata
from family.links import codes
from family.links.models import Helper, HelperCode
from tests.family_support import (
    LINDA_PHONE,
    MARGARET_PHONE,
    NIECE,
    SON,
    T0,
    Family,
    make_family,
)

ADDRESS = "203.0.113.9"
UNKNOWN = "+15550100555"


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_codes_are_six_random_digits() -> None:
    drawn = {codes.new_code() for _ in range(200)}
    assert all(re.fullmatch(r"\d{6}", code) for code in drawn)
    assert len(drawn) > 190


def test_a_code_is_kept_only_as_a_keyed_hash_bound_to_its_number(
    family: Family, margaret_id: int
) -> None:
    code = family.invite(margaret_id)
    with family.sessions() as session:
        (row,) = session.execute(select(HelperCode)).scalars()
    key = family.settings.helper_code_key()
    assert row.code_hash == codes.code_hash(key, SON, code)
    assert row.code_hash != codes.code_hash("another key", SON, code)
    assert row.code_hash != codes.code_hash(key, NIECE, code)
    assert code not in row.code_hash


def test_the_code_key_comes_from_the_environment_else_a_local_secret(tmp_path) -> None:
    from assistant.settings import Settings

    assert Settings(home=tmp_path, helper_code_secret="k1").helper_code_key() == "k1"
    local = Settings(home=tmp_path).helper_code_key()
    assert local and local == Settings(home=tmp_path).helper_code_key()
    assert (tmp_path / "helper-code-key").stat().st_mode & 0o077 == 0


def test_no_code_is_stored_in_plain_or_logged(
    family: Family, margaret_id: int, monkeypatch, caplog
) -> None:
    """Invitation and sign-in codes appear only in the outbox body waiting for delivery
    (emptied once sent), in no other table, audit row or log line."""
    issued = iter(["918273", "827364"])
    monkeypatch.setattr(codes, "new_code", lambda: next(issued))
    caplog.set_level(logging.DEBUG)
    family.links.invite(margaret_id, "Sam", SON, channel="web")
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS)
    assert family.links.sign_in(SON, "918273", ADDRESS) is not None
    assert family.links.sign_in(LINDA_PHONE, "827364", ADDRESS) is not None
    assert family.links.sign_in(LINDA_PHONE, "918273", ADDRESS) is None

    with family.sessions() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(table.select()).mappings():
                for column, value in row.items():
                    if (table.name, column) == ("outbox_messages", "body"):
                        continue
                    for code in ("918273", "827364"):
                        assert code not in str(value), (table.name, column)
    bodies = [m.body for m in family.outbox()]
    assert any("918273" in b for b in bodies) and any("827364" in b for b in bodies)
    for record in caplog.records:
        assert "918273" not in record.getMessage() and "827364" not in record.getMessage()


def test_five_wrong_tries_kill_a_code(family: Family, margaret_id: int) -> None:
    code = family.invite(margaret_id)
    for _ in range(5):
        assert family.links.sign_in(SON, _wrong(code), ADDRESS) is None
    assert family.links.sign_in(SON, code, ADDRESS) is None
    with family.sessions() as session:
        (row,) = session.execute(select(HelperCode)).scalars()
    assert (row.wrong_tries, row.used_at) == (5, None)


def test_four_wrong_tries_still_leave_the_right_code_working(
    family: Family, margaret_id: int
) -> None:
    code = family.invite(margaret_id)
    for _ in range(4):
        assert family.links.sign_in(SON, _wrong(code), ADDRESS) is None
    assert family.links.sign_in(SON, f"{code[:3]} {code[3:]}", ADDRESS) is not None


def test_a_wrong_code_counts_against_every_live_code_of_the_number(family: Family) -> None:
    """Asking for more codes buys no more guesses."""
    for _ in range(3):
        family.links.request_sign_in_code(LINDA_PHONE, ADDRESS)
    sent = [re.search(r"\d{6}", m.body).group(0) for m in family.outbox(LINDA_PHONE)]
    wrong = next(c for c in (f"{n:06d}" for n in range(10)) if c not in sent)
    for _ in range(5):
        assert family.links.sign_in(LINDA_PHONE, wrong, ADDRESS) is None
    for code in sent:
        assert family.links.sign_in(LINDA_PHONE, code, ADDRESS) is None


def test_a_used_code_is_refused(family: Family, margaret_id: int) -> None:
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS)
    code = family.last_code(LINDA_PHONE)
    first = family.links.sign_in(LINDA_PHONE, code, ADDRESS)
    assert first is not None and first.name == "Linda Chen" and first.accepted is None
    assert family.links.sign_in(LINDA_PHONE, code, ADDRESS) is None


def test_a_used_invitation_code_cannot_accept_again(family: Family, margaret_id: int) -> None:
    helper = family.accept(margaret_id)
    code = family.outbox(SON)[0].body
    code = re.search(r"\b(\d{6})\b", code).group(1)
    assert family.links.accept_invitation(helper.helper_id, code) is None
    assert family.links.sign_in(SON, code, ADDRESS) is None


def test_a_sign_in_code_lasts_its_minutes(family: Family) -> None:
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS, now=T0)
    code = family.last_code(LINDA_PHONE)
    assert family.links.sign_in(LINDA_PHONE, code, ADDRESS, now=T0 + timedelta(minutes=10)) is None
    assert family.links.sign_in(LINDA_PHONE, code, ADDRESS, now=T0 + timedelta(minutes=9))


def test_the_sign_in_text_gives_the_code_and_warns_not_to_share_it(family: Family) -> None:
    family.links.request_sign_in_code("+1 555-010-0003", ADDRESS)
    (message,) = family.outbox(LINDA_PHONE)
    assert message.purpose == "helper_sign_in"
    assert message.dedupe_key.startswith("helper_sign_in:")
    assert "Do not share it" in message.body and "10 minutes" in message.body
    assert family.woken == [message.id]


def test_every_number_gets_the_same_answer_and_only_invited_or_linked_ones_a_text(
    family: Family, margaret_id: int
) -> None:
    family.links.invite(margaret_id, "Sam", SON)
    answers = [
        family.links.request_sign_in_code(phone, ADDRESS)
        for phone in (LINDA_PHONE, SON, UNKNOWN, MARGARET_PHONE, "not a number")
    ]
    assert answers == [None] * 5
    assert [m.to_phone for m in family.outbox()] == [SON, LINDA_PHONE, SON]
    assert family.links.sign_in(UNKNOWN, "123456", ADDRESS) is None


def test_a_removed_helper_gets_no_more_sign_in_codes(family: Family, margaret_id: int) -> None:
    (linda,) = family.links.list_helpers(margaret_id)
    family.links.remove_helper(margaret_id, linda.link_id, "voice")
    before = len(family.outbox(LINDA_PHONE))
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS)
    assert len(family.outbox(LINDA_PHONE)) == before


def test_sign_in_codes_are_capped_per_number_each_hour(family: Family) -> None:
    for n in range(5):
        family.links.request_sign_in_code(LINDA_PHONE, f"198.51.100.{n}", now=T0)
    assert len(family.outbox(LINDA_PHONE)) == 3
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS, now=T0 + timedelta(minutes=61))
    assert len(family.outbox(LINDA_PHONE)) == 4


def test_sign_in_codes_are_capped_per_address_counting_unknown_numbers(
    family: Family,
) -> None:
    for n in range(10):
        family.links.request_sign_in_code(f"+1555019{n:04d}", ADDRESS, now=T0)
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS, now=T0)
    assert family.outbox() == []
    family.links.request_sign_in_code(LINDA_PHONE, "198.51.100.7", now=T0)
    assert len(family.outbox(LINDA_PHONE)) == 1


def test_an_address_with_many_wrong_codes_is_refused_even_the_right_one(
    family: Family, margaret_id: int
) -> None:
    family.links.request_sign_in_code(LINDA_PHONE, "198.51.100.7", now=T0)
    code = family.last_code(LINDA_PHONE)
    for n in range(20):
        assert family.links.sign_in(f"+1555019{n:04d}", "123456", ADDRESS, now=T0) is None
    assert family.links.sign_in(LINDA_PHONE, code, ADDRESS, now=T0) is None
    assert family.links.sign_in(LINDA_PHONE, code, "198.51.100.7", now=T0) is not None


def test_an_invitation_code_signs_a_new_relative_in_and_accepts(
    family: Family, margaret_id: int
) -> None:
    code = family.invite(margaret_id, "Sam", SON)
    session = family.links.sign_in(SON, code, ADDRESS)
    assert session is not None and session.name == "Sam"
    assert session.accepted is not None and session.accepted.customer_name == "Margaret Chen"
    with family.sessions() as db:
        assert db.execute(select(Helper.name).where(Helper.phone == SON)).scalar_one() == "Sam"
    assert [e.actor for e in family.audits("helper_signed_in")] == [f"helper:{session.helper_id}"]


def test_a_relative_who_lost_the_invitation_text_can_sign_in_and_accept_with_the_code(
    family: Family, margaret_id: int
) -> None:
    invitation_code = family.invite(margaret_id, "Sam", SON)
    family.links.request_sign_in_code(SON, ADDRESS)
    session = family.links.sign_in(SON, family.last_code(SON), ADDRESS)
    assert session is not None and session.accepted is None
    (open_invitation,) = family.links.invitations_for(session.helper_id)
    assert open_invitation.customer_name == "Margaret Chen"
    accepted = family.links.accept_invitation(session.helper_id, invitation_code)
    assert accepted is not None and accepted.customer_name == "Margaret Chen"
    assert family.links.invitations_for(session.helper_id) == []


def test_a_signed_in_helper_accepts_a_second_customers_invitation(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS)
    linda = family.links.sign_in(LINDA_PHONE, family.last_code(LINDA_PHONE), ADDRESS)
    code = family.invite(ravi_id, "Linda", LINDA_PHONE)
    assert family.links.accept_invitation(linda.helper_id, _wrong(code)) is None
    accepted = family.links.accept_invitation(linda.helper_id, code)
    assert accepted is not None and accepted.customer_name == "Ravi Kumar"


def test_an_invitation_to_another_number_cannot_be_accepted(
    family: Family, margaret_id: int
) -> None:
    family.links.request_sign_in_code(LINDA_PHONE, ADDRESS)
    linda = family.links.sign_in(LINDA_PHONE, family.last_code(LINDA_PHONE), ADDRESS)
    code = family.invite(margaret_id, "Sam", SON)
    assert family.links.accept_invitation(linda.helper_id, code) is None
    assert family.links.sign_in(SON, code, ADDRESS) is not None
