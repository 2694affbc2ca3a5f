"""The /api/docs page and the Swagger UI files it loads, from the swagger-ui-bundle-v2 package (no CDN).

Swagger UI (Apache-2.0) is pinned in requirements.txt; only the files the page needs are served,
so the portal's CSP (`script-src 'self'`, no inline code) holds: the page's own start-up script
is webapp/static/js/api-docs.js.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("apidocs", __name__, url_prefix="/api/docs")
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


@bp.get("")
def docs():
    """The Swagger UI page over /api/v1/openapi.json ("Try it out" uses the session and its CSRF token)."""
    return render_template("apidocs/docs.html")


@bp.get("/assets/<name>")
def asset(name: str):
    """One of Swagger UI's files; anything else is 404."""
    if name not in ASSETS:
        abort(404)
    response = send_from_directory(str(swagger_ui_path), name, max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
