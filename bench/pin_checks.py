"""What a message full of numbers costs: at most one PIN check, however many numbers.

One 1,000-character message of 199 numbers used to cost 10.3 s of argon2 work (37 s for four
at once). Starts a private stack (own home, SQLite, free ports, the trained model, the
production argon2 setting) and times, through the gateway's JSON API, such a message:
- while the PIN is asked for, before it was given, and after (10 conversations each),
- four at once, in four conversations.

Run: .venv/bin/python bench/pin_checks.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import migrate, session_factory  # noqa: E402
from assistant.demo import seed_demo_bank  # noqa: E402
from assistant.processes import Stack, isolated_environment  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.training import train  # noqa: E402
from tests.e2e.chat import Chat  # noqa: E402

NUMBERS = " ".join(f"{1000 + i}" for i in range(199))  # 995 characters
ROUNDS = 10


def timed(chat: Chat, words: str) -> float:
    started = time.perf_counter()
    chat.say(words)
    return (time.perf_counter() - started) * 1000


def state_runs(http: httpx.Client, state: str) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        chat = Chat(http, "+15550100002")
        if state in ("awaiting the PIN", "verified"):
            chat.say("what is my balance")
        if state == "verified":
            chat.say("1357")
        timings.append(timed(chat, NUMBERS))
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kb-pin-bench-") as home:
        os.environ.update(isolated_environment(Path(home)))
        settings = Settings()
        migrate(settings.bank_database_url)
        seed_demo_bank(session_factory(settings.bank_database_url))
        model = train(settings)
        client = httpx.Client(base_url=settings.gateway_url, timeout=120)
        with Stack(settings, model), client as http:
            Chat(http, "+15550100001").say("hello")  # warm up
            print(f"a message of {len(NUMBERS.split())} numbers, {len(NUMBERS)} characters")
            for state in ("awaiting the PIN", "not asked", "verified"):
                runs = state_runs(http, state)
                print(
                    f"  {state:<17} p50 {statistics.median(runs):6.0f} ms   "
                    f"max {max(runs):6.0f} ms   ({ROUNDS} conversations)"
                )
            chats = []
            for _ in range(4):
                chat = Chat(http, "+15550100002")
                chat.say("what is my balance")
                chats.append(chat)
            started = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                each = list(pool.map(lambda c: timed(c, NUMBERS), chats))
            wall = (time.perf_counter() - started) * 1000
            print(f"  four at once      wall {wall:6.0f} ms   slowest {max(each):6.0f} ms")


if __name__ == "__main__":
    main()
