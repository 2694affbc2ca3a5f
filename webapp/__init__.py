"""The Soglasie portal: a Flask application built by `create_app`."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from soglasie.core import Core
from soglasie.settings import Settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal; `config` overrides Flask settings (tests pass SOGLASIE_SETTINGS)."""
    app = Flask(__name__)
    settings: Settings = (config or {}).get("SOGLASIE_SETTINGS") or Settings.from_env()
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024)
    app.config.update({k: v for k, v in (config or {}).items() if k != "SOGLASIE_SETTINGS"})
    app.extensions["soglasie"] = Core.from_settings(settings)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
