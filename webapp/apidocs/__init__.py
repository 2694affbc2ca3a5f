"""/api/docs: the API's contract, readable in a browser (Swagger UI served by the portal itself)."""

from webapp.apidocs.routes import bp

__all__ = ["bp"]
