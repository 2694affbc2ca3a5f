"""`make run`'s launcher: Airflow standalone's configuration and stopping every process it started."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import pytest

from soglasie import devstack
from soglasie.settings import REPO_ROOT

STUBBORN = ("import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "subprocess.Popen([sys.executable, '-c', "
            "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)']); time.sleep(600)")


@pytest.fixture
def config(tmp_path):
    """A stack configured for unusual ports, with its repo (and so .airflow/) in a temp directory."""
    environ = {"SOGLASIE_DATA_DIR": str(tmp_path / "var"), "SOGLASIE_PORTAL_PORT": "5055",
               "SOGLASIE_AIRFLOW_PORT": "18080", "SECRET_KEY": "k"}
    return dataclasses.replace(devstack.StackConfig.from_env(environ), repo=tmp_path)


def test_airflow_standalone_runs_from_the_repo_with_sqlite_metadata_in_dot_airflow(config, tmp_path):
    env = devstack.airflow_env(config, "secret")
    assert env["AIRFLOW_HOME"] == str(tmp_path / ".airflow")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / '.airflow' / 'airflow.db'}"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(tmp_path / "dags")
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == str(tmp_path / "plugins")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    # A moved port needs the execution API URL moved with it, or every task fails.
    assert env["AIRFLOW__API__PORT"] == "18080"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert env["AIRFLOW_CONN_SOGLASIE_DB"] == config.settings.database_url


def test_every_child_shares_one_database_and_finds_airflow_on_path(config):
    env = devstack.base_env(config, {"PATH": "/usr/bin"})
    assert env["PATH"].split(":")[0] == str(config.bin_dir)
    assert env["DATABASE_URL"] == config.settings.database_url
    assert env["SOGLASIE_PORTAL_URL"] == "http://127.0.0.1:5055"
    names = [service.name for service in devstack.services(config, env, "secret")]
    assert names == ["portal", "airflow", "dispatcher"]


def test_the_admin_login_is_known_and_the_jwt_secret_persists(config):
    secret = devstack.prepare_airflow_home(config)
    assert json.loads((config.airflow_home / "passwords.json").read_text()) == {"admin": "admin"}
    assert len(secret) >= 128 and devstack.prepare_airflow_home(config) == secret


@pytest.mark.parametrize("bad", ["0", "70000", "http", "-1"])
def test_a_bad_port_is_refused_with_its_variable_named(bad):
    with pytest.raises(SystemExit, match="SOGLASIE_AIRFLOW_PORT"):
        devstack.StackConfig.from_env({"SOGLASIE_AIRFLOW_PORT": bad, "SECRET_KEY": "k"})


def test_dot_airflow_is_git_ignored():
    assert "/.airflow/" in (REPO_ROOT / ".gitignore").read_text().split()


def _service(name, code):
    return devstack.Service(name, [sys.executable, "-c", code], env={})


def test_stop_all_terms_each_group_and_kills_what_ignores_it(tmp_path):
    supervisor = devstack.Supervisor()
    polite = supervisor.start(_service("polite", "import time; time.sleep(600)"), tmp_path)
    stubborn = supervisor.start(_service("stubborn", STUBBORN), tmp_path)
    time.sleep(0.5)  # let the stubborn one start its grandchild
    assert subprocess.run(["pgrep", "-g", str(stubborn.pid)], capture_output=True).stdout.count(b"\n") == 2
    assert supervisor.stop_all(grace=1.0) == ["stubborn"]
    assert not devstack.group_alive(polite.pid) and not devstack.group_alive(stubborn.pid)
    assert polite.returncode == -15 and stubborn.returncode == -9
