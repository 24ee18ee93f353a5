"""Rasa input channels the gateway talks to: one per medium, so responses can vary by medium.

Loaded by the Rasa server from ``credentials.yml``. Each channel is Rasa's REST channel with
three changes: it is named for its medium (``chat``, ``web``, ``sms``, ``voice``) and so is its
output channel, which is what selects channel-specific response variations; it refuses requests
without the gateway's shared token; and it returns each bot message whole (text, buttons and
custom payload together) so the gateway can shape it for its medium. The gateway's metadata
(the customer's ``language`` and ``locale``, their payee names) goes with each message; the
``language`` and ``locale`` slots are set from it every turn, in-process (the NLU's
``nlu.components.MetadataEntityExtractor`` and the slots' ``from_entity`` mappings).

Rasa runs without its HTTP API (no ``--enable-api``), so these channels are all it serves
besides ``/`` (its version). Each channel also answers ``GET /webhooks/<channel>/ready``: 200
once the model is loaded, 503 before; like every route here it needs the gateway's token. One
more channel, ``nlu``, scores the running model's NLU from outside, and only when
``ASSISTANT_NLU_EVAL_TOKEN`` is set: ``POST /webhooks/nlu/parse`` with ``{"text": ...}`` and
``Authorization: Bearer <token>``, from loopback, answers what Rasa's ``/model/parse`` would.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import rasa_patches
from assistant.rasa_env import CHANNEL_TOKEN_HEADER
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

rasa_patches.apply()

TOKEN_HEADER = CHANNEL_TOKEN_HEADER


def _forbidden() -> HTTPResponse:
    return response.json({"error": "forbidden"}, status=403)


def agent_ready(request: Request) -> bool:
    """Whether the Rasa server's agent (``app.ctx.agent`` in Rasa 3.6) has a model loaded."""
    agent = getattr(request.app.ctx, "agent", None)
    return agent is not None and agent.is_ready()


class GatewayOutputChannel(CollectingOutputChannel):
    """Collects whole bot messages; subclasses only change the name."""

    channel_name = "gateway"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        whole = {"recipient_id": recipient_id}
        for key in ("text", "buttons", "custom", "image", "attachment", "dialogue"):
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

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get(TOKEN_HEADER, "")
        return hmac.compare_digest(given.encode(), self.token.encode())

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
        async def health(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return _forbidden()
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            """200 when the agent has a model loaded and can answer, 503 otherwise."""
            if not self._authorised(request):
                return _forbidden()
            if not agent_ready(request):
                return response.json({"status": "not ready"}, status=503)
            return response.json({"status": "ready"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return _forbidden()
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


class NluEvalInput(InputChannel):
    """``POST /webhooks/nlu/parse``: the running model's parse of a text, for held-out scoring.

    Off unless ``ASSISTANT_NLU_EVAL_TOKEN`` is set in Rasa's environment (then the route does
    not exist: 404). It needs ``Authorization: Bearer <token>`` and a loopback client, parses
    with the loaded agent (no tracker, no conversation, nothing stored) and answers the JSON
    Rasa's ``/model/parse`` would. Used by ``bench/nlu_accuracy.py --server``.
    """

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token if token is not None else get_settings().nlu_eval_token

    @classmethod
    def name(cls) -> str:
        return "nlu"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()  # the token comes from the environment only, never from a file

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        evaluation = Blueprint("gateway_nlu_eval", __name__)
        if not self.token:
            return evaluation  # switched off: no route at all
        expected = f"Bearer {self.token}".encode()

        @evaluation.route("/parse", methods=["POST"])
        async def parse(request: Request) -> HTTPResponse:
            if not _is_loopback(request.ip):
                return response.json({"error": "not found"}, status=404)
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), expected):
                return _forbidden()
            body = request.json if request.body else None
            text = body.get("text") if isinstance(body, dict) else None
            if not isinstance(text, str):
                return response.json({"error": "text is required"}, status=400)
            if not agent_ready(request):
                return response.json({"error": "no model loaded"}, status=503)
            return response.json(await request.app.ctx.agent.parse_message(text))

        return evaluation


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
