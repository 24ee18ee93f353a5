"""Only the gateway can drive the assistant, and a dead part is noticed and brought back.

A local process on the bank's machine can reach Rasa's and the action server's ports. Rasa runs
without its HTTP API (no trackers to read, intents to inject, actions to run or models to
unload), its channels need the gateway's token, and the action server needs Rasa's secret.
The second half runs ``assistant up`` itself on a private home and ports: its files are
owner-only, the NLU evaluation route works when switched on, a killed action server turns
``/readyz`` unready until the supervisor has brought it back, and SIGTERM stops everything.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.banking import LedgerBankingService
from assistant.db import session_factory
from assistant.processes import Stack, isolated_environment
from assistant.rasa_env import ACTION_TOKEN_HEADER, CHANNEL_TOKEN_HEADER
from assistant.settings import PROJECT_ROOT
from tests.e2e.chat import Chat
from tests.fakes import action_call

pytestmark = pytest.mark.e2e

MARGARET = "+15550100001"


def checking_balance(database_url: str, phone: str = MARGARET) -> int:
    bank = LedgerBankingService(session_factory(database_url))
    customer = bank.find_customer_by_phone(phone)
    return bank.get_account(customer.id, "checking").balance.minor


def payment_call(conversation_id: str, cents: int = 12300) -> dict:
    """What a local attacker posts: "submit a confirmed payment to Tom" for a verified chat."""
    slots = {
        "recipient": "Tom",
        "amount": {"minor_units": cents, "currency": "USD"},
        "from_account": "checking",
        "payment_confirmed": True,
        "payment_kind": "transfer",
        "payment_reference": "attack-1",
    }
    return action_call("action_submit_payment", conversation_id, slots)


@pytest.fixture(scope="module")
def verified(stack: Stack) -> Chat:
    """Margaret's chat, verified with her PIN: what an attacker would want to drive."""
    chat = Chat(httpx.Client(base_url=stack.settings.gateway_url, timeout=60), MARGARET)
    chat.say("what is my balance")
    assert "$" in chat.text("2468")
    return chat


# ---- the shared stack: Rasa's API and the action server refuse a local process --------------

RASA_API = [
    ("GET", "/conversations/{id}/tracker", None),
    ("POST", "/conversations/{id}/tracker/events", {"event": "slot", "name": "x", "value": 1}),
    ("PUT", "/conversations/{id}/tracker/events", []),
    ("POST", "/conversations/{id}/trigger_intent", {"name": "affirm"}),
    ("POST", "/conversations/{id}/execute", {"name": "action_submit_payment"}),
    ("POST", "/conversations/{id}/messages", {"text": "yes", "sender": "user"}),
    ("POST", "/conversations/{id}/predict", None),
    ("GET", "/conversations/{id}/story", None),
    ("POST", "/model/parse", {"text": "what is my balance"}),
    ("PUT", "/model", {"model_file": "/tmp/any-model.tar.gz"}),
    ("DELETE", "/model", None),
    ("POST", "/model/train", None),
    ("GET", "/domain", None),
    ("GET", "/status", None),
    ("GET", "/version", None),
    ("POST", "/webhooks/rest/webhook", {"sender": "{id}", "message": "yes"}),
]


def test_rasa_http_api_is_absent_and_the_model_stays_loaded(stack: Stack, verified: Chat) -> None:
    before = checking_balance(stack.settings.bank_database_url)
    token = stack.settings.channel_token()
    with httpx.Client(base_url=stack.settings.rasa_url, timeout=30) as rasa:
        for method, path, body in RASA_API:
            url = path.format(id=verified.id)
            for params in ({}, {"token": token}):  # the gateway's token opens nothing here
                answer = rasa.request(method, url, json=body, params=params)
                assert answer.status_code in (403, 404, 405), (method, url, answer.text)
                assert "sender_id" not in answer.text and "slots" not in answer.text
        ready = rasa.get("/webhooks/chat/ready", headers={CHANNEL_TOKEN_HEADER: token})
        assert ready.status_code == 200, "the model must still be loaded"
    assert checking_balance(stack.settings.bank_database_url) == before
    # The conversation carries on as before, through the gateway (and so through the actions).
    assert "$" in verified.text("how much money do I have")


def test_rasa_channels_need_the_gateway_token(stack: Stack, verified: Chat) -> None:
    with httpx.Client(base_url=stack.settings.rasa_url, timeout=30) as rasa:
        for headers in ({}, {CHANNEL_TOKEN_HEADER: "wrong"}):
            assert rasa.get("/webhooks/chat/", headers=headers).status_code == 403
            assert rasa.get("/webhooks/chat/ready", headers=headers).status_code == 403
            sent = rasa.post(
                "/webhooks/chat/webhook",
                json={"sender": verified.id, "message": "yes"},
                headers=headers,
            )
            assert sent.status_code == 403
        # Rasa's root route tells its version and nothing else.
        assert rasa.get("/").text.startswith("Hello from Rasa")


