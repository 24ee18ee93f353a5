"""One-time codes sent by text: 6 digits from ``secrets``, stored only as an HMAC-SHA256 keyed
with a secret kept outside the database and bound to the number it was sent to, compared in
constant time, single use, dead after a few wrong tries, and expiring.

A wrong code counts against every live code of that number (an invitation's and sign-in
codes alike), so asking for more codes never buys more guesses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from family.links.models import HelperCode

INVITATION = "invitation"
SIGN_IN = "sign_in"
DIGITS = 6
_CODE = re.compile(rf"^\d{{{DIGITS}}}$")


def new_code() -> str:
    """A fresh code: 6 random digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def clean(code: str | None) -> str | None:
    """The code as typed without spaces or dashes, None unless it is 6 digits."""
    cleaned = re.sub(r"[\s\-]", "", code or "")
    return cleaned if _CODE.match(cleaned) else None


def code_hash(key: str, phone: str, code: str) -> str:
    """The stored form of ``code`` sent to ``phone``."""
    return hmac.new(key.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def issue(
    session: Session,
    *,
    key: str,
    phone: str,
    purpose: str,
    expires_at: datetime,
    now: datetime,
    invitation_id: int | None = None,
) -> tuple[int, str]:
    """Store a new code's hash in ``session``'s transaction: (its row id, the code to send)."""
    code = new_code()
    row = HelperCode(
        phone=phone,
        purpose=purpose,
        invitation_id=invitation_id,
        code_hash=code_hash(key, phone, code),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row.id, code


def redeem(
    session: Session,
    *,
    key: str,
    phone: str,
    code: str | None,
    now: datetime,
    max_tries: int,
    purposes: tuple[str, ...] = (INVITATION, SIGN_IN),
) -> HelperCode | None:
    """Use ``code`` for ``phone``: the live code it matches, now used; None when it matches
    none (then every live code of the number counts a wrong try).

    Live codes are locked first, so two uses of one code at the same moment use it once.
    """
    live = (
        session.execute(
            select(HelperCode)
            .where(
                HelperCode.phone == phone,
                HelperCode.purpose.in_(purposes),
                HelperCode.used_at.is_(None),
                HelperCode.expires_at > now,
                HelperCode.wrong_tries < max_tries,
            )
            .order_by(HelperCode.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    if not live:
        return None
    cleaned = clean(code)
    candidate = code_hash(key, phone, cleaned) if cleaned else ""
    found = None
    for row in live:  # every row compared, in constant time each
        if hmac.compare_digest(row.code_hash, candidate) and found is None:
            found = row
    if found is None:
        session.execute(
            update(HelperCode)
            .where(HelperCode.id.in_([row.id for row in live]))
            .values(wrong_tries=HelperCode.wrong_tries + 1)
            .execution_options(synchronize_session=False)
        )
        return None
    used = session.execute(
        update(HelperCode)
        .where(HelperCode.id == found.id, HelperCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return found if used.rowcount == 1 else None


def spend_invitation_codes(session: Session, invitation_id: int, now: datetime) -> None:
    """Mark every code of an invitation used (it was accepted, cancelled or declined)."""
    session.execute(
        update(HelperCode)
        .where(HelperCode.invitation_id == invitation_id, HelperCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
