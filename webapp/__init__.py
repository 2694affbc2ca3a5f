"""The Soglasie portal: a Flask application built by `create_app`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from flask import Flask

from soglasie.core import Core
from soglasie.settings import Settings
from webapp import (admin, analytics, api, apidocs, auth, bank, board, budgets, cards, errors, i18n, notifications,
                    profile, security, tasks, ui)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _defaults(settings: Settings) -> dict[str, Any]:
    """Configuration every deployment starts from; `create_app(config)` overrides any of it."""
    return {
        "SECRET_KEY": settings.require_secret_key(),
        # Room for the form fields around the largest allowed file.
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes + 1024 * 1024,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,  # a token lives as long as the session, not one hour
        "SOGLASIE_CLOCK": _utc_now,
        "SOGLASIE_SECURE_COOKIES": settings.portal_url.startswith("https://"),
        # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto to trust (0: none).
        "SOGLASIE_TRUSTED_PROXIES": settings.trusted_proxies,
        "SOGLASIE_LOGIN_LIMIT": 5,
        "SOGLASIE_LOGIN_IP_LIMIT": 30,
        "SOGLASIE_LOGIN_IP_DELAY_SECONDS": 10,  # past the address limit: one attempt this often
        "SOGLASIE_LOGIN_WINDOW_MINUTES": 15,
        "SOGLASIE_BOARD_PER_COLUMN": 8,
    }


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal; `config` overrides Flask settings (tests pass SOGLASIE_SETTINGS or SOGLASIE_CORE)."""
    overrides = dict(config or {})
    core: Core | None = overrides.pop("SOGLASIE_CORE", None)
    settings: Settings = overrides.pop("SOGLASIE_SETTINGS", None) or (core.settings if core else Settings.from_env())
    app = Flask(__name__)
    app.config.from_mapping(_defaults(settings))
    app.config.update(overrides)
    app.extensions["soglasie"] = core or Core.from_settings(settings)
    app.json.ensure_ascii = False
    security.configure(app)
    i18n.init_app(app)
    auth.init_login(app)
    errors.init_app(app)
    _register_blueprints(app)
    app.jinja_env.globals.update(card_url=ui.card_url, file_url=ui.file_url)

    @app.get("/healthz")
    def healthz():
        """Liveness probe for load balancers and the benchmark's baseline."""
        return {"status": "ok"}

    return app


def _register_blueprints(app: Flask) -> None:
    """Every blueprint of the portal, by name; each package's __init__ assembles its `bp` from its route modules."""
    for blueprint in (auth.bp, tasks.bp, cards.bp, board.bp, notifications.bp, profile.bp, admin.bp, budgets.bp,
                      bank.bp, api.bp, analytics.bp, apidocs.bp):
        app.register_blueprint(blueprint)
