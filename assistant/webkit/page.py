"""One request's view of its server-side session: the cookie, sign-in and CSRF checks.

:class:`SessionPage` loads the session named by the cookie, starts, replaces (at sign-in: no
session fixation) and ends it, and saves it and sets or clears the cookie on every response
(:meth:`SessionPage.finish`). A set of pages subclasses it to add its own rendering; its routes
raise :class:`SignInRequired` or :class:`CsrfRejected`, which the pages' installer answers.
"""

from __future__ import annotations

import hmac
from typing import Any, Dict, Optional

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from assistant.webkit.sessions import WebSessionState, WebSessionStore


class SignInRequired(Exception):
    """The page needs a signed-in user: they are sent to the sign-in page."""


class CsrfRejected(Exception):
    """A form came without this session's CSRF token: refused with a kind 403 page."""


class SessionPage:
    """The session of one request; every response goes through :meth:`finish`."""

    def __init__(
        self, request: Request, store: WebSessionStore, cookie_name: str, cookie_secure: bool
    ) -> None:
        self.request = request
        self._store = store
        self._cookie_name = cookie_name
        self._cookie_secure = cookie_secure
        self.session: Optional[WebSessionState] = store.load(request.cookies.get(cookie_name))
        self._new_token: Optional[str] = None
        self._clear_cookie = False

    # ---- who is here -------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.session is not None and self.session.signed_in

    @property
    def customer_id(self) -> int:
        assert self.session is not None and self.session.customer_id is not None
        return self.session.customer_id

    @property
    def helper_id(self) -> int:
        """The signed-in helper (helper portal sessions)."""
        assert self.session is not None and self.session.helper_id is not None
        return self.session.helper_id

    @property
    def staff_id(self) -> int:
        """The signed-in staff user (admin console sessions)."""
        assert self.session is not None and self.session.staff_id is not None
        return self.session.staff_id

    @property
    def csrf_token(self) -> str:
        return self.ensure_session().csrf_token

    @property
    def data(self) -> Dict[str, Any]:
        return self.session.data if self.session is not None else {}

    def require_sign_in(self) -> None:
        """Raise :class:`SignInRequired` unless the session is signed in."""
        if not self.signed_in:
            raise SignInRequired()

    def check_csrf(self, token: Optional[str]) -> None:
        """Raise :class:`CsrfRejected` unless ``token`` is this session's CSRF token."""
        expected = self.session.csrf_token if self.session is not None else ""
        if not expected or not hmac.compare_digest(
            expected.encode("utf-8"), (token or "").encode("utf-8")
        ):
            raise CsrfRejected()

    # ---- session lifecycle ---------------------------------------------------------

    def ensure_session(self) -> WebSessionState:
        """The session, starting a signed-out one (for the sign-in form's CSRF token)."""
        if self.session is None:
            self._new_token, self.session = self._store.create()
            self._clear_cookie = False
        return self.session

    def sign_in(self, customer_id: int, conversation_id: Optional[str] = None) -> None:
        """Replace the signed-out session with a new signed-in one (no session fixation); the
        customer pages link it to the conversation their sign-in verified."""
        self._replace_session(customer_id=customer_id, conversation_id=conversation_id)

    def sign_in_helper(self, helper_id: int) -> None:
        """The helper portal's sign-in: a new session owned by the helper (no fixation)."""
        self._replace_session(helper_id=helper_id)

    def sign_in_staff(self, staff_id: int) -> None:
        """The admin console's sign-in: a new session owned by the staff user (no fixation)."""
        self._replace_session(staff_id=staff_id)

    def _replace_session(self, **owner: Any) -> None:
        if self.session is not None:
            self._store.delete(self.session.id)
        self._new_token, self.session = self._store.create(**owner)
        self._clear_cookie = False
        self.session_changed()

    def end_session(self) -> None:
        """Delete this session and clear its cookie."""
        if self.session is not None:
            self._store.delete(self.session.id)
        self.session = None
        self._new_token = None
        self._clear_cookie = True
        self.session_changed()

    def session_changed(self) -> None:
        """Called after sign-in and sign-out: a subclass forgets what it read for the old one."""

    def flash(self, message: str, **values: Any) -> None:
        """A message and its values shown once on the next page; the page set words it there
        (the customer pages: its English source text, marked with ``N_``, in the catalogue)."""
        self.ensure_session().changed()["flash"] = {"message": message, "values": values}

    # ---- responses -----------------------------------------------------------------

    def redirect(self, url: str) -> RedirectResponse:
        """A 303 redirect (the page after a form post)."""
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Any:
        """Save the session and set or clear its cookie on ``response``."""
        if self.session is not None:
            self._store.save(self.session)
        if self._new_token is not None:
            response.set_cookie(
                self._cookie_name,
                self._new_token,
                httponly=True,
                secure=self._cookie_secure,
                samesite="lax",
                path="/",
            )
        elif self._clear_cookie:
            response.delete_cookie(
                self._cookie_name,
                path="/",
                httponly=True,
                secure=self._cookie_secure,
                samesite="lax",
            )
        return response
