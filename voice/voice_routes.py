"""Twilio voice webhooks (filled in by the voice work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/twilio", tags=["voice"])
