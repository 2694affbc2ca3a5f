"""The one place errors become answers: JSON `{"error", "field", "code"}` for the API, a page for people."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from soglasie.attachments import human_size
from soglasie.errors import DomainError
from soglasie.models import Card
from soglasie.rulebook.model import ProcessDefinition
from webapp.runtime import core, locale

log = logging.getLogger(__name__)
# The file field of the task endpoints whose form sends several files; a task's file is otherwise "file".
TASK_UPLOAD_FIELDS = {"tasks.answer": "files"}

def is_api_request() -> bool:
    """True for /api/ paths: they answer JSON, whatever went wrong."""
    return request.path.startswith("/api/")


# The stable code of an answer that is not a DomainError (a DomainError carries its own).
STATUS_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "too_large", 415: "unsupported_media_type", 429: "too_many_requests",
                503: "unavailable"}
# Seconds a client should wait before retrying while the database is unreachable (a restart, a failover).
DATABASE_RETRY_AFTER = 5


def error_json(message: str, field: str | None, status: int, code: str | None = None, **extra):
    """The API's error body with its status; `code` is what a client branches on (by status unless given)."""
    response = jsonify({"error": message, "field": field, "code": code or STATUS_CODES.get(status, "internal"),
                        **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="soglasie"'
    return response


def http_message(status: int) -> str:
    """What a person should read for an HTTP error status."""
    messages = {
        400: _("The request is malformed."),
        401: _("Please log in."),
        403: _("You do not have access to this."),
        404: _("Not found: the page or request does not exist, or you cannot see it."),
        405: _("This action is not allowed here."),
        409: _("Someone else has just changed this. Reload the page."),
        413: _("The file is too large (at most %(limit)s).", limit=human_size(core().settings.max_upload_bytes)),
        415: _("Unsupported content type."),
        429: _("Too many requests. Try again later."),
        503: _("The database is unavailable for a moment. Try again in a few seconds."),
    }
    return messages.get(status, _("Something went wrong on our side. Please try again."))


def _page(message: str, status: int):
    return render_template("errors/error.html", message=message, status=status), status


def handle_domain_error(error: DomainError):
    """A DomainError's status and bilingual message, as JSON or as a page."""
    if is_api_request():
        return error_json(error.message(locale()), error.field, error.http_status, error.code, **error.body())
    return _page(error.message(locale()), error.http_status)


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token (a form opened too long ago, or a forged request)."""
    message = _("The form has expired or was not sent from this site. Reload the page and try again.")
    if is_api_request():
        return error_json(message, "csrf_token", 400, "csrf")
    return _page(message, 400)


def upload_field() -> str:
    """The file field a too-large body was sending: the main document of the request's process, else "file"."""
    process = _process_of_request()
    if process is not None and process.card.document is not None:
        return process.card.document.field
    return TASK_UPLOAD_FIELDS.get(request.endpoint, "file")


def _process_of_request() -> ProcessDefinition | None:
    """The process the route names, or its path names (API or portal), or the card it acts on; else None.

    The body is refused before any view runs (the NUL check reads the form), so the URL is all there is.
    """
    rulebook = core().rulebook
    args = request.view_args or {}
    named = args.get("process")
    if isinstance(named, ProcessDefinition):
        return named
    if isinstance(named, str):
        return rulebook.processes.get(named)
    segments = request.path.strip("/").split("/")
    on_path = rulebook.by_api_path(segments[2]) if segments[:2] == ["api", "v1"] and len(segments) > 2 \
        else rulebook.by_portal_path(segments[0])
    if on_path is None and isinstance(args.get("card_id"), int):
        with core().db.read() as session:
            return rulebook.processes.get(session.scalar(select(Card.kind).where(Card.id == args["card_id"])))
    return on_path


def handle_too_large(error: RequestEntityTooLarge):
    """A body above MAX_CONTENT_LENGTH: name the upload field of the endpoint."""
    if is_api_request():
        return error_json(http_message(413), upload_field(), 413)
    return _page(http_message(413), 413)


def handle_http_error(error: HTTPException):
    """404, 405 and friends: localized text, JSON under /api/."""
    status = error.code or 500
    if is_api_request():
        return error_json(http_message(status), None, status)
    return _page(http_message(status), status)


def handle_database_unavailable(error: OperationalError | InterfaceError):
    """The database went away (a restart, a failover, a dropped connection): 503 with Retry-After, no traceback.

    The pool (pool_pre_ping) reconnects on the next request once the server is back.
    """
    log.warning("database unavailable on %s %s: %s", request.method, request.path, str(error.orig).strip()[:200])
    g._login_user = current_app.login_manager.anonymous_user()  # the page must not load the user: no database
    answer = error_json(http_message(503), None, 503) if is_api_request() else _page(http_message(503), 503)
    response = current_app.make_response(answer)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def handle_unexpected(error: Exception):
    """A bug: log it with the traceback, answer 500 without details."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return error_json(http_message(500), None, 500)
    return _page(http_message(500), 500)


def init_app(app: Flask) -> None:
    """Register the handlers (more specific classes first is Flask's own rule)."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    if not app.testing:  # tests want the traceback, not a polite page
        app.register_error_handler(Exception, handle_unexpected)
