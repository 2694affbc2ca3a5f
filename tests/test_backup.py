"""Backups that restore: a snapshot taken during concurrent transitions restores to the source at that instant."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading

import pytest
from sqlalchemy import select

from soglasie.cli import main
from soglasie.core import Core
from soglasie.models import Attachment, Card, Task, TimelineEvent
from soglasie.services import actions
from soglasie.services.audit import verify_timeline
from soglasie.services.backup import MANIFEST, BackupError, backup, restore, verify
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.helpers import file_request
from tests.support.files import pdf_bytes

THREADS = 3
WARM_UP_OPERATIONS = 6  # committed before the backup starts
AFTER_BACKUP_OPERATIONS = 3  # committed after it ended: the source moved on past the snapshot


def _rows(session, model, card_id: int) -> list[dict]:
    table = model.__table__
    column = table.c.id if model is Card else table.c.card_id
    return [dict(row) for row in session.execute(select(table).where(column == card_id)
                                                 .order_by(table.c.id)).mappings()]


def card_state(core: Core, card_id: int) -> dict:
    """Everything a backup must keep of a card: its row, tasks, timeline (with the chain) and attachments."""
    with core.db.read() as session:
        return {model.__tablename__: _rows(session, model, card_id)
                for model in (Card, Task, TimelineEvent, Attachment)}


class Load:
    """Threads that each file their own cards and approve them, recording each card's state after every commit.

    A card is only ever written by the thread that filed it, so the state it reads right after
    its own commit is the card as of that commit: `states[card][n]` is the card when its
    timeline had n rows — what the source was at any instant a snapshot may have caught.
    """

    def __init__(self, core: Core, users: dict[str, int]):
        self.core, self.users = core, users
        self.states: dict[int, dict[int, dict]] = {}
        self.errors: list[BaseException] = []
        self.operations = 0
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._work, args=(number,)) for number in range(THREADS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def wait_for(self, operations: int) -> None:
        """Block until that many operations committed (or a thread failed)."""
        with self.changed:
            self.changed.wait_for(lambda: self.operations >= operations or self.errors, timeout=120)
        assert not self.errors, self.errors

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)
        assert not self.errors, self.errors

    def _work(self, number: int) -> None:
        try:
            serial = 0
            while not self.stop.is_set():
                serial += 1
                invoice = Upload(pdf_bytes(f"invoice {number}-{serial}"), f"invoice-{number}-{serial}.pdf")
                card_id = file_request(self.core, self.users, invoice, comment=f"load {number}-{serial}")
                self._committed(card_id)
                for stage in ("head_approval", "finance_review"):
                    if self.stop.is_set():
                        break
                    self._approve(card_id, stage)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            with self.changed:
                self.errors.append(error)
                self.changed.notify_all()

    def _approve(self, card_id: int, stage: str) -> None:
        with self.core.db.read() as session:
            task_id, assignee_id = session.execute(select(Task.id, Task.assignee_id).where(
                Task.card_id == card_id, Task.stage == stage, Task.status.in_(("open", "started")))).one()
        actions.approve(self.core, assignee_id, task_id, T0)
        self._committed(card_id)

    def _committed(self, card_id: int) -> None:
        state = card_state(self.core, card_id)
        with self.changed:
            self.states.setdefault(card_id, {})[len(state["timeline_events"])] = state
            self.operations += 1
            self.changed.notify_all()


@pytest.fixture
def empty_target(request, database_url, tmp_path):
    """Settings pointing at an empty database of the same backend and an empty data directory."""
    def make(name: str = "restored"):
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / (name + '.db')}"
        else:
            cluster = request.getfixturevalue("postgres_cluster")
            database = f"{name}_{os.getpid()}_{len(made)}"
            cluster.admin_sql(f"CREATE DATABASE {database}")
            request.addfinalizer(lambda: cluster.admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            url = cluster.url(database)
        made.append(url)
        return request.getfixturevalue("settings").with_overrides(database_url=url,
                                                                   data_dir=tmp_path / f"{name}-data")
    made: list[str] = []
    return make


def _timeline_rows(core: Core) -> int:
    with core.db.read() as session:
        return len(session.scalars(select(TimelineEvent.id)).all())


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_during_concurrent_transitions_restores_every_card_as_it_was_at_the_snapshot(
        core, users, invoice, tmp_path, empty_target):
    load = Load(core, users)
    load.start()
    try:
        load.wait_for(WARM_UP_OPERATIONS)
        result = backup(core.settings, tmp_path / "backup", T0)
        load.wait_for(load.operations + AFTER_BACKUP_OPERATIONS)
    finally:
        load.finish()
    assert verify(result.directory) is None
    target = empty_target()
    restore(target, result.directory)
    restored = Core.from_settings(target)
    try:
        with restored.db.read() as session:
            card_ids = list(session.scalars(select(Card.id).order_by(Card.id)))
        caught = 0
        for card_id in card_ids:
            state = card_state(restored, card_id)
            if card_id in load.states:  # filed by the load: equal to the source at the snapshot instant
                assert state == load.states[card_id][len(state["timeline_events"])], card_id
                caught += 1
            for row in state["attachments"]:
                assert _sha256(restored.store.path_of(row["sha256"])) == row["sha256"]
        assert caught >= 1
        assert _timeline_rows(core) > _timeline_rows(restored)  # the source went on after the snapshot
        assert verify_timeline(restored).ok
    finally:
        restored.db.dispose()


def test_restore_refuses_a_database_or_data_directory_that_is_not_empty(core, users, invoice, tmp_path,
                                                                         empty_target):
    file_request(core, users, invoice)
    result = backup(core.settings, tmp_path / "backup", T0)
    with pytest.raises(BackupError, match=r"is not empty \(\d+ tables\): restore only into an empty database"):
        restore(core.settings, result.directory)
    target = empty_target()
    (target.attachments_dir / "ab").mkdir(parents=True)
    (target.attachments_dir / "ab" / "left-over").write_bytes(b"x")
    with pytest.raises(BackupError, match="is not empty: restore only into an empty data directory"):
        restore(target, result.directory)
    with pytest.raises(BackupError, match="is not empty: a backup goes into a new or empty directory"):
        backup(core.settings, result.directory, T0)


def test_backup_verify_names_the_first_file_that_differs_from_the_manifest(core, users, invoice, tmp_path,
                                                                           monkeypatch, capsys):
    file_request(core, users, invoice)
    for name, value in {"DATABASE_URL": core.settings.database_url, "SOGLASIE_DATA_DIR": str(core.settings.data_dir),
                        "SOGLASIE_RULES_DIR": str(core.settings.rules_dir)}.items():
        monkeypatch.setenv(name, value)
    directory = tmp_path / "backup"
    assert main(["backup", "--to", str(directory)]) == 0
    assert main(["backup", "verify", str(directory)]) == 0
    attachment = next(path for path in (directory / "attachments").rglob("*") if path.is_file())
    attachment.write_bytes(attachment.read_bytes() + b"%")
    capsys.readouterr()
    assert main(["backup", "verify", str(directory)]) == 1
    assert capsys.readouterr().out.strip() == f"backup verify: {attachment}: SHA-256 does not match the manifest"
    attachment.unlink()
    assert verify(directory) == f"{attachment}: missing"
    (directory / MANIFEST).unlink()
    assert main(["backup", "verify", str(directory)]) == 2
    assert "manifest.json: missing" in capsys.readouterr().err


def test_the_nightly_backup_is_idempotent_per_run_and_keeps_the_newest(core, tmp_path):
    from soglasie.services.backup import nightly

    root = tmp_path / "backups"
    nights = [T0 + dt.timedelta(days=day) for day in range(3)]
    first = nightly(core.settings, root, nights[0], keep=2)
    assert first["bytes"] > 0 and nightly(core.settings, root, nights[0], keep=2)["bytes"] == 0
    for night in nights[1:]:
        nightly(core.settings, root, night, keep=2)
    assert sorted(path.name for path in root.iterdir()) == [
        night.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") for night in nights[1:]]


def test_a_missing_postgresql_client_program_is_named_with_what_to_install():
    from soglasie.services.backup import postgres_tool

    assert postgres_tool("pg_dump").endswith("/pg_dump")  # this machine has one (tests start PostgreSQL)
    with pytest.raises(BackupError, match="pg_dumpx not found .*install the PostgreSQL client programs"):
        postgres_tool("pg_dumpx")
