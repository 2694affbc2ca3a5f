"""While the database is unreachable the portal answers 503 with Retry-After (JSON or a page), never a 500;
once it is back, the next request reconnects (pool_pre_ping) and succeeds."""

from __future__ import annotations

import itertools
import os

import pytest

from webapp.errors import DATABASE_RETRY_AFTER

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture
def database_url(postgres_cluster):
    """An outage needs a server to lose: PostgreSQL only (a database we can lock out and let back in)."""
    name = f"outage_{os.getpid()}_{next(_names)}"
    postgres_cluster.admin_sql(f"CREATE DATABASE {name} TEMPLATE soglasie_template")
    yield postgres_cluster.url(name)
    postgres_cluster.admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def outage(postgres_cluster, core):
    """A function: `outage(True)` drops every connection and refuses new ones; `outage(False)` lets them in."""
    name = core.db.engine.url.database

    def switch(down: bool) -> None:
        postgres_cluster.admin_sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {'false' if down else 'true'}",
                                   f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    yield switch
    switch(False)


def test_the_api_answers_503_with_retry_after_and_recovers(client, bearer, outage):
    headers = bearer("mhead")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    outage(True)
    answer = client.get("/api/v1/tasks", headers=headers)
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == str(DATABASE_RETRY_AFTER)
    assert answer.json["code"] == "unavailable" and answer.json["field"] is None
    assert "Traceback" not in answer.get_data(as_text=True)
    outage(False)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200


@pytest.mark.parametrize(("language", "text"), [("en", "The database is unavailable"),
                                                ("ru", "База данных на мгновение недоступна")])
def test_a_page_answers_503_with_retry_after_in_the_users_language(auth, client, outage, language, text):
    auth.login("mhead")
    assert client.get("/").status_code == 200
    outage(True)
    answer = client.get("/", headers={"Accept-Language": language})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == str(DATABASE_RETRY_AFTER)
    assert text in page and "Traceback" not in page
    outage(False)
    assert client.get("/").status_code == 200
