"""Per-request access to what the app was built with: the core, the clock, the actor, the locale."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g
from flask_babel import get_locale
from flask_login import current_user

from soglasie.core import Core


def core() -> Core:
    """The core the app was built with."""
    return current_app.extensions["soglasie"]


def now() -> dt.datetime:
    """The app's clock (tests replace SOGLASIE_CLOCK); always timezone-aware."""
    return current_app.config["SOGLASIE_CLOCK"]()


def actor_id() -> int:
    """The acting user's id: a Bearer token's owner in the API, else the logged-in user."""
    api_user = g.get("api_user")
    return api_user.id if api_user is not None else current_user.id


def locale() -> str:
    """"ru" or "en": the language of this response (looked up once per request)."""
    code = g.get("soglasie_locale")
    if code is None:
        code = g.soglasie_locale = str(get_locale() or "ru")
    return code
