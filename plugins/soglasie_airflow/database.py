"""The application database URL for a task: the `soglasie_db` connection, else DATABASE_URL."""

from __future__ import annotations

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException
from sqlalchemy.engine import URL

CONN_ID = "soglasie_db"
# Airflow normalises the scheme "postgresql" to the connection type "postgres", which SQLAlchemy rejects.
DRIVER_BY_CONN_TYPE = {"postgres": "postgresql"}
URL_EXTRA = "sqlalchemy_url"


def soglasie_database_url(conn_id: str = CONN_ID) -> str | None:
    """The URL of the `soglasie_db` connection, or None when no such connection is defined."""
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return connection_url(conn)


def connection_url(conn) -> str:
    """A SQLAlchemy URL rebuilt from the connection's fields.

    `Connection.get_uri()` cannot be used: it percent-encodes a SQLite path into the host
    part and renders PostgreSQL as `postgres://`. A URL kept verbatim in the extra field
    `sqlalchemy_url` wins; other extras become query parameters (sslmode=...).
    """
    extra = conn.extra_dejson or {}
    if extra.get(URL_EXTRA):
        return str(extra[URL_EXTRA])
    query = {key: str(value) for key, value in extra.items() if isinstance(value, (str, int, float))}
    return URL.create(
        drivername=DRIVER_BY_CONN_TYPE.get(conn.conn_type, conn.conn_type),
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
        query=query,
    ).render_as_string(hide_password=False)
