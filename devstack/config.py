"""Addresses, logins and paths of one `make run`, read from the environment."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from soglasie.settings import REPO_ROOT, Settings


@dataclass(frozen=True)
class StackConfig:
    """Addresses and paths of one `make run`; every value can be changed by an environment variable."""

    settings: Settings
    repo: Path = REPO_ROOT
    bin_dir: Path = Path(sys.executable).parent
    portal_host: str = "127.0.0.1"
    portal_port: int = 5000
    airflow_host: str = "127.0.0.1"
    airflow_port: int = 8080
    airflow_user: str = "admin"
    airflow_password: str | None = None  # None: random, generated once and kept in .airflow/passwords.json
    airflow_parallelism: int = 4

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "StackConfig":
        """Read SOGLASIE_PORTAL_HOST/PORT, SOGLASIE_AIRFLOW_HOST/PORT/USER/PASSWORD/PARALLELISM."""
        portal_host = environ.get("SOGLASIE_PORTAL_HOST") or cls.portal_host
        portal_port = _port(environ, "SOGLASIE_PORTAL_PORT", cls.portal_port)
        portal_url = environ.get("SOGLASIE_PORTAL_URL") or f"http://{portal_host}:{portal_port}"
        settings = Settings.from_env({**environ, "SOGLASIE_PORTAL_URL": portal_url})
        return cls(
            settings=settings,
            portal_host=portal_host,
            portal_port=portal_port,
            airflow_host=environ.get("SOGLASIE_AIRFLOW_HOST") or cls.airflow_host,
            airflow_port=_port(environ, "SOGLASIE_AIRFLOW_PORT", cls.airflow_port),
            airflow_user=environ.get("SOGLASIE_AIRFLOW_USER") or cls.airflow_user,
            airflow_password=environ.get("SOGLASIE_AIRFLOW_PASSWORD") or cls.airflow_password,
            airflow_parallelism=_port(environ, "SOGLASIE_AIRFLOW_PARALLELISM", cls.airflow_parallelism, upper=64),
        )

    @property
    def airflow_home(self) -> Path:
        """Airflow's metadata, logs and config: a git-ignored folder of the repo."""
        return self.repo / ".airflow"

    @property
    def portal_url(self) -> str:
        """Where the portal answers."""
        return f"http://{self.portal_host}:{self.portal_port}"

    @property
    def airflow_url(self) -> str:
        """Where the Airflow UI and API answer."""
        return f"http://{self.airflow_host}:{self.airflow_port}"


def _port(environ: Mapping[str, str], name: str, default: int, upper: int = 65535) -> int:
    raw = environ.get(name) or ""
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= upper:
        raise SystemExit(f"make run: {name} must be a number from 1 to {upper}, got {raw!r}")
    return int(raw)


def base_env(config: StackConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """What every child gets: the venv first on PATH and one application database for all."""
    settings = config.settings
    return {
        **environ,
        "PATH": os.pathsep.join([str(config.bin_dir), environ.get("PATH", "")]),
        "DATABASE_URL": settings.database_url,
        "SOGLASIE_DATA_DIR": str(settings.data_dir),
        "SOGLASIE_RULES_DIR": str(settings.rules_dir),
        "SOGLASIE_PORTAL_URL": settings.portal_url,
        "PYTHONUNBUFFERED": "1",
    }
