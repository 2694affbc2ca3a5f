"""Logging in and out: password login with throttling, Flask-Login sessions."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user

from webapp.auth.identity import load_user
from webapp.auth.routes import bp, safe_next
from webapp.errors import error_json, http_message, is_api_request

__all__ = ["bp", "init_login", "login_manager", "require_login"]

login_manager = LoginManager()


def _unauthorized():
    """People go to the login page (and come back afterwards); API clients get 401 JSON."""
    if is_api_request():
        return error_json(http_message(401), None, 401)
    flash(_("Please log in to open this page."), "info")
    target = safe_next(request.full_path) if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def require_login():
    """before_request of every portal blueprint: visitors who are not logged in go to log in."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def init_login(app: Flask) -> None:
    """Flask-Login: the session user loader and where anonymous people are sent."""
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)
