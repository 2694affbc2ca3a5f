"""`make run`: the embedded stack on one machine — the portal, Airflow standalone and the dispatcher.

It only starts processes (the core imports neither Airflow nor Flask): `soglasie init --demo`,
then each service in its own process group, so that stopping is reliable. Ctrl-C (SIGINT) is
never passed on to Airflow: SIGINT makes `airflow standalone` 3.3 hang in its LocalExecutor
shutdown and leaves orphaned workers behind; every group gets SIGTERM, then SIGKILL after a
grace period.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from soglasie.demo import DEMO_PASSWORD, USERS
from soglasie.settings import REPO_ROOT, Settings

DAG_IDS = ("sla_sweep", "accounting_tasks", "notification_dispatch", "morning_digest")
STARTUP_TIMEOUT_S = 180.0
STOP_GRACE_S = 30.0
POLL_S = 0.5


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
    airflow_password: str = "admin"
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


@dataclass(frozen=True)
class Service:
    """One long-running child: how to start it and where its output goes (None: this terminal)."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(repr=False)
    log: Path | None = None


def services(config: StackConfig, env: dict[str, str], jwt_secret: str) -> list[Service]:
    """The portal, Airflow standalone and the dispatcher, in start order."""
    python, soglasie = str(config.bin_dir / "python"), str(config.bin_dir / "soglasie")
    portal = [python, "-m", "webapp", "--host", config.portal_host, "--port", str(config.portal_port)]
    return [
        Service("portal", portal, env),
        Service("airflow", [str(config.bin_dir / "airflow"), "standalone"], {**env, **airflow_env(config, jwt_secret)},
                log=config.airflow_home / "standalone.log"),
        # With a bot token the bot itself drains the outbox (and takes button presses);
        # without one the dispatcher runs, ready for when a channel is configured.
        Service("dispatcher", [soglasie, "bot" if config.settings.telegram_enabled else "dispatch"], env),
    ]


def check_ports_free(config: StackConfig) -> None:
    """Fail early, naming the variable to change, when a port is already taken."""
    for name, host, port in (("SOGLASIE_PORTAL_PORT", config.portal_host, config.portal_port),
                             ("SOGLASIE_AIRFLOW_PORT", config.airflow_host, config.airflow_port)):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                raise SystemExit(f"make run: {host}:{port} is already in use; set {name} to another port") from None


def group_alive(pgid: int) -> bool:
    """True while any non-zombie process is left in the group (zombies wait for a reaper, not for us)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived: time to stop everything."""


class Supervisor:
    """Starts children in their own process groups and stops every group it started."""

    def __init__(self) -> None:
        self.children: list[tuple[Service, subprocess.Popen]] = []
        self.stop_signal: str | None = None

    def request_stop(self, signum, _frame=None) -> None:
        """Signal handler: only note the request, so that no start is cut in half and left untracked."""
        self.stop_signal = signal.Signals(signum).name

    def check_stop(self) -> None:
        """Raise Interrupted once a stop was requested."""
        if self.stop_signal:
            raise Interrupted(self.stop_signal)

    def start(self, service: Service, cwd: Path) -> subprocess.Popen:
        """Start one service in a new session (its own process group, away from the terminal's Ctrl-C)."""
        out = open(service.log, "w") if service.log else None
        try:
            process = subprocess.Popen(service.argv, env=service.env, cwd=cwd, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True)
        finally:
            if out:
                out.close()  # the child holds its own copy of the descriptor
        self.children.append((service, process))
        return process

    def exited(self) -> list[tuple[str, int]]:
        """Services whose main process has ended, with exit codes."""
        return [(service.name, process.returncode) for service, process in self.children if process.poll() is not None]

    def stop_all(self, grace: float = STOP_GRACE_S) -> list[str]:
        """SIGTERM every group, wait up to `grace` seconds, SIGKILL what is left; returns the killed names."""
        for _service, process in reversed(self.children):
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self._alive():
            time.sleep(0.2)
        killed = [service.name for service, process in self.children if group_alive(process.pid)]
        for _service, process in self.children:
            _signal_group(process.pid, signal.SIGKILL)
        for _service, process in self.children:
            process.wait()
        return killed

    def _alive(self) -> bool:
        for _service, process in self.children:
            process.poll()  # reap our own child so it does not linger as a zombie of the group
        return any(group_alive(process.pid) for _service, process in self.children)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def answers(url: str) -> bool:
    """True when `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(supervisor: Supervisor, checks: dict[str, str], timeout: float = STARTUP_TIMEOUT_S) -> None:
    """Poll each service's health URL until all answer; fail if a child dies or time runs out."""
    pending = dict(checks)
    deadline = time.monotonic() + timeout
    while pending:
        supervisor.check_stop()
        if dead := supervisor.exited():
            raise RuntimeError("exited during start-up: " + ", ".join(f"{name} (exit {code})" for name, code in dead))
        if time.monotonic() > deadline:
            raise RuntimeError("not answering after {:.0f} s: {}".format(timeout, ", ".join(pending)))
        for name, url in list(pending.items()):
            if answers(url):
                print(f"  {name} is up: {url}", flush=True)
                del pending[name]
        time.sleep(POLL_S)


