"""The terminal phone and texting phone: signed webhooks in, TwiML followed like Twilio would.

A tiny gateway (real HTTP, uvicorn in a thread) checks every webhook with the gateway's own
signature check (``voice.security.twilio_params``, twilio's ``RequestValidator``) and answers
TwiML built with twilio's own ``VoiceResponse``/``MessagingResponse``. Then the CLI commands
run against it with piped input. Last, the real gateway app (``create_app`` with a fake Rasa)
is called through the softphone, once its voice and SMS webhooks exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import Depends, FastAPI, Request, Response
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, Say, VoiceResponse

from assistant.cli import main as cli
from assistant.processes import free_port
from assistant.settings import Settings, get_settings
from voice.security import twilio_params
from voice.softphone import Gather as Listening
from voice.softphone import (
    Softphone,
    SoftphoneError,
    TextingPhone,
    WebhookSender,
    masked,
    parse_twiml,
    spoken,
)

TOKEN = "softphone-test-token"
PUBLIC = "https://bank.example"
BANK = "+15550100000"
MARGARET = "+15550100001"
RAVI = "+15550100002"
AGENT = "+15550100999"
LINDA = "+15550100003"
ACCOUNT = "AC" + "7" * 32


# ---- a tiny gateway speaking the Twilio webhook contract -------------------------------


@dataclass
class Hit:
    path: str
    query: str
    params: Dict[str, str]


@dataclass
class TinyGateway:
    url: str
    hits: List[Hit] = field(default_factory=list)

    def paths(self) -> List[str]:
        return [hit.path + ("?" + hit.query if hit.query else "") for hit in self.hits]


def twiml(response: object) -> Response:
    return Response(str(response), media_type="application/xml")


def slow(text: str) -> Say:
    say = Say(voice="Polly.Joanna", language="en-US")
    say.prosody(text, rate="75%")
    return say


def listen(n: int, prompt: str, **attrs: object) -> VoiceResponse:
    response = VoiceResponse()
    gather = Gather(
        input="speech dtmf",
        action=f"/twilio/voice/turn?n={n}",
        timeout=8,
        num_digits=1,
        speech_timeout="auto",
        **attrs,
    )
    gather.append(slow(prompt))
    response.append(gather)
    response.say("I did not hear anything.")
    response.redirect(f"/twilio/voice/turn?n={n}&silence=1")
    return response


def tiny_app(hits: List[Hit]) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(twilio_auth_token=TOKEN, public_base_url=PUBLIC)
    sms_replies: Dict[str, str] = {}

    def seen(request: Request, params: Dict[str, str]) -> None:
        hits.append(Hit(request.url.path, request.url.query, params))

    @app.post("/twilio/voice")
    def voice(request: Request, params: Dict[str, str] = Depends(twilio_params)) -> Response:
        seen(request, params)
        greeting = VoiceResponse()
        gather = Gather(input="speech dtmf", action="/twilio/voice/turn?n=1", timeout=8)
        say = slow("Hello Margaret, this is Kindly Bank.")
        say.break_(time="400ms")
        say.say_as("1", interpret_as="digits")
        say.prosody(" for your balance.", rate="75%")
        gather.append(say)
        greeting.append(gather)
        greeting.say("I did not hear anything.")
        greeting.redirect("/twilio/voice/turn?n=1&silence=1")
        return twiml(greeting)

    @app.post("/twilio/voice/turn")
    def turn(request: Request, n: int, params: Dict[str, str] = Depends(twilio_params)) -> Response:
        seen(request, params)
        speech = params.get("SpeechResult", "").lower()
        digits = params.get("Digits", "")
        if request.query_params.get("silence"):
            return twiml(listen(n + 1, "Are you still there?"))
        if "balance" in speech or digits == "1":
            response = VoiceResponse()
            gather = Gather(
                input="dtmf",
                num_digits=4,
                finish_on_key="#",
                timeout=10,
                action=f"{PUBLIC}/twilio/voice/turn?n={n + 1}",  # absolute, as behind a proxy
            )
            gather.append(slow("Please type your four digit PIN on the keypad."))
            response.append(gather)
            return twiml(response)
        if digits == "2468":
            return twiml(listen(n + 1, "You have one thousand two hundred fifty dollars."))
        if "agent" in speech or digits == "0":
            response = VoiceResponse()
            response.append(slow("Connecting you to a person."))
            dial = Dial(action="/twilio/voice/turn?n=99")
            dial.number(AGENT, url=f"/twilio/voice/whisper?call={params['CallSid']}")
            response.append(dial)
            return twiml(response)
        if "goodbye" in speech:
            response = VoiceResponse()
            response.append(slow("Goodbye."))
            response.hangup()
            return twiml(response)
        return twiml(listen(n + 1, f"You said {speech or digits}."))

    @app.post("/twilio/voice/whisper")
    def whisper(request: Request, params: Dict[str, str] = Depends(twilio_params)) -> Response:
        seen(request, params)
        response = VoiceResponse()
        response.say("Margaret Chen, verified, asked for a person about her balance.")
        return twiml(response)

    @app.post("/twilio/voice/status")
    def voice_status(request: Request, params: Dict[str, str] = Depends(twilio_params)) -> Response:
        seen(request, params)
        return Response(status_code=204)

    @app.post("/twilio/sms")
    def sms(request: Request, params: Dict[str, str] = Depends(twilio_params)) -> Response:
        seen(request, params)
        body = params["Body"].strip().upper()
        if params["MessageSid"] not in sms_replies:
            if body == "BAL":
                reply = "Please reply with your 4-digit PIN."
            elif body == "1357":
                reply = "Checking: $310.00"
            elif body == "LONG":
                reply = "Recent payments: " + "; ".join(["Green Valley Feed $12.00"] * 8)
            elif body == "MULTI":
                reply = "Recent:\n11/18 Top-up -$15.00"
            elif body == "QUIET":
                reply = ""
            else:
                reply = f"You said {params['Body']}"
            sms_replies[params["MessageSid"]] = reply
        response = MessagingResponse()
        if sms_replies[params["MessageSid"]]:
            response.message(sms_replies[params["MessageSid"]])
        return twiml(response)

    return app


def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` on a free loopback port in a thread; yields its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def tiny() -> Iterator[TinyGateway]:
    hits: List[Hit] = []
    for url in serve(tiny_app(hits)):
        yield TinyGateway(url, hits)


@pytest.fixture
def gateway(tiny: TinyGateway) -> TinyGateway:
    tiny.hits.clear()
    return tiny


@pytest.fixture
def http(gateway: TinyGateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        yield client


@pytest.fixture
def sender(http: httpx.Client) -> WebhookSender:
    return WebhookSender(http, TOKEN, PUBLIC)


def call(sender: WebhookSender, caller: str = MARGARET) -> Softphone:
    return Softphone(sender, caller, BANK, ACCOUNT)


# ---- the terminal phone ----------------------------------------------------------------


def test_a_call_is_signed_and_follows_the_twiml(
    sender: WebhookSender, gateway: TinyGateway
) -> None:
    phone = call(sender)
    opening = phone.dial_in()

    assert opening == [
        "bank: Hello Margaret, this is Kindly Bank. 1 for your balance.",
        "      [listening: speak, or press keys then #; waits 8 s]",
    ]
    first = gateway.hits[0].params
    assert first["CallSid"] == phone.call_sid and phone.call_sid.startswith("CA")
    assert (first["From"], first["To"], first["CallStatus"]) == (MARGARET, BANK, "ringing")

    pin_prompt = phone.respond("what's my balance")
    assert pin_prompt == [
        "bank: Please type your four digit PIN on the keypad.",
        "      [listening: press 4 keys; waits 10 s]",
    ]
    assert phone.expects_secret
    assert gateway.hits[-1].query == "n=1"
    assert gateway.hits[-1].params["SpeechResult"] == "what's my balance"
    assert "Digits" not in gateway.hits[-1].params

    answer = phone.respond("2468#")
    assert answer[0] == "bank: You have one thousand two hundred fifty dollars."
    assert not phone.expects_secret
    assert (gateway.hits[-1].path, gateway.hits[-1].query) == ("/twilio/voice/turn", "n=2")
    assert gateway.hits[-1].params["Digits"] == "2468"
    assert "SpeechResult" not in gateway.hits[-1].params
    assert {hit.params["CallSid"] for hit in gateway.hits} == {phone.call_sid}


def test_keys_only_questions_refuse_speech_and_digits_are_keys(
    sender: WebhookSender, gateway: TinyGateway
) -> None:
    phone = call(sender)
    phone.dial_in()
    phone.respond("1")
    assert gateway.hits[-1].params["Digits"] == "1"
    asked = len(gateway.hits)

    assert phone.respond("two four six eight") == ["(this question takes keys only: type digits)"]
    assert len(gateway.hits) == asked  # nothing sent
    phone.respond("2 4 6 8 9 9")  # spaces ignored, at most numDigits keys
    assert gateway.hits[-1].params["Digits"] == "2468"


def test_silence_plays_what_follows_the_gather(sender: WebhookSender, gateway: TinyGateway) -> None:
    phone = call(sender)
    phone.dial_in()
    lines = phone.respond("")
    assert lines[0] == "bank: I did not hear anything."
    assert lines[1] == "bank: Are you still there?"
    assert gateway.paths()[-1] == "/twilio/voice/turn?n=1&silence=1"
    silent = gateway.hits[-1].params
    assert "Digits" not in silent and "SpeechResult" not in silent


def test_action_on_empty_result_posts_the_silence(sender: WebhookSender) -> None:
    phone = call(sender)
    phone.gather = Listening(
        action="/twilio/voice/turn?n=5", inputs={"speech", "dtmf"}, action_on_empty=True
    )
    lines = phone.respond("   ")
    assert lines[0] == "bank: You said ."


def test_a_transfer_dials_and_plays_the_whisper(
    sender: WebhookSender, gateway: TinyGateway
) -> None:
    phone = call(sender)
    phone.dial_in()
    lines = phone.respond("I want an agent")

    assert lines == [
        "bank: Connecting you to a person.",
        f"(the call is being transferred to {AGENT}; please hold)",
        "agent hears: Margaret Chen, verified, asked for a person about her balance.",
        "(you are now connected to the agent; the terminal phone ends here)",
    ]
    assert phone.ended and phone.transferred_to == AGENT
    whisper = next(hit for hit in gateway.hits if hit.path == "/twilio/voice/whisper")
    assert whisper.query == f"call={phone.call_sid}"
    assert whisper.params["ParentCallSid"] == phone.call_sid
    assert whisper.params["CallSid"] != phone.call_sid
    status = gateway.hits[-1]
    assert (status.path, status.params["CallStatus"]) == ("/twilio/voice/status", "completed")


def test_hangups_end_the_call_and_report_it(sender: WebhookSender, gateway: TinyGateway) -> None:
    phone = call(sender)
    phone.dial_in()
    assert phone.respond("goodbye") == ["bank: Goodbye.", "(the bank hangs up)"]
    assert phone.ended and phone.waiting is None
    assert phone.respond("hello?") == ["(the call has ended)"]
    assert gateway.paths()[-1] == "/twilio/voice/status"

    other = call(sender)
    other.dial_in()
    assert other.hang_up() == ["(you hang up)"]
    assert gateway.hits[-1].params["CallSid"] == other.call_sid


def test_each_call_has_its_own_sid(sender: WebhookSender) -> None:
    assert call(sender).call_sid != call(sender).call_sid


def test_a_wrong_token_or_public_url_is_refused(http: httpx.Client) -> None:
    with pytest.raises(SoftphoneError, match="403"):
        call(WebhookSender(http, "not-the-token", PUBLIC)).dial_in()
    with pytest.raises(SoftphoneError, match="403"):
        call(WebhookSender(http, TOKEN, "http://127.0.0.1:8000")).dial_in()


def test_gateway_errors_end_the_call_politely(http: httpx.Client) -> None:
    class Broken(WebhookSender):
        def post(self, url: str, params: Dict[str, str], method: str = "POST") -> httpx.Response:
            return httpx.Response(500, text="Internal Server Error")

    phone = call(Broken(http, TOKEN, PUBLIC))
    assert "HTTP 500" in phone.dial_in()[0]
    assert phone.ended


# ---- the texting phone -----------------------------------------------------------------


def test_texts_are_signed_and_replies_show_their_segments(
    sender: WebhookSender, gateway: TinyGateway
) -> None:
    texting = TextingPhone(sender, RAVI, BANK, ACCOUNT)
    assert texting.send("bal") == [
        "bank: Please reply with your 4-digit PIN.",
        "      (1 segment, GSM-7, 35 characters)",
    ]
    first = gateway.hits[-1].params
    assert (first["From"], first["To"], first["Body"]) == (RAVI, BANK, "bal")
    assert first["MessageSid"].startswith("SM") and first["SmsSid"] == first["MessageSid"]

    assert texting.send("1357")[0] == "bank: Checking: $310.00"
    assert gateway.hits[-1].params["MessageSid"] != first["MessageSid"]
    assert texting.send("LONG")[1].startswith("      (2 segments, GSM-7,")
    assert texting.send("QUIET") == ["(no reply)"]
    assert texting.send("MULTI")[0] == "bank: Recent:\n      11/18 Top-up -$15.00"


def test_a_retried_text_repeats_its_message_sid(
    sender: WebhookSender, gateway: TinyGateway
) -> None:
    texting = TextingPhone(sender, RAVI, BANK, ACCOUNT)
    texting.text("hello")
    again = texting.text("hello", sid=texting.last_sid)
    assert again[0].body == "You said hello"
    assert gateway.hits[-1].params["MessageSid"] == gateway.hits[-2].params["MessageSid"]


# ---- TwiML helpers ---------------------------------------------------------------------


def test_spoken_text_strips_ssml() -> None:
    (say,) = parse_twiml(
        '<Response><Say voice="Polly.Joanna"><prosody rate="75%">You have '
        '<say-as interpret-as="digits">12</say-as> new<break time="1s"/>messages.</prosody>'
        "  <emphasis>Bye</emphasis></Say></Response>"
    )
    assert spoken(say) == "You have 12 new messages. Bye"


def test_parse_twiml_rejects_what_is_not_twiml() -> None:
    with pytest.raises(ValueError, match="not XML"):
        parse_twiml("Internal Server Error")
    with pytest.raises(ValueError, match="not TwiML"):
        parse_twiml("<html><body/></html>")


def test_pins_are_masked_when_echoed() -> None:
    assert masked("2468", secret=False) == "****"
    assert masked("1", secret=False) == "1"
    assert masked("12#", secret=True) == "***"
    assert masked("what's my balance", secret=False) == "what's my balance"


# ---- the CLI commands, piped ------------------------------------------------------------


@pytest.fixture
def cli_env(gateway: TinyGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ASSISTANT_PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setenv("TWILIO_PHONE_NUMBER", BANK)
    get_settings.cache_clear()
    yield gateway.url
    get_settings.cache_clear()


def test_assistant_phone_piped(cli_env: str, gateway: TinyGateway) -> None:
    result = CliRunner().invoke(
        cli,
        ["phone", "--from", MARGARET, "--url", cli_env],
        input="what's my balance\n2468\n\ngoodbye\n",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "calling the bank from +15550100001" in out
    assert "bank: Hello Margaret, this is Kindly Bank." in out
    assert "you: ****" in out and "2468" not in out
    assert "you: (silence)" in out
    assert "bank: Are you still there?" in out
    assert out.rstrip().endswith("(the bank hangs up)")
    assert gateway.hits[-1].params["CallStatus"] == "completed"


def test_assistant_phone_hangs_up_at_the_end_of_input(cli_env: str, gateway: TinyGateway) -> None:
    result = CliRunner().invoke(cli, ["phone", "--from", MARGARET, "--url", cli_env], input="")
    assert result.exit_code == 0, result.output
    assert "(you hang up)" in result.output
    assert gateway.paths()[-1] == "/twilio/voice/status"


def test_assistant_sms_piped(cli_env: str, gateway: TinyGateway) -> None:
    result = CliRunner().invoke(cli, ["sms", "--from", RAVI, "--url", cli_env], input="BAL\n1357\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "you: BAL",
        "bank: Please reply with your 4-digit PIN.",
        "      (1 segment, GSM-7, 35 characters)",
        "you: ****",
        "bank: Checking: $310.00",
        "      (1 segment, GSM-7, 17 characters)",
    ]


def test_the_cli_explains_a_refused_signature(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "another-token")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["sms", "--from", RAVI, "--url", cli_env], input="BAL\n")
    assert result.exit_code == 1
    assert "refused the signature" in result.output


def test_the_cli_explains_a_missing_gateway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    get_settings.cache_clear()
    url = f"http://127.0.0.1:{free_port()}"
    try:
        result = CliRunner().invoke(cli, ["phone", "--from", MARGARET, "--url", url], input="")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "is `assistant up` running?" in result.output


# ---- the real gateway app (fake Rasa), through the softphone ---------------------------


@pytest.fixture
def real_gateway(demo_template: Path, tmp_path: Path) -> Iterator[tuple]:
    """``create_app`` on a seeded bank with ``FakeRasa``; (sender, settings, fake Rasa)."""
    from assistant.db import dispose
    from assistant.gateway.app import create_app
    from tests.fakes import FakeRasa, copy_of_bank

    url = copy_of_bank(demo_template, tmp_path)
    settings = Settings(
        home=tmp_path / "home",
        database_url=url,
        rasa_token="test-token",
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
        twilio_number=BANK,
        opening_hours="00:00-24:00",
    )
    app = create_app(settings)
    paths = {getattr(route, "path", "") for route in app.routes}
    assert {"/twilio/voice", "/twilio/voice/turn", "/twilio/sms"} <= paths
    rasa = FakeRasa(app.state.turns.conversations)
    app.state.turns.rasa = rasa
    for base in serve(app):
        with httpx.Client(base_url=base, timeout=30) as client:
            yield WebhookSender(client, TOKEN, PUBLIC), settings, rasa
    dispose(url)


def test_the_real_gateway_accepts_the_terminal_phone(real_gateway: tuple) -> None:
    sender, settings, rasa = real_gateway
    phone = Softphone(sender, MARGARET, BANK, ACCOUNT)
    phone.dial_in()
    assert phone.heard and phone.waiting is not None
    assert phone.waiting.inputs == {"speech", "dtmf"}

    phone.respond("what's my balance")
    assert phone.expects_secret  # the PIN is asked for on the keypad
    phone.respond("2468")
    assert rasa.calls and all("2468" not in text for text in rasa.texts)
    assert phone.waiting is not None

    lines = phone.respond("0")  # the keypad's "a person" (the fake Rasa has no intents)
    assert phone.transferred_to == settings.call_centre_number
    assert phone.whisper and any(line.startswith("agent hears: ") for line in lines)


def test_the_real_gateway_answers_the_texting_phone(real_gateway: tuple) -> None:
    sender, _, rasa = real_gateway
    texting = TextingPhone(sender, RAVI, BANK, ACCOUNT)
    (ask,) = texting.text("BAL")
    assert "PIN" in ask.body
    (balance,) = texting.text("1357")
    assert "$" in balance.body and all("1357" not in text for text in rasa.texts)
    assert (balance.segments, balance.encoding) == (1, "GSM-7")


# ---- the terminal phone in a conference with the helper (issue 9 item 6) -----------------


@pytest.fixture
def conference_gateway(demo_template: Path, tmp_path: Path) -> Iterator[tuple]:
    """The real gateway with the loopback Twilio fake behind its transport, in this process:
    (sender, fake Twilio). The fake Rasa answers "get Linda on the line" with the conference."""
    from assistant.db import dispose, session_factory
    from assistant.gateway.app import create_app
    from assistant.messaging.fake_twilio import FakeTwilio
    from tests.fakes import copy_of_bank
    from tests.test_voice_conference import HelperRasa, linda_link

    url = copy_of_bank(demo_template, tmp_path)
    with FakeTwilio(ACCOUNT, TOKEN) as fake:
        settings = Settings(
            home=tmp_path / "home",
            database_url=url,
            rasa_token="test-token",
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=TOKEN,
            twilio_api_base=fake.base_url,
            public_base_url=PUBLIC,
            twilio_number=BANK,
        )
        app = create_app(settings)
        rasa = HelperRasa(app.state.turns.conversations)
        rasa.link_id = linda_link(session_factory(url))
        app.state.turns.rasa = rasa
        for base in serve(app):
            with httpx.Client(base_url=base, timeout=30) as client:
                yield WebhookSender(client, TOKEN, PUBLIC), fake
    dispose(url)


def in_conference(conference_gateway: tuple) -> tuple:
    """Margaret, verified, asks for Linda: (her phone, what the terminal showed, the fake)."""
    sender, fake = conference_gateway
    phone = Softphone(sender, MARGARET, BANK, ACCOUNT, twilio=fake)
    phone.dial_in()
    phone.respond("what's my balance")
    phone.respond("2468")
    return phone, phone.respond("get Linda on the line"), fake


def test_the_terminal_phone_shows_linda_rung_and_greeted(conference_gateway: tuple) -> None:
    phone, lines, fake = in_conference(conference_gateway)
    shown = "\n".join(lines)
    assert "bank: I'm calling Linda now." in shown
    assert "(you are put into a conference call" in shown and "press * to come back" in shown
    assert "bank (on hold): Please hold while I ring Linda Chen." in shown
    assert f"(the bank rings {LINDA}; their phone answers)" in shown
    assert "helper hears: Hello. This is Kindly Bank. Margaret Chen has asked you" in shown
    assert phone.helpers_turn and phone.speaker == "helper"
    assert fake.calls[-1].to == LINDA


def test_linda_joins_then_star_brings_margaret_back(conference_gateway: tuple) -> None:
    phone, _, fake = in_conference(conference_gateway)
    joined = phone.respond("1")
    assert any(
        line.startswith("helper hears: Thank you. I'm putting you through") for line in joined
    )
    assert "(the helper joins your conference" in joined[-1]
    assert phone.speaker == "you" and not phone.ended

    back = phone.respond("*")
    assert back[0] == "(you press *: you leave the conference)"
    assert "bank: You're back with me. Linda Chen is no longer on the call." in "\n".join(back)
    assert any("gone back to the bank's assistant" in line for line in back)  # Linda's goodbye
    assert phone.waiting is not None and phone.waiting.inputs == {"speech", "dtmf"}
    assert phone.conference is None
    assert fake.find(fake.calls[-1].sid).statuses == [("completed", 204)]


def test_linda_declines_and_the_terminal_follows_margaret_back(conference_gateway: tuple) -> None:
    phone, _, fake = in_conference(conference_gateway)
    lines = phone.respond("2")
    shown = "\n".join(lines)
    assert "helper hears: That's all right. I'll let Margaret Chen know." in shown
    assert "(the bank moves your call out of the conference)" in shown
    assert (
        lines[-2]
        == "bank: Linda Chen couldn't join just now. I'm back with you. What would you like to do?"
    )
    assert phone.waiting is not None and not phone.ended
    assert fake.updates(phone.call_sid)


def test_linda_hangs_up_after_joining_and_margaret_is_told(conference_gateway: tuple) -> None:
    phone, _, _ = in_conference(conference_gateway)
    phone.respond("1")
    assert phone.respond("hello Linda") == [
        "(the helper hears you; the bank is not listening: press * to come back)"
    ]
    lines = phone.respond("helper hangs up")
    assert lines[0] == "(the helper hangs up)"
    assert "bank: Linda Chen has left the call. I'm back with you." in "\n".join(lines)
    assert phone.waiting is not None


def test_star_while_linda_is_greeted_stops_her_call(conference_gateway: tuple) -> None:
    phone, _, fake = in_conference(conference_gateway)
    lines = phone.respond("*")
    shown = "\n".join(lines)
    assert "bank: You're back with me. I've stopped calling Linda Chen." in shown
    assert "(the bank stops the helper's call: completed)" in shown
    assert phone.waiting is not None and not phone.helpers_turn


def test_without_the_fake_the_terminal_says_who_it_cannot_answer_for(
    conference_gateway: tuple,
) -> None:
    sender, _ = conference_gateway
    phone = Softphone(sender, MARGARET, BANK, ACCOUNT)
    phone.dial_in()
    phone.respond("what's my balance")
    phone.respond("2468")
    lines = phone.respond("get Linda on the line")
    assert "this terminal phone cannot answer for them" in lines[-1]
    assert phone.respond("") == [
        "(you wait in the conference; press * to come back to the assistant)"
    ]
    back = phone.respond("*")
    assert "I've stopped calling Linda Chen" in "\n".join(back)


def test_assistant_phone_piped_shows_the_conference_and_star(
    conference_gateway: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender, fake = conference_gateway
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ASSISTANT_PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setenv("TWILIO_PHONE_NUMBER", BANK)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            ["phone", "--from", MARGARET, "--url", str(sender.http.base_url)],
            input="what's my balance\n2468\nget Linda on the line\n\n*\n",
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    out = result.output
    assert "bank (on hold): Please hold while I ring Linda Chen." in out
    assert "you: (silence)\n(you wait in the conference; press * to come back" in out
    assert "you: *\n(you press *: you leave the conference)" in out
    assert "bank: You're back with me. I've stopped calling Linda Chen." in out
    assert out.rstrip().endswith("(you hang up)")
    assert fake.calls[-1].to == LINDA
