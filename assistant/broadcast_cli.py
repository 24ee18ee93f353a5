"""``assistant broadcast ...``: fraud-operations staff write, preview, publish, follow and cancel
scam warnings from the command line (the admin console does the same in a browser).

Every command needs a staff login: ``--staff USER``, the password asked for (hidden), or taken
from ``ASSISTANT_STAFF_PASSWORD`` for scripts. A wrong login, or a user without the role fraud
or admin, is refused with exit status 2 and nothing changed; the audit names the user
("staff:<username>"). A warning with problems is refused with each problem named (exit 1).
The words are in the catalogue (``assistant/texts/<language>/broadcasts.yml``).
"""

from __future__ import annotations

import getpass
import os
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import click
import yaml

from assistant.settings import Settings, get_settings

PASSWORD_ENV = "ASSISTANT_STAFF_PASSWORD"  # noqa: S105 - the name of a variable
#: Exit status of a refused login (a wrong password, or not fraud-operations staff).
REFUSED = 2
FOLLOW_SECONDS = 2.0
_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _words(key: str, **values: Any) -> str:
    from assistant.texts import language_of, text

    settings = get_settings()
    return text(key, language=language_of(settings.locale, settings.locale), **values)


def _moment(value: Optional[str], settings: Settings, now: datetime) -> Optional[datetime]:
    """A time typed by staff: "7d", "12h", "30m" from now; a date and time (or a date: its
    start) in the bank's time zone unless it names its own offset."""
    if value is None or not str(value).strip():
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        found = _DURATION.match(str(value))
        if found:
            return now + timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise click.ClickException(_words("cli_bad_time", value=value)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.timezone))
    return moment


class _Staff:
    """The command's login and the broadcasts service, made once per command."""

    def __init__(self, username: str) -> None:
        from assistant.db import session_factory

        self.settings = get_settings()
        self.sessions = session_factory(self.settings.bank_database_url)
        self.user = self._log_in(username)
        self.broadcasts = self._service()

    def _log_in(self, username: str) -> Any:
        from assistant.identity import IdentityService
        from fraud.broadcasts.service import ROLES

        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = getpass.getpass(_words("cli_staff_password", user=username) + ": ")
        staff = IdentityService(self.sessions, settings=self.settings).verify_staff(
            username, password
        )
        if staff is None or staff.role not in ROLES:
            click.echo(_words("cli_staff_refused"), err=True)
            sys.exit(REFUSED)
        return staff

    def _service(self) -> Any:
        from fraud.broadcasts.service import Broadcasts

        return Broadcasts(self.sessions, self.settings, wake=self._wake())

    def _wake(self) -> Any:
        """Texts queued at publish go to the worker's queue at once (else its next sweep)."""
        try:
            from assistant.worker.wiring import build_worker

            return build_worker(self.settings, self.sessions).deliver_due_soon
        except Exception:  # noqa: BLE001 - the worker's sweep sends them all the same
            return None


def _refused(error: Exception) -> None:
    """A refusal of the service: its message (and each problem), exit status 1."""
    from fraud.broadcasts.errors import Invalid

    click.echo(getattr(error, "message", str(error)), err=True)
    if isinstance(error, Invalid):
        for problem in error.problems:
            click.echo(
                _words("cli_problem", field=problem.field, message=problem.message), err=True
            )
    sys.exit(1)


def _staff_option(function: Any) -> Any:
    return click.option(
        "--staff",
        "staff",
        required=True,
        metavar="USER",
        help=f"Your staff username (password asked for, or ${PASSWORD_ENV}).",
    )(function)


@click.group()
def broadcast() -> None:
    """Scam warnings: write, preview, publish, follow and cancel them (fraud-operations staff)."""


