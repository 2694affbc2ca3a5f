"""GET /api/v1/openapi.json: the API's contract, readable without credentials (the page /api/docs shows it)."""

from __future__ import annotations

from flask import jsonify

from webapp.api import spec
from webapp.api.routes import bp
from webapp.runtime import core


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of /api/v1, the process path segments from the rules in force."""
    return jsonify(spec.document(core().rulebook))
