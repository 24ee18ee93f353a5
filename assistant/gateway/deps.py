"""Typed FastAPI dependencies for the channels' routes (as in FastAPI's full-stack template).

Each reads only ``request.app.state``, which the app assembly (``assistant.gateway.app``) fills
once; a route asks for what it needs (``turns: Turns``) instead of reaching through another
object for it.
"""

from __future__ import annotations

from typing import Annotated, Callable

from fastapi import Depends, Request
from sqlalchemy.orm import sessionmaker

from assistant.banking.safety import SafetyLimits
from assistant.banking.service import BankingService
from assistant.conversation.turns import TurnHandler
from assistant.conversations import ConversationStore
from assistant.identity import IdentityService
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.sms_records import SmsRecords
from assistant.messaging.transport import OutboundTransport
from assistant.preferences import PreferenceService
from assistant.settings import Settings
from family.links.service import FamilyLinks
from fraud.broadcasts.service import Broadcasts
from fraud.cooling_off import CoolingOff
from fraud.interventions import Interventions


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> sessionmaker:
    """The bank store's session factory, for the tables a channel keeps beside itself."""
    return request.app.state.store


def get_turns(request: Request) -> TurnHandler:
    return request.app.state.turns


def get_banking(request: Request) -> BankingService:
    return request.app.state.banking


def get_safety(request: Request) -> SafetyLimits:
    """The customer's own safety limits (daily limits, the pause, the co-sign amount)."""
    return request.app.state.safety


def get_identity(request: Request) -> IdentityService:
    return request.app.state.identity


def get_conversations(request: Request) -> ConversationStore:
    return request.app.state.conversations


def get_preferences(request: Request) -> PreferenceService:
    return request.app.state.preferences


def get_opt_outs(request: Request) -> OptOutStore:
    return request.app.state.opt_outs


def get_sms_records(request: Request) -> SmsRecords:
    return request.app.state.sms_records


def get_family(request: Request) -> FamilyLinks:
    """The family-helper services (invitations, consent, what helpers see, approvals)."""
    return request.app.state.family


def get_broadcasts(request: Request) -> Broadcasts:
    """The scam-warning broadcasts (what staff publish, what customers meet)."""
    return request.app.state.broadcasts


def get_cooling_off(request: Request) -> CoolingOff:
    """A scam's cooling-off: helpers alerted, the SMS CANCEL."""
    return request.app.state.cooling_off


def get_interventions(request: Request) -> Interventions:
    """Which scam a paused payment was paused for."""
    return request.app.state.interventions


def get_transport(request: Request) -> Callable[[], OutboundTransport]:
    """The outbound transport, built on first use (``transport()``): a route that sends
    nothing never starts it."""
    return request.app.state.transport


SettingsDep = Annotated[Settings, Depends(get_settings)]
Store = Annotated[sessionmaker, Depends(get_store)]
Turns = Annotated[TurnHandler, Depends(get_turns)]
Banking = Annotated[BankingService, Depends(get_banking)]
Safety = Annotated[SafetyLimits, Depends(get_safety)]
Identity = Annotated[IdentityService, Depends(get_identity)]
Conversations = Annotated[ConversationStore, Depends(get_conversations)]
OptOuts = Annotated[OptOutStore, Depends(get_opt_outs)]
SmsLog = Annotated[SmsRecords, Depends(get_sms_records)]
Transport = Annotated[Callable[[], OutboundTransport], Depends(get_transport)]
CustomerPreferences = Annotated[PreferenceService, Depends(get_preferences)]
Family = Annotated[FamilyLinks, Depends(get_family)]
Warnings = Annotated[Broadcasts, Depends(get_broadcasts)]
Cooling = Annotated[CoolingOff, Depends(get_cooling_off)]
ScamRecords = Annotated[Interventions, Depends(get_interventions)]
