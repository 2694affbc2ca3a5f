"""Login, logout and the language switch for visitors."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from soglasie.services import profile, sessions
from webapp.auth.forms import LoginForm
from webapp.auth.identity import reload_user
from webapp.auth.throttle import LoginRefused, authenticate
from webapp.i18n import LOCALES
from webapp.runtime import core, now

bp = Blueprint("auth", __name__)
_UNSAFE_IN_TARGET = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects).

    Browsers drop tabs and line breaks from a URL and read `\\` as `/`, so `/%09/evil.example`
    decoded is `//evil.example`: any control character or backslash refuses the target, then
    what is left must have neither a scheme nor a host and start with exactly one slash. The
    same holds once percent-decoded, in case something on the way decodes it once more.
    """
    if not target or not all(_is_local_path(form) for form in (target, unquote(target))):
        return None
    return target.rstrip("?") or None


def _is_local_path(target: str) -> bool:
    if _UNSAFE_IN_TARGET.search(target) or target.startswith("//"):  # "///host" splits with no netloc
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("//")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; success goes to `next` or My work."""
    if current_user.is_authenticated:
        return redirect(url_for("tasks.my_work"))
    form = LoginForm(next=request.args.get("next"))
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = authenticate(form.login.data, form.password.data, request.remote_addr or "-", now())
        except LoginRefused as refused:
            status = 429 if refused.retry_seconds else 401
            if refused.retry_seconds:
                headers["Retry-After"] = str(refused.retry_seconds)
            form.password.errors.append(_refusal_text(refused))
        else:
            chosen = session.get("locale")
            session.clear()  # a fresh session on login: no fixation
            if chosen in LOCALES and chosen != user.locale:  # picked on the login page: keep it
                profile.set_locale(core(), user.id, chosen)
                user = reload_user(user.id)
            login_user(user)
            session.permanent = True
            return redirect(safe_next(form.next.data) or url_for("tasks.my_work"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


def _refusal_text(refused: LoginRefused) -> str:
    """Why the login was refused: wrong credentials, a locked login, or a busy address."""
    if refused.per_address:
        return _("Too many attempts from your network. Try again in %(seconds)d s.", seconds=refused.retry_seconds)
    if refused.retry_seconds:
        return _("Too many failed attempts. Try again in %(minutes)d min.", minutes=refused.retry_minutes)
    return _("Wrong login or password.")


@bp.post("/logout")
def logout():
    """End the session (a POST with the CSRF token: a link cannot log anyone out).

    The user's session epoch is bumped, so a copy of the cookie made before stops working too.
    """
    if current_user.is_authenticated:
        sessions.log_out(core(), current_user.id)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """Switch the language: saved in the profile when logged in, in the session otherwise."""
    code = request.form.get("locale", "")
    if code in LOCALES:
        if current_user.is_authenticated:
            profile.set_locale(core(), current_user.id, code)
        else:
            session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.my_work"))
