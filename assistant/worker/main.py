"""Run one worker in the foreground until Ctrl-C or SIGTERM (``assistant worker``,
``python -m assistant.worker``)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Optional

from assistant.settings import Settings, get_settings
from assistant.worker.wiring import build_worker


def run_worker(settings: Optional[Settings] = None) -> None:
    """Consume the configured queue until SIGINT or SIGTERM, then stop cleanly."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Our own lines say what was delivered; huey's and Twilio's per-request ones only repeat it.
    for chatty in ("huey", "twilio.http_client"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = settings or get_settings()
    stop = threading.Event()

    def request_stop(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    worker = build_worker(settings)
    try:
        worker.run(stop)
    finally:
        worker.close()
