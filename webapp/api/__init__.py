"""The REST API under /api/v1 (JSON; session cookie or Bearer token)."""

from webapp.api import contract_routes  # noqa: F401 - registers the contract endpoints on bp
from webapp.api.routes import bp
from webapp.security import csrf

# Bearer calls need no CSRF token; session calls are checked in authenticate_api_call.
csrf.exempt(bp)

__all__ = ["bp"]
