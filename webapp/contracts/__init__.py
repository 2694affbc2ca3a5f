"""Contracts: the new-contract form, the card with its version history, new versions, actions, files."""

from webapp.contracts.routes import bp

__all__ = ["bp"]
