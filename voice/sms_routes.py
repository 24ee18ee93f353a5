"""Twilio SMS webhooks (filled in by the SMS work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/twilio", tags=["sms"])
