"""The `<portal:…>` URL segment: a process's portal path from the rules in force, nothing else."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

from soglasie.rulebook.model import ProcessDefinition
from webapp.runtime import core


class PortalPathConverter(BaseConverter):
    """Matches only a declared `portal: {path}`; the view receives that process's definition.

    Any other segment does not match, so unknown paths are 404 and other routes (/logout, a
    GET on a POST-only form) answer as they would without the card pages.
    """

    regex = r"[a-z][a-z0-9-]*"

    def to_python(self, value: str) -> ProcessDefinition:
        """The process under /<value>/, or no match."""
        process = core().rulebook.by_portal_path(value)
        if process is None:
            raise ValidationError()
        return process

    def to_url(self, value) -> str:
        """A process (or its path) as the URL segment."""
        return value if isinstance(value, str) else value.portal_path
