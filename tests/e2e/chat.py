"""A conversation through the gateway's JSON text channel, for e2e tests and benchmarks."""

from __future__ import annotations

import uuid

import httpx


class Chat:
    """One conversation through the gateway's JSON text channel."""

    def __init__(self, http: httpx.Client, phone: str) -> None:
        self.http = http
        created = http.post("/api/conversations", json={"phone": phone, "channel": "chat"})
        assert created.status_code == 201, created.text
        self.id = created.json()["conversation_id"]
        self.token = created.json()["conversation_token"]

    def say(self, words: str, client_message_id: str | None = None) -> dict:
        reply = self.http.post(
            f"/api/conversations/{self.id}/messages",
            json={"text": words, "client_message_id": client_message_id or uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def text(self, words: str, client_message_id: str | None = None) -> str:
        return "\n".join(m["text"] for m in self.say(words, client_message_id)["messages"])
