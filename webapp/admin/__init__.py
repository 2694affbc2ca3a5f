"""Admin pages: org structure, users and roles, directories, the rules in force."""

from webapp.admin import directory_routes  # noqa: F401  (adds the directory pages to bp)
from webapp.admin.routes import bp

__all__ = ["bp"]
