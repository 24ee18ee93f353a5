"""Full-turn latency through the gateway's text endpoint, turns per second, Rasa's memory.

Starts a private stack (own home, SQLite, free ports) with the trained model, then:
- the first turn of a new conversation (cold: Rasa creates the tracker),
- p50/p95 turn latency with 1 conversation and with 20 concurrent conversations,
- turns per second at 20 concurrent conversations,
- the Rasa server's resident memory after the load,
- the last model training time (from models/last-training-seconds.txt).

Each conversation is the realistic kind: hello, a balance request, the PIN, then eight
everyday turns (11 turns in all). Run: .venv/bin/python bench/turn_latency.py
"""

from __future__ import annotations

import argparse
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

# One realistic conversation: identify, give the PIN, then everyday questions.
OPENING = ["hello", "what is my balance", "2468"]
TURNS = [
    "show my recent payments",
    "how much is in savings",
    "say that again",
    "what can you do",
    "what is my balance",
    "payments to tom last month",
    "thank you",
    "goodbye",
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


BY_TURN: dict[str, list[float]] = {}


def conversation(http: httpx.Client) -> list[float]:
    """One whole conversation; returns each turn's latency in ms (the PIN turn included)."""
    chat = Chat(http, "+15550100001")
    took = []
    for words in OPENING + TURNS:
        started = time.perf_counter()
        chat.say(words)
        took.append((time.perf_counter() - started) * 1000)
        BY_TURN.setdefault(words, []).append(took[-1])
    return took


def conversations(http: httpx.Client, count: int) -> list[float]:
    return [t for _ in range(count) for t in conversation(http)]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Rasa may fork), in MB."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--conversations", type=int, default=20, help="conversations per measurement"
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-"))
    os.environ.update(isolated_environment(home))
    settings = Settings()
    migrate(settings.bank_database_url)
    seed_demo_bank(session_factory(settings.bank_database_url))
    model = train(settings)
    with (
        Stack(settings, model) as stack,
        httpx.Client(
            base_url=settings.gateway_url, timeout=60, limits=httpx.Limits(max_connections=50)
        ) as http,
    ):
        conversations(http, 2)  # warm up

        firsts = []
        for _ in range(10):
            started = time.perf_counter()
            Chat(http, "+15550100002").say("hello")
            firsts.append((time.perf_counter() - started) * 1000)

        BY_TURN.clear()
        one = conversations(http, args.conversations)
        by_turn = {words: statistics.median(times) for words, times in BY_TURN.items()}

        started = time.perf_counter()
        with ThreadPoolExecutor(20) as pool:
            runs = list(pool.map(lambda _: conversations(http, 3), range(20)))
        elapsed = time.perf_counter() - started
        many = [t for run in runs for t in run]
        turns_per_second = len(many) / elapsed

        rasa = next(s for s in stack.services if s.name == "rasa")
        memory = rss_mb(rasa.process.pid)

    training = settings.models_dir / "last-training-seconds.txt"
    print(f"first turn of a new conversation: p50 {statistics.median(firsts):.0f} ms")
    print(
        f"1 conversation:   p50 {percentile(one, 50):.0f} ms, p95 {percentile(one, 95):.0f} ms "
        f"({len(one)} turns in {args.conversations} conversations)"
    )
    print(
        f"20 concurrent:    p50 {percentile(many, 50):.0f} ms, p95 {percentile(many, 95):.0f} ms, "
        f"{turns_per_second:.1f} turns/s ({len(many)} turns in 60 conversations)"
    )
    slowest = sorted(by_turn.items(), key=lambda item: -item[1])[:4]
    print(
        "slowest turns (1 conversation, p50): " + ", ".join(f"{w!r} {t:.0f} ms" for w, t in slowest)
    )
    print(f"Rasa server resident memory: {memory:.0f} MB")
    if training.exists():
        print(f"model training time (last train): {float(training.read_text()):.0f} s")


if __name__ == "__main__":
    main()
