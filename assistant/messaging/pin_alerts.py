"""Telling a customer, on their own number, that their PIN was locked after several wrong tries.

:class:`PinLockoutTexts` is the notifier :class:`assistant.identity.IdentityService` calls at
the first lockout of a day (``assistant.gateway.app`` wires it in): one text, purpose
``security``, through the outbound transport (``assistant.messaging.transport``), to the number
on file.
Its words are ``sms_pin_lockout_alert`` (``sms_pin_changed_alert`` after a PIN change) in
``assistant/texts/<language>/sms.yml``, in the customer's own language (``language_of``, given
by the app): the text goes only to the number on file, so its language tells nobody else
anything.

It sends in the background, so a slow Twilio neither delays the PIN turn nor tells anyone by
its timing that the number banks here; a failure is logged (never the text, never the PIN)
and nothing else happens. A number that texted STOP gets nothing (the transport's rule).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Callable, List, Optional

from assistant.messaging.transport import OutboundTransport, mask_phone
from assistant.texts import default_language, text

logger = logging.getLogger(__name__)

PURPOSE = "security"
LOCKOUT_KEY = "sms_pin_lockout_alert"


class PinLockoutTexts:
    """``(customer_id, phone)`` -> one security text to ``phone`` (see the module).

    ``language_of(customer_id)`` is the customer's catalogue language; without it, the bank's.
    """

    def __init__(
        self,
        transport: Callable[[], OutboundTransport],
        *,
        background: bool = True,
        language_of: Optional[Callable[[int], str]] = None,
    ) -> None:
        self._make_transport = transport
        self._transport: Optional[OutboundTransport] = None
        self._lock = threading.Lock()
        self._language_of = language_of or (lambda customer_id: default_language())
        self._pending: List[Future] = []
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="pin-alerts")
            if background
            else None
        )

    def __call__(self, customer_id: int, phone: str, key: str = LOCKOUT_KEY) -> None:
        """Send the security text ``key`` (default: the lockout alert) to ``phone``."""
        if self._executor is None:
            self._send(customer_id, phone, key)
            return
        future = self._executor.submit(self._send, customer_id, phone, key)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + [future]

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for the texts queued so far (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        wait_for(pending, timeout=timeout)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def _transport_once(self) -> OutboundTransport:
        with self._lock:
            if self._transport is None:
                self._transport = self._make_transport()
            return self._transport

    def _send(self, customer_id: int, phone: str, key: str) -> None:
        try:
            body = text(key, "sms", self._language_of(customer_id))
            sid = self._transport_once().send_sms(phone, body, purpose=PURPOSE)
        except Exception as error:  # noqa: BLE001 - a lost alert must never break a PIN turn
            logger.warning(
                "security text %s for customer %s to %s not sent: %s",
                key,
                customer_id,
                mask_phone(phone),
                type(error).__name__,
            )
            return
        if sid is not None:
            logger.info("security text %s for customer %s sent (%s)", key, customer_id, sid)
