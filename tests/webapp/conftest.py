"""Portal fixtures that compose, as in Flask's tutorial: app → client → auth helper.

The app shares the test's `core` (so each test runs on SQLite and on PostgreSQL) and reads
time from a `clock` the test may move. CSRF stays on: the helper sends the token like a
browser does, and tests that leave it out see the refusal.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from soglasie.models import User
from soglasie.services import actions
from soglasie.tokens import create_token
from tests.conftest import T0
from tests.helpers import file_request, open_task
from tests.support.files import pdf_bytes
from webapp import create_app
from webapp.auth.identity import session_key

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


class Clock:
    """The portal's clock: `now` is what every request sees; `advance` moves it."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def sqlite_database(sqlite_template, tmp_path) -> str:
    """A fresh SQLite copy of the demo database, for modules that check only the web layer.

    A module that binds `database_url` to it runs once instead of on both backends: its
    subject (escaping, CSRF, headers, translations, form mapping) does not depend on the SQL.
    """
    import shutil

    path = tmp_path / "soglasie.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def app(core, clock):
    return create_app({"SOGLASIE_CORE": core, "TESTING": True, "SOGLASIE_CLOCK": clock})


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    """The CSRF token a page carries (hidden input or meta tag)."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


class Auth:
    """Log a test client in as a demo user and send forms and API calls with the CSRF token."""

    def __init__(self, client, core, users):
        self.client, self.core, self.users = client, core, users
        self.token: str | None = None

    def login(self, login: str):
        """Become `login` (a session as after the login form, without the slow password hash)."""
        with self.client.session_transaction() as sess:
            sess.clear()
        self.token = csrf_from(self.client.get("/login").get_data(as_text=True))
        with self.core.db.read() as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            key = f"{user.id}:{session_key(user)}"
        with self.client.session_transaction() as sess:
            sess["_user_id"], sess["_fresh"] = key, True
        return self

    def login_with_form(self, login: str, password: str = "demo"):
        """Log in through the real form; returns the response."""
        with self.client.session_transaction() as sess:
            sess.clear()
        self.token = csrf_from(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"login": login, "password": password, "csrf_token": self.token})

    def post(self, url: str, data: dict | None = None, **kwargs):
        """A form POST carrying the CSRF token."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def api(self, method: str, url: str, **kwargs):
        """An API call on the session, with the CSRF header a page's script would send."""
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)


@pytest.fixture
def auth(client, core, users) -> Auth:
    return Auth(client, core, users)


@pytest.fixture
def bearer(core):
    """A function: login → Authorization headers with a fresh API token."""
    def make(login: str) -> dict[str, str]:
        with core.db.write() as session:
            return {"Authorization": f"Bearer {create_token(session, login, T0, 'tests')}"}
    return make


@pytest.fixture
def filed(core, users, invoice) -> int:
    """A payment request filed by memployee (marketing), waiting at head_approval for mhead."""
    return file_request(core, users, invoice)


def pdf_file(name: str = "invoice.pdf", text: str = "invoice"):
    """A (stream, name) pair for a multipart upload of a small valid PDF."""
    import io

    return io.BytesIO(pdf_bytes(text)), name


def drive_to(core, users, card_id: int, stage: str, now=T0) -> None:
    """Move a fresh request forward through the services until it stands at `stage`."""
    order = ["head_approval", "finance_review", "payment"]
    for current in order[:order.index(stage)]:
        task = open_task(core, users, card_id, current, now=now)
        actions.approve(core, users[task["assignee"]], task["id"], now)
