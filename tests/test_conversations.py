"""Conversation state: identification by phone, PIN waiting, verification expiry, replies."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.conversations import ConversationStore
from assistant.models import Conversation, ConversationReply, utcnow


@pytest.fixture
def store(demo_sessions) -> ConversationStore:
    return ConversationStore(demo_sessions)


def test_start_identifies_the_customer_by_phone_without_verifying(store, margaret_id) -> None:
    conv = store.start("voice", "+1 (555) 010-0001")
    assert conv.customer_id == margaret_id
    assert conv.phone == "+15550100001"
    assert conv.verified_customer_id is None and not conv.awaiting_pin
    assert store.verified_customer_id(conv.id) is None


def test_unknown_phone_starts_an_anonymous_conversation(store) -> None:
    assert store.start("sms", "+15559999999").customer_id is None
    assert store.start("web", None).customer_id is None


def test_conversation_ids_are_random_url_safe_tokens(store) -> None:
    ids = {store.start("web", None).id for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 20 and all(c.isalnum() or c in "-_" for c in i) for i in ids)


def test_get_and_touch(store) -> None:
    conv = store.start("sms", "+15550100002")
    assert store.get(conv.id) == conv
    assert store.get("no-such-id") is None
    store.touch(conv.id)
    assert store.get(conv.id).last_seen_at >= conv.last_seen_at
    with pytest.raises(KeyError):
        store.touch("no-such-id")


def test_pending_text_is_replayed_once_after_the_pin(store) -> None:
    conv = store.start("voice", "+15550100001")
    store.set_awaiting_pin(conv.id, "what's my balance")
    assert store.get(conv.id).awaiting_pin is True
    assert store.clear_awaiting_pin(conv.id) == "what's my balance"
    assert store.get(conv.id).awaiting_pin is False
    assert store.clear_awaiting_pin(conv.id) is None


def test_a_pin_is_never_stored_as_pending_text(store, demo_sessions) -> None:
    conv = store.start("sms", "+15550100001")
    store.set_awaiting_pin(conv.id, "2 4 6 8")
    with demo_sessions() as session:
        assert session.get(Conversation, conv.id).pending_text is None
    assert store.get(conv.id).awaiting_pin is True


def test_verification_lasts_until_it_expires(store, margaret_id) -> None:
    conv = store.start("voice", "+15550100001")
    store.mark_verified(conv.id, margaret_id, minutes=10)
    assert store.verified_customer_id(conv.id) == margaret_id
    later = utcnow() + timedelta(minutes=11)
    assert store.verified_customer_id(conv.id, now=later) is None
    assert store.verified_customer_id(conv.id, now=later.replace(tzinfo=None)) is None
    store.clear_verified(conv.id)
    assert store.verified_customer_id(conv.id) is None


def test_first_saved_reply_wins_for_a_retried_message(store, demo_sessions) -> None:
    conv = store.start("sms", "+15550100002")
    assert store.saved_reply(conv.id, "SM1") is None
    assert store.save_reply(conv.id, "SM1", {"messages": ["first"]}) == {"messages": ["first"]}
    assert store.save_reply(conv.id, "SM1", {"messages": ["second"]}) == {"messages": ["first"]}
    assert store.saved_reply(conv.id, "SM1") == {"messages": ["first"]}
    assert store.saved_reply(conv.id, "SM2") is None


def test_concurrent_retries_store_exactly_one_reply(store, demo_sessions) -> None:
    conv = store.start("sms", "+15550100002")
    results = []
    start = threading.Barrier(6)

    def save(i: int) -> None:
        start.wait()
        results.append(store.save_reply(conv.id, "SM9", {"n": i}))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r["n"] for r in results}) == 1
    with demo_sessions() as session:
        rows = (
            session.execute(
                select(ConversationReply).where(ConversationReply.conversation_id == conv.id)
            )
            .scalars()
            .all()
        )
    assert len(rows) == 1


def test_a_request_waiting_for_the_pin_is_kept_sealed(store, demo_sessions) -> None:
    conv = store.start("chat", "+15550100001")
    store.set_awaiting_pin(conv.id, "my pin is 2468 what is my balance")
    with demo_sessions() as session:
        sealed = session.get(Conversation, conv.id).pending_text
    assert sealed and "2468" not in sealed and "balance" not in sealed
    assert store.clear_awaiting_pin(conv.id) == "my pin is 2468 what is my balance"
