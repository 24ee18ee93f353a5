"""Readiness of the parts behind the gateway that it does not reach through Rasa."""

from __future__ import annotations

import httpx

from assistant.rasa_env import ACTION_TOKEN_HEADER
from assistant.settings import Settings


def action_server_ready(settings: Settings, timeout: float = 2.0) -> bool:
    """The action server answers its health route to the shared secret."""
    url = f"http://{settings.action_host}:{settings.action_port}/health"
    try:
        answer = httpx.get(
            url, headers={ACTION_TOKEN_HEADER: settings.action_token()}, timeout=timeout
        )
    except httpx.HTTPError:
        return False
    return answer.status_code == 200
