"""A relative at the helper portal of the running gateway, as a browser without JavaScript
would use it: forms with their CSRF token, the session cookie, redirects followed."""

from __future__ import annotations

import html
import re
import time
from typing import Dict, Optional

import httpx

from assistant.messaging.fake_twilio import read_inbox
from assistant.messaging.transport import account_sid
from assistant.settings import Settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"\b(\d{6})\b")
TAGS = re.compile(r"<[^>]+>")


def words(page: str) -> str:
    """A page's text as a reader hears it: tags gone, spaces squeezed."""
    return " ".join(html.unescape(TAGS.sub(" ", page)).split())


def texted_code(settings: Settings, phone: str, after: int = 0, timeout: float = 90.0) -> tuple:
    """The newest 6-digit code the bank texted ``phone`` through the stack's loopback Twilio
    after ``after`` (the worker delivers it), and that text's ``seq``."""
    deadline = time.monotonic() + timeout
    base = settings.shared_loopback_twilio or settings.twilio_api_base
    while True:
        items = read_inbox(base, account_sid(settings), settings.twilio_token(), phone, after)
        coded = [(item, CODE.search(item["body"])) for item in items]
        coded = [(item, found) for item, found in coded if found]
        if coded:
            item, found = coded[-1]
            return found.group(1), item["seq"]
        assert time.monotonic() < deadline, f"no code texted to {phone}"
        time.sleep(0.25)


def texted(settings: Settings, phone: str, containing: str, timeout: float = 20.0) -> str:
    """The newest text to ``phone`` with ``containing`` in it, waiting up to ``timeout``."""
    deadline = time.monotonic() + timeout
    base = settings.shared_loopback_twilio or settings.twilio_api_base
    while True:
        items = read_inbox(base, account_sid(settings), settings.twilio_token(), phone)
        bodies = [item["body"] for item in items if containing in item["body"]]
        if bodies:
            return bodies[-1]
        assert time.monotonic() < deadline, f"nothing with {containing!r} texted to {phone}"
        time.sleep(0.2)


def last_seq(settings: Settings, phone: str) -> int:
    base = settings.shared_loopback_twilio or settings.twilio_api_base
    items = read_inbox(base, account_sid(settings), settings.twilio_token(), phone)
    return max((item["seq"] for item in items), default=0)


class Portal:
    """One relative's browser at /helper."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = httpx.Client(base_url=settings.gateway_url, timeout=60, follow_redirects=True)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def post(
        self, path: str, form: Optional[Dict[str, str]] = None, page: str = ""
    ) -> httpx.Response:
        """Submit a form on ``page`` (default: the page at ``path``) to ``path``."""
        source = page or self.get(path).text
        token = CSRF.search(source)
        assert token is not None, f"no form on the page before {path}"
        return self.http.post(path, data={"csrf_token": token.group(1), **(form or {})})

    def sign_in(self, phone: str, code: Optional[str] = None) -> httpx.Response:
        """Sign in with ``code``, or ask for a sign-in code and use the one texted."""
        before = last_seq(self.settings, phone)
        asked = self.post("/helper/sign-in", {"phone": phone})
        assert asked.status_code == 200 and "/helper/sign-in/code" in str(asked.url)
        if code is None:
            code, _ = texted_code(self.settings, phone, after=before)
        return self.post("/helper/sign-in/code", {"code": code}, page=asked.text)
