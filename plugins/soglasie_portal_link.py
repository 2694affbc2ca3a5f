"""The Airflow plugin: a link from the Airflow UI to the Soglasie portal."""

from __future__ import annotations

import os

from airflow.plugins_manager import AirflowPlugin

DEFAULT_PORTAL_URL = "http://127.0.0.1:5000"


def portal_link(environ=None) -> dict[str, str]:
    """The menu entry pointing at the portal (SOGLASIE_PORTAL_URL, as the core reads it)."""
    env = os.environ if environ is None else environ
    href = (env.get("SOGLASIE_PORTAL_URL") or DEFAULT_PORTAL_URL).rstrip("/")
    return {"name": "Soglasie portal", "href": href, "destination": "nav", "category": "browse"}


class SoglasiePortalLinkPlugin(AirflowPlugin):
    """Adds "Browse → Soglasie portal" to the Airflow navigation."""

    name = "soglasie_portal_link"
    external_views: list[dict[str, str]] = []

    @classmethod
    def on_load(cls, *args, **kwargs) -> None:
        """Read the portal address when Airflow loads plugins, not when this file is imported."""
        cls.external_views = [portal_link()]
