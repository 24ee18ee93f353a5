"""The gateway's only way to Rasa: the token-protected channel webhooks on localhost."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import httpx

from assistant.rasa_env import CHANNEL_TOKEN_HEADER as TOKEN_HEADER


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url, headers={TOKEN_HEADER: token}, timeout=timeout)

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        """Send one user message on ``channel``; returns the bot's messages for it."""
        try:
            reply = self._http.post(
                f"/webhooks/{channel}/webhook",
                json={"sender": sender_id, "message": text, "metadata": metadata or {}},
            )
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        if reply.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {reply.status_code}")
        return reply.json()

    def is_ready(self, timeout: float = 2.0) -> bool:
        """Rasa answers and has a model loaded (the channels' token-protected ready route)."""
        try:
            return self._http.get("/webhooks/chat/ready", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        self._http.close()
