"""Small fakes shared by the unit tests: a stand-in for the Rasa server the gateway talks to."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from assistant.banking import TransactionView
from assistant.conversations import ConversationStore
from assistant.db import dispose, migrate, session_factory
from assistant.demo import seed_demo_bank
from assistant.settings import PROJECT_ROOT

ASK_PIN_TEXT = "To keep your money safe, please type your 4-digit PIN."
BALANCE_TEXT = "Your checking account has $1,250.00."


def seeded_bank_template(directory: Path) -> Path:
    """Migrate and seed the demo bank once into ``directory``; copy it per test (fast)."""
    path = directory / "demo-template.db"
    url = f"sqlite:///{path}"
    migrate(url)
    assert seed_demo_bank(session_factory(url)) is True
    dispose(url)  # closes every connection, so the WAL is checkpointed into the file
    return path


def copy_of_bank(template: Path, directory: Path) -> str:
    """A private copy of the seeded template; returns its SQLite URL."""
    path = directory / "bank.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class SentMessage:
    channel: str
    sender_id: str
    text: str
    metadata: Dict[str, Any]


class FakeRasa:
    """Same ``send`` as ``RasaClient``; records every message it receives.

    Behaves like the real assistant for what the gateway cares about: a request that mentions
    the balance gets the PIN request (``custom.pin_request``, as ``utter_ask_pin`` does) until
    the conversation is verified, then the balance. Anything else is echoed back.
    """

    def __init__(self, conversations: Optional[ConversationStore] = None) -> None:
        self.conversations = conversations
        self.calls: List[SentMessage] = []
        self.unavailable = False

    @property
    def texts(self) -> List[str]:
        return [call.text for call in self.calls]

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        self.calls.append(SentMessage(channel, sender_id, text, dict(metadata or {})))
        if self.unavailable:
            # Imported here: the gateway's client pulls in Rasa itself (seconds to import),
            # which the action tests that share this module do not need.
            from assistant.conversation.rasa_client import RasaUnavailable

            raise RasaUnavailable("connection refused")
        if "balance" in text.lower():
            verified = (
                self.conversations is not None
                and self.conversations.verified_customer_id(sender_id) is not None
            )
            if not verified:
                return [
                    {
                        "recipient_id": sender_id,
                        "text": ASK_PIN_TEXT,
                        "custom": {"pin_request": True},
                    }
                ]
            return [{"recipient_id": sender_id, "text": BALANCE_TEXT}]
        return [{"recipient_id": sender_id, "text": f"You said: {text}"}]


def action_call(
    action: str, sender_id: str, slots: Dict[str, Any], text: str = "yes"
) -> Dict[str, Any]:
    """The body Rasa posts to the action server to run ``action`` (rasa-sdk's shape)."""
    return {
        "next_action": action,
        "sender_id": sender_id,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": sender_id,
            "slots": slots,
            "latest_message": {"text": text, "intent": {"name": "affirm"}, "entities": []},
            "latest_event_time": None,
            "followup_action": None,
            "paused": False,
            "events": [],
            "latest_input_channel": "chat",
            "active_loop": {},
            "latest_action": {},
            "latest_action_name": None,
        },
    }


# ---- the words of Rasa responses, as the customer gets them ---------------------------------


@lru_cache(maxsize=1)
def domain_responses() -> Dict[str, Any]:
    text = (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["responses"]


def wording(response: str, values: Dict[str, Any], channel: Optional[str] = None) -> str:
    """``response``'s variation for ``channel`` (else its default) filled with ``values``; a
    value the wording needs and was not given fails (KeyError)."""
    variations = domain_responses()[response]
    default = next(v for v in variations if not v.get("channel"))
    chosen = next((v for v in variations if v.get("channel") == channel), default)
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m[1]]), chosen["text"])


def transaction_words(item: TransactionView) -> str:
    """What the assistant says a transaction was ("Payment to Tom"): its line's words between
    the date and the amount."""
    from actions.account_info import line_response

    kept = {"date": "{date}", "amount": "{amount}"}
    filled = {"counterparty": item.counterparty, "account_name": item.account_name}
    template = wording(line_response(item), {**kept, **filled})
    assert template.startswith("{date}: ") and template.endswith(", {amount}"), template
    return template[len("{date}: ") : -len(", {amount}")]
