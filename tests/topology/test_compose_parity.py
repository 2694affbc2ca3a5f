"""docker-compose.yml and the topology test start the same commands with the same variables (processes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.topology.processes import AIRFLOW_PREFIX, COMPOSE_VALUES, PROCESSES, command

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
NOT_PROCESSES = {"postgres", "redis", "init"}  # servers the test starts itself, and the one-off migration job


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def compose_command(service: dict) -> list[str]:
    """A service's argv as the container runs it (an Airflow image runs a string command as `airflow …`)."""
    value = service["command"]
    return [*AIRFLOW_PREFIX, *value.split()] if isinstance(value, str) else list(value)


def test_every_long_running_service_is_in_the_table(services):
    assert set(services) - NOT_PROCESSES == {process.service for process in PROCESSES}


@pytest.mark.parametrize("process", PROCESSES, ids=lambda process: process.service)
def test_the_same_command(services, process):
    assert command(process, **COMPOSE_VALUES) == compose_command(services[process.service])


@pytest.mark.parametrize("process", PROCESSES, ids=lambda process: process.service)
def test_the_same_variables(services, process):
    assert sorted(process.env) == sorted(services[process.service]["environment"])
