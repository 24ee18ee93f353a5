"""Scam warnings, on the broadcasts service (:mod:`fraud.broadcasts`): the list with each
warning's state and progress; writing and editing a draft (the GOV.UK error summary, a message
by each field); the preview of every medium's text, escaped, with its SMS segments and encoding
and how many customers it reaches now; publishing and cancelling, each after a confirmation
page (a second publish or cancel is answered clearly and changes nothing); and the status page,
whose counts a small script keeps up to date from a JSON endpoint (without JavaScript, a
refresh link). Every change is the service's, audited as "staff:<username>"."""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_number
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response

from assistant.admin import words
from assistant.admin.deps import fraud_form, fraud_page
from assistant.admin.pages import WARNINGS, AdminPage
from assistant.admin.warning_form import WarningForm, merged_errors, read, values_of, warning_form
from assistant.gateway.deps import Warnings
from fraud.broadcasts.errors import Invalid, NotFound, WrongState
from fraud.broadcasts.service import Broadcasts
from fraud.broadcasts.views import BroadcastStatus, BroadcastView, Preview

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 50
WARNING = WARNINGS + "/{broadcast_id:int}"


def _not_found() -> NoReturn:
    raise HTTPException(status_code=404)


def _warning(broadcasts: Broadcasts, broadcast_id: int) -> BroadcastView:
    try:
        return broadcasts.get(broadcast_id)
    except NotFound:
        _not_found()


def _href(broadcast_id: int, page: str = "") -> str:
    return f"{WARNINGS}/{broadcast_id}{'/' + page if page else ''}"


# ---- words for what the service returns ---------------------------------------------------------


def _language_name(page: AdminPage, language: str) -> str:
    try:
        return Locale.parse(language).get_display_name(page.locale) or language
    except (UnknownLocaleError, ValueError):
        return language


def _audience(page: AdminPage, view: BroadcastView) -> List[str]:
    """Who the warning is for, one line per segment chosen."""
    say, audience = page._, view.audience
    if audience.everyone:
        return [page._("Everyone")]
    lines = []
    if audience.age_bands:
        bands = ", ".join(words.words_for(say, words.AGE_BANDS, audience.age_bands))
        lines.append(page._("Age: %(bands)s", bands=bands))
    if audience.regions:
        lines.append(page._("Region: %(regions)s", regions=", ".join(audience.regions)))
    if audience.channels:
        channels = ", ".join(words.words_for(say, words.PREFERRED_CHANNELS, audience.channels))
        lines.append(page._("Prefers: %(channels)s", channels=channels))
    if audience.languages:
        names = ", ".join(_language_name(page, language) for language in audience.languages)
        lines.append(page._("Language: %(languages)s", languages=names))
    if audience.has_helper is not None:
        lines.append(say(words.HAS_HELPER["yes" if audience.has_helper else "no"]))
    return lines or [page._("Nobody chosen yet")]


def _summary(page: AdminPage, view: BroadcastView) -> Dict[str, Any]:
    return {
        "id": view.id,
        "href": _href(view.id),
        "title": view.title,
        "state": view.state,
        "state_text": words.word(page._, words.STATES, view.state),
        "urgency": words.word(page._, words.URGENCIES, view.urgency),
        "starts": page.when(view.starts_at),
        "expires": page.when(view.expires_at),
        "audience": _audience(page, view),
        "created_by": view.created_by,
        "published_by": view.published_by or "",
        "published": page.when(view.published_at),
        "cancelled_by": view.cancelled_by or "",
        "cancelled": page.when(view.cancelled_at),
    }


def _progress_key(status: BroadcastStatus) -> str:
    if status.state == "draft":
        return "draft"
    if status.state == "cancelled":
        return "cancelled" if status.done else "cancelled_going"
    return "done" if status.done else "going"


def _status(page: AdminPage, status: BroadcastStatus) -> Dict[str, Any]:
    """The status for the page and for its JSON: numbers as the page shows them."""

    def number(value: int) -> str:
        return format_number(value, locale=page.locale)

    return {
        "state": status.state,
        "state_text": words.word(page._, words.STATES, status.state),
        "done": status.done,
        "reached": number(status.reached),
        "reached_text": page._("%(count)s customers reached", count=number(status.reached)),
        "progress": page._(words.PROGRESS[_progress_key(status)]),
        "counts": [
            {"name": name, "label": page._(words.COUNTS[name]), "value": number(value)}
            for name, value in status.counts().items()
        ],
    }


