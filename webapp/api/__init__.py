"""The REST API under /api/v1 (JSON; session cookie or Bearer token)."""

from webapp.api import (absence_routes, analytics_routes, bank_routes, budget_routes, directory_routes,
                        process_routes, routes, spec_routes)
from webapp.security import csrf

# These modules decorate the one blueprint; naming them here is what puts their endpoints on it.
ROUTE_MODULES = (routes, process_routes, absence_routes, budget_routes, analytics_routes, bank_routes,
                 directory_routes, spec_routes)
bp = routes.bp
# Bearer calls need no CSRF token; session calls are checked in authenticate_api_call.
csrf.exempt(bp)

__all__ = ["ROUTE_MODULES", "bp"]