def test_the_nlu_evaluation_route_is_off_by_default(stack: Stack) -> None:
    with httpx.Client(base_url=stack.settings.rasa_url, timeout=30) as rasa:
        answer = rasa.post(
            "/webhooks/nlu/parse",
            json={"text": "what is my balance"},
            headers={"Authorization": "Bearer anything"},
        )
    assert answer.status_code == 404


def test_a_payment_posted_straight_to_the_action_server_is_refused_and_moves_nothing(
    stack: Stack, verified: Chat
) -> None:
    url = f"http://{stack.settings.action_host}:{stack.settings.action_port}"
    before = checking_balance(stack.settings.bank_database_url)
    with httpx.Client(base_url=url, timeout=30) as actions:
        for headers in ({}, {ACTION_TOKEN_HEADER: "guess"}, {"Origin": "http://evil.example"}):
            answer = actions.post("/webhook", json=payment_call(verified.id), headers=headers)
            assert answer.status_code == 403
            assert answer.content == b""
            assert "access-control-allow-origin" not in answer.headers
            assert actions.get("/health", headers=headers).status_code == 403
    assert checking_balance(stack.settings.bank_database_url) == before


def test_readyz_is_ready_when_every_part_is_up_and_tells_no_secret(
    stack: Stack, gateway: httpx.Client
) -> None:
    ready = gateway.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "database": True,
        "rasa": True,
        "actions": True,
        "worker": True,
        "failed": [],
    }
    for secret in (stack.settings.channel_token(), stack.settings.action_token()):
        assert secret not in ready.text


# ---- a private `assistant up`: files, the evaluation switch, a dead part, SIGTERM -----------

EVAL_TOKEN = "nlu-eval-test-token"  # noqa: S105 - a test value


