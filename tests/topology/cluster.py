"""The production topology on one machine, as real processes: PostgreSQL, Redis, the portal under gunicorn,
`soglasie dispatch`, the bot in webhook mode and (`start_airflow`) Airflow's components — started from the
process table (processes.py) with compose's variables, each in its own process group so a fault is a
`kill -9` of the group and teardown leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import select

from soglasie import schema
from soglasie.db import Database
from soglasie.demo import load_demo
from soglasie.models import User
from soglasie.tokens import create_token
from tests.support.postgres import PostgresCluster, _free_port
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.topology.processes import Process, by_service, command

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "tests" / "fixtures" / "rules"
SECRET_KEY = "topology-secret-key-" + "s" * 40
START_TIMEOUT = 90.0
# Every demo login gets a Telegram chat: each notification the workload causes flows to the fake Bot API.
CHAT_BASE = 8_000_000_000


@dataclass
class Running:
    """One started process of the table."""

    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """`kill -9` of its whole process group (gunicorn's master and workers, a CLI and its children)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(30)


def redis_server() -> str | None:
    """The redis-server binary (Debian's package), or None."""
    return shutil.which("redis-server")


@dataclass
class Topology:
    """Start with `start()`, stop with `stop()` (kills every process group it started)."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="soglasie-topology-")))
    processes: list[Running] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    chats: dict[str, int] = field(default_factory=dict)

    def start(self) -> "Topology":
        self.postgres = PostgresCluster()
        self.postgres.start()
        self.postgres.admin_sql("CREATE DATABASE soglasie", "CREATE DATABASE airflow")
        self.database_url = self.postgres.url("soglasie")
        self.redis_port = _free_port()
        self.redis = self._spawn("redis", [redis_server(), "--bind", "127.0.0.1", "--port", str(self.redis_port),
                                           "--dir", str(self.workdir), "--save", "", "--appendonly", "no"], {})
        self.fake = FakeBotApi().start()
        self._prepare_database()
        self.bot_port = _free_port()
        for replica in range(by_service("portal").replicas):
            port = _free_port()
            self.start_process(by_service("portal"), f"portal-{replica}", port, bind=f"127.0.0.1:{port}",
                               workers=2)
        for replica in range(by_service("dispatch").replicas):
            self.start_process(by_service("dispatch"), f"dispatch-{replica}")
        self.start_process(by_service("bot"), "bot", self.bot_port, listen="127.0.0.1")
        for running in self.processes:
            if running.port:
                self._wait_listening(running)
        return self

    # --- the application's database -------------------------------------------------------------

    def _prepare_database(self) -> None:
        """What `soglasie init --demo` does, then an API token and a Telegram chat for every demo login."""
        now = dt.datetime.now(dt.timezone.utc)
        database = Database.from_url(self.database_url)
        try:
            schema.upgrade(database)
            with database.write() as session:
                load_demo(session, now)
            with database.write() as session:
                for index, user in enumerate(session.scalars(select(User).order_by(User.id))):
                    user.telegram_chat_id = self.chats[user.login] = CHAT_BASE + index
            with database.write() as session:
                self.tokens = {login: create_token(session, login, now, "topology") for login in self.chats}
        finally:
            database.dispose()

    # --- processes -------------------------------------------------------------------------------

    def soglasie_env(self) -> dict[str, str]:
        """The values of compose's x-soglasie-env for this machine."""
        return {"DATABASE_URL": self.database_url, "SOGLASIE_DATA_DIR": str(self.workdir / "data"),
                "SOGLASIE_RULES_DIR": str(RULES_DIR), "SECRET_KEY": SECRET_KEY,
                "SOGLASIE_PORTAL_URL": "http://127.0.0.1", "SOGLASIE_TRUSTED_PROXIES": "0",
                "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": self.fake.base_url,
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.bot_port}/tg/hook", "TELEGRAM_WEBHOOK_SECRET": "",
                "TELEGRAM_BOT_USERNAME": "soglasie_test_bot"}

    def env_for(self, process: Process) -> dict[str, str]:
        """Exactly the table's variables (a name the table lists and we cannot fill is an error)."""
        values = {**self.soglasie_env(), **getattr(self, "airflow_values", {})}
        missing = [name for name in process.env if name not in values]
        assert not missing, f"{process.service}: no value for {missing}"
        return {name: values[name] for name in process.env}

    def start_process(self, process: Process, name: str, port: int | None = None, local: dict | None = None,
                      **template: object) -> Running:
        """Start one row of the table, its template fields filled in (`{port}` with `port`); `local`: what
        compose's container gives the process by itself (paths of the image, its own ports)."""
        argv = command(process, **{key: str(value) for key, value in {"port": port, **template}.items()})
        local = {**(self.airflow_local if process.service.startswith("airflow") else {}), **(local or {})}
        running = self._spawn(name, argv, {**self.env_for(process), **local}, port)
        self.processes.append(running)
        return running

    def _spawn(self, name: str, argv: list[str], env: dict[str, str], port: int | None = None) -> Running:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(argv, env={**self._base_env(), **env}, cwd=REPO, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return Running(name, popen, log, port)

    def _base_env(self) -> dict[str, str]:
        """The environment a container starts with: the venv's commands first, the checkout importable."""
        venv_bin = str(Path(sys.executable).parent)
        return {"PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(self.workdir),
                "LANG": "C.UTF-8", "PYTHONPATH": str(REPO)}

    def _wait_listening(self, running: Running) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:  # waiting for the port to open, not for time to pass
            assert running.popen.poll() is None, f"{running.name} exited: {running.log.read_text()[-3000:]}"
            try:
                socket.create_connection(("127.0.0.1", running.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{running.name} did not start listening: {running.log.read_text()[-3000:]}")

    def start_airflow(self) -> None:
        """compose's init job (`airflow db migrate`), then the table's Airflow components but the triggerer
        (no DAG defers): api-server, scheduler, dag-processor and the Celery workers."""
        from tests.topology import airflow_stack

        self.airflow_port = _free_port()
        self.airflow_values = airflow_stack.airflow_values(self, self.airflow_port)
        self.airflow_local = airflow_stack.local_values(self, self.airflow_port)
        migrate_env = {**self._base_env(), **self.soglasie_env(), **self.airflow_values, **self.airflow_local}
        airflow_stack.migrate(migrate_env, self.workdir / "airflow-init.log")
        api = self.start_process(by_service("airflow-apiserver"), "airflow-apiserver", self.airflow_port)
        self.start_process(by_service("airflow-scheduler"), "airflow-scheduler")
        self.start_process(by_service("airflow-dag-processor"), "airflow-dag-processor")
        for replica in range(by_service("airflow-worker").replicas):
            self.start_process(by_service("airflow-worker"), f"airflow-worker-{replica}",
                               local={"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port())})
        self._wait_listening(api)

    def named(self, prefix: str) -> list[Running]:
        """The running processes whose name starts with `prefix`."""
        return [running for running in self.processes if running.name.startswith(prefix)]

    def restart_postgres(self, while_down) -> object:
        """Stop PostgreSQL (connections are cut), call `while_down()`, start it again; its result."""
        self.postgres.stop_server()
        try:
            return while_down()
        finally:
            self.postgres.start_server()

    def api(self, replica: Running, method: str, path: str, login: str, **kwargs) -> requests.Response:
        """One REST call to a portal replica as `login`."""
        return requests.request(method, f"{replica.url}/api/v1{path}", timeout=60,
                                headers={"Authorization": f"Bearer {self.tokens[login]}"}, **kwargs)

    def stop(self) -> None:
        """Kill every process group, stop PostgreSQL and the fake, delete the files."""
        for running in [*self.processes, getattr(self, "redis", None)]:
            if running is not None:
                running.kill()
        if hasattr(self, "fake"):
            self.fake.stop()
        if hasattr(self, "postgres"):
            self.postgres.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def logs(self) -> str:
        """The tail of every process's log, for a failing assertion."""
        return "\n".join(f"--- {running.name}\n{running.log.read_text(errors='replace')[-2000:]}"
                         for running in self.processes)
