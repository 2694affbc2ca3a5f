"""`create_app` takes everything from Settings and registers every blueprint's routes explicitly."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

import webapp
from soglasie.settings import SettingsError
from webapp import create_app


@pytest.fixture
def database_url(sqlite_database):
    """The factory does not depend on the SQL: SQLite only."""
    return sqlite_database


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_trusted_proxies_come_from_settings(settings, proxies):
    app = create_app({"SOGLASIE_SETTINGS": settings.with_overrides(trusted_proxies=proxies)})
    assert app.config["SOGLASIE_TRUSTED_PROXIES"] == proxies
    if proxies:
        assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == proxies
    else:
        assert not isinstance(app.wsgi_app, ProxyFix)


def test_without_a_secret_key_the_portal_refuses_to_start_and_says_why(settings):
    with pytest.raises(SettingsError, match="SECRET_KEY is not set .* run `soglasie init`"):
        create_app({"SOGLASIE_SETTINGS": settings.with_overrides(secret_key=None)})


def _route_modules(package) -> set[str]:
    return {name for _, name, _ in pkgutil.iter_modules(package.__path__) if name.endswith("routes")}


@pytest.mark.parametrize("name", sorted(name for _, name, is_package in pkgutil.iter_modules(webapp.__path__)
                                        if is_package))
def test_each_blueprint_package_names_all_its_route_modules(name):
    package = importlib.import_module(f"webapp.{name}")
    listed = {module.__name__.rsplit(".", 1)[1] for module in getattr(package, "ROUTE_MODULES", [package.routes])}
    assert listed == _route_modules(package)


def test_endpoints_of_the_second_route_modules_are_registered(settings):
    endpoints = set(create_app({"SOGLASIE_SETTINGS": settings}).view_functions)
    assert {"admin.counterparties", "api.process_card", "api.file_card", "auth.login"} <= endpoints
