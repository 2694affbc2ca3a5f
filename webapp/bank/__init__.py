"""The accounting page of the bank loop: export payment orders, upload the bank's statement."""

from webapp.bank.routes import bp

__all__ = ["bp"]