@broadcast.command("create")
@_staff_option
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A YAML or JSON file with the warning (the options below win over it).",
)
@click.option("--title", default=None, help="A short title staff see.")
@click.option("--voice", "voice_text", default=None, help="What an automated call says.")
@click.option("--sms", "sms_text", default=None, help="The text message (3 segments at most).")
@click.option("--banner", "banner_text", default=None, help="The banner on the web pages.")
@click.option(
    "--opener", "opener_text", default=None, help="What the next conversation opens with."
)
@click.option("--everyone", is_flag=True, default=None, help="For every customer.")
@click.option(
    "--age-band",
    "age_bands",
    multiple=True,
    type=click.Choice(["under_60", "60_to_74", "75_and_over"]),
    help="Repeatable.",
)
@click.option("--region", "regions", multiple=True, help="Repeatable.")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    type=click.Choice(["web", "sms", "voice"]),
    help="The customers' preferred channel; repeatable.",
)
@click.option("--language", "languages", multiple=True, help="Like en; repeatable.")
@click.option(
    "--has-helper/--no-helper",
    "has_helper",
    default=None,
    help="Only customers with (or without) a family helper.",
)
@click.option("--urgency", type=click.Choice(["normal", "high", "urgent"]), default=None)
@click.option(
    "--starts", default=None, help="When it starts: 2026-12-01T09:00, or 2h (default now)."
)
@click.option("--expires", default=None, help="When it ends: 2026-12-15, or 14d (default 14 days).")
def create_command(staff: str, path: Optional[Path], **given: Any) -> None:
    """Write a warning (a draft: preview it, then publish it)."""
    from fraud.broadcasts.errors import BroadcastError

    login = _Staff(staff)
    draft = _draft(_from_file(path), given, login.settings)
    try:
        made = login.broadcasts.create(login.user, draft)
    except BroadcastError as error:
        _refused(error)
        return
    click.echo(_words("cli_created", id=made.id))


@broadcast.command("preview")
@_staff_option
@click.argument("broadcast_id", type=int)
def preview_command(staff: str, broadcast_id: int) -> None:
    """Each medium's text as it goes out, with its SMS segments and encoding."""
    from fraud.broadcasts.errors import BroadcastError

    login = _Staff(staff)
    try:
        preview = login.broadcasts.preview(broadcast_id)
    except BroadcastError as error:
        _refused(error)
        return
    shown = preview.broadcast
    click.echo(
        _words(
            "cli_preview_title",
            id=shown.id,
            title=shown.title,
            state=shown.state,
            urgency=shown.urgency,
        )
    )
    click.echo(
        _words(
            "cli_preview_window",
            starts=_local(shown.starts_at, login.settings),
            expires=_local(shown.expires_at, login.settings),
        )
    )
    by_channel = ", ".join(f"{channel} {n}" for channel, n in sorted(preview.by_channel.items()))
    click.echo(
        _words(
            "cli_preview_audience",
            audience=_audience_words(shown.audience),
            count=preview.audience_count,
            by_channel=by_channel or "-",
        )
    )
    for medium in preview.media:
        click.echo("")
        click.echo(
            _words(
                "cli_preview_medium",
                medium=_words(f"cli_medium_{medium.medium.removesuffix('_text')}"),
                segments=medium.segments,
                encoding=medium.encoding,
                length=medium.length,
            )
        )
        click.echo(medium.text)
    if preview.problems:
        click.echo("")
        for problem in preview.problems:
            click.echo(_words("cli_problem", field=problem.field, message=problem.message))


@broadcast.command("publish")
@_staff_option
@click.argument("broadcast_id", type=int)
def publish_command(staff: str, broadcast_id: int) -> None:
    """Publish a draft: it fans out to its audience at once."""
    from fraud.broadcasts.errors import BroadcastError

    login = _Staff(staff)
    try:
        status = login.broadcasts.publish(login.user, broadcast_id)
    except BroadcastError as error:
        _refused(error)
        return
    click.echo(_words("cli_published", id=broadcast_id))
    click.echo(_status_line(status))


@broadcast.command("cancel")
@_staff_option
@click.argument("broadcast_id", type=int)
def cancel_command(staff: str, broadcast_id: int) -> None:
    """Cancel a warning: nothing more of it is sent, shown or said."""
    from fraud.broadcasts.errors import BroadcastError

    login = _Staff(staff)
    try:
        status = login.broadcasts.cancel(login.user, broadcast_id)
    except BroadcastError as error:
        _refused(error)
        return
    click.echo(_words("cli_cancelled", id=broadcast_id))
    click.echo(_status_line(status))


