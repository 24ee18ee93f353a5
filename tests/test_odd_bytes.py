"""Odd bytes get a kind answer on every channel, on SQLite and PostgreSQL, and poison nothing.

A NUL byte made PostgreSQL fail the turn (500) and reset the next request on that connection;
lone surrogates in JSON and invalid UTF-8 in Twilio's form bodies are the same kind of input.
The gateway app runs in-process on the seeded bank with only Rasa faked.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, Optional
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.settings import Settings
from tests.fakes import FakeRasa
from tests.web_support import Browser
from voice.security import SIGNATURE_HEADER, sign

PUBLIC = "https://bank.example.org"
ODD = ["what is my\x00 balance", "hello\x00", "\x00\x01\x02", "tab\there\x1b[31m red"]


@pytest.fixture
def app(demo_sessions: sessionmaker, any_bank_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=any_bank_url,
        home=tmp_path / "home",
        rasa_token="test-token",
        twilio_auth_token="test-twilio-token",
        public_base_url=PUBLIC,
        cookie_secure=False,
    )
    app = create_app(settings)
    app.state.turns.rasa = FakeRasa(app.state.turns.conversations)
    yield app
    app.state.rasa.close()


def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def twilio(app: FastAPI, path: str, params: Dict[str, str]) -> httpx.Response:
    signature = sign(PUBLIC + path, params, "test-twilio-token")
    return call(app, "POST", path, data=params, headers={SIGNATURE_HEADER: signature})


def api_conversation(app: FastAPI) -> Dict[str, str]:
    created = call(app, "POST", "/api/conversations", json={"phone": MARGARET_PHONE})
    assert created.status_code == 201
    return created.json()


def api_say(
    app: FastAPI, created: Dict[str, str], raw_json: Optional[str] = None, text: str = ""
) -> httpx.Response:
    body = raw_json or json.dumps({"text": text, "client_message_id": uuid.uuid4().hex})
    return call(
        app,
        "POST",
        f"/api/conversations/{created['conversation_id']}/messages",
        content=body.encode("utf-8"),
        headers={
            "Authorization": f"Bearer {created['conversation_token']}",
            "Content-Type": "application/json",
        },
    )


@pytest.mark.parametrize("odd", ODD)
def test_control_characters_in_the_json_api_get_an_answer(app: FastAPI, odd: str) -> None:
    created = api_conversation(app)
    reply = api_say(app, created, text=odd)
    assert reply.status_code == 200, reply.text
    assert reply.json()["messages"]
    assert all("\x00" not in text for text in app.state.turns.rasa.texts)
    assert api_say(app, created, text="hello").status_code == 200  # nothing poisoned


def test_a_lone_surrogate_in_json_gets_an_answer(app: FastAPI) -> None:
    created = api_conversation(app)
    raw = '{"text": "hello \\ud800 there", "client_message_id": "m1"}'
    reply = api_say(app, created, raw_json=raw)
    assert reply.status_code == 200, reply.text
    assert api_say(app, created, text="hello").status_code == 200


def test_a_nul_byte_in_a_text_message_gets_a_reply(app: FastAPI) -> None:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "From": RAVI_PHONE,
        "To": "+15550100000",
        "Body": "BAL\x00 please",
    }
    reply = twilio(app, "/twilio/sms", params)
    assert reply.status_code == 200, reply.text
    assert "<Message" in reply.text
    again = {**params, "MessageSid": "SM" + uuid.uuid4().hex, "Body": "hello"}
    assert twilio(app, "/twilio/sms", again).status_code == 200


def test_invalid_utf8_in_a_twilio_body_is_refused_not_a_500(app: FastAPI) -> None:
    raw = urlencode({"MessageSid": "SM" + "a" * 32, "From": RAVI_PHONE, "To": "+15550100000"})
    raw = raw.encode() + b"&Body=%ff%fe%00bad"
    signature = sign(PUBLIC + "/twilio/sms", {}, "test-twilio-token")
    reply = call(
        app,
        "POST",
        "/twilio/sms",
        content=raw,
        headers={
            SIGNATURE_HEADER: signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert reply.status_code in (400, 403)


def test_a_nul_byte_in_what_a_caller_said_gets_spoken_words(app: FastAPI) -> None:
    call_sid = "CA" + uuid.uuid4().hex
    start = twilio(app, "/twilio/voice", {"CallSid": call_sid, "From": MARGARET_PHONE})
    assert start.status_code == 200
    turn = twilio(
        app,
        "/twilio/voice/turn?n=1",
        {"CallSid": call_sid, "From": MARGARET_PHONE, "SpeechResult": "what is\x00 my balance"},
    )
    assert turn.status_code == 200, turn.text
    assert "<Say" in turn.text
    after = twilio(
        app,
        "/twilio/voice/turn?n=2",
        {"CallSid": call_sid, "From": MARGARET_PHONE, "SpeechResult": "hello"},
    )
    assert after.status_code == 200


def test_a_nul_byte_in_the_web_pages_gets_a_page(app: FastAPI) -> None:
    browser = Browser(app)
    assert browser.sign_in().status_code == 303
    asked = browser.post(
        "/ask", {"message": "what is my\x00 balance", "message_id": "abcdefghij12"}
    )
    assert asked.status_code in (200, 303), asked.text
    assert browser.get("/ask").status_code == 200
    typed = browser.post("/send", {"recipient": "To\x00m"})
    assert typed.status_code in (200, 303), typed.text
    signin = Browser(app).post("/sign-in", {"phone": "+1555\x00", "pin": "24\x0068"})
    assert signin.status_code == 200