class Up:
    """``assistant up`` running as a subprocess on its own home and ports."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = isolated_environment(home, ASSISTANT_NLU_EVAL_TOKEN=EVAL_TOKEN)
        self.output = home.parent / f"{home.name}-up.out"
        self.gateway = f"http://127.0.0.1:{self.env['ASSISTANT_GATEWAY_PORT']}"
        self.rasa = f"http://127.0.0.1:{self.env['ASSISTANT_RASA_PORT']}"
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "up"],
                cwd=PROJECT_ROOT,
                env={**os.environ, **self.env, "RASA_TELEMETRY_ENABLED": "false"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.children: dict[int, str] = {}

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, words: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.text():
            assert self.process.poll() is None, f"assistant up stopped:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {words!r} from assistant up:\n{self.text()}"
            time.sleep(0.5)

    def child(self, module: str) -> int:
        """The pid of the part whose command line names ``module``."""
        found = [pid for pid, command in self.parts().items() if module in command]
        assert len(found) == 1, self.parts()
        return found[0]

    def parts(self) -> dict[int, str]:
        parts = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat_line = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            fields = stat_line.rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[1]) == self.process.pid:
                parts[int(entry.name)] = command
        self.children.update(parts)
        return parts

    def readyz(self) -> httpx.Response:
        return httpx.get(f"{self.gateway}/readyz", timeout=10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.children:  # nothing may outlive it; clean up if something did
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        return self.process.returncode


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    running = Up(tmp_path_factory.mktemp("up"))
    try:
        running.wait_for("ready. Press Ctrl-C to stop.")
        running.parts()
        yield running
    finally:
        running.stop()


def test_the_files_of_a_started_stack_are_owner_only(up: Up) -> None:
    chat = Chat(httpx.Client(base_url=up.gateway, timeout=60), MARGARET)
    chat.say("what is my balance")  # the bank, the tracker store and the logs are written
    files = [path for path in up.home.rglob("*") if path.is_file()]
    names = {path.relative_to(up.home).as_posix() for path in files}
    assert {"bank.db", "tracker.db", "endpoints.yml", "rasa-token", "action-token"} <= names
    assert {"logs/actions.log", "logs/rasa.log", "logs/gateway.log"} <= names
    # WAL and shared-memory files come and go with connections; SQLite gives them the mode of
    # their database, and any present now are checked below with everything else.
    loose = {
        path.relative_to(up.home).as_posix(): oct(stat.S_IMODE(path.stat().st_mode))
        for path in [*files, up.home / "logs"]
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    }
    assert loose == {}


def test_the_nlu_evaluation_switch_serves_the_parse_to_its_bearer_only(up: Up) -> None:
    with httpx.Client(base_url=up.rasa, timeout=30) as rasa:
        text = {"text": "send 50 dollars to tom"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": EVAL_TOKEN}):
            assert rasa.post("/webhooks/nlu/parse", json=text, headers=headers).status_code == 403
        parsed = rasa.post(
            "/webhooks/nlu/parse", json=text, headers={"Authorization": f"Bearer {EVAL_TOKEN}"}
        )
    assert parsed.status_code == 200
    body = parsed.json()
    assert body["intent"]["name"] == "transfer_money"
    amounts = [e["value"] for e in body["entities"] if e["entity"] == "amount"]
    assert amounts == [{"minor_units": 5000, "currency": "USD"}]
    assert "intent_ranking" in body and body["text"] == text["text"]
    # The token went to Rasa through its environment, not its command line.
    assert all(EVAL_TOKEN not in command for command in up.parts().values())


def test_a_killed_action_server_makes_readyz_unready_until_the_supervisor_restarts_it(
    up: Up,
) -> None:
    assert up.readyz().status_code == 200
    dead = up.child("assistant.action_server")
    os.kill(dead, signal.SIGKILL)
    while _alive(dead):  # gone (or a zombie until the supervisor's next look): port closed
        time.sleep(0.01)
    unready = up.readyz()
    assert unready.status_code == 503
    assert unready.json()["actions"] is False and unready.json()["failed"] == ["actions"]

    deadline = time.monotonic() + 120
    while up.readyz().status_code != 200:
        assert time.monotonic() < deadline, f"the action server did not come back:\n{up.text()}"
        time.sleep(0.5)
    assert up.child("assistant.action_server") != dead
    assert "actions killed by signal 9; restarting it" in up.text()
    assert "assistant up: actions killed by signal 9" in (up.home / "logs/actions.log").read_text()
    # And the assistant works again end to end, actions included.
    chat = Chat(httpx.Client(base_url=up.gateway, timeout=60), MARGARET)
    chat.say("what is my balance")
    assert "$" in chat.text("2468")


def test_a_yes_that_met_an_action_server_outage_leaves_nothing_armed(up: Up) -> None:
    """After the restart, an unrelated message never sends the old payment."""
    _wait_ready(up)
    chat = Chat(httpx.Client(base_url=up.gateway, timeout=60), MARGARET)
    chat.say("what is my balance")
    chat.say("2468")
    assert "Send $5.00 to Tom" in chat.text("send 5 dollars to Tom from checking")
    database = f"sqlite:///{up.home / 'bank.db'}"
    before = checking_balance(database)
    dead = up.child("assistant.action_server")
    os.kill(dead, signal.SIGKILL)
    while _alive(dead):
        time.sleep(0.01)
    failed = chat.text("yes")
    assert "trouble" in failed and "not done that" in failed, failed
    _wait_ready(up)
    after_restart = chat.text("what is my balance")
    assert "checking account has" in after_restart, after_restart
    assert checking_balance(database) == before  # the old $5 did not go
    # The payment waits for a fresh check: only a plain yes to a new read-back sends it.
    assert "Send $5.00 to Tom" in after_restart
    assert checking_balance(database) == before
    assert "Done" in chat.text("yes")
    assert checking_balance(database) == before - 500


def _wait_ready(up: Up, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if up.readyz().status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the stack did not come back:\n{up.text()}"
        time.sleep(0.5)


@pytest.mark.parametrize("delay", [0.03, 0.3])
def test_a_yes_whose_gateway_was_killed_gets_its_outcome_when_retried(up: Up, delay: float) -> None:
    """Killed just after "yes": the retried message says what happened, and money moved once."""
    _wait_ready(up)
    http = httpx.Client(base_url=up.gateway, timeout=60)
    chat = Chat(http, MARGARET)
    chat.say("what is my balance")
    chat.say("2468")
    assert "Send $5.00 to Tom" in chat.text("send 5 dollars to Tom from checking")
    database = f"sqlite:///{up.home / 'bank.db'}"
    before = checking_balance(database)
    gateway = up.child("uvicorn")
    message = {"text": "yes", "client_message_id": f"yes-{delay}"}
    headers = {"Authorization": f"Bearer {chat.token}"}
    path = f"/api/conversations/{chat.id}/messages"

    def kill_soon() -> None:
        time.sleep(delay)
        os.kill(gateway, signal.SIGKILL)

    import threading

    killer = threading.Thread(target=kill_soon)
    killer.start()
    try:
        http.post(path, json=message, headers=headers)
    except httpx.HTTPError:
        pass  # the connection died with the gateway
    killer.join()
    _wait_ready(up)
    retried = http.post(path, json=message, headers=headers)
    assert retried.status_code == 200, retried.text
    words = " ".join(m["text"] for m in retried.json()["messages"])
    after = checking_balance(database)
    print(f"killed after {delay}s: moved {before - after}, retry said {words!r}")
    if after == before - 500:
        assert "sent $5.00 to Tom" in words, words
    else:
        assert after == before
        assert "not sent" in words or "not done" in words or "Shall I" in words, words
    # And a second retry changes nothing.
    again = http.post(path, json=message, headers=headers)
    assert again.json()["messages"] == retried.json()["messages"]
    assert checking_balance(database) == after


def test_sigterm_stops_every_part_cleanly(up: Up) -> None:
    parts = up.parts()
    assert len(parts) >= 3
    assert up.stop() == 0
    assert "stopped" in up.text()
    assert [pid for pid in parts if _alive(pid)] == []
