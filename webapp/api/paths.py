"""`<api_path:process>`: a process's own REST segment (`/api/v1/<api_path>/…`), read from the rules in force."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

from soglasie.rulebook.model import ProcessDefinition
from webapp.runtime import core


class ApiPathConverter(BaseConverter):
    """The process whose `api: {path}` is the segment; any other segment does not match.

    No match is a 404, or a 405 when a fixed route owns the path for other methods. It is looked
    up on every request, so a process added to the rule files is served at once. Werkzeug tries
    static segments first, so a fixed route (/tasks, /cards, …) always wins over a process's path.
    """

    def to_python(self, value: str) -> ProcessDefinition:
        """The process, or no match."""
        process = core().rulebook.by_api_path(value)
        if process is None:
            raise ValidationError()
        return process

    def to_url(self, value) -> str:
        """A process (or its segment) as a path segment."""
        return value.api_path if isinstance(value, ProcessDefinition) else str(value)


def register_converter(state) -> None:
    """Blueprint setup: make `api_path` known before the blueprint's rules are added."""
    state.app.url_map.converters.setdefault("api_path", ApiPathConverter)
