"""Warning broadcasts (fraud/broadcasts): who a warning is for, what staff may write and send,
and the fan-out that texts or calls each customer in the audience once, even after a crash.

On the demo bank: Margaret (prefers calls, 78 on the day the tests happen, Riverside, her
daughter Linda is her helper) and Ravi (prefers texts, 51, Hill Valley, no helper), plus
customers added per test.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select, update

from assistant.clock import local_date
from assistant.db import dispose, session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.messaging.models import OutboxMessage
from assistant.models import Customer
from assistant.settings import Settings
from fraud.broadcasts import pushes
from fraud.broadcasts.audience import Audience, age_band, profile_of
from fraud.broadcasts.errors import Invalid, NotAllowed, NotFound, WrongState
from fraud.broadcasts.service import Broadcasts
from fraud.models import Broadcast, BroadcastHeard
from tests.broadcast_support import (
    ADMIN,
    AGENT,
    FRAUDOPS,
    SMS_TEXT,
    VOICE_TEXT,
    add_customers,
    at,
    audit_actions,
    born,
    draft,
    outbox_rows,
)
from tests.fakes import copy_of_bank

NOW = at()
TODAY = local_date(NOW, "America/New_York")


@pytest.fixture
def sessions(demo_template: Path, tmp_path: Path) -> Iterator[Any]:
    url = copy_of_bank(demo_template, tmp_path)
    yield session_factory(url)
    dispose(url)


def service(
    sessions: Any, tmp_path: Path, woken: list | None = None, **settings: Any
) -> Broadcasts:
    url = str(sessions.kw["bind"].url)
    config = Settings(database_url=url, home=tmp_path / "home", **settings)
    return Broadcasts(
        sessions, config, wake=(lambda: woken.append(True)) if woken is not None else None
    )


def customer_id(sessions: Any, phone: str) -> int:
    with sessions() as session:
        return session.execute(select(Customer.id).where(Customer.phone == phone)).scalar_one()


# ---- who a warning is for -----------------------------------------------------------------


def test_age_bands_come_from_the_birth_date_and_no_birth_date_is_in_no_band(
    sessions: Any, tmp_path: Path
) -> None:
    ages = {
        "59": born(60, TODAY, days=-1),  # turns 60 tomorrow
        "60": born(60, TODAY),
        "74": born(75, TODAY, days=-1),
        "75": born(75, TODAY),
        "90": born(90, TODAY),
    }
    ids = {
        name: add_customers(sessions, 1, first_phone=15550180000 + i, birth_date=day)[0]
        for i, (name, day) in enumerate(ages.items())
    }
    unknown = add_customers(sessions, 1, first_phone=15550189999, birth_date=None)[0]
    assert [age_band(day, TODAY) for day in ages.values()] == [
        "under_60",
        "60_to_74",
        "60_to_74",
        "75_and_over",
        "75_and_over",
    ]
    assert age_band(None, TODAY) is None

    ravi, margaret = customer_id(sessions, RAVI_PHONE), customer_id(sessions, MARGARET_PHONE)
    with sessions() as session:

        def chosen(*bands: str) -> list:
            return Audience.of(age_bands=bands).customer_ids(session, TODAY)

        assert chosen("under_60") == [ravi, ids["59"]]
        assert chosen("60_to_74") == [ids["60"], ids["74"]]
        assert chosen("75_and_over") == [margaret, ids["75"], ids["90"]]
        everyone_in_a_band = chosen("under_60", "60_to_74", "75_and_over")
        assert unknown not in everyone_in_a_band
        assert unknown in Audience(everyone=True).customer_ids(session, TODAY)
        # One customer's answer agrees with the query's, for every band.
        for who in [*ids.values(), unknown, ravi, margaret]:
            profile = profile_of(session, who)
            for band in ("under_60", "60_to_74", "75_and_over"):
                audience = Audience.of(age_bands=[band])
                assert audience.matches(profile, TODAY) == (who in chosen(band))


def test_segments_by_region_channel_language_and_helper_combine(sessions: Any) -> None:
    ravi, margaret = customer_id(sessions, RAVI_PHONE), customer_id(sessions, MARGARET_PHONE)
    (spanish,) = add_customers(
        sessions, 1, locale="es_US", region="Hill Valley", preferred_channel="web"
    )
    with sessions() as session:

        def chosen(**segments: Any) -> list:
            return Audience.of(**segments).customer_ids(session, TODAY)

        assert chosen(regions=["hill valley"]) == [ravi, spanish]  # any case
        assert chosen(channels=["voice"]) == [margaret]
        assert chosen(channels=["sms", "web"]) == [ravi, spanish]
        assert chosen(languages=["es"]) == [spanish]
        assert chosen(languages=["en_GB"]) == [margaret, ravi]  # the language of a locale
        assert chosen(has_helper=True) == [margaret]
        assert chosen(has_helper=False) == [ravi, spanish]
        # Every segment chosen must match; any value within one.
        assert chosen(regions=["Hill Valley"], channels=["sms"]) == [ravi]
        assert chosen(regions=["Riverside"], has_helper=False) == []
        assert Audience().customer_ids(session, TODAY) == []  # nothing chosen: nobody
        for who in (ravi, margaret, spanish):
            profile = profile_of(session, who)
            audience = Audience.of(regions=["Hill Valley"], channels=["sms"])
            assert audience.matches(profile, TODAY) == (who == ravi)


def test_an_audience_keeps_only_what_was_chosen_in_json() -> None:
    audience = Audience.of(age_bands=["75_and_over"], regions=[" Riverside "], has_helper=True)
    assert audience.as_json() == {
        "age_bands": ["75_and_over"],
        "regions": ["Riverside"],
        "has_helper": True,
    }
    assert Audience.from_json(audience.as_json()) == audience
    assert Audience(everyone=True, regions=("X",)).as_json() == {"everyone": True}
    assert Audience.from_json({"everyone": True}).everyone
    assert Audience.from_json({}).empty


# ---- what staff may write --------------------------------------------------------------------


def test_a_draft_with_problems_is_refused_with_each_field_named_and_nothing_saved(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path)
    bad = draft(
        title=" ",
        voice_text="",
        banner_text="   ",
        sms_text="Scam warning. " * 40,  # 560 characters: 4 segments
        audience=Audience(),
        urgency="whenever",
        expires_at=NOW - timedelta(hours=1),
    )
    with pytest.raises(Invalid) as refused:
        broadcasts.create(FRAUDOPS, bad, now=NOW)
    problems = {p.field: p for p in refused.value.problems}
    assert set(problems) == {
        "title",
        "voice_text",
        "banner_text",
        "sms_text",
        "audience",
        "urgency",
        "expires_at",
    }
    assert problems["sms_text"].message == (
        "The text message takes 4 SMS segments (GSM-7); a warning may take 3 at most. "
        "Please shorten it."
    )
    assert problems["audience"].code == "broadcast_audience_empty"
    assert problems["expires_at"].code == "broadcast_expiry_past"
    assert "Nothing has changed" in refused.value.message
    assert broadcasts.list() == []
    assert audit_actions(sessions) == []


def test_a_text_that_needs_ucs2_is_counted_in_ucs2_segments(sessions: Any, tmp_path: Path) -> None:
    broadcasts = service(sessions, tmp_path)
    greek = "Προσοχή: απάτη με τηλεφωνήματα. " * 7  # 224 characters outside GSM-7
    problems = broadcasts.check(draft(sms_text=greek), now=NOW)
    (problem,) = problems
    assert (problem.field, problem.code) == ("sms_text", "broadcast_sms_too_long")
    assert "(UCS-2)" in problem.message
    assert broadcasts.check(draft(sms_text=greek[:190]), now=NOW) == ()  # 3 segments


def test_an_expiry_before_the_start_and_an_opener_too_long_by_text_are_problems(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path)
    later = NOW + timedelta(days=2)
    found = broadcasts.check(
        draft(
            starts_at=later, expires_at=later - timedelta(hours=1), opener_text="Watch out. " * 45
        ),
        now=NOW,
    )
    assert {(p.field, p.code) for p in found} == {
        ("expires_at", "broadcast_expiry_before_start"),
        ("opener_text", "broadcast_opener_sms_too_long"),
    }
    unknown = broadcasts.check(draft(audience=Audience.of(age_bands=["over_90"])), now=NOW)
    assert [(p.field, p.message) for p in unknown] == [
        ("audience", "There is no such choice here: over_90.")
    ]


def test_only_fraud_and_admin_staff_write_and_send_warnings(sessions: Any, tmp_path: Path) -> None:
    broadcasts = service(sessions, tmp_path)
    with pytest.raises(NotAllowed) as refused:
        broadcasts.create(AGENT, draft(), now=NOW)
    assert refused.value.message.startswith("Only fraud-operations staff")
    assert broadcasts.list() == []
    made = broadcasts.create(ADMIN, draft(), now=NOW)
    with pytest.raises(NotAllowed):
        broadcasts.publish(AGENT, made.id, now=NOW)
    with pytest.raises(NotAllowed):
        broadcasts.cancel(AGENT, made.id, now=NOW)
    assert broadcasts.get(made.id).state == "draft"
    assert [action for _, action, _ in audit_actions(sessions)] == ["broadcast_created"]


def test_a_draft_is_saved_with_its_window_and_changed_until_published(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path, broadcast_default_days=10)
    made = broadcasts.create(FRAUDOPS, draft(), now=NOW)
    assert (made.state, made.starts_at, made.expires_at) == ("draft", NOW, NOW + timedelta(days=10))
    assert made.created_by == "fraudops"
    changed = broadcasts.update(FRAUDOPS, made.id, draft(title="Fake police calls"), now=NOW)
    assert changed.title == "Fake police calls"
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    with pytest.raises(WrongState) as refused:
        broadcasts.update(FRAUDOPS, made.id, draft(title="Too late"), now=NOW)
    assert refused.value.message == f"Warning {made.id} is published: only a draft can be changed."
    assert broadcasts.get(made.id).title == "Fake police calls"
    with pytest.raises(NotFound):
        broadcasts.get(9999)


# ---- publishing ------------------------------------------------------------------------------


def test_publishing_is_audited_and_a_second_publish_changes_nothing(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path)
    made = broadcasts.create(FRAUDOPS, draft(), now=NOW)
    status = broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    assert status.state == "published" and status.fanned_out
    before = (outbox_rows(sessions), audit_actions(sessions), broadcasts.get(made.id))
    with pytest.raises(WrongState) as again:
        broadcasts.publish(ADMIN, made.id, now=NOW + timedelta(minutes=5))
    assert again.value.code == "broadcast_already_published"
    assert again.value.message == (
        f"Warning {made.id} was already published by fraudops at 2026-06-10T15:00+00:00. "
        "Nothing has changed."
    )
    after = (outbox_rows(sessions), audit_actions(sessions), broadcasts.get(made.id))
    assert [m.id for m in after[0]] == [m.id for m in before[0]]
    assert after[1:] == before[1:]
    actors = [(actor, action) for actor, action, _ in audit_actions(sessions)]
    assert actors == [
        ("staff:fraudops", "broadcast_created"),
        ("staff:fraudops", "broadcast_published"),
    ]
    published = audit_actions(sessions)[1][2]
    assert published["customers"] == 2 and published["broadcast_id"] == made.id
    assert "sms_text" not in published  # the audit keeps which warning, not its words


def test_an_audience_that_matches_nobody_is_not_published(sessions: Any, tmp_path: Path) -> None:
    broadcasts = service(sessions, tmp_path)
    made = broadcasts.create(FRAUDOPS, draft(audience=Audience.of(regions=["Atlantis"])), now=NOW)
    assert broadcasts.preview(made.id, now=NOW).audience_count == 0
    with pytest.raises(Invalid) as refused:
        broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("audience", "broadcast_audience_nobody")
    ]
    assert broadcasts.get(made.id).state == "draft"
    assert outbox_rows(sessions) == []


def test_a_draft_whose_expiry_passed_is_not_published(sessions: Any, tmp_path: Path) -> None:
    broadcasts = service(sessions, tmp_path)
    made = broadcasts.create(FRAUDOPS, draft(expires_at=NOW + timedelta(hours=1)), now=NOW)
    with pytest.raises(Invalid) as refused:
        broadcasts.publish(FRAUDOPS, made.id, now=NOW + timedelta(hours=2))
    assert [p.code for p in refused.value.problems] == ["broadcast_expiry_past"]
    assert broadcasts.get(made.id).state == "draft"


def test_the_preview_shows_each_medium_with_its_segments_and_encoding(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path)
    made = broadcasts.create(FRAUDOPS, draft(sms_text="Don’t trust “safe account” calls…"), now=NOW)
    preview = broadcasts.preview(made.id, now=NOW)
    media = {m.medium: m for m in preview.media}
    assert list(media) == ["voice_text", "sms_text", "banner_text", "opener_text", "opener_sms"]
    # Typographic quotes become plain ones: the text goes as one GSM-7 segment.
    assert media["sms_text"].text == 'Don\'t trust "safe account" calls...'
    assert (media["sms_text"].segments, media["sms_text"].encoding) == (1, "GSM-7")
    assert media["opener_sms"].text.startswith("Before we start, a warning about a scam: People")
    assert media["opener_sms"].segments == 1
    assert (preview.audience_count, preview.by_channel) == (2, {"voice": 1, "sms": 1})
    assert preview.problems == ()


# ---- the fan-out -----------------------------------------------------------------------------


def test_each_customer_gets_one_push_by_their_preferred_channel(
    demo_sessions: Any, tmp_path: Path
) -> None:
    sessions = demo_sessions
    (web,) = add_customers(sessions, 1, preferred_channel="web")
    (night_owl,) = add_customers(sessions, 1, first_phone=15550171000, time_zone="Asia/Tokyo")
    woken: list = []
    broadcasts = service(sessions, tmp_path, woken)
    made = broadcasts.create(FRAUDOPS, draft(), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    rows = {row.to_phone: row for row in outbox_rows(sessions, made.id)}
    assert set(rows) == {MARGARET_PHONE, RAVI_PHONE, "+15550171000"}  # none for the web customer
    margaret, ravi = rows[MARGARET_PHONE], rows[RAVI_PHONE]
    assert (margaret.medium, margaret.body) == ("call", VOICE_TEXT)
    assert (ravi.medium, ravi.body) == ("sms", SMS_TEXT)
    assert ravi.time_zone == "America/Chicago"  # the customer's own
    assert rows["+15550171000"].time_zone == "Asia/Tokyo"
    assert {row.purpose for row in rows.values()} == {"broadcast"}
    assert ravi.dedupe_key == f"broadcast:{made.id}:customer:{customer_id(sessions, RAVI_PHONE)}"
    assert woken == [True]  # the worker asked once to deliver what is due
    status = broadcasts.status(made.id)
    assert (status.queued, status.web, status.reached) == (3, 1, 4)
    assert web not in {row.customer_id for row in rows.values()}
    assert night_owl in {row.customer_id for row in rows.values()}
    # The worker's due job finds nothing more to do.
    assert broadcasts.fan_out_due(NOW + timedelta(minutes=1)) == 0


def test_a_customer_without_a_time_zone_keeps_the_banks_quiet_hours(
    sessions: Any, tmp_path: Path
) -> None:
    (no_zone,) = add_customers(sessions, 1, time_zone=None)
    broadcasts = service(sessions, tmp_path, timezone="America/Denver")
    made = broadcasts.create(FRAUDOPS, draft(audience=Audience.of(channels=["sms"])), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    (row,) = [r for r in outbox_rows(sessions, made.id) if r.customer_id == no_zone]
    assert row.time_zone == "America/Denver"


def test_a_fan_out_killed_mid_batch_resumes_and_queues_nobody_twice(
    demo_sessions: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = demo_sessions
    add_customers(sessions, 23, region="Hill Valley")  # with Ravi: 24 texts, batches of 5
    broadcasts = service(sessions, tmp_path, broadcast_batch_size=5)
    audience = Audience.of(regions=["Hill Valley"])
    made = broadcasts.create(FRAUDOPS, draft(audience=audience, starts_at=NOW), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)  # the first batch, at once
    real = pushes.queue_pushes
    calls = {"n": 0}

    def dies_on_the_third_batch(session: Any, broadcast_id: int, batch: Any) -> list:
        calls["n"] += 1
        if calls["n"] == 3:
            real(session, broadcast_id, list(batch)[:2])  # half written, then the worker dies
            raise SystemExit("killed")
        return real(session, broadcast_id, batch)

    monkeypatch.setattr(pushes, "queue_pushes", dies_on_the_third_batch)
    with pytest.raises(SystemExit):
        broadcasts.fan_out_due(NOW)
    assert len(outbox_rows(sessions, made.id)) == 15  # 3 whole batches; the 4th rolled back
    monkeypatch.setattr(pushes, "queue_pushes", real)

    assert broadcasts.fan_out_due(NOW) == 9  # resumed from the cursor
    rows = outbox_rows(sessions, made.id)
    expected = Audience.of(regions=["Hill Valley"])
    with sessions() as session:
        everyone = expected.customer_ids(session, TODAY)
    assert sorted(r.customer_id for r in rows) == everyone
    assert broadcasts.status(made.id).fanned_out

    # A cursor lost as well (the worst case): the dedupe keys still queue nobody twice.
    with sessions() as session, session.begin():
        session.execute(
            update(Broadcast)
            .where(Broadcast.id == made.id)
            .values(fanout_cursor=0, fanned_out_at=None)
        )
    broadcasts.fan_out_due(NOW)
    assert sorted(r.customer_id for r in outbox_rows(sessions, made.id)) == everyone


def test_a_warning_that_starts_later_fans_out_from_its_start(sessions: Any, tmp_path: Path) -> None:
    broadcasts = service(sessions, tmp_path)
    starts = NOW + timedelta(hours=3)
    made = broadcasts.create(FRAUDOPS, draft(starts_at=starts), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    assert outbox_rows(sessions, made.id) == []
    assert broadcasts.current(None, NOW) == []
    assert broadcasts.fan_out_due(NOW + timedelta(hours=1)) == 0
    assert broadcasts.fan_out_due(starts) == 2
    assert [w.id for w in broadcasts.current(None, starts)] == [made.id]


def test_a_cancel_mid_broadcast_stops_what_is_not_sent_and_the_counts_stay_true(
    demo_sessions: Any, tmp_path: Path
) -> None:
    sessions = demo_sessions
    add_customers(sessions, 11)  # with Ravi and Margaret: 13 customers, batches of 4
    broadcasts = service(sessions, tmp_path, broadcast_batch_size=4)
    made = broadcasts.create(FRAUDOPS, draft(), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)  # the first batch of 4
    first = outbox_rows(sessions, made.id)
    assert len(first) == 4
    with sessions() as session, session.begin():  # the worker sent two, one is being sent
        for row, status in zip(first, ("sent", "sent", "sending")):
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(status=status)
            )
    status = broadcasts.cancel(FRAUDOPS, made.id, now=NOW + timedelta(minutes=1))
    assert (status.state, status.sent, status.queued, status.cancelled) == ("cancelled", 2, 1, 1)
    assert broadcasts.fan_out_due(NOW + timedelta(minutes=2)) == 0  # no more batches
    assert len(outbox_rows(sessions, made.id)) == 4
    assert broadcasts.current(None, NOW + timedelta(minutes=2)) == []
    with pytest.raises(WrongState) as again:
        broadcasts.cancel(FRAUDOPS, made.id)
    assert again.value.code == "broadcast_already_cancelled"
    with pytest.raises(WrongState):
        broadcasts.publish(FRAUDOPS, made.id)
    cancelled = [
        detail for _, action, detail in audit_actions(sessions) if action == "broadcast_cancelled"
    ]
    assert cancelled == [{**cancelled[0], "was": "published", "unsent_cancelled": 1}]


def test_the_status_counts_every_push_once_by_where_it_got(sessions: Any, tmp_path: Path) -> None:
    add_customers(sessions, 7)
    broadcasts = service(sessions, tmp_path)
    made = broadcasts.create(FRAUDOPS, draft(audience=Audience.of(channels=["sms"])), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    rows = outbox_rows(sessions, made.id)
    assert len(rows) == 8
    outcomes = [
        {"status": "pending", "deferred": True},
        {"status": "sent", "delivery_status": "delivered"},
        {"status": "sent", "delivery_status": "delivered"},
        {"status": "sent"},
        {"status": "sent", "delivery_status": "undelivered"},
        {"status": "failed"},
        {"status": "opted_out"},
    ]
    with sessions() as session, session.begin():
        for row, values in zip(rows, outcomes):
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values)
            )
    status = broadcasts.status(made.id)
    assert status.counts() == {
        "queued": 1,
        "deferred": 1,
        "sent": 1,
        "delivered": 2,
        "failed": 2,
        "opted_out": 1,
        "cancelled": 0,
        "web": 0,
        "heard": 0,
    }
    assert status.reached == 8 and not status.done


def test_an_expired_warnings_unsent_texts_are_cancelled(sessions: Any, tmp_path: Path) -> None:
    broadcasts = service(sessions, tmp_path)
    expires = NOW + timedelta(hours=6)
    made = broadcasts.create(FRAUDOPS, draft(expires_at=expires), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    assert broadcasts.status(made.id).queued == 2
    assert broadcasts.fan_out_due(expires + timedelta(minutes=1)) == 2
    assert broadcasts.status(made.id).cancelled == 2


# ---- what customers meet ---------------------------------------------------------------------


def test_before_the_pin_only_warnings_for_everyone_are_current(
    demo_sessions: Any, tmp_path: Path
) -> None:
    sessions = demo_sessions
    broadcasts = service(sessions, tmp_path)
    ravi = customer_id(sessions, RAVI_PHONE)
    margaret = customer_id(sessions, MARGARET_PHONE)
    for_all = broadcasts.create(FRAUDOPS, draft(title="For all"), now=NOW)
    for_ravi = broadcasts.create(
        FRAUDOPS, draft(title="Hill Valley", audience=Audience.of(regions=["Hill Valley"])), now=NOW
    )
    broadcasts.publish(FRAUDOPS, for_all.id, now=NOW)
    broadcasts.publish(FRAUDOPS, for_ravi.id, now=NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    assert [w.title for w in broadcasts.current(None, later)] == ["For all"]
    assert [w.title for w in broadcasts.current(ravi, later)] == ["Hill Valley", "For all"]
    assert [w.title for w in broadcasts.current(margaret, later)] == ["For all"]
    assert broadcasts.banner(None, later).title == "For all"
    assert broadcasts.banner(ravi, later).title == "Hill Valley"
    assert broadcasts.newest_unheard(None, later).title == "For all"
    # Ravi had the targeted one as a text already: the everyone one is his newest unheard.
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.batch == f"broadcast:{for_ravi.id}")
            .values(status="sent", delivery_status="delivered")
        )
    assert broadcasts.newest_unheard(ravi, later).title == "For all"


def test_hearing_a_warning_cancels_the_text_not_sent_yet_and_it_is_not_heard_twice(
    demo_sessions: Any, tmp_path: Path
) -> None:
    sessions = demo_sessions
    broadcasts = service(sessions, tmp_path)
    ravi = customer_id(sessions, RAVI_PHONE)
    made = broadcasts.create(FRAUDOPS, draft(), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    assert broadcasts.newest_unheard(ravi, NOW).id == made.id
    assert broadcasts.mark_heard(made.id, ravi, "opener", now=NOW) is True
    assert broadcasts.mark_heard(made.id, ravi, "skipped", now=NOW) is False
    (text,) = [r for r in outbox_rows(sessions, made.id) if r.customer_id == ravi]
    assert (text.status, text.body) == ("cancelled", "")
    assert broadcasts.newest_unheard(ravi, NOW) is None
    with sessions() as session:
        heard = session.get(BroadcastHeard, (made.id, ravi))
        assert heard.how == "skipped"
    status = broadcasts.status(made.id)
    assert (status.heard, status.cancelled, status.queued) == (1, 1, 1)


def test_a_customer_who_heard_it_before_the_fan_out_reached_them_gets_no_push(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path)
    ravi = customer_id(sessions, RAVI_PHONE)
    made = broadcasts.create(FRAUDOPS, draft(starts_at=NOW), now=NOW)
    with sessions() as session, session.begin():
        session.execute(update(Broadcast).values(state="published", published_at=NOW))
    broadcasts.mark_heard(made.id, ravi, "opener", now=NOW)
    broadcasts.fan_out_due(NOW)
    assert ravi not in {r.customer_id for r in outbox_rows(sessions, made.id)}


def test_a_calls_script_is_its_warnings_voice_text_until_it_is_cancelled(
    sessions: Any, tmp_path: Path
) -> None:
    broadcasts = service(sessions, tmp_path)
    made = broadcasts.create(FRAUDOPS, draft(), now=NOW)
    broadcasts.publish(FRAUDOPS, made.id, now=NOW)
    (call,) = [r for r in outbox_rows(sessions, made.id) if r.medium == "call"]
    assert broadcasts.call_script(call.dedupe_key) == VOICE_TEXT
    assert broadcasts.call_script("invitation:3") is None
    broadcasts.cancel(FRAUDOPS, made.id)
    assert broadcasts.call_script(call.dedupe_key) is None


def test_audience_choices_are_the_regions_and_languages_customers_have(
    sessions: Any, tmp_path: Path
) -> None:
    add_customers(sessions, 1, region="  Lakeside ", locale="es_MX")
    choices = service(sessions, tmp_path).audience_choices()
    assert choices.regions == ("Hill Valley", "Lakeside", "Riverside")
    assert choices.languages == ("en", "es")
    assert choices.age_bands == ("under_60", "60_to_74", "75_and_over")
