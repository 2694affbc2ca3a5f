"""Errors the core raises; each carries its message (from the catalogue), a stable code and maybe the field.

The code is what a client branches on (docs/architecture.md, "Error codes"): a class gives the
default (`invalid`, `not_found`, `forbidden`, `conflict`), a guard names its own reason
(`frozen`, `not_your_task`, `reason_required`, …). Codes never change once published.
"""

from __future__ import annotations

from soglasie.rulebook.model import Text


class DomainError(Exception):
    """Base of every expected error; surfaces map it to a 4xx answer with its message."""

    http_status = 400
    default_code = "error"

    def __init__(self, message: Text | str, field: str | None = None, code: str = ""):
        self.text = message if isinstance(message, Text) else Text(ru=message, en=message)
        self.field = field
        self.code = code or self.default_code
        super().__init__(self.text.en)

    def message(self, locale: str | None) -> str:
        """The message in the user's language."""
        return self.text.get(locale)

    def body(self) -> dict:
        """Extra keys of the API's error body (e.g. the cards a duplicate invoice duplicates); none by default."""
        return {}


class ValidationError(DomainError):
    """Bad input: nothing was written."""

    http_status = 422
    default_code = "invalid"


class RowErrors(ValidationError):
    """Rows of an import that failed validation: `errors` lists (row number, field, message); nothing was written."""

    def __init__(self, errors: list[tuple[int, str, Text]]):
        self.errors = errors
        lines = [_row_text(row, name, message) for row, name, message in errors]
        super().__init__(Text(ru="; ".join(t.ru for t in lines), en="; ".join(t.en for t in lines)),
                         errors[0][1], code="invalid")
        self.row = errors[0][0]

    def lines(self, locale: str | None) -> list[str]:
        """Each error as `row N: field: message` in `locale`."""
        return [_row_text(row, name, message).get(locale) for row, name, message in self.errors]


def _row_text(row: int, name: str, message: Text) -> Text:
    return Text(ru=f"строка {row}: {name}: {message.ru}", en=f"row {row}: {name}: {message.en}")


class NotFound(DomainError):
    """No such object, or the actor may not know it exists."""

    http_status = 404
    default_code = "not_found"


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it."""

    http_status = 403
    default_code = "forbidden"


class Conflict(DomainError):
    """Somebody else changed the object first (a lost race, or an action no longer possible)."""

    http_status = 409
    default_code = "conflict"
