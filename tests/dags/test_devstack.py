"""`make run`'s launcher: Airflow standalone's configuration and stopping every process it started."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import sys

import psutil
import pytest

from devstack import airflow_env, config as stack_config, stack, supervisor as sup
from soglasie.settings import REPO_ROOT

# A parent and a grandchild that both ignore SIGTERM; the grandchild says "ready" once it does.
STUBBORN = """
import signal, socket, subprocess, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if sys.argv[1] == "parent":
    subprocess.Popen([sys.executable, __file__, "child", sys.argv[2]])
else:
    ready = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    ready.sendall(b"ready")
while True:
    signal.pause()
"""


@pytest.fixture
def config(tmp_path):
    """A stack configured for unusual ports, with its repo (and so .airflow/) in a temp directory."""
    environ = {"SOGLASIE_DATA_DIR": str(tmp_path / "var"), "SOGLASIE_PORTAL_PORT": "5055",
               "SOGLASIE_AIRFLOW_PORT": "18080", "SECRET_KEY": "k"}
    return dataclasses.replace(stack_config.StackConfig.from_env(environ), repo=tmp_path)


def test_airflow_standalone_runs_from_the_repo_with_sqlite_metadata_in_dot_airflow(config, tmp_path):
    env = airflow_env.airflow_env(config, "secret")
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
    env = stack_config.base_env(config, {"PATH": "/usr/bin"})
    assert env["PATH"].split(":")[0] == str(config.bin_dir)
    assert env["DATABASE_URL"] == config.settings.database_url
    assert env["SOGLASIE_PORTAL_URL"] == "http://127.0.0.1:5055"
    names = [service.name for service in stack.services(config, env, "secret")]
    assert names == ["portal", "airflow", "dispatcher"]


def _started(config):
    """What `make run` does before starting Airflow: choose the admin's password, prepare .airflow/."""
    chosen = dataclasses.replace(config, airflow_password=airflow_env.admin_password(config))
    return chosen, airflow_env.prepare_airflow_home(chosen)


def _mode(path) -> int:
    return os.stat(path).st_mode & 0o777


def test_the_airflow_admin_gets_a_random_private_password_kept_across_starts(config):
    """Before: admin/admin for everyone (issue 11, point 8)."""
    first, secret = _started(config)
    stored = json.loads((config.airflow_home / "passwords.json").read_text())
    assert stored == {"admin": first.airflow_password} and len(first.airflow_password) >= 20
    assert first.airflow_password != "admin"
    assert first.airflow_password in stack.banner(first, 1.0)
    for name in ("passwords.json", "jwt_secret", "airflow.db"):
        assert _mode(config.airflow_home / name) == 0o600, name
    again, secret_again = _started(config)
    assert again.airflow_password == first.airflow_password and len(secret) >= 128 and secret_again == secret


def test_a_stack_that_had_admin_admin_gets_a_random_password(config):
    config.airflow_home.mkdir(parents=True)
    (config.airflow_home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
    started, _secret = _started(config)
    assert started.airflow_password != "admin"


def test_soglasie_airflow_password_still_chooses_it(tmp_path):
    environ = {"SOGLASIE_DATA_DIR": str(tmp_path / "var"), "SOGLASIE_AIRFLOW_PASSWORD": "chosen-by-the-team"}
    config = dataclasses.replace(stack_config.StackConfig.from_env(environ), repo=tmp_path)
    started, _secret = _started(config)
    assert started.airflow_password == "chosen-by-the-team"
    assert json.loads((config.airflow_home / "passwords.json").read_text()) == {"admin": "chosen-by-the-team"}


@pytest.mark.parametrize("bad", ["0", "70000", "http", "-1"])
def test_a_bad_port_is_refused_with_its_variable_named(bad):
    with pytest.raises(SystemExit, match="SOGLASIE_AIRFLOW_PORT"):
        stack_config.StackConfig.from_env({"SOGLASIE_AIRFLOW_PORT": bad, "SECRET_KEY": "k"})


def test_dot_airflow_is_git_ignored():
    assert "/.airflow/" in (REPO_ROOT / ".gitignore").read_text().split()


def _service(name, *argv):
    return sup.Service(name, [sys.executable, *argv], env={})


def test_stop_all_terms_each_group_and_kills_what_ignores_it(tmp_path):
    script = tmp_path / "stubborn.py"
    script.write_text(STUBBORN)
    supervisor = sup.Supervisor()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)
        polite = supervisor.start(_service("polite", "-c", "import signal; signal.pause()"), tmp_path)
        port = str(server.getsockname()[1])
        stubborn = supervisor.start(_service("stubborn", str(script), "parent", port), tmp_path)
        connection, _ = server.accept()  # the grandchild ignores SIGTERM from here on
        with connection:
            assert connection.recv(5) == b"ready"
    assert len(psutil.Process(stubborn.pid).children()) == 1
    assert supervisor.stop_all(grace=1.0) == ["stubborn"]
    assert not sup.group_alive(polite.pid) and not sup.group_alive(stubborn.pid)
    assert polite.returncode == -15 and stubborn.returncode == -9


def test_a_group_whose_last_process_is_a_zombie_counts_as_stopped(tmp_path):
    supervisor = sup.Supervisor()
    child = supervisor.start(_service("brief", "-c", "pass"), tmp_path)
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it has exited, and stays unreaped
    assert psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE
    assert not sup.group_alive(child.pid)
    assert supervisor.stop_all(grace=1.0) == [] and child.returncode == 0
