"""Helpers shared by the portal's views: running an action with feedback, form errors, going back."""

from __future__ import annotations

from typing import Callable

from flask import abort, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from soglasie.errors import DomainError
from soglasie.services import queries
from webapp.auth.routes import safe_next
from webapp.processes import process_of
from webapp.runtime import actor_id, core, locale, now


def back_to(default: str) -> str:
    """Where a form posted from wants to return (`next`, kept on this site), else `default`."""
    return safe_next(request.form.get("next") or request.args.get("next")) or default


def perform(action: Callable[[], object], success: str, back: str):
    """Run a service call from a button; tell the outcome and go back.

    Forbidden and not-found stay errors (403/404 pages): they are not something the user can
    fix by trying again. Conflicts and bad input come back as a message on the page.
    """
    try:
        outcome = action()
    except DomainError as error:
        if error.http_status in (403, 404):
            raise
        flash(error.message(locale()), "error")
    else:
        flash(success, "success")
        for warning in getattr(outcome, "warnings", None) or ():  # e.g. an approval over a `warn` budget
            flash(warning.get(locale()), "warning")
    return redirect(back, code=303)


def attach_error(form: FlaskForm, error: DomainError, fields: dict[str, str] | None = None) -> None:
    """Show a core error next to the form field it names (or above the form)."""
    name = (fields or {}).get(error.field or "", error.field)
    field = getattr(form, name, None) if name else None
    message = error.message(locale())
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [message]
    else:
        form.form_errors.append(message)


def require(condition: bool) -> None:
    """403 unless `condition` (page-level permission checks)."""
    if not condition:
        abort(403)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]  # labels may be lazy texts


def card_url(card_id: int, kind: str, **values) -> str:
    """A card's page under its process's portal path (/requests/<id>, /contracts/<id>, …)."""
    return url_for("cards.card", process=process_of(kind), card_id=card_id, **values)


def file_url(card_id: int, kind: str, attachment_id: int) -> str:
    """The download of one of a card's files, under the card's own path."""
    return url_for("cards.download", process=process_of(kind), card_id=card_id, attachment_id=attachment_id)


def card_page(card_id: int) -> str:
    """The page of a card known only by its id (a notification's link), after the viewer may see it."""
    found = queries.get_card(core(), actor_id(), card_id, now())
    return card_url(card_id, found["kind"])