def banner(config: StackConfig, started_in: float) -> str:
    """What to open and how to log in."""
    logins = ", ".join(login for login, *_ in USERS)
    home = config.airflow_home
    return "\n".join([
        "",
        f"Soglasie is running (up in {started_in:.0f} s).",
        f"  Portal      {config.portal_url}",
        f"              logins: {logins}; password: {DEMO_PASSWORD}",
        f"  Airflow     {config.airflow_url}",
        f"              login: {config.airflow_user} / {config.airflow_password}; DAGs: {', '.join(DAG_IDS)}",
        f"              log: {home / 'standalone.log'}",
        ("  Dispatcher  soglasie bot (Telegram: buttons and instant delivery)" if config.settings.telegram_enabled
         else "  Dispatcher  soglasie dispatch (set TELEGRAM_BOT_TOKEN to run the Telegram bot instead)"),
        f"  Database    {config.settings.database_url}",
        "Press Ctrl-C to stop everything.",
        "",
    ])


def init_database(config: StackConfig, env: dict[str, str]) -> None:
    """Create or upgrade the schema and load the demo company (both idempotent)."""
    subprocess.run([str(config.bin_dir / "soglasie"), "init", "--demo"], env=env, cwd=config.repo, check=True)


def supervise(config: StackConfig, supervisor: Supervisor, env: dict[str, str]) -> int:
    """Start everything, wait until it answers, then watch until Ctrl-C or a child dies."""
    started = time.monotonic()
    jwt_secret = prepare_airflow_home(config)
    for service in services(config, env, jwt_secret):
        supervisor.check_stop()
        process = supervisor.start(service, config.repo)
        print(f"started {service.name} (pid {process.pid})" + (f", output in {service.log}" if service.log else ""),
              flush=True)
    print("waiting for the portal and Airflow to answer (Airflow takes 15–60 s)…", flush=True)
    wait_until_up(supervisor, {"portal": f"{config.portal_url}/healthz",
                               "airflow": f"{config.airflow_url}/api/v2/monitor/health"})
    print(banner(config, time.monotonic() - started), flush=True)
    while not supervisor.exited():
        supervisor.check_stop()
        time.sleep(POLL_S)
    print("stopping: " + ", ".join(f"{name} exited with {code}" for name, code in supervisor.exited()), flush=True)
    return 1


def main(environ: Mapping[str, str] | None = None) -> int:
    """Run the stack until Ctrl-C; every process started here is stopped before returning."""
    environ = dict(os.environ if environ is None else environ)
    config = StackConfig.from_env(environ)
    if not (config.bin_dir / "airflow").exists():
        raise SystemExit(f"make run: no `airflow` in {config.bin_dir}; run `make setup` (apache-airflow is pinned)")
    check_ports_free(config)
    env = base_env(config, environ)
    try:
        init_database(config, env)
    except KeyboardInterrupt:
        return 130
    except subprocess.CalledProcessError as error:
        print(f"make run: `soglasie init --demo` failed (exit {error.returncode}); nothing was started", flush=True)
        return 1
    supervisor = Supervisor()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.request_stop)
    code = 1
    try:
        code = supervise(config, supervisor, env)
    except Interrupted as stop:
        print(f"\n{stop}: stopping the portal, Airflow and the dispatcher...", flush=True)
        code = 0
    except RuntimeError as error:
        print(f"make run: {error}; see the output above and {config.airflow_home / 'standalone.log'}", flush=True)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        began = time.monotonic()
        killed = supervisor.stop_all()
        forced = f"; killed after the grace period: {', '.join(killed)}" if killed else ""
        print(f"stopped everything in {time.monotonic() - began:.1f} s{forced}", flush=True)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
