"""Gateway assembly: every public HTTP surface lives in this one FastAPI app."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from assistant import admin, web
from assistant.bank import banking_service, safety_limits
from assistant.conversation.rasa_client import RasaClient
from assistant.conversation.turns import TurnHandler
from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.gateway import text_api
from assistant.gateway.hsts import StrictTransportSecurity
from assistant.identity import IdentityService
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.pin_alerts import PinLockoutTexts
from assistant.messaging.sms_records import SmsRecords
from assistant.messaging.transport import build_transport
from assistant.preferences import PreferenceService
from assistant.settings import Settings, get_settings
from assistant.worker.wiring import build_worker
from family import portal
from family.links.service import FamilyLinks
from fraud.broadcasts.service import Broadcasts
from fraud.cooling_off import CoolingOff
from fraud.interventions import Interventions
from fraud.interventions_view import InterventionReview
from voice import sms_routes, voice_routes


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    settings = settings or get_settings()
    sessions = session_factory(settings.bank_database_url)
    rasa = RasaClient(settings.rasa_url, settings.channel_token())
    # Swagger UI and ReDoc load their scripts from an outside CDN, so they are off unless
    # asked for (local development); the schema itself is always at /openapi.json.
    docs = settings.api_docs
    app = FastAPI(
        title="Kindly Bank assistant gateway",
        description="Public surface of the assistant: channels, web pages and the JSON API.",
        version="0.1.0",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    if settings.twilio_base_url.lower().startswith("https://"):
        app.add_middleware(StrictTransportSecurity)
    app.state.settings = settings
    app.state.store = sessions
    app.state.rasa = rasa
    # At the first PIN lockout the customer is told by text (built on first use), in their
    # own language: it goes to their number on file.
    app.state.pin_alerts = PinLockoutTexts(
        lambda: build_transport(settings, sessions),
        language_of=lambda customer_id: app.state.turns.customer_language(customer_id),
    )
    # Texts and calls the channels send themselves (a helper rung into a call), built once.
    app.state.transport = lru_cache(maxsize=1)(lambda: build_transport(settings, sessions))
    app.state.opt_outs = OptOutStore(sessions)
    app.state.sms_records = SmsRecords(sessions)
    app.state.conversations = ConversationStore(sessions)
    app.state.identity = IdentityService(sessions, settings=settings, notifier=app.state.pin_alerts)
    app.state.banking = banking_service(sessions, settings)
    app.state.safety = safety_limits(sessions, settings)
    app.state.preferences = PreferenceService(sessions)
    # The gateway only queues jobs (a text written now is handed to the worker at once).
    app.state.worker = build_worker(settings, sessions)
    app.state.family = FamilyLinks(
        sessions, settings, wake=app.state.worker.deliver_soon, banking=app.state.banking
    )
    # Scam warnings: staff publish them (admin console, command line); conversations open
    # with them and the web pages show them.
    app.state.broadcasts = Broadcasts(sessions, settings, wake=app.state.worker.deliver_due_soon)
    # Scam interventions as staff review them (the admin console).
    app.state.intervention_review = InterventionReview(sessions)
    # Scam intervention: a paused payment's helpers told, CANCEL by text, the scam it names.
    app.state.cooling_off = CoolingOff(
        sessions, settings, app.state.banking, wake=app.state.worker.deliver_soon
    )
    app.state.interventions = Interventions(sessions)
    app.state.turns = TurnHandler(
        settings,
        rasa,
        app.state.conversations,
        app.state.identity,
        app.state.banking,
        security_texts=app.state.pin_alerts,
        family=app.state.family,
        broadcasts=app.state.broadcasts,
    )
    app.include_router(text_api.router)
    app.include_router(voice_routes.router)
    app.include_router(sms_routes.router)
    web.install(app, sessions)  # the large-text web pages at /
    portal.install(app, sessions)  # the helper portal at /helper
    admin.install(app, sessions)  # the staff admin console at /admin

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict:
        """The gateway process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """Ready when the bank database answers, Rasa has its model loaded, the action
        server answers its health check and a worker beat lately; otherwise 503, naming the
        parts that failed."""
        from assistant.gateway.readiness import action_server_ready
        from assistant.worker.health import worker_alive

        checks = {
            "database": _database_ok(sessions),
            "rasa": rasa.is_ready(),
            "actions": action_server_ready(settings),
            "worker": worker_alive(sessions, settings),
        }
        failed = [part for part, ok in checks.items() if not ok]
        body = {"ready": not failed, **checks, "failed": failed}
        return JSONResponse(body, status_code=503 if failed else 200)

    @app.on_event("shutdown")
    def close_clients() -> None:
        rasa.close()
        app.state.pin_alerts.close()

    return app


def _database_ok(sessions) -> bool:  # noqa: ANN001
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
