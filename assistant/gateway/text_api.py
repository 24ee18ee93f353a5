"""The JSON text channel: the terminal chat and other text clients.

A conversation belongs to the client that created it: creating one returns a
``conversation_token`` (a bearer secret; only its hash is kept), and every message must carry
it as ``Authorization: Bearer <token>``. The API creates and reaches ``chat`` conversations
only; web, SMS and voice conversations are reachable only through their own routes.
"""

from __future__ import annotations

import secrets
from typing import List, Optional

import phonenumbers
from fastapi import APIRouter, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, validator

from assistant.conversations import ConversationStore
from assistant.gateway.client_address import client_address
from assistant.gateway.deps import Conversations, SettingsDep, Turns

router = APIRouter(prefix="/api", tags=["conversations"])
CHANNEL = "chat"
bearer = HTTPBearer(auto_error=False, description="The conversation_token given at creation.")
NOT_FOUND = {404: {"description": "No such conversation, or not this token's."}}


class NewConversation(BaseModel):
    phone: str = Field(
        ..., description="The customer's phone number in E.164 form.", example="+15550100001"
    )
    channel: str = Field(
        CHANNEL,
        description="Always 'chat': other channels have routes of their own.",
        regex=f"^{CHANNEL}$",
    )

    @validator("phone")
    def phone_is_e164(cls, value: str) -> str:  # noqa: N805
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException as error:
            raise ValueError("phone must be in E.164 form, like +15550100001") from error
        if not phonenumbers.is_possible_number(number):
            raise ValueError("phone must be in E.164 form, like +15550100001")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ConversationCreated(BaseModel):
    conversation_id: str
    conversation_token: str = Field(
        ...,
        description="Send it as 'Authorization: Bearer <token>' with every message. "
        "It is shown once; the bank keeps only its hash.",
    )


class UserMessage(BaseModel):
    text: str = Field(..., max_length=20000, example="what is my balance")
    client_message_id: str = Field(
        ...,
        min_length=1,
        max_length=100,
        regex=r"^[A-Za-z0-9._:\-]+$",
        description="Idempotency key (letters, digits, '.', '_', ':', '-'): sending the same "
        "id again returns the first answer and changes nothing.",
        example="3f9c2e1a",
    )


class BotMessage(BaseModel):
    text: str
    buttons: list = []


class TurnOut(BaseModel):
    conversation_id: str
    messages: List[BotMessage]
    awaiting_pin: bool = Field(..., description="The next message is read as the PIN.")
    speech_rate: Optional[str] = Field(
        None,
        description="'slower' or 'faster' when the customer asked for a change of pace (a "
        "speaking channel goes one step of its rates that way); else absent.",
    )
    handoff: bool = Field(False, description="The customer asked for a person.")
    end_call: bool = Field(False, description="The customer said goodbye.")

    class Config:
        schema_extra = {"required": ["conversation_id", "messages", "awaiting_pin"]}


@router.post("/conversations", response_model=ConversationCreated, status_code=201)
def start_conversation(body: NewConversation, conversations: Conversations) -> ConversationCreated:
    """Start a chat conversation as the customer with this phone number (identification only)."""
    token = secrets.token_urlsafe(32)
    conversation = conversations.start(CHANNEL, body.phone, api_token=token)
    return ConversationCreated(conversation_id=conversation.id, conversation_token=token)


def _owned(
    conversation_id: str,
    conversations: ConversationStore,
    credentials: Optional[HTTPAuthorizationCredentials],
) -> str:
    token = credentials.credentials if credentials else ""
    if not token or conversations.get_for_api(conversation_id, CHANNEL, token) is None:
        raise HTTPException(status_code=404, detail="No such conversation.")
    return conversation_id


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=TurnOut,
    response_model_exclude_none=True,
    responses=NOT_FOUND,
)
def send_message(
    conversation_id: str,
    body: UserMessage,
    request: Request,
    turns: Turns,
    conversations: Conversations,
    settings: SettingsDep,
    credentials: Optional[HTTPAuthorizationCredentials] = Security(bearer),
) -> TurnOut:
    """Send what the customer typed; returns what the assistant answers."""
    _owned(conversation_id, conversations, credentials)
    address = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        settings.trusted_proxies,
    )
    turn = turns.handle(conversation_id, body.text, body.client_message_id, address=address)
    return TurnOut(**turn.as_dict())
