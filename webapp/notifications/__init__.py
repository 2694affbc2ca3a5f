"""The notifications inbox and the unread badge."""

from webapp.notifications.routes import bp

__all__ = ["bp"]
