"""A throwaway live portal: `soglasie serve` on 127.0.0.1 over a temporary SQLite database with the demo company.

A real server in its own process, reached over HTTP only — what the fuzzer, the adversarial
suite and the bench script talk to. The database and the tokens are made in this process with
the very functions `soglasie init --demo` and `soglasie token create` call (a CLI process costs
seconds to start on a busy machine); a migrated template can be copied instead of migrating.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from soglasie import schema
from soglasie.db import Database
from soglasie.demo import load_demo
from soglasie.tokens import create_token
from tests.support.files import pdf_bytes
from tests.support.postgres import _free_port

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


class LivePortal:
    """The portal as an operator runs it, with the demo company and one API token per login asked for."""

    def __init__(self, workdir: Path, rules_dir: Path, logins: tuple[str, ...], template: Path | None = None):
        self.workdir, self.logins, self.template = workdir, logins, template
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'soglasie.db'}",
                    "SOGLASIE_DATA_DIR": str(workdir / "data"), "SOGLASIE_RULES_DIR": str(rules_dir),
                    "SOGLASIE_PORTAL_URL": self.base_url, "SECRET_KEY": "live-portal-secret-key-" + "k" * 32}
        for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL"):
            self.env.pop(name, None)  # Telegram stays off
        self.tokens: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    @property
    def database_path(self) -> Path:
        return self.workdir / "soglasie.db"

    def _create_database(self) -> None:
        """`soglasie init --demo` (or a copy of a migrated demo template), then one token per login."""
        now = dt.datetime.now(dt.timezone.utc)
        if self.template is not None:
            shutil.copy(self.template, self.database_path)
        database = Database.from_url(self.env["DATABASE_URL"])
        try:
            if self.template is None:
                schema.upgrade(database)
                with database.write() as session:
                    load_demo(session, now)
            with database.write() as session:
                self.tokens = {login: create_token(session, login, now, "fuzz") for login in self.logins}
        finally:
            database.dispose()

    def start(self) -> "LivePortal":
        """Create the database and the tokens, start the server and wait until it answers."""
        self._create_database()
        self.log = (self.workdir / "portal.log").open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "soglasie", "serve", "--port", str(self.port)],
                                        env=self.env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:  # waiting for the port to open, not for time to pass
            assert self.process.poll() is None, f"the portal exited: {self.log_text()}"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the portal did not start listening")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then wait)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.log.close()

    def log_text(self) -> str:
        """What the server printed (tracebacks of any 500)."""
        return (self.workdir / "portal.log").read_text(errors="replace")

    def headers(self, login: str) -> dict[str, str]:
        """The Authorization header of `login`'s token."""
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def api(self, method: str, path: str, login: str, **kwargs) -> requests.Response:
        """One API call as `login`."""
        return requests.request(method, f"{self.base_url}/api/v1{path}", headers=self.headers(login),
                                timeout=30, **kwargs)

    def seed(self, cards: int = 3) -> dict[str, list[int]]:
        """A few payment requests and a contract filed through the API: ids for the fuzzer to act on."""
        card_ids = []
        for number in range(cards):
            answer = self.api("POST", "/payment-requests", "memployee", data={
                "counterparty_inn": "7701526010", "amount": f"{1000 + number}.00", "cost_item": "PACK"},
                files={"invoice": ("invoice.pdf", pdf_bytes(f"invoice {number}"), "application/pdf")})
            assert answer.status_code == 201, answer.text
            card_ids.append(answer.json()["id"])
        answer = self.api("POST", "/contracts", "pemployee", data={
            "counterparty_inn": "7701526010", "subject": "Supply", "amount": "50000.00",
            "valid_from": "2026-01-01", "valid_to": "2030-12-31"},
            files={"document": ("contract.pdf", pdf_bytes("contract"), "application/pdf")})
        assert answer.status_code == 201, answer.text
        card_ids.append(answer.json()["id"])
        task_ids = [task["id"] for login in ("mhead", "phead")
                    for task in self.api("GET", "/tasks", login).json()["items"]]
        return {"card_id": card_ids, "task_id": task_ids}
