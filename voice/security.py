"""Every Twilio webhook proves it came from Twilio (X-Twilio-Signature), or gets a 403.

The signature covers the full URL Twilio called, so behind a proxy the public base URL
(``ASSISTANT_PUBLIC_BASE_URL``) is used instead of the address the gateway sees.
"""

from __future__ import annotations

from typing import Dict

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from assistant.settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url(request: Request, settings: Settings) -> str:
    """The URL exactly as Twilio called it: public base, path and query string."""
    url = settings.twilio_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


async def twilio_params(request: Request) -> Dict[str, str]:
    """FastAPI dependency: the webhook's form fields, once its signature is checked."""
    settings: Settings = request.app.state.settings
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    signature = request.headers.get(SIGNATURE_HEADER, "")
    validator = RequestValidator(settings.twilio_token())
    if not signature or not validator.validate(public_url(request, settings), params, signature):
        raise HTTPException(status_code=403, detail="Twilio signature missing or wrong.")
    return params


def sign(url: str, params: Dict[str, str], token: str) -> str:
    """The X-Twilio-Signature Twilio would send (for the terminal phone and tests)."""
    return RequestValidator(token).compute_signature(url, params)
