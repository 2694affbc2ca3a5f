"""docker-compose.yml and the Dockerfile, checked by structure (Docker cannot run on these machines)."""

from __future__ import annotations

import re

import pytest
import yaml

from soglasie.settings import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")
SOGLASIE_IMAGE_SERVICES = (*AIRFLOW_SERVICES, "init", "portal", "bot", "dispatch")
TELEGRAM_SERVICES = ("bot", "dispatch")  # the `telegram` profile
LONG_RUNNING = tuple(name for name in SERVICES if name != "init")
CODE_DIRS = ("soglasie", "webapp", "dags", "plugins")


def _command(service: str) -> str:
    command = SERVICES[service].get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


def test_every_production_service_is_there():
    assert set(SERVICES) == {"postgres", "redis", "init", *AIRFLOW_SERVICES, "portal", *TELEGRAM_SERVICES}


@pytest.mark.parametrize(("service", "command"), [
    ("airflow-apiserver", "api-server"),
    ("airflow-scheduler", "scheduler"),
    ("airflow-dag-processor", "dag-processor"),
    ("airflow-triggerer", "triggerer"),
    ("airflow-worker", "celery worker"),
    ("portal", "gunicorn --bind 0.0.0.0:5000"),
    ("bot", "soglasie bot"),
    ("dispatch", "soglasie dispatch"),
])
def test_commands(service, command):
    assert _command(service).startswith(command)


def test_the_bot_and_the_dispatchers_run_only_with_the_telegram_profile():
    # `soglasie bot` exits without TELEGRAM_BOT_TOKEN and `soglasie dispatch` has nothing to deliver;
    # the notification_dispatch DAG delivers meanwhile.
    assert all(SERVICES[name]["profiles"] == ["telegram"] for name in TELEGRAM_SERVICES)
    assert all("profiles" not in SERVICES[name] for name in SERVICES if name not in TELEGRAM_SERVICES)


def test_the_portal_runs_the_app_factory_under_gunicorn():
    import webapp

    assert _command("portal").endswith("webapp:create_app()") and callable(webapp.create_app)


def test_the_init_job_migrates_airflow_and_soglasie_in_that_order():
    lines = [line.strip() for line in _command("init").splitlines()]
    migrate, soglasie = lines.index("airflow db migrate"), next(
        i for i, line in enumerate(lines) if line.startswith("soglasie init"))
    assert migrate < soglasie
    for service in (*AIRFLOW_SERVICES, "portal", "bot"):
        assert SERVICES[service]["depends_on"]["init"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_healthchecks_and_restart(service):
    assert SERVICES[service]["healthcheck"]["test"]
    assert SERVICES[service]["restart"] == "always"


@pytest.mark.parametrize("service", AIRFLOW_SERVICES)
def test_airflow_services_share_one_environment(service):
    env = SERVICES[service]["environment"]
    reference = SERVICES["airflow-scheduler"]["environment"]
    shared = {key: value for key, value in reference.items() if key != "DUMB_INIT_SETSID"}
    assert {key: env[key] for key in shared} == shared
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    # Each container would otherwise generate its own airflow.cfg with its own random secrets.
    for secret in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert env[secret].startswith("${")


def test_the_tasks_portal_and_bot_use_one_application_database():
    url = SERVICES["portal"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/soglasie" in url
    assert SERVICES["bot"]["environment"]["DATABASE_URL"] == url
    for service in AIRFLOW_SERVICES:
        assert SERVICES[service]["environment"]["AIRFLOW_CONN_SOGLASIE_DB"] == url
        assert SERVICES[service]["environment"]["SECRET_KEY"] == SERVICES["portal"]["environment"]["SECRET_KEY"]


def test_the_portal_is_told_how_many_proxies_to_trust():
    """Behind a proxy every login would come from the proxy's address without it (issue 11, point 1)."""
    assert SERVICES["portal"]["environment"]["SOGLASIE_TRUSTED_PROXIES"] == "${SOGLASIE_TRUSTED_PROXIES:-0}"


def test_postgres_holds_the_airflow_and_the_soglasie_databases():
    assert SERVICES["postgres"]["environment"]["POSTGRES_DB"] == "airflow"
    assert "/airflow" in SERVICES["airflow-scheduler"]["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    script = COMPOSE["configs"]["soglasie-database"]["content"]
    assert "CREATE DATABASE soglasie" in script
    assert SERVICES["postgres"]["configs"][0]["target"].startswith("/docker-entrypoint-initdb.d/")


@pytest.mark.parametrize("service", SOGLASIE_IMAGE_SERVICES)
def test_soglasie_services_run_the_image_built_from_the_dockerfile(service):
    assert SERVICES[service]["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert SERVICES[service]["image"] == SERVICES["portal"]["image"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_code_is_mounted(service):
    for volume in SERVICES[service].get("volumes", []):
        source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
        assert source in COMPOSE["volumes"], f"{service} mounts {source!r}: only named volumes"


def test_the_dockerfile_installs_the_project_as_a_package():
    airflow_pin = re.search(r"^apache-airflow==(\S+)$", (REPO_ROOT / "requirements.txt").read_text(), re.M)[1]
    assert re.search(rf"^ARG AIRFLOW_IMAGE=apache/airflow:{re.escape(airflow_pin)}-python3\.1[12]$", DOCKERFILE, re.M)
    install = next(line for line in DOCKERFILE.split("RUN ") if "pip install" in line)
    assert "/tmp/soglasie" in install and " -e " not in install and "--editable" not in install
    for directory in CODE_DIRS:
        assert re.search(rf"^COPY .*\b{directory} /", DOCKERFILE, re.M), directory


def test_the_image_compiles_the_portals_translations_after_installing_the_package():
    install = next(line for line in DOCKERFILE.split("RUN ") if "pip install" in line)
    cleanup = install.index("rm -rf /tmp/wheels /tmp/soglasie")
    assert install.index("pip install") < install.index("pybabel compile -d") < cleanup
    assert 'find_spec("webapp")' in install and ")/translations" in install  # the installed package's catalogues
    assert "**/*.mo" in (REPO_ROOT / ".dockerignore").read_text().split()  # never a stale local .mo


def test_the_build_context_leaves_out_local_state():
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".airflow", "var", ".git", "tests", ".env"} <= set(ignored)
