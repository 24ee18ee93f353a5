"""The JSON text channel: the terminal chat uses it, and later channels reuse its turn logic."""

from __future__ import annotations

from typing import Literal, Optional

import phonenumbers
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, validator

from assistant.gateway.turns import TurnHandler

router = APIRouter(prefix="/api", tags=["conversations"])


def get_turns(request: Request) -> TurnHandler:
    return request.app.state.turns


class NewConversation(BaseModel):
    phone: str = Field(
        ..., description="The customer's phone number in E.164 form.", example="+15550100001"
    )
    channel: Literal["chat", "web"] = "chat"

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


class UserMessage(BaseModel):
    text: str = Field(..., max_length=20000, example="what is my balance")
    client_message_id: Optional[str] = Field(
        None,
        max_length=100,
        description="Idempotency key: sending the same id again returns the first answer "
        "and changes nothing.",
    )


class BotMessage(BaseModel):
    text: str
    buttons: list = []


class TurnOut(BaseModel):
    conversation_id: str
    messages: list[BotMessage]
    awaiting_pin: bool = Field(..., description="The next message is read as the PIN.")
    speech_rate: Optional[str] = None
    handoff: bool = Field(False, description="The customer asked for a person.")
    end_call: bool = Field(False, description="The customer said goodbye.")


@router.post("/conversations", response_model=ConversationCreated, status_code=201)
def start_conversation(
    body: NewConversation, turns: TurnHandler = Depends(get_turns)
) -> ConversationCreated:
    """Start a conversation as the customer with this phone number (identification only)."""
    return ConversationCreated(conversation_id=turns.start(body.channel, body.phone))


@router.post("/conversations/{conversation_id}/messages", response_model=TurnOut)
def send_message(
    conversation_id: str, body: UserMessage, turns: TurnHandler = Depends(get_turns)
) -> TurnOut:
    """Send what the customer typed; returns what the assistant answers."""
    try:
        turn = turns.handle(conversation_id, body.text, body.client_message_id)
    except KeyError:
        raise HTTPException(status_code=404, detail="No such conversation.") from None
    return TurnOut(**turn.as_dict())
