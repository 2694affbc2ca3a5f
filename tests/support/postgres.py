"""A throwaway PostgreSQL cluster for the tests, started with initdb/pg_ctl on a free port.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
`postgres` system user (via runuser), in a directory under /tmp that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """The machine has no PostgreSQL server binaries we can run."""


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresUnavailable("pg_ctl/initdb not found: install PostgreSQL (apt install postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_orphans(bindir: Path, as_postgres: bool) -> None:
    """Stop clusters whose test process died without its teardown (a crash, a kill -9)."""
    for base in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((base / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _pid_alive(owner):
            continue
        command = [str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "stop"]
        if as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


PREFIX = "soglasie-pg-"


class PostgresCluster:
    """initdb + pg_ctl start/stop; `url(dbname)` gives a SQLAlchemy URL."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        stop_orphans(self.bindir, os.geteuid() == 0)
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.base / "owner.pid").write_text(str(os.getpid()))
        self.datadir = self.base / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        """Create the cluster and start the server (fsync off: it is thrown away)."""
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8")
        self.start_server()

    def start_server(self) -> None:
        """Start the server of the existing cluster (again, after `stop_server`)."""
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.base / "server.log"),
                  "-w", "-t", "60", "start")

    def stop_server(self) -> None:
        """Stop the server as an operator's restart does ("fast": open connections are cut), keeping the files."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop")

    def stop(self) -> None:
        """Stop the server and delete its files."""
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL for a database of this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin_sql(self, *statements: str) -> None:
        """Run statements outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)


@contextmanager
def throwaway_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database for a benchmark: a SQLite file in `directory`, or a
    database of a PostgreSQL cluster started for it and stopped afterwards."""
    if backend != "postgresql":
        yield f"sqlite:///{directory / 'bench.db'}"
        return
    cluster = PostgresCluster()
    cluster.start()
    try:
        cluster.admin_sql("CREATE DATABASE bench")
        yield cluster.url("bench")
    finally:
        cluster.stop()
