"""Budgets: the page that shows them (finance, operations, accounting, admins, heads) and edits them."""

from webapp.budgets.routes import bp

__all__ = ["bp"]
