"""The JSON text API: a conversation belongs to the client that created it.

Driven through httpx's ASGI transport against ``create_app`` with only Rasa faked.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest

from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.settings import Settings
from assistant.texts import text as say
from tests.fakes import ASK_PIN_TEXT, BALANCE_TEXT, FakeRasa

MARGARET_PIN = "2468"


class Api:
    """A client of the gateway's JSON API, in-process."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.app.state.turns.rasa = FakeRasa(self.app.state.turns.conversations)
        self.turns = self.app.state.turns

    def call(
        self,
        method: str,
        path: str,
        body: Optional[Dict[str, Any]] = None,
        token: Optional[str] = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                return await client.request(method, path, json=body, headers=headers)

        return asyncio.run(go())

    def start(self, phone: str = MARGARET_PHONE) -> Dict[str, str]:
        created = self.call("POST", "/api/conversations", {"phone": phone})
        assert created.status_code == 201, created.text
        return created.json()

    def say(self, created: Dict[str, str], words: str, message_id: str) -> httpx.Response:
        return self.call(
            "POST",
            f"/api/conversations/{created['conversation_id']}/messages",
            {"text": words, "client_message_id": message_id},
            token=created["conversation_token"],
        )


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    client = Api(settings)
    yield client
    client.app.state.rasa.close()


def texts(reply: httpx.Response) -> List[str]:
    return [m["text"] for m in reply.json()["messages"]]


def test_a_conversation_started_by_the_api_answers_its_own_token(api: Api) -> None:
    created = api.start()
    asked = api.say(created, "what is my balance", "m1")
    assert asked.status_code == 200
    assert asked.json() == {
        "conversation_id": created["conversation_id"],
        "messages": [{"text": ASK_PIN_TEXT, "buttons": []}],
        "awaiting_pin": True,
        "handoff": False,
        "end_call": False,
    }
    verified = api.say(created, MARGARET_PIN, "m2")
    assert texts(verified) == [say("pin_thanks"), BALANCE_TEXT]


def test_the_conversation_id_alone_is_not_enough(api: Api) -> None:
    created = api.start()
    path = f"/api/conversations/{created['conversation_id']}/messages"
    body = {"text": "what is my balance", "client_message_id": "m1"}
    assert api.call("POST", path, body).status_code == 404
    assert api.call("POST", path, body, token="not-the-token").status_code == 404
    other = api.start()
    assert api.call("POST", path, body, token=other["conversation_token"]).status_code == 404
    assert api.turns.rasa.texts == []


@pytest.mark.parametrize("channel", ["web", "sms", "voice"])
def test_the_api_never_reaches_another_channels_conversation(api: Api, channel: str) -> None:
    """Margaret's web and Ravi's SMS conversations answered balances by id alone, before."""
    conversation_id = api.turns.start(channel, RAVI_PHONE if channel == "sms" else MARGARET_PHONE)
    api.turns.conversations.mark_verified(conversation_id, 1, 30)
    path = f"/api/conversations/{conversation_id}/messages"
    body = {"text": "what is my balance", "client_message_id": "m1"}
    assert api.call("POST", path, body).status_code == 404
    assert api.call("POST", path, body, token=api.start()["conversation_token"]).status_code == 404
    assert api.turns.rasa.texts == []


@pytest.mark.parametrize("channel", ["web", "sms", "voice"])
def test_the_api_creates_chat_conversations_only(api: Api, channel: str) -> None:
    reply = api.call("POST", "/api/conversations", {"phone": MARGARET_PHONE, "channel": channel})
    assert reply.status_code == 422


def test_only_a_hash_of_the_token_is_kept(api: Api, settings: Settings) -> None:
    from assistant.db import session_factory
    from assistant.models import Conversation

    created = api.start()
    with session_factory(settings.bank_database_url)() as session:
        row = session.get(Conversation, created["conversation_id"])
        assert row.api_token_hash and created["conversation_token"] not in row.api_token_hash


@pytest.mark.parametrize("message_id", [None, "", "has space", "nul\x00byte", "x" * 101])
def test_every_message_carries_a_plain_client_message_id(
    api: Api, message_id: Optional[str]
) -> None:
    created = api.start()
    body: Dict[str, Any] = {"text": "hello"}
    if message_id is not None:
        body["client_message_id"] = message_id
    reply = api.call(
        "POST",
        f"/api/conversations/{created['conversation_id']}/messages",
        body,
        token=created["conversation_token"],
    )
    assert reply.status_code == 422
    assert api.turns.rasa.texts == []


@pytest.mark.parametrize("phone", ["12", "not a phone", ""])
def test_the_json_api_refuses_a_bad_phone(api: Api, phone: str) -> None:
    assert api.call("POST", "/api/conversations", {"phone": phone}).status_code == 422


def test_an_unknown_conversation_is_404(api: Api) -> None:
    reply = api.call(
        "POST",
        "/api/conversations/nope/messages",
        {"text": "hi", "client_message_id": "m1"},
        token="whatever",
    )
    assert reply.status_code == 404


def test_the_openapi_schema_says_what_the_responses_are(api: Api) -> None:
    schema = api.call("GET", "/openapi.json").json()
    turn_out = schema["components"]["schemas"]["TurnOut"]
    assert turn_out["properties"]["speech_rate"]["type"] == "string"
    message = schema["paths"]["/api/conversations/{conversation_id}/messages"]["post"]
    assert "404" in message["responses"]
    user_message = schema["components"]["schemas"]["UserMessage"]
    assert "client_message_id" in user_message["required"]


def test_swagger_ui_is_off_unless_asked_for_since_it_loads_from_a_cdn(
    settings: Settings,
) -> None:
    assert Api(settings).call("GET", "/docs").status_code == 404
    assert Api(settings).call("GET", "/redoc").status_code == 404
    with_docs = Api(settings.copy(update={"api_docs": True}))
    assert with_docs.call("GET", "/docs").status_code == 200


def test_an_https_gateway_sends_hsts_and_a_plain_http_demo_does_not(settings: Settings) -> None:
    public = Api(settings.copy(update={"public_base_url": "https://bank.example.org"}))
    for path in ("/healthz", "/sign-in", "/openapi.json"):
        header = public.call("GET", path).headers.get("strict-transport-security", "")
        assert header.startswith("max-age=31536000"), path
    local = Api(settings.copy(update={"public_base_url": "http://127.0.0.1:8000"}))
    assert "strict-transport-security" not in local.call("GET", "/healthz").headers


def test_the_twilio_routes_document_their_403(api: Api) -> None:
    paths = api.call("GET", "/openapi.json").json()["paths"]
    for path in ("/twilio/sms", "/twilio/voice", "/twilio/voice/turn", "/twilio/sms/status"):
        assert "403" in paths[path]["post"]["responses"], path


def test_wrong_pins_from_one_api_client_are_throttled_across_numbers(api: Api) -> None:
    """One client cannot lock out customer after customer through the JSON API."""
    from assistant.models import Customer

    for phone in (MARGARET_PHONE, RAVI_PHONE):
        for _ in range(5):
            created = api.start(phone)  # a new conversation each time: only the address is shared
            api.say(created, "what is my balance", "a")
            assert api.say(created, "9999", "b").status_code == 200
    with api.turns.conversations.session_factory() as session:
        locked = [c.phone for c in session.query(Customer) if c.pin_locked_until is not None]
    assert locked == [MARGARET_PHONE]  # Ravi's tries were refused unchecked
