"""``python -m assistant.messaging.loopback``: the demo's shared loopback Twilio.

``assistant up`` runs it when no real Twilio is configured, so the gateway and the worker send
through one fake (:mod:`assistant.messaging.fake_twilio`) and the terminal phones can show what
the bank sent their number. It listens on 127.0.0.1 only, and its inbox asks for the same
account sid and auth token as the API. ``--no-status`` sends no status callbacks (a benchmark
without a gateway), ``--keep`` bounds how many requests it remembers.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Optional, Sequence

from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.transport import account_sid
from assistant.settings import get_settings


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Run the loopback Twilio on ``--port`` until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-status", action="store_true", help="send no status callbacks")
    parser.add_argument("--keep", type=int, default=1000, help="requests remembered")
    args = parser.parse_args(argv)
    settings = get_settings()
    fake = FakeTwilio(
        account_sid(settings),
        settings.twilio_token(),
        port=args.port,
        auto_status=() if args.no_status else ("sent", "delivered"),
        keep=args.keep,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    with fake:
        stopped.wait()


if __name__ == "__main__":
    main()
