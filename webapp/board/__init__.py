"""The board and the list of requests, with exports."""

from webapp.board.routes import bp

__all__ = ["bp"]
