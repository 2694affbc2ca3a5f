"""plugins/: the `soglasie_db` connection → SQLAlchemy URL, the task's settings and instant, the portal link."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import airflow  # noqa: F401 - importing Airflow puts plugins/ on sys.path, as in a worker
import pendulum
import pytest

from tests.dags.conftest import AIRFLOW_WARNINGS

pytestmark = [pytest.mark.airflow, *AIRFLOW_WARNINGS]


@pytest.mark.parametrize(("conn_value", "url"), [
    # get_uri() would give sqlite:///%2Ftmp%2F... here
    ("sqlite:////tmp/soglasie/soglasie.db", "sqlite:////tmp/soglasie/soglasie.db"),
    ("postgresql+psycopg://user:p%40ss%2Fw@db.example:5432/soglasie",
     "postgresql+psycopg://user:p%40ss%2Fw@db.example:5432/soglasie"),
    # Airflow turns the type into "postgres", which SQLAlchemy rejects
    ("postgresql://user:pw@db.example:5432/soglasie", "postgresql://user:pw@db.example:5432/soglasie"),
    ("postgresql+psycopg://user:pw@db.example/soglasie?sslmode=require",
     "postgresql+psycopg://user:pw@db.example/soglasie?sslmode=require"),
    (json.dumps({"conn_type": "sqlite", "schema": "/srv/soglasie.db"}), "sqlite:////srv/soglasie.db"),
    (json.dumps({"conn_type": "postgresql+psycopg", "login": "user", "password": "p@ss/w", "host": "db",
                 "port": 5432, "schema": "soglasie"}), "postgresql+psycopg://user:p%40ss%2Fw@db:5432/soglasie"),
    (json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": "sqlite:////abs/soglasie.db"}}),
     "sqlite:////abs/soglasie.db"),
])
def test_the_connection_becomes_a_sqlalchemy_url(monkeypatch, conn_value, url):
    from soglasie_airflow.database import soglasie_database_url

    monkeypatch.setenv("AIRFLOW_CONN_SOGLASIE_DB", conn_value)
    assert soglasie_database_url() == url


def test_no_connection_means_none(monkeypatch, airflow_db):
    from soglasie_airflow.database import soglasie_database_url

    monkeypatch.delenv("AIRFLOW_CONN_SOGLASIE_DB", raising=False)
    assert soglasie_database_url() is None


def test_task_settings_take_the_connection_over_database_url(monkeypatch, tmp_path):
    from soglasie_airflow.runtime import task_settings

    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "sqlite:////from/database_url.db")
    monkeypatch.setenv("AIRFLOW_CONN_SOGLASIE_DB", "sqlite:////from/connection.db")
    assert task_settings().database_url == "sqlite:////from/connection.db"


def test_task_settings_fall_back_to_database_url(monkeypatch, tmp_path, airflow_db):
    from soglasie_airflow.runtime import task_settings

    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "sqlite:////from/database_url.db")
    monkeypatch.delenv("AIRFLOW_CONN_SOGLASIE_DB", raising=False)
    assert task_settings().database_url == "sqlite:////from/database_url.db"


def test_the_run_instant_is_the_interval_end_else_run_after():
    from soglasie_airflow.runtime import run_instant

    tick = pendulum.datetime(2026, 12, 3, 8, 0, tz="UTC")
    triggered = SimpleNamespace(run_after=pendulum.datetime(2026, 12, 3, 9, 30, tz="UTC"))
    assert run_instant(tick, triggered) == dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.timezone.utc)
    assert type(run_instant(tick, triggered)) is dt.datetime
    assert run_instant(None, triggered) == dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        run_instant(None, None)


@pytest.fixture
def loaded_plugins(monkeypatch):
    """Airflow's plugin loading over plugins/, from scratch."""
    from airflow import plugins_manager

    monkeypatch.setenv("SOGLASIE_PORTAL_URL", "https://portal.example/")
    plugins_manager._get_plugins.cache_clear()
    yield plugins_manager
    plugins_manager._get_plugins.cache_clear()


def test_the_plugin_links_to_the_portal_and_only_the_plugin_is_loaded(loaded_plugins):
    info = loaded_plugins.get_plugin_info()
    assert loaded_plugins.get_import_errors() == {}
    # The helper package is excluded by plugins/.airflowignore: it is imported as soglasie_airflow.*.
    assert [plugin["name"] for plugin in info] == ["soglasie_portal_link"]
    assert info[0]["external_views"] == [{"name": "Soglasie portal", "href": "https://portal.example",
                                          "destination": "nav", "category": "browse"}]


def test_the_portal_link_defaults_to_the_embedded_portal():
    from soglasie_portal_link import portal_link

    assert portal_link({})["href"] == "http://127.0.0.1:5000"
