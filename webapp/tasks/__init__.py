"""My work and task cards: what the user has to do, and doing it."""

from webapp.tasks.routes import bp

__all__ = ["bp"]
