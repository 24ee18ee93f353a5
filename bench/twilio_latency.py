"""Webhook-to-TwiML latency of the Twilio voice and SMS webhooks, at 1 and 20 concurrent callers.

Starts a private stack (own home, SQLite, free ports, a bench auth token) with the trained model,
then drives it exactly as Twilio would: signed form-encoded webhooks (``voice.softphone``), each
call with its own CallSid, each text with its own MessageSid. Timed: from sending a webhook to
having its whole TwiML answer (``/twilio/voice``, ``/twilio/voice/turn``, ``/twilio/sms``);
status callbacks are sent but not timed.

- A call: the greeting, "what's my balance", the PIN on the keypad, two more questions.
- A texting conversation: BAL, the PIN, MINI, "what's my balance", HELP.
- 1 caller: calls (and texting conversations) one after another from the demo customers.
- 20 concurrent callers: each its own number (the demo customers plus unknown numbers).

Target: p95 at most 300 ms for one caller (Twilio itself waits up to 15 s).
Run: .venv/bin/python bench/twilio_latency.py [--calls 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import migrate, session_factory  # noqa: E402
from assistant.demo import seed_demo_bank  # noqa: E402
from assistant.messaging.transport import account_sid  # noqa: E402
from assistant.processes import Stack, isolated_environment  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.training import train  # noqa: E402
from voice.softphone import Softphone, TextingPhone, WebhookSender  # noqa: E402

TARGET_P95_MS = 300.0
# The demo customers who have a PIN (DESIGN.md section 4); never a wrong PIN for them (lockout).
CUSTOMERS = {"+15550100001": "2468", "+15550100002": "1357"}
CALL_QUESTIONS = ["show my recent payments", "how much is in savings"]
TEXTS = ["BAL", "<pin>", "MINI", "what's my balance", "HELP"]
TIMED = {"/twilio/voice": "voice", "/twilio/voice/turn": "voice", "/twilio/sms": "sms"}


def percentile(values: List[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


class Timings:
    """Webhook latencies by kind ("voice", "sms"); appended from many threads."""

    def __init__(self) -> None:
        self.ms: Dict[str, List[float]] = {"voice": [], "sms": []}
        self.steps: Dict[str, List[float]] = {}

    def record(self, path: str, ms: float) -> None:
        kind = TIMED.get(path)
        if kind is not None:
            self.ms[kind].append(ms)


def one_call(sender: WebhookSender, settings: Settings, caller: str, timings: Timings) -> int:
    """A realistic call; returns how many timed webhooks it took."""
    phone = Softphone(sender, caller, settings.twilio_number, account_sid(settings))
    steps: List[Tuple[str, str | None]] = [
        ("greeting", None),
        ("question", "what's my balance"),
        ("pin", CUSTOMERS.get(caller, "9999")),
        *[("question", words) for words in CALL_QUESTIONS],
    ]
    done = 0
    for step, words in steps:
        if phone.ended:
            break
        if step == "pin" and not (phone.waiting and phone.waiting.keys_only):
            continue  # not asked for a PIN (an unknown caller): go on with the questions
        started = time.perf_counter()
        phone.dial_in() if words is None else phone.respond(words)
        timings.steps.setdefault(step, []).append((time.perf_counter() - started) * 1000)
        done += 1
    phone.hang_up()
    return done


def one_texting(sender: WebhookSender, settings: Settings, number: str, timings: Timings) -> int:
    texting = TextingPhone(sender, number, settings.twilio_number, account_sid(settings))
    for body in TEXTS:
        texting.text(CUSTOMERS.get(number, "9999") if body == "<pin>" else body)
    return len(TEXTS)


def sender_for(http: httpx.Client, settings: Settings, timings: Timings) -> WebhookSender:
    return WebhookSender(http, settings.twilio_token(), settings.twilio_base_url, timings.record)


def sequential(http: httpx.Client, settings: Settings, calls: int) -> Tuple[Timings, float, float]:
    """One caller at a time: ``calls`` calls and as many texting conversations."""
    timings = Timings()
    sender = sender_for(http, settings, timings)
    numbers = list(CUSTOMERS)
    started = time.perf_counter()
    for index in range(calls):
        one_call(sender, settings, numbers[index % len(numbers)], timings)
    voice_s = time.perf_counter() - started
    started = time.perf_counter()
    for index in range(calls):
        one_texting(sender, settings, numbers[index % len(numbers)], timings)
    return timings, voice_s, time.perf_counter() - started


def concurrent(
    http: httpx.Client, settings: Settings, callers: int, rounds: int
) -> Tuple[Timings, float, float]:
    """``callers`` callers at once, each its own number, each ``rounds`` calls (then texts)."""
    timings = Timings()
    sender = sender_for(http, settings, timings)
    numbers = (list(CUSTOMERS) + [f"+1555020{i:04d}" for i in range(callers)])[:callers]

    def calls(number: str) -> None:
        for _ in range(rounds):
            one_call(sender, settings, number, timings)

    def texts(number: str) -> None:
        for _ in range(rounds):
            one_texting(sender, settings, number, timings)

    with ThreadPoolExecutor(callers) as pool:
        started = time.perf_counter()
        list(pool.map(calls, numbers))
        voice_s = time.perf_counter() - started
        started = time.perf_counter()
        list(pool.map(texts, numbers))
        sms_s = time.perf_counter() - started
    return timings, voice_s, sms_s


def line(label: str, values: List[float], seconds: float) -> str:
    return (
        f"{label:<22} p50 {percentile(values, 50):4.0f} ms, p95 {percentile(values, 95):4.0f} ms, "
        f"max {max(values):4.0f} ms  ({len(values)} webhooks, {len(values) / seconds:.1f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10, help="calls (and texting) for 1 caller")
    parser.add_argument("--callers", type=int, default=20, help="concurrent callers")
    parser.add_argument("--rounds", type=int, default=2, help="calls per concurrent caller")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-twilio-"))
    os.environ.update(
        isolated_environment(
            home,
            TWILIO_AUTH_TOKEN=secrets.token_urlsafe(24),
            TWILIO_ACCOUNT_SID="",
            ASSISTANT_PUBLIC_BASE_URL="",
            ASSISTANT_TWILIO_TRANSPORT="loopback",
            ASSISTANT_TWILIO_API_BASE="",
        )
    )
    settings = Settings()
    migrate(settings.bank_database_url)
    seed_demo_bank(session_factory(settings.bank_database_url))
    model = train(settings)
    with (
        Stack(settings, model),
        httpx.Client(
            base_url=settings.gateway_url, timeout=60, limits=httpx.Limits(max_connections=50)
        ) as http,
    ):
        sequential(http, settings, 2)  # warm up
        one, one_voice_s, one_sms_s = sequential(http, settings, args.calls)
        many, many_voice_s, many_sms_s = concurrent(http, settings, args.callers, args.rounds)

    print(
        f"Twilio webhook-to-TwiML latency (signed webhooks, real Rasa model, {os.cpu_count()} CPUs)"
    )
    print(line("voice, 1 caller:", one.ms["voice"], one_voice_s))
    print(line("sms, 1 texter:", one.ms["sms"], one_sms_s))
    print(line(f"voice, {args.callers} concurrent:", many.ms["voice"], many_voice_s))
    print(line(f"sms, {args.callers} concurrent:", many.ms["sms"], many_sms_s))
    print(
        "voice steps (1 caller, p50): "
        + ", ".join(f"{step} {statistics.median(ms):.0f} ms" for step, ms in one.steps.items())
    )
    worst = max(percentile(one.ms["voice"], 95), percentile(one.ms["sms"], 95))
    verdict = "met" if worst <= TARGET_P95_MS else "NOT met"
    print(
        f"target p95 <= {TARGET_P95_MS:.0f} ms for one caller: {verdict} (worst p95 {worst:.0f} ms)"
    )


if __name__ == "__main__":
    main()