def _medium(page: AdminPage, preview: Preview) -> List[Dict[str, Any]]:
    shown = []
    for medium in preview.media:
        texted = medium.medium in ("sms_text", "opener_sms")
        shown.append(
            {
                "name": medium.medium,
                "label": words.word(page._, words.MEDIA, medium.medium),
                "text": medium.text,
                "texted": texted,
                "segments": medium.segments,
                "encoding": medium.encoding,
                "length": medium.length,
            }
        )
    return shown


# ---- the list -----------------------------------------------------------------------------------


@router.get(WARNINGS)
def warnings(broadcasts: Warnings, page: AdminPage = Depends(fraud_page)) -> Response:
    """Every warning, newest first, with its state and (once published) its progress."""
    rows = []
    for view in broadcasts.list(limit=LIST_LIMIT):
        row = _summary(page, view)
        if view.state != "draft":
            row["status"] = _status(page, broadcasts.status(view.id))
        rows.append(row)
    return page.render("warnings.html", rows=rows)


# ---- writing ------------------------------------------------------------------------------------


def _choices(page: AdminPage, broadcasts: Broadcasts, values: Dict[str, Any]) -> Dict[str, Any]:
    """The audience's choices for the form (with any chosen before that customers lack now)."""
    say = page._
    found = broadcasts.audience_choices()
    regions = list(found.regions) + [r for r in values.get("regions", []) if r not in found.regions]
    languages = list(found.languages)
    languages += [v for v in values.get("languages", []) if v not in languages]
    return {
        "age_bands": [(b, words.word(say, words.AGE_BANDS, b)) for b in found.age_bands],
        "channels": [(c, words.word(say, words.PREFERRED_CHANNELS, c)) for c in found.channels],
        "regions": [(r, r) for r in regions],
        "languages": [(v, _language_name(page, v)) for v in languages],
        "has_helper": [(k, say(v)) for k, v in words.HAS_HELPER.items()],
        "urgencies": [(k, say(v)) for k, v in words.URGENCIES.items()],
    }


def _render_form(
    page: AdminPage,
    broadcasts: Broadcasts,
    values: Dict[str, Any],
    errors: Dict[str, str],
    view: BroadcastView | None = None,
) -> Response:
    return page.render(
        "warning_form.html",
        values=values,
        errors=errors,
        choices=_choices(page, broadcasts, values),
        warning=_summary(page, view) if view is not None else None,
        action=_href(view.id, "edit") if view is not None else WARNINGS + "/new",
        zone=page.settings.timezone,
        default_days=page.settings.broadcast_default_days,
    )


@router.get(WARNINGS + "/new")
def new_warning(broadcasts: Warnings, page: AdminPage = Depends(fraud_page)) -> Response:
    return _render_form(page, broadcasts, WarningForm().values(), {})


@router.post(WARNINGS + "/new")
def create_warning(
    broadcasts: Warnings,
    page: AdminPage = Depends(fraud_form),
    form: WarningForm = Depends(warning_form),
) -> Response:
    """Save the warning as a draft; the preview comes next."""
    draft, errors = read(form, page.settings.timezone, page._)
    if not errors:
        try:
            view = broadcasts.create(page.signed_in_staff, draft)
        except Invalid as refused:
            errors = merged_errors({}, refused.problems)
        else:
            page.flash(words.SAVED)
            return page.redirect(_href(view.id))
    else:
        errors = merged_errors(errors, broadcasts.check(draft))
    return _render_form(page, broadcasts, form.values(), errors)


