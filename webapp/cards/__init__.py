"""The card pages of every process in the rule files: new card, card, actions, versions, downloads."""

from webapp.cards.routes import bp

__all__ = ["bp"]
