"""Reading API input strictly: wrong types, bad JSON or odd parameters are 4xx naming the field."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from soglasie.errors import ValidationError
from soglasie.services.common import Upload

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 5000


class BadBody(ValidationError):
    """The body is not a JSON object or form data."""

    http_status = 400


def body() -> dict:
    """The request's fields: a JSON object, or form fields (multipart or urlencoded); {} when empty."""
    if request.mimetype == "application/json":
        try:
            data = request.get_json(force=True, silent=False) if request.get_data(cache=True) else {}
        except (BadRequest, RecursionError):  # nesting deeper than the parser's recursion limit, too
            raise BadBody(_("The body is not valid JSON."), "body") from None
        if not isinstance(data, dict):
            raise BadBody(_("The body must be a JSON object."), "body")
        return data
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {key: request.form.get(key) for key in request.form}
    if request.get_data(cache=True):
        raise BadBody(_("Send JSON or form data."), "body")
    return {}


def scalar(data: dict, name: str) -> str | None:
    """A text or number field as text (None when absent); objects and lists are refused."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationError(_("A string or a number is expected."), name)
    return _CONTROL.sub("", str(value))[:MAX_TEXT]


def text(data: dict, name: str) -> str | None:
    """A free-text field: control characters removed, at most MAX_TEXT characters."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(_("A string is expected."), name)
    if len(value) > MAX_TEXT:
        raise ValidationError(_("At most %(count)d characters.", count=MAX_TEXT), name)
    return _CONTROL.sub("", value)


def flag(name: str, default: bool = False) -> bool:
    """A yes/no query parameter: 1/0, true/false, yes/no, on/off."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise BadBody(_("Expected 1 or 0."), name)


def integer(name: str, default: int | None, low: int = 1, high: int = 2**31 - 1) -> int | None:
    """A whole-number query parameter within [low, high]."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d{1,10}", raw) or not low <= int(raw) <= high:
        raise BadBody(_("Expected a whole number from %(low)d to %(high)d.", low=low, high=high), name)
    return int(raw)


def query_text(name: str, max_length: int = 200) -> str | None:
    """A text query parameter, cleaned of control characters, bounded."""
    raw = request.args.get(name)
    if raw is None:
        return None
    return _CONTROL.sub("", raw)[:max_length].strip() or None


def uploads(name: str) -> list[Upload]:
    """The files sent under `name` (multipart), read into memory (bounded by MAX_CONTENT_LENGTH)."""
    return [Upload(item.read(), item.filename or "file") for item in request.files.getlist(name) if item]


def upload(name: str) -> Upload | None:
    """The one file sent under `name`, or None."""
    found = uploads(name)
    return found[0] if found else None
