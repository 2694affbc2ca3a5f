"""Children in their own process groups, and stopping every group: SIGTERM, then SIGKILL after a grace period.

Ctrl-C (SIGINT) is never passed on: SIGINT makes `airflow standalone` 3.3 hang in its LocalExecutor
shutdown and leaves orphaned workers behind, so the supervisor only notes the request and then
terminates each group itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

STARTUP_TIMEOUT_S = 180.0
STOP_GRACE_S = 30.0
POLL_S = 0.5


@dataclass(frozen=True)
class Service:
    """One long-running child: how to start it and where its output goes (None: this terminal)."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(repr=False)
    log: Path | None = None


def group_members(pgid: int) -> list[psutil.Process]:
    """The processes left in a group, zombies aside (they wait for a reaper, not for us)."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(process.pid) == pgid:
                members.append(process)
        except (OSError, psutil.Error):
            continue  # it ended while we looked
    return members


def group_alive(pgid: int) -> bool:
    """True while any non-zombie process is left in the group."""
    return bool(group_members(pgid))


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
