"""Writing audit events. Secrets are dropped from ``detail`` before anything is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from assistant.models import AuditEvent

_SECRET_KEYS = {"pin", "new_pin", "old_pin", "pin_hash", "password", "password_hash"}


def scrub(detail: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``detail`` without secret-bearing keys."""
    return {k: v for k, v in (detail or {}).items() if k.lower() not in _SECRET_KEYS}


def add_audit(
    session: Session,
    actor: str,
    action: str,
    customer_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to ``session`` (committed with the caller's transaction)."""
    session.add(
        AuditEvent(actor=actor, action=action, customer_id=customer_id, detail=scrub(detail))
    )
