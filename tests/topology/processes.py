"""The production topology as data: each process docker-compose.yml starts, its command and the variables it reads.

The topology test starts its processes from this table (tests/topology/cluster.py), and
test_compose_parity.py reads docker-compose.yml and checks every row against its service, so
the two cannot drift. A command is a template: `{name}` marks what a deployment chooses (an
address, a port, a worker count); `COMPOSE_VALUES` are compose's choices, the fixture supplies its own.
"""

from __future__ import annotations

from dataclasses import dataclass

# What every Soglasie process reads (x-soglasie-env in compose; docs/operations.md, "Configuration").
SOGLASIE_ENV = ("DATABASE_URL", "SOGLASIE_DATA_DIR", "SOGLASIE_RULES_DIR", "SECRET_KEY", "SOGLASIE_PORTAL_URL",
                "SOGLASIE_TRUSTED_PROXIES", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_WEBHOOK_URL",
                "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_BOT_USERNAME")
# What every Airflow component reads besides (x-airflow-common).
AIRFLOW_ENV = SOGLASIE_ENV + (
    "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__AUTH_MANAGER", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
    "AIRFLOW__CORE__LOAD_EXAMPLES", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK", "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT",
    "AIRFLOW_CONN_SOGLASIE_DB")


@dataclass(frozen=True)
class Process:
    """One long-running service: its compose name, command template, variables and how many the test runs."""

    service: str
    command: tuple[str, ...]
    env: tuple[str, ...]
    replicas: int = 1  # in the topology test: the processes that may run several times run twice
    replicable: bool = True  # may production run more than one (docs/operations.md, "Scaling out")


# The image's entrypoint runs an Airflow service's command as `airflow <command>`.
AIRFLOW_PREFIX = ("airflow",)

PROCESSES = (
    Process("portal", ("gunicorn", "--bind", "{bind}", "--workers", "{workers}", "--access-logfile", "-",
                       "webapp:create_app()"), SOGLASIE_ENV, replicas=2),
    Process("dispatch", ("soglasie", "dispatch"), SOGLASIE_ENV, replicas=2),
    Process("bot", ("soglasie", "bot", "--listen", "{listen}", "--port", "{port}"), SOGLASIE_ENV,
            replicable=True),  # webhook mode; long polling (no TELEGRAM_WEBHOOK_URL) must run exactly one
    Process("airflow-apiserver", ("airflow", "api-server"), AIRFLOW_ENV),
    Process("airflow-scheduler", ("airflow", "scheduler"), AIRFLOW_ENV),
    Process("airflow-dag-processor", ("airflow", "dag-processor"), AIRFLOW_ENV),
    Process("airflow-triggerer", ("airflow", "triggerer"), AIRFLOW_ENV),
    Process("airflow-worker", ("airflow", "celery", "worker"), AIRFLOW_ENV + ("DUMB_INIT_SETSID",), replicas=2),
)

# Compose's choices for the template fields (it binds all interfaces inside a container).
COMPOSE_VALUES = {"bind": "0.0.0.0:5000", "workers": "${PORTAL_WORKERS:-4}", "listen": "0.0.0.0", "port": "8443"}


def by_service(service: str) -> Process:
    """The row of a compose service."""
    return next(process for process in PROCESSES if process.service == service)


def command(process: Process, **values: str) -> list[str]:
    """The argv of `process` with its template fields filled in."""
    return [part.format(**values) for part in process.command]
