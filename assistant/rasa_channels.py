"""Rasa input channels the gateway talks to: one per medium, so responses can vary by medium.

Loaded by the Rasa server from ``credentials.yml``. Each channel is Rasa's REST channel with
three changes: it is named for its medium (``chat``, ``web``, ``sms``, ``voice``) and so is its
output channel, which is what selects channel-specific response variations; it refuses requests
without the gateway's shared token; and it returns each bot message whole (text, buttons and
custom payload together) so the gateway can shape it for its medium.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import rasa_patches
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

rasa_patches.apply()

TOKEN_HEADER = "X-Assistant-Token"  # noqa: S105 - a header name, not a secret


class GatewayOutputChannel(CollectingOutputChannel):
    """Collects whole bot messages; subclasses only change the name."""

    channel_name = "gateway"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        whole = {"recipient_id": recipient_id}
        for key in ("text", "buttons", "custom", "image", "attachment"):
            if message.get(key):
                whole[key] = message[key]
        if message.get("quick_replies"):
            whole["buttons"] = message["quick_replies"]
        if len(whole) > 1:
            self.messages.append(whole)


class GatewayInput(RestInput):
    """A token-protected REST channel named for its medium."""

    channel_name = "gateway"

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token or get_settings().channel_token()

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls((credentials or {}).get("token"))

    def output_channel(self) -> GatewayOutputChannel:
        channel_cls = type(
            f"{self.channel_name.title()}OutputChannel",
            (GatewayOutputChannel,),
            {"channel_name": self.channel_name},
        )
        return channel_cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"gateway_webhook_{self.channel_name}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json or {}
            sender_id, text = body.get("sender"), body.get("message")
            if not isinstance(sender_id, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            collector = self.output_channel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender_id,
                    input_channel=self.channel_name,
                    metadata=body.get("metadata"),
                )
            )
            messages: List[Dict[str, Any]] = collector.messages
            return response.json(messages)

        return webhook


class ChatInput(GatewayInput):
    """The terminal chat and JSON text API."""

    channel_name = "chat"


class WebInput(GatewayInput):
    """The large-text web interface."""

    channel_name = "web"


class SmsInput(GatewayInput):
    """Text messages through Twilio."""

    channel_name = "sms"


class VoiceInput(GatewayInput):
    """Phone calls through Twilio (speech recognised by Twilio)."""

    channel_name = "voice"