@router.get(WARNING + "/edit")
def edit_warning(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    view = _warning(broadcasts, broadcast_id)
    if view.state != "draft":
        page.flash(words.NOT_A_DRAFT)
        return page.redirect(_href(broadcast_id))
    return _render_form(page, broadcasts, values_of(view, page.settings.timezone), {}, view)


@router.post(WARNING + "/edit")
def update_warning(
    broadcasts: Warnings,
    broadcast_id: int,
    page: AdminPage = Depends(fraud_form),
    form: WarningForm = Depends(warning_form),
) -> Response:
    view = _warning(broadcasts, broadcast_id)
    draft, errors = read(form, page.settings.timezone, page._)
    if not errors:
        try:
            broadcasts.update(page.signed_in_staff, broadcast_id, draft)
        except Invalid as refused:
            errors = merged_errors({}, refused.problems)
        except WrongState:
            page.flash(words.NOT_A_DRAFT)
            return page.redirect(_href(broadcast_id))
        else:
            page.flash(words.SAVED)
            return page.redirect(_href(broadcast_id))
    else:
        errors = merged_errors(errors, broadcasts.check(draft))
    return _render_form(page, broadcasts, form.values(), errors, view)


# ---- the preview, publishing and cancelling -----------------------------------------------------


def _render_preview(page: AdminPage, preview: Preview, template: str, **context: Any) -> Response:
    view = preview.broadcast
    by_channel = [
        {
            "label": words.word(page._, words.PREFERRED_CHANNELS, channel),
            "count": format_number(count, locale=page.locale),
        }
        for channel, count in sorted(preview.by_channel.items())
    ]
    return page.render(
        template,
        warning=_summary(page, view),
        media=_medium(page, preview),
        audience_count=format_number(preview.audience_count, locale=page.locale),
        by_channel=by_channel,
        problems=context.pop("refused_problems", None) or [p.message for p in preview.problems],
        refused=context.pop("refused", False),
        **context,
    )


def _preview(broadcasts: Broadcasts, broadcast_id: int) -> Preview:
    try:
        return broadcasts.preview(broadcast_id)
    except NotFound:
        _not_found()


@router.get(WARNING)
def preview_warning(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    """Every medium's text as it goes out, with what it costs by text, and who it reaches."""
    preview = _preview(broadcasts, broadcast_id)
    return _render_preview(page, preview, "warning.html")


@router.get(WARNING + "/publish")
def confirm_publish(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    """Ask before publishing (a published warning is never asked again)."""
    preview = _preview(broadcasts, broadcast_id)
    if preview.broadcast.state != "draft":
        return page.redirect(_href(broadcast_id, "status"))
    return _render_preview(page, preview, "warning_publish.html")


@router.post(WARNING + "/publish")
def publish_warning(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_form)
) -> Response:
    """Publish: the fan-out starts at once; the status page follows it."""
    try:
        broadcasts.publish(page.signed_in_staff, broadcast_id)
    except NotFound:
        _not_found()
    except Invalid as refused:
        preview = _preview(broadcasts, broadcast_id)
        problems = [p.message for p in refused.problems]
        return _render_preview(
            page, preview, "warning_publish.html", refused=True, refused_problems=problems
        )
    except WrongState:
        view = _warning(broadcasts, broadcast_id)
        if view.state == "published":
            by, when = view.published_by or "", page.when(view.published_at)
            page.flash(words.ALREADY_PUBLISHED, by=by, when=when)
        else:
            page.flash(words.CANCELLED_NOT_PUBLISHED)
        return page.redirect(_href(broadcast_id, "status"))
    page.flash(words.PUBLISHED)
    return page.redirect(_href(broadcast_id, "status"))


@router.get(WARNING + "/cancel")
def confirm_cancel(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    view = _warning(broadcasts, broadcast_id)
    if view.state == "cancelled":
        return page.redirect(_href(broadcast_id, "status"))
    status = _status(page, broadcasts.status(broadcast_id))
    return page.render("warning_cancel.html", warning=_summary(page, view), status=status)


@router.post(WARNING + "/cancel")
def cancel_warning(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_form)
) -> Response:
    """Cancel: nothing not yet sent will be sent; it leaves the web pages and conversations."""
    try:
        broadcasts.cancel(page.signed_in_staff, broadcast_id)
    except NotFound:
        _not_found()
    except WrongState:
        page.flash(words.ALREADY_CANCELLED)
    else:
        page.flash(words.CANCELLED)
    return page.redirect(_href(broadcast_id, "status"))


# ---- its progress, live -------------------------------------------------------------------------


@router.get(WARNING + "/status")
def warning_status(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    """How far the warning got; the counts update while the page is open (with JavaScript)."""
    view = _warning(broadcasts, broadcast_id)
    return page.render(
        "warning_status.html",
        warning=_summary(page, view),
        status=_status(page, broadcasts.status(broadcast_id)),
        status_url=_href(broadcast_id, "status.json"),
        poll_seconds=page.settings.admin_status_poll_seconds,
    )


@router.get(WARNING + "/status.json")
def warning_status_json(
    broadcasts: Warnings, broadcast_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    """The status page's numbers, for its script."""
    try:
        status = broadcasts.status(broadcast_id)
    except NotFound:
        _not_found()
    return page.finish(JSONResponse(_status(page, status)))