@broadcast.command("status")
@_staff_option
@click.argument("broadcast_id", type=int)
@click.option("--follow", is_flag=True, help="Show it again as it changes, until it is done.")
@click.option(
    "--every",
    type=float,
    default=FOLLOW_SECONDS,
    show_default=True,
    help="Seconds between looks, with --follow.",
)
def status_command(staff: str, broadcast_id: int, follow: bool, every: float) -> None:
    """Queued, sent, delivered, failed, opted out, deferred."""
    from fraud.broadcasts.errors import BroadcastError

    login = _Staff(staff)
    shown = None
    while True:
        try:
            status = login.broadcasts.status(broadcast_id)
        except BroadcastError as error:
            _refused(error)
            return
        line = _status_line(status)
        if line != shown:
            click.echo(line)
            shown = line
        if not follow or status.done:
            return
        time.sleep(max(0.1, every))


@broadcast.command("list")
@_staff_option
@click.option("--state", type=click.Choice(["draft", "published", "cancelled"]), default=None)
def list_command(staff: str, state: Optional[str]) -> None:
    """The warnings, newest first."""
    login = _Staff(staff)
    found = login.broadcasts.list(state=state)
    if not found:
        click.echo(_words("cli_list_empty"))
    for shown in found:
        click.echo(
            _words(
                "cli_list_line",
                id=shown.id,
                state=shown.state,
                urgency=shown.urgency,
                expires=_local(shown.expires_at, login.settings),
                title=shown.title,
            )
        )


# ---- helpers -----------------------------------------------------------------------------------


def _from_file(path: Optional[Path]) -> Dict[str, Any]:
    if path is None:
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise click.ClickException(_words("cli_bad_file", path=path, reason=reason)) from None
    if not isinstance(loaded, dict):
        reason = _words("cli_bad_file_shape")
        raise click.ClickException(_words("cli_bad_file", path=path, reason=reason))
    return loaded


def _draft(data: Dict[str, Any], given: Dict[str, Any], settings: Settings) -> Any:
    """The draft from the file's values, each option given winning over it."""
    from assistant.db import utcnow
    from fraud.broadcasts.audience import Audience
    from fraud.broadcasts.views import Draft

    def value(name: str, *aliases: str) -> Any:
        if given.get(name) not in (None, ()):
            return given[name]
        for key in (name, *aliases):
            if data.get(key) is not None:
                return data[key]
        return None

    audience_data = dict(data.get("audience") or {})
    segments = ("age_bands", "regions", "channels", "languages")
    chosen = {s: list(given.get(s) or ()) or _list(audience_data.get(s)) for s in segments}
    has_helper = given.get("has_helper")
    if has_helper is None and isinstance(audience_data.get("has_helper"), bool):
        has_helper = audience_data["has_helper"]
    everyone = bool(given.get("everyone") or audience_data.get("everyone") is True)
    now = utcnow()
    return Draft(
        title=str(value("title") or ""),
        voice_text=str(value("voice_text", "voice") or ""),
        sms_text=str(value("sms_text", "sms") or ""),
        banner_text=str(value("banner_text", "banner") or ""),
        opener_text=str(value("opener_text", "opener") or ""),
        audience=Audience.of(everyone=everyone, has_helper=has_helper, **chosen),
        urgency=str(value("urgency") or "normal"),
        starts_at=_moment(value("starts", "starts_at"), settings, now),
        expires_at=_moment(value("expires", "expires_at"), settings, now),
    )


def _list(value: Any) -> list:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _local(moment: Optional[datetime], settings: Settings) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def _audience_words(audience: Any) -> str:
    if audience.everyone:
        return _words("cli_everyone")
    parts: list = []
    for segment in ("age_bands", "regions", "channels", "languages"):
        values: Sequence[str] = getattr(audience, segment)
        if values:
            parts.append(f"{segment}={','.join(values)}")
    if audience.has_helper is not None:
        parts.append(f"has_helper={str(audience.has_helper).lower()}")
    return "; ".join(parts) or "-"


def _status_line(status: Any) -> str:
    fanout = _words("cli_fanout_done" if status.fanned_out else "cli_fanout_going")
    return _words(
        "cli_status",
        id=status.id,
        state=status.state,
        reached=status.reached,
        fanout=fanout,
        **status.counts(),
    )


__all__: Tuple[str, ...] = ("broadcast",)
