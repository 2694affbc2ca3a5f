"""The profile: language, password, API tokens, and the Telegram link when Telegram is configured."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user

from soglasie.errors import DomainError
from soglasie.services import absences, profile, telegram_links
from webapp.auth import require_login
from webapp.auth.identity import reload_user
from webapp.profile import absence_panel
from webapp.profile.forms import AbsenceForm, LanguageForm, PasswordForm, TokenForm
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import attach_error, perform

bp = Blueprint("profile", __name__, url_prefix="/profile")
bp.before_request(require_login)


def _page(status: int = 200, **extra):
    """The profile page with fresh data; `extra` overrides forms or adds a one-time token or link."""
    me = profile.get_profile(core(), actor_id())
    context = {"me": me, "tokens": profile.list_tokens(core(), actor_id()),
               "language_form": LanguageForm(locale=me["locale"]), "password_form": PasswordForm(),
               "token_form": TokenForm(), "telegram_enabled": core().settings.telegram_enabled,
               **absence_panel.panel(actor_id(), form=extra.pop("absence_form", None)),
               "record_absence_url": url_for(".record_absence"), "cancel_absence_endpoint": "profile.cancel_absence",
               "cancel_absence_args": {}}
    context.update(extra)
    return render_template("profile/index.html", **context), status


@bp.get("")
def index():
    """The profile page."""
    return _page()


@bp.post("/language")
def language():
    """Save the language for the portal and the notifications."""
    form = LanguageForm()
    if form.validate_on_submit():
        profile.set_locale(core(), actor_id(), form.locale.data)
    return redirect(url_for(".index"), code=303)


@bp.post("/password")
def password():
    """Change the password; other sessions end, this one continues."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(422, password_form=form)
    try:
        profile.change_password(core(), actor_id(), form.current_password.data, form.new_password.data)
    except DomainError as error:
        attach_error(form, error)
        return _page(error.http_status, password_form=form)
    login_user(reload_user(actor_id()))  # this session's key follows the new password hash
    flash(_("Your password is changed."), "success")
    return redirect(url_for(".index"), code=303)


@bp.post("/tokens")
def create_token():
    """Create an API token and show it once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(422, token_form=form)
    try:
        token = profile.create_api_token(core(), actor_id(), now(), form.name.data)
    except DomainError as error:
        attach_error(form, error)
        return _page(error.http_status, token_form=form)
    return _page(201, new_token=token)


@bp.post("/tokens/<id:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of my tokens."""
    return perform(lambda: profile.revoke_token(core(), actor_id(), token_id, now()),
                   _("The token is revoked."), url_for(".index"))


@bp.post("/telegram")
def telegram_link():
    """A one-time deep link that connects my Telegram chat to my account."""
    try:
        url = telegram_links.create_link(core(), actor_id(), now())
    except DomainError as error:
        flash(error.message(locale()), "error")
        return redirect(url_for(".index"), code=303)
    return _page(telegram_url=url)


@bp.post("/telegram/unlink")
def telegram_unlink():
    """Stop Telegram messages."""
    return perform(lambda: profile.unlink_telegram(core(), actor_id()),
                   _("Telegram is disconnected."), url_for(".index"))



@bp.post("/absences")
def record_absence():
    """Record an absence of mine; the page shows it, or the error next to its field."""
    form = absence_panel.absence_form(actor_id(), AbsenceForm())
    if not absence_panel.record(form):
        return _page(422, absence_form=form)
    flash(absence_panel.recorded_message(), "success")
    return redirect(url_for(".index"), code=303)


@bp.post("/absences/<id:absence_id>/cancel")
def cancel_absence(absence_id: int):
    """Cancel an absence of mine; the tasks it moved come back."""
    return perform(lambda: absences.cancel_absence(core(), actor_id(), absence_id, now()),
                   _("The absence is cancelled."), url_for(".index"))
