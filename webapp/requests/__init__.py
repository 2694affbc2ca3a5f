"""Payment requests: the new-request form, the card and its actions, attachment downloads."""

from webapp.requests.routes import bp

__all__ = ["bp"]
