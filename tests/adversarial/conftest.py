"""The adversarial suite's world: one portal per module over a SQLite copy of the demo company, seeded with
cards of two departments, and the proof that a refused request changed nothing.

Every case sends one hostile request from outside (HTTP through the portal's WSGI stack, with a
Bearer token or a session cookie, never a service call), asserts the exact refusal, and compares
a dump of every table's rows and a SHA-256 of every file under the data directory taken before
and after. The only things left out of the dump are writes a refused request legitimately makes:

- `login_attempts`: a failed login is recorded on purpose (throttling counts guesses);
- `api_tokens.last_used_at`: a Bearer call notes when the token was last used, refused or not.

Tests in this folder run on SQLite only: the subject is the web layer's refusals, and one
module-wide database keeps the whole suite within seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.models import ApiToken, OutboxMessage, User
from soglasie.notifications.outbox import INBOX
from soglasie.services import absences
from soglasie.services.common import Upload
from soglasie.settings import Settings
from soglasie.tokens import create_token
from tests.conftest import T0
from tests.helpers import file_contract, file_request, open_task
from tests.support.files import pdf_bytes
from tests.support.rules import RULES_DIR
from tests.webapp.conftest import app, auth, bearer, client, clock, csrf_from  # noqa: F401 - the portal's fixtures
from webapp import create_app
from webapp.auth.identity import session_key

# A write the refused request legitimately makes, per table: None drops the table, a tuple the columns.
EXCLUDED = {"login_attempts": None, "api_tokens": ("last_used_at",)}
LOGINS = ("admin", "ops", "finance", "chief", "accountant", "signer", "mhead", "memployee", "phead", "pemployee")
MAX_UPLOAD = 256 * 1024  # small, so that "too large" is cheap to send


@dataclass
class World:
    """The portal, its database and data directory, demo users' tokens and the seeded ids."""

    app: object
    core: Core
    database: Path
    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def bearer(self, login: str) -> dict[str, str]:
        """The Authorization header of `login`'s token."""
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def cookie_client(self, login: str):
        """A test client logged in as `login` by its session cookie, and the CSRF token its pages carry."""
        browser = self.app.test_client()
        token = csrf_from(browser.get("/login").get_data(as_text=True))
        with self.core.db.read() as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            key = f"{user.id}:{session_key(user)}"
        with browser.session_transaction() as sess:
            sess["_user_id"], sess["_fresh"] = key, True
        return browser, token

    def snapshot(self) -> dict:
        """Every table's rows (sorted) and every data file's SHA-256, less the EXCLUDED writes."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            tables = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            dump = {}
            for table in tables:
                if table in EXCLUDED and EXCLUDED[table] is None:
                    continue
                cursor = connection.execute(f'SELECT * FROM "{table}"')
                names = [column[0] for column in cursor.description]
                keep = [i for i, name in enumerate(names) if name not in (EXCLUDED.get(table) or ())]
                dump[table] = sorted(repr(tuple(row[i] for i in keep)) for row in cursor)
        finally:
            connection.close()
        files = {str(path.relative_to(self.data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
                 for path in sorted(self.data_dir.rglob("*")) if path.is_file()} if self.data_dir.exists() else {}
        return {"tables": dump, "files": files}


def changed(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots: table names and file paths."""
    tables = [name for name in set(before["tables"]) | set(after["tables"])
              if before["tables"].get(name) != after["tables"].get(name)]
    files = [name for name in set(before["files"]) | set(after["files"])
             if before["files"].get(name) != after["files"].get(name)]
    return sorted(tables) + sorted(files)


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template) -> World:
    """The module's portal: marketing and purchasing cards, a contract, tasks, notifications, tokens."""
    root = tmp_path_factory.mktemp("adversarial")
    database = root / "soglasie.db"
    shutil.copy(sqlite_template, database)
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=root / "data", rules_dir=RULES_DIR,
                        secret_key="adversarial-secret-key-0123456789abcdef", max_upload_bytes=MAX_UPLOAD)
    core = Core.from_settings(settings)
    portal = create_app({"SOGLASIE_CORE": core, "SOGLASIE_CLOCK": lambda: T0 + dt.timedelta(hours=1)})
    made = World(app=portal, core=core, database=database, data_dir=settings.data_dir)
    with core.db.read() as session:
        made.users = {user.login: user.id for user in session.scalars(select(User))}
    with core.db.write() as session:
        made.tokens = {login: create_token(session, login, T0, "adversarial") for login in LOGINS}
    _seed(made)
    yield made
    core.db.dispose()


def _seed(world: World) -> None:
    """A marketing request (at mhead), a purchasing request (at phead), a marketing contract."""
    core, users = world.core, world.users
    invoice = Upload(pdf_bytes("invoice"), "invoice.pdf")
    world.ids["marketing_card"] = file_request(core, users, invoice, who="memployee")
    world.ids["purchasing_card"] = file_request(core, users, invoice, who="pemployee")
    world.ids["marketing_contract"] = file_contract(core, users, who="memployee")
    world.ids["marketing_task"] = open_task(core, users, world.ids["marketing_card"], "head_approval")["id"]
    world.ids["purchasing_task"] = open_task(core, users, world.ids["purchasing_card"], "head_approval")["id"]
    world.ids["marketing_attachment"] = _first_attachment(core, users, world.ids["marketing_card"])
    world.ids["mhead_absence"] = absences.record_absence(
        core, users["mhead"], T0, absences.AbsenceInput("2026-12-20", "2026-12-22", "ops"))["id"]
    with core.db.read() as session:
        world.ids["mhead_note"] = session.scalar(select(func.min(OutboxMessage.id)).where(
            OutboxMessage.recipient_id == users["mhead"], OutboxMessage.channel == INBOX))
        world.ids["mhead_token"] = session.scalar(select(ApiToken.id).where(ApiToken.user_id == users["mhead"]))


def _first_attachment(core, users, card_id: int) -> int:
    from tests.helpers import card

    return card(core, users, card_id)["attachments"][0]["id"]


@pytest.fixture
def refused(world):
    """Send one request and assert its exact refusal and that nothing at all changed.

    `send` is a function of the world returning a response; `status` the exact status; `field`
    and `code` (when given) the JSON error body's keys.
    """
    def check(send, status: int, field: object = ..., code: str | None = None):
        before = world.snapshot()
        response = send(world)
        body = response.get_data(as_text=True)
        assert response.status_code == status, body[:500]
        if field is not ...:
            assert response.get_json()["field"] == field, body[:500]
        if code is not None:
            assert response.get_json()["code"] == code, body[:500]
        assert changed(before, world.snapshot()) == []
        return response
    return check
