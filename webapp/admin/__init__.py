"""Admin pages: org structure, users and roles, directories, the rules in force."""

from webapp.admin import company_routes, directory_routes, routes

# The modules decorate the one blueprint; naming them here is what puts their pages on it.
ROUTE_MODULES = (routes, directory_routes, company_routes)
bp = routes.bp

__all__ = ["ROUTE_MODULES", "bp"]
