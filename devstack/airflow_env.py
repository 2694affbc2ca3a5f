"""Airflow standalone's configuration for `make run`: SQLite metadata in .airflow/, the repo's DAGs."""

from __future__ import annotations

import json
import secrets

from devstack.config import StackConfig

DAG_IDS = ("sla_sweep", "accounting_tasks", "notification_dispatch", "morning_digest", "weekly_kpi")


def airflow_env(config: StackConfig, jwt_secret: str) -> dict[str, str]:
    """Airflow standalone's configuration: SQLite metadata in .airflow/, the repo's DAGs and plugins."""
    home = config.airflow_home
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.repo / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.repo / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__API__HOST": config.airflow_host,
        "AIRFLOW__API__PORT": str(config.airflow_port),
        # Tasks reach the API server here; the default assumes port 8080 and every task fails otherwise.
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{config.airflow_url}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{config.airflow_user}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        # The scheduler queues the first runs before standalone's API server answers: keep tasks retrying.
        "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "10",
        # LocalExecutor pre-forks this many workers; the default 32 costs memory for nothing here.
        "AIRFLOW__CORE__PARALLELISM": str(config.airflow_parallelism),
        "AIRFLOW_CONN_SOGLASIE_DB": config.settings.database_url,
    }


def prepare_airflow_home(config: StackConfig) -> str:
    """Create .airflow/ with the known admin password; returns the (persistent) API JWT secret."""
    home = config.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    # The simple auth manager only invents a password for users missing from this file.
    (home / "passwords.json").write_text(json.dumps({config.airflow_user: config.airflow_password}))
    secret_file = home / "jwt_secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(64))  # 64+ bytes: Airflow warns about shorter keys
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()
