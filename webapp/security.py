"""Transport-level safety: cookie flags, security headers, strict id converters, proxies."""

from __future__ import annotations

import ipaddress

from flask import Flask, request
from flask_babel import gettext as _
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, ValidationError

from soglasie.errors import DomainError
from soglasie.validation import MAX_ID

# No inline scripts or styles anywhere: every asset is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
csrf = CSRFProtect()


class NulCharacter(DomainError):
    """A NUL character in a text parameter."""

    http_status = 400


class IdConverter(BaseConverter):
    """`<id:card_id>`: a positive id that fits the database, else the route does not match (404)."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        """The id, or no match (404) when it is too big for the database."""
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        """The id as a path segment."""
        return str(int(value))


class NavigationRefreshedSession(SecureCookieSessionInterface):
    """Sliding session expiry, refreshed by page loads only.

    A cookie session re-sent by every response races with itself: a background request of the
    page (a search as you type) that started before a form's redirect answers with the cookie
    as it was, wiping the flash message the redirect had just stored. Background and static
    requests therefore send the cookie only when they changed the session.
    """

    def should_set_cookie(self, app: Flask, session) -> bool:
        """Changed sessions always; unchanged permanent ones on page navigations only."""
        if session.modified:
            return True
        background = request.path.startswith(("/api/", "/static/")) or request.accept_mimetypes.best == \
            "application/json"
        return bool(session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"] and not background)


def configure(app: Flask) -> None:
    """Cookie flags and the id converter; call before registering blueprints."""
    secure = app.config["SOGLASIE_SECURE_COOKIES"]
    app.session_interface = NavigationRefreshedSession()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="soglasie_session",
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
    )
    app.url_map.converters["id"] = IdConverter
    csrf.init_app(app)
    proxies = app.config["SOGLASIE_TRUSTED_PROXIES"]
    if proxies:
        # Behind N reverse proxies: trust their X-Forwarded-* (client address for throttling, https).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def refuse_nul_characters() -> None:
    """400 naming the field for a NUL in any text parameter: never typed, and PostgreSQL rejects it."""
    items = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "multipart/form-data", "application/x-www-form-urlencoded"):
        items += list(request.form.items(multi=True))
    for name, value in items:
        if "\x00" in value:
            raise NulCharacter(_("Invalid character in the field."), name[:64])


def add_security_headers(response):
    """CSP, framing and sniffing protection on every answer; no caching of pages with data."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "public, max-age=3600")
    else:
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def plain_http_warning(host: str, portal_url: str) -> str | None:
    """A warning when the portal listens beyond this machine while its address is plain http://, else None.

    Passwords and session cookies would then cross the network unencrypted (docs/operations.md,
    "Sessions and tokens"); on 127.0.0.1, or behind a TLS proxy (an https:// SOGLASIE_PORTAL_URL), all is well.
    """
    if _is_loopback(host) or portal_url.lower().startswith("https://"):
        return None
    return (f"warning: the portal listens on {host or '0.0.0.0'} over plain HTTP ({portal_url}): passwords and "
            "session cookies cross the network unencrypted. Put it behind a TLS reverse proxy (set "
            "SOGLASIE_PORTAL_URL to the https:// address and SOGLASIE_TRUSTED_PROXIES), or bind it to 127.0.0.1.")


def _is_loopback(host: str) -> bool:
    name = (host or "").strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere
