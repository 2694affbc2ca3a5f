"""What a transition tells people: timeline rows and outbox messages, in its transaction."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from soglasie.models import (OPEN_STATUSES, Absence, Card, ContractVersion, OutboxMessage, ProcessRun, Task,
                             TimelineEvent, User, UserRole)
from soglasie.notifications import messages
from soglasie.notifications.outbox import VERSION_KIND, Notice, enqueue
from soglasie.process import chain
from soglasie.process.commands import ProcessContext
from soglasie.process.definitions import task_definition
from soglasie.rulebook.model import ProcessDefinition, StageDefinition, TaskDefinition, Text


LOCALES = ("ru", "en")
_CHAIN_HEADS = "soglasie_timeline_heads"  # session.info key: card id -> hash of its newest row in this transaction
_TIMELINE_INSERT = TimelineEvent.__table__.insert()
LOCKED_RUNS = "soglasie_locked_runs"  # session.info key: ids of the runs the engine locked in this transaction


CHUNK = 500  # ids per IN list: well under every database's bound on bound parameters


def prime_chain_heads(session: Session, card_ids: list[int]) -> None:
    """Lock many cards' runs and cards (the order `_chain_head` locks one: runs, then cards) and read their
    timeline heads in a few set-based queries, for a batch that appends to each of them in one transaction.

    The heads are remembered on the session exactly as `_chain_head` remembers what it read, so each
    appended row still chains to its card's newest row; a card already primed keeps its head.
    """
    heads = session.info.setdefault(_CHAIN_HEADS, {})
    wanted = sorted(set(card_ids) - set(heads))
    with session.no_autoflush:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            runs = select(Card.current_run_id).where(Card.id.in_(chunk))
            locked = session.scalars(select(ProcessRun.id).where(ProcessRun.id.in_(runs)).order_by(ProcessRun.id)
                                     .with_for_update()).all()
            session.info.setdefault(LOCKED_RUNS, set()).update(locked)
            session.execute(select(Card.id).where(Card.id.in_(chunk)).order_by(Card.id)
                            .with_for_update(key_share=True))
            newest = (select(func.max(TimelineEvent.id)).where(TimelineEvent.card_id.in_(chunk))
                      .group_by(TimelineEvent.card_id))
            found = dict(session.execute(select(TimelineEvent.card_id, TimelineEvent.hash)
                                         .where(TimelineEvent.id.in_(newest))).all())
            heads.update({card_id: found.get(card_id, chain.GENESIS) for card_id in chunk})


def json_roundtrip(data: dict) -> dict:
    """`data` as the JSON column gives it back (tuples become lists), so the chain hashes what is stored."""
    return json.loads(json.dumps(data))


def remember_chain_head(session: Session, card_id: int, head: str | None) -> None:
    """The card's newest timeline hash, read under the write lock by the caller: `timeline` need not read it."""
    session.info.setdefault(_CHAIN_HEADS, {}).setdefault(card_id, head or chain.GENESIS)


class NoticeWriter:
    """Appends timeline events and enqueues notifications about one card."""

    def __init__(self, session: Session, context: ProcessContext, card: Card, now: dt.datetime):
        self.session = session
        self.context = context
        self.card = card
        self.now = now

    @property
    def _tz(self) -> ZoneInfo:
        return self.context.rulebook.calendar.tz

    def timeline(self, run: ProcessRun | None, actor: User | None, event: str, *, task: Task | None = None,
                 comment: str | None = None, on_behalf_of_id: int | None = None,
                 stage: str | None = None, data: dict | None = None) -> TimelineEvent:
        """Append one timeline row (the timeline is insert-only), chained to the card's previous row.

        This is the one place timeline rows are written: the chain (soglasie/process/chain.py)
        is computed here, under the run lock, for every event of every caller.
        """
        row = dict(
            card_id=self.card.id, run_id=run.id if run else None, task_id=task.id if task else None,
            at=self.now, actor_id=actor.id if actor else None, on_behalf_of_id=on_behalf_of_id,
            event=event, stage=stage or (task.stage if task else (run.stage if run else None)),
            comment=comment, data=json_roundtrip({**(data or {}), **self._deputy_data(task, actor)}),
        )
        row["prev_hash"] = self._chain_head(run)
        row["hash"] = chain.row_hash(row["prev_hash"], row)
        self.session.info.setdefault(_CHAIN_HEADS, {})[self.card.id] = row["hash"]
        # Insert-only, never read back here: a row on the transaction's connection, not an ORM object to flush.
        inserted = self.session.connection().execute(_TIMELINE_INSERT, row)
        return TimelineEvent(id=inserted.inserted_primary_key[0], **row)

    def _chain_head(self, run: ProcessRun | None) -> str:
        """The hash of the card's newest timeline row, its run and card locked first (concurrent appends queue).

        Lock order run → card, as the engine's (`_lock_run`, then the card's stage): no new deadlock.
        Heads written in this transaction are remembered on the session (rows may not be flushed yet).
        """
        heads = self.session.info.setdefault(_CHAIN_HEADS, {})
        if self.card.id in heads:
            return heads[self.card.id]
        with self.session.no_autoflush:
            # SQLite: the write transaction's BEGIN IMMEDIATE already serialises every appender (and renders no
            # FOR UPDATE), so the locks below are PostgreSQL's only; a run the engine locked is not locked twice.
            if self.session.get_bind().dialect.name != "sqlite":
                self._lock_run_and_card(run)
            head = self.session.scalar(select(TimelineEvent.hash).where(TimelineEvent.card_id == self.card.id)
                                       .order_by(TimelineEvent.id.desc()).limit(1))
        return head or chain.GENESIS

    def _lock_run_and_card(self, run: ProcessRun | None) -> None:
        run_id = run.id if run is not None else self.card.current_run_id
        if run_id is not None and run_id not in self.session.info.get(LOCKED_RUNS, ()):
            self.session.execute(select(ProcessRun.id).where(ProcessRun.id == run_id).with_for_update())
        # FOR NO KEY UPDATE (PostgreSQL), like the card's own UPDATEs: appenders queue, while rows that merely
        # refer to the card (KEY SHARE, e.g. a new attachment before its timeline row) do not deadlock with it.
        self.session.execute(select(Card.id).where(Card.id == self.card.id).with_for_update(key_share=True))

    # --- messages -----------------------------------------------------------------------------

    def task_assigned(self, task: Task, stage: StageDefinition, definition: TaskDefinition) -> None:
        """Tell the assignee about a new task (a deputy: for whom, during which absence)."""
        if task.delegated_from_id is not None:
            self._send(task.assignee_id, "task_delegated_to_you", f"task_assigned:{task.id}", task=task,
                       title=definition.title, **self._delegation_fields(task))
            return
        self._send(task.assignee_id, "task_assigned", f"task_assigned:{task.id}", task=task,
                   title=definition.title, stage_title=stage.title)

    def task_moved(self, run: ProcessRun, task: Task, previous: User, original: User,
                   absence: Absence | None) -> None:
        """A task moved between an absent user and his deputy: the timeline, and both people told."""
        delegated = task.delegated_from_id is not None
        assignee = self.session.get(User, task.assignee_id)
        self.timeline(run, None, "delegated" if delegated else "returned", task=task,
                      data={"to": assignee.login, "from": previous.login, "for": original.login,
                            **({"absence": _absence_data(self.session, absence)} if absence else {})})
        key = f"moved:{task.id}:{assignee.id}:{self.now.isoformat()}"
        fields = {"task": task, "deputy": assignee.name if delegated else previous.name, "original": original.name,
                  "period": _period(absence) if absence else ""}
        if delegated:
            self._send(assignee.id, "task_delegated_to_you", key, **fields)
            self._send(original.id, "task_delegated", key, **fields)
            if previous.id != original.id:
                self._send(previous.id, "task_passed_on", key, **fields)
        else:
            self._send(original.id, "task_returned", key, **fields)
            self._send(previous.id, "task_returned_from_you", key, **fields)

    def _delegation_fields(self, task: Task) -> dict:
        absence = self.session.get(Absence, task.absence_id) if task.absence_id else None
        original = self.session.get(User, task.delegated_from_id)
        return {"original": original.name, "period": _period(absence) if absence else "", "deputy": ""}

    def _deputy_data(self, task: Task | None, actor: User | None) -> dict:
        """{"deputy": {for, start, end, set_by}} when the deputy of an absent assignee acts on his task."""
        if task is None or actor is None or task.delegated_from_id is None or actor.id != task.assignee_id:
            return {}
        data = {"for": self.session.get(User, task.delegated_from_id).login}
        if task.absence_id is not None:
            data.update(_absence_data(self.session, self.session.get(Absence, task.absence_id)))
        return {"deputy": data}

    def documents_requested(self, answer_task: Task, comment: str) -> None:
        """Tell the initiator which documents are needed."""
        self._send(answer_task.assignee_id, "documents_requested", f"documents_requested:{answer_task.id}",
                   task=answer_task, comment=comment)

    def documents_provided(self, run: ProcessRun, stage_id: str, comment: str) -> None:
        """Tell whoever waits at the asking stage that the initiator answered."""
        for task in self._open_tasks(run, stage_id):
            key = f"documents_provided:{run.id}:{task.id}:{self.now.isoformat()}"
            self._send(task.assignee_id, "documents_provided", key, task=task, comment=comment or "—")

    def rejected(self, run: ProcessRun, stage_id: str, reason: str) -> None:
        """Tell the initiator the request was rejected, and why."""
        process = self.context.rulebook.process(run.process)
        self._send(self.card.initiator_id, "rejected", f"rejected:{run.id}", comment=reason,
                   stage_title=_stage_title(process, stage_id))

    def frozen(self, run: ProcessRun, comment: str | None, actor: User) -> None:
        """Tell the initiator and the assignees of open tasks that the request is paused."""
        for user_id in self._people_involved(run, actor):
            self._send(user_id, "frozen", f"frozen:{run.id}:{self.now.isoformat()}", comment=comment or "")

    def unfrozen(self, run: ProcessRun, actor: User) -> None:
        """Tell the same people that it runs again."""
        process = self.context.rulebook.process(run.process)
        for user_id in self._people_involved(run, actor):
            self._send(user_id, "unfrozen", f"unfrozen:{run.id}:{self.now.isoformat()}",
                       stage_title=_stage_title(process, run.stage))

    def approved_on_behalf(self, task: Task, actor: User) -> None:
        """Tell the assignee that the operations manager approved in his place."""
        self._send(task.assignee_id, "approved_on_behalf", f"on_behalf:{task.id}", task=task, actor_name=actor.name)

    def finished(self, run: ProcessRun, process: ProcessDefinition) -> None:
        """Tell the initiator the process is complete, in its terminal stage's words."""
        self._send(self.card.initiator_id, "finished", f"finished:{run.id}", stage_title=process.terminal_title)

    def no_assignee(self, run: ProcessRun, stage: StageDefinition, definition: TaskDefinition) -> None:
        """Tell the admins (once) that a task has nobody to go to; note it on the timeline."""
        key = f"no_assignee:{run.id}:{stage.id}:{definition.kind}"
        if self.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key.like(key + ":%")).limit(1)):
            return
        self.timeline(run, None, "no_assignee", stage=stage.id,
                      comment=definition.assignee.describe(), data={"task": definition.kind})
        admins = self.session.scalars(select(UserRole.user_id).where(UserRole.role == "admin"))
        for user_id in admins:
            self._send(user_id, "no_assignee", key, title=definition.title, comment=definition.assignee.describe())

    def version_added(self, run: ProcessRun, version: ContractVersion, actor: User) -> None:
        """Send the new version of the card's document (number, uploader, comment) to everyone on the card."""
        for user_id in self._people_involved(run, actor):
            self._send(user_id, VERSION_KIND, f"version:{version.id}", actor_name=actor.name, version=version.number,
                       comment=version.comment or "—", payload={"version": version.number})

    def send(self, user_id: int, kind: str, key: str, **fields) -> None:
        """A message of any kind (used by the sweeps: reminders, escalations)."""
        self._send(user_id, kind, key, **fields)

    # --- rendering ----------------------------------------------------------------------------

    def _send(self, user_id: int, kind: str, key: str, *, task: Task | None = None,
              title: Text | None = None, stage_title: Text | None = None, payload: dict | None = None,
              **extra) -> None:
        # A message needs the recipient's locale and chat, not his roles (loaded only if asked for).
        recipient = self.session.get(User, user_id, options=(lazyload(User.role_rows),))
        if recipient is None or not recipient.active:
            return
        process = self.context.rulebook.process(self.card.kind)
        texts = {locale: messages.render(kind, locale, process, self.card,
                                         **self._fields(locale, task, title, stage_title, extra))
                 for locale in LOCALES}
        notice = Notice(recipient, kind, key, texts, card_id=self.card.id, task_id=task.id if task else None,
                        payload=payload or {})
        enqueue(self.session, notice, self.context.channels, self.now)

    def _fields(self, locale: str, task: Task | None, title: Text | None, stage_title: Text | None,
                extra: dict) -> dict:
        """The message's own placeholders; the card's (number, nouns, subject, details) come from `render`."""
        fields = {
            "stage": stage_title.get(locale) if stage_title else "",
            "task": title.get(locale) if title else (self._task_title(task, locale) if task else ""),
            "deadline": messages.format_time(task.deadline if task else None, locale, self._tz),
            "comment": "",
            "actor": extra.get("actor_name", ""),
        }
        for name, value in extra.items():
            if name != "actor_name":
                is_time = isinstance(value, dt.datetime)
                fields[name] = messages.format_time(value, locale, self._tz) if is_time else value
        return fields

    def _task_title(self, task: Task, locale: str) -> str:
        process = self.context.rulebook.process(self.card.kind)
        return task_definition(process, task).title.get(locale)

    def _open_tasks(self, run: ProcessRun, stage_id: str) -> list[Task]:
        return list(self.session.scalars(select(Task).where(
            Task.run_id == run.id, Task.stage == stage_id, Task.status.in_(OPEN_STATUSES))))

    def _people_involved(self, run: ProcessRun, actor: User) -> list[int]:
        people = [self.card.initiator_id] + [
            task.assignee_id for task in self.session.scalars(
                select(Task).where(Task.run_id == run.id, Task.status.in_(OPEN_STATUSES)))]
        return [user_id for user_id in dict.fromkeys(people) if user_id != actor.id]


def _stage_title(process: ProcessDefinition, stage_id: str) -> Text:
    if stage_id == process.terminal:
        return process.terminal_title
    try:
        return process.stage(stage_id).title
    except KeyError:
        return Text(ru=stage_id, en=stage_id)


def _absence_data(session: Session, absence: Absence) -> dict:
    """What the timeline keeps about an absence: its dates and who recorded it."""
    return {"start": absence.start_date.isoformat(), "end": absence.end_date.isoformat(),
            "set_by": session.get(User, absence.created_by_id).login}


def _period(absence: Absence) -> str:
    """An absence's dates as the messages print them: "01.03–14.03"."""
    return f"{absence.start_date:%d.%m}–{absence.end_date:%d.%m}"
