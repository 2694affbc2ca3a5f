"""Who calls the API: a Bearer token (no CSRF needed: browsers never send it by themselves),
or the portal session (then the CSRF token is required on every change, as on forms)."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user

from soglasie import tokens
from webapp.auth.identity import snapshot
from webapp.errors import error_json, http_message
from webapp.runtime import core, now
from webapp.security import csrf

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The contract is public: it names routes and fields, no data.
PUBLIC_ENDPOINTS = ("api.openapi",)


def _bearer_user():
    """The token's user as a PortalUser, None for an unknown or revoked token."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    at = now()
    with core().db.read() as session:  # a read: most calls find the last use noted recently
        row = tokens.token_row(session, token.strip())
        if row is None:
            return None
        user, token_id, stale = snapshot(session, row.user), row.id, tokens.is_use_stale(row, at)
    if stale:  # at most every USE_NOTE_INTERVAL per token, and only if nobody just did it
        with core().db.write() as session:
            tokens.note_use(session, token_id, at)
    return user


def authenticate_api_call():
    """before_request of the API: 401 without valid credentials; CSRF for session calls that change."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if "Authorization" in request.headers:
        user = _bearer_user()
        if user is None:
            return error_json(_("The API token is invalid or revoked."), None, 401)
        g.api_user = user
        return None
    if not current_user.is_authenticated:
        return error_json(http_message(401), None, 401)
    if request.method in UNSAFE_METHODS:
        csrf.protect()
    return None
