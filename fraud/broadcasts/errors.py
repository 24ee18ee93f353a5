"""What the broadcasts service refuses with: a ``code`` (the catalogue key) and its ``message``
in the bank's language; nothing was changed by a refused call."""

from __future__ import annotations

from typing import Tuple

from fraud.broadcasts.views import Problem


class BroadcastError(Exception):
    """A refused request."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotAllowed(BroadcastError, PermissionError):
    """The staff user's role may not write or send warnings (fraud or admin may)."""


class NotFound(BroadcastError, LookupError):
    """No warning with that id."""


class WrongState(BroadcastError):
    """Not in this state: a published warning is not edited, a second publish or cancel
    changes nothing, a cancelled warning is not published."""


class Invalid(BroadcastError, ValueError):
    """The draft has ``problems`` (each names its field)."""

    def __init__(self, code: str, message: str, problems: Tuple[Problem, ...]) -> None:
        super().__init__(code, message)
        self.problems = problems
