"""Sessions and login under attack (issue 11, point 1): old cookies, old tokens, redirects, guessing.

Each test names the defect it guards against; where the database matters (epochs, throttling,
token bookkeeping) it runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import event, select

from soglasie.models import ApiToken, LoginAttempt, TelegramLink, User
from soglasie.services import admin, profile
from tests.conftest import T0
from tests.webapp.conftest import csrf_from


def _login(client, login: str, password: str = "demo", environ=None, **fields):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token, **fields},
                       environ_base=environ or {})


def _cookie(client) -> str:
    return client.get_cookie("soglasie_session").value


def _with_cookie(app, value: str):
    """Another browser holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie("soglasie_session", value)
    return other


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _update(core, users, login: str, now=T0, **changes) -> None:
    """The admin saves `login`'s user page with `changes` (everything else as it is)."""
    row = admin.get_user(core, users["admin"], users[login])
    values = {"name": row["name"], "email": row["email"], "department_id": row["department_id"],
              "roles": row["roles"], "locale": row["locale"], "active": row["active"], **changes}
    admin.update_user(core, users["admin"], users[login], now, **values)


def test_a_cookie_copied_before_logout_no_longer_works_after_it(app, client):
    assert _login(client, "memployee").status_code == 302
    copy = _with_cookie(app, _cookie(client))
    assert _logged_in(copy)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert not _logged_in(copy)
    assert _login(client, "memployee").status_code == 302 and _logged_in(client)  # a new login works


def _linked_with_token_and_open_link(core, users) -> str:
    with core.db.write() as session:  # a linked chat and a deep link not used yet
        session.get(User, users["memployee"]).telegram_chat_id = 7_100_000_001
        session.add(TelegramLink(user_id=users["memployee"], token_hash="0" * 64, created_at=T0,
                                 expires_at=T0 + dt.timedelta(hours=1)))
    return profile.create_api_token(core, users["memployee"], T0, "laptop")


@pytest.mark.parametrize("change", [{"active": False}, {"password": "a-brand-new-one"}])
def test_deactivation_and_a_password_reset_end_cookies_tokens_and_telegram(app, client, core, users, change):
    _login(client, "memployee")
    token = _linked_with_token_and_open_link(core, users)
    headers = {"Authorization": f"Bearer {token}"}
    _update(core, users, "memployee", **change)
    _update(core, users, "memployee", active=True)  # reactivated: nothing old comes back
    assert not _logged_in(client) and not _logged_in(_with_cookie(app, _cookie(client)))
    assert client.get("/api/v1/cost-items", headers=headers).status_code == 401
    with core.db.read() as session:
        user = session.get(User, users["memployee"])
        assert user.telegram_chat_id is None
        assert session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id)).all() == [T0]
        assert None not in session.scalars(select(TelegramLink.used_at).where(TelegramLink.user_id == user.id))


def test_saving_a_user_without_a_reset_keeps_his_sessions_and_tokens(client, core, users):
    _login(client, "memployee")
    token = _linked_with_token_and_open_link(core, users)
    _update(core, users, "memployee", name="Максим Петров")
    assert _logged_in(client)
    assert client.get("/api/v1/cost-items", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- throttling ---------------------------------------------------------------------------------


def test_parallel_guesses_all_count(app, core):
    """Before: each guess read the counter, checked the password, then wrote: 12 at once all got through."""
    app.config["SOGLASIE_LOGIN_LIMIT"] = 5
    clients = [app.test_client() for _ in range(12)]
    tokens = [csrf_from(client.get("/login").get_data(as_text=True)) for client in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def guess(client, token):
        start.wait()
        statuses.append(client.post("/login", data={"login": "mhead", "password": "wrong", "csrf_token": token},
                                    environ_base={"REMOTE_ADDR": f"10.1.0.{len(statuses) + 1}"}).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [401] * 5 + [429] * 7
    with core.db.read() as session:
        assert len(session.scalars(select(LoginAttempt).where(LoginAttempt.key == "login:mhead")).all()) == 5


def test_a_busy_address_slows_down_but_never_locks_the_right_password_out(app, client, clock):
    app.config.update(SOGLASIE_LOGIN_IP_LIMIT=6, SOGLASIE_LOGIN_IP_DELAY_SECONDS=10)
    for index in range(6):
        assert _login(client, f"user{index}", "guess").status_code == 401
    busy = _login(client, "memployee")
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "10"
    assert "10" in busy.get_data(as_text=True)
    clock.advance(seconds=10)
    assert _login(client, "memployee").status_code == 302  # the office colleague gets in


def test_a_locked_login_answers_retry_after_in_seconds(client):
    for _ in range(5):
        _login(client, "memployee", "wrong")
    locked = _login(client, "memployee")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == str(15 * 60)


# --- Bearer tokens do not write on every read ---------------------------------------------------


class Writes:
    """Counts the statements that write or take SQLite's write lock on the core's engine."""

    def __init__(self, engine):
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)
        self.engine = engine

    def _seen(self, _conn, _cursor, statement, *_args):
        words = statement.lstrip().upper()
        if words.startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")):
            self.statements.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def writes(core):
    counter = Writes(core.db.engine)
    yield counter
    counter.close()


def test_a_get_with_a_recently_used_token_does_not_write(client, core, users, clock, writes):
    token = profile.create_api_token(core, users["memployee"], T0, "script")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cost-items", headers=headers).status_code == 200  # first use: noted
    assert any("api_tokens" in statement for statement in writes.statements)
    writes.statements.clear()
    clock.advance(minutes=4)
    for _ in range(3):
        assert client.get("/api/v1/cost-items", headers=headers).status_code == 200
    assert writes.statements == []
    clock.advance(minutes=2)
    client.get("/api/v1/cost-items", headers=headers)
    noted = profile.list_tokens(core, users["memployee"])[0]["last_used_at"]
    assert dt.datetime.fromisoformat(noted) == T0 + dt.timedelta(minutes=6)
