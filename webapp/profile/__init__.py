"""The user's profile: language, password, API tokens, Telegram."""

from webapp.profile.routes import bp

__all__ = ["bp"]
