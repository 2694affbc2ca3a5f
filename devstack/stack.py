"""`make run`: start the portal, Airflow standalone and the dispatcher, wait until they answer, stop all on Ctrl-C."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import time
from typing import Mapping

from devstack.airflow_env import DAG_IDS, admin_password, airflow_env, prepare_airflow_home
from devstack.config import StackConfig, base_env
from devstack.supervisor import POLL_S, Interrupted, Service, Supervisor, wait_until_up
from soglasie.demo import DEMO_PASSWORD, USERS

DEMO_CREATED = "Demo company loaded"  # what `soglasie init --demo` prints when it has just created the company


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
        f"              login: {config.airflow_user} / {config.airflow_password} (kept in "
        f"{home / 'passwords.json'}, mode 0600); DAGs: {', '.join(DAG_IDS)}",
        f"              log: {home / 'standalone.log'}",
        ("  Dispatcher  soglasie bot (Telegram: buttons and instant delivery)" if config.settings.telegram_enabled
         else "  Dispatcher  soglasie dispatch (set TELEGRAM_BOT_TOKEN to run the Telegram bot instead)"),
        f"  Database    {config.settings.database_url}",
        "Press Ctrl-C to stop everything.",
        "",
    ])


def init_database(config: StackConfig, env: dict[str, str]) -> None:
    """Create or upgrade the schema and load the demo company (both idempotent).

    On the first start — the demo company was just created — it is given a past
    (`soglasie demo history`: six months of requests lived through the services), so the board,
    the card histories and the analytics open on real numbers. Later starts leave the data alone.
    """
    soglasie = str(config.bin_dir / "soglasie")
    init = subprocess.run([soglasie, "init", "--demo"], env=env, cwd=config.repo, check=True, capture_output=True,
                          text=True)
    print(init.stdout, end="", flush=True)
    if DEMO_CREATED in init.stdout:
        print("first start: filling the demo company with six months of history (one to two minutes)…", flush=True)
        subprocess.run([soglasie, "demo", "history"], env=env, cwd=config.repo, check=True)


def supervise(config: StackConfig, supervisor: Supervisor, env: dict[str, str]) -> int:
    """Start everything, wait until it answers, then watch until Ctrl-C or a child dies."""
    started = time.monotonic()
    config = dataclasses.replace(config, airflow_password=admin_password(config))
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
