"""`soglasie demo history`: a plausible past for the demo company, lived through the real services.

Cards of every process in the rules are filed by the demo employees at instants spread over the
past months, then decided after delays drawn per person (quick and slow approvers), some
rejected and restarted, some sent back for documents, a few frozen for days; the SLA sweep and
the accounting job run twice a working day at their simulated instants, so reminders and
escalations fire where an approver was slow, and some payments come after their deadline.
Everything goes through the services the portal uses, so the board, the card histories and the
analytics are real. One random generator, seeded, drives it all: the same seed on a fresh demo
database gives the same history. Anything but the demo company in the database is refused.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.demo import COST_ITEMS, COUNTERPARTIES, DEPARTMENTS, USERS
from soglasie.errors import DomainError, ValidationError
from soglasie.i18n import _
from soglasie.models import OPEN_STATUSES, Card, Department, Task, User
from soglasie.process.definitions import find_task_definition
from soglasie.rulebook.model import ProcessDefinition
from soglasie.services import actions
from soglasie.services.accounting import create_accounting_tasks
from soglasie.services.cards import CardInput, create_card
from soglasie.services.common import Upload
from soglasie.services.sweep import sweep

SUBJECTS = ("Поставка банок и крышек", "Печать этикеток", "Доставка на склад маркетплейса",
            "Продвижение карточек товара", "Сырьё для крема", "Аренда склада", "Фотосъёмка продукции")
REASONS = ("Сумма не совпадает со счётом", "Нет закрывающих документов по прошлой поставке",
           "Статья затрат выбрана неверно", "Нужен договор с контрагентом")
DOCUMENTS = ("Приложите акт сверки", "Нужна спецификация к счёту", "Приложите коммерческое предложение")
SWEEP_TIMES = (dt.time(10, 0), dt.time(15, 0))  # the sweep runs every 4 working hours; twice a day is enough here


@dataclass
class HistoryResult:
    """What was simulated: cards filed and actions taken, by kind; actions refused on the way."""

    cards: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    sweeps: int = 0

    def count(self, action: str) -> None:
        """One more `action` done."""
        self.actions[action] = self.actions.get(action, 0) + 1


def refusal(core: Core) -> ValidationError | None:
    """Why the database may not take an invented history (None: it holds the demo company and nothing else)."""
    with core.db.read() as session:
        logins = set(session.scalars(select(User.login)))
        codes = set(session.scalars(select(Department.code)))
        cards = session.scalar(select(func.count(Card.id)))
    demo_logins, demo_codes = {user[0] for user in USERS}, {code for code, _name in DEPARTMENTS}
    if logins != demo_logins or not codes <= demo_codes:
        return ValidationError(_("This database holds more than the demo company: a history is only invented for "
                                 "the demo company (soglasie init --demo on an empty database)."), "database")
    if cards:
        return ValidationError(_("This database already holds requests: a demo history goes only into an empty "
                                 "demo company."), "database")
    return None


def fill_history(core: Core, now: dt.datetime, months: int = 6, requests: int = 600, seed: int = 1) -> HistoryResult:
    """Simulate `requests` cards filed over the `months` before `now`; raises ValidationError when refused."""
    if months < 1 or requests < 1:
        raise ValidationError(_("Months and requests must be positive."), "months" if months < 1 else "requests")
    refused = refusal(core)
    if refused is not None:
        raise refused
    simulation = _Simulation(core, random.Random(seed), now)
    simulation.plan(months, requests)
    simulation.run()
    return simulation.result


class _Simulation:
    """An event queue of simulated instants; each event calls a service as the person concerned."""

    def __init__(self, core: Core, rng: random.Random, now: dt.datetime):
        self.core, self.rng, self.now = core, rng, now
        self.calendar = core.rulebook.calendar
        self.queue: list = []
        self.sequence = itertools.count()
        self.planned: set[int] = set()
        self.result = HistoryResult()
        self.document = Upload(_pdf("demo"), "invoice.pdf")
        with core.db.read() as session:
            users = {user.login: user for user in session.scalars(select(User))}
            self.ids = {login: user.id for login, user in users.items()}
            self.filers = sorted(user.id for user in users.values() if user.department_id is not None)
        # Each person's pace: a multiplier of the typical delays (some approvers are slow).
        self.pace = {user_id: rng.choice((0.4, 0.7, 1.0, 1.0, 1.6, 3.0)) for user_id in sorted(self.ids.values())}

    # --- the queue ------------------------------------------------------------------------------

    def at(self, when: dt.datetime, action, *args) -> None:
        """Do `action(*args)` at `when` (never after now: the future is left open)."""
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.sequence), action, args))

    def run(self) -> None:
        """Play the events in time order; a refused action (a lost race with the story) is counted, not fatal."""
        while self.queue:
            when, _seq, action, args = heapq.heappop(self.queue)
            try:
                action(when, *args)
            except DomainError:
                self.result.refused += 1

    def later(self, start: dt.datetime, median_minutes: float, pace: float = 1.0) -> dt.datetime:
        """`start` plus a log-normal delay in working minutes (median `median_minutes` × pace)."""
        minutes = median_minutes * pace * math.exp(self.rng.gauss(0, 0.8))
        return self.calendar.add_working_minutes(start, max(int(minutes), 5))

    # --- the plan -------------------------------------------------------------------------------

    def plan(self, months: int, requests: int) -> None:
        """Filing instants spread over the period, and the sweeps of every working day in it."""
        start = self.now - dt.timedelta(days=30.4 * months)
        span = (self.now - start).total_seconds()
        processes = list(self.core.rulebook.processes.values())
        referenced = {p.card.contract_process for p in processes if p.card.contract_process}
        weights = [1 if process.id in referenced else 3 for process in processes]
        for _index in range(requests):
            instant = self.calendar.next_working_instant(start + dt.timedelta(seconds=self.rng.random() * span))
            process = self.rng.choices(processes, weights)[0]
            self.at(instant, self.file, process, self.rng.choice(self.filers))
        day = start.astimezone(self.calendar.tz).date()
        while day <= self.now.date():
            if self.calendar.is_working_day(day):
                for moment in SWEEP_TIMES:
                    self.at(dt.datetime.combine(day, moment, self.calendar.tz), self.sweep)
            day += dt.timedelta(days=1)

    def sweep(self, now: dt.datetime) -> None:
        """The SLA sweep and the accounting job at this instant, then plan the tasks they created."""
        sweep(self.core, now)
        create_accounting_tasks(self.core, now)
        self.result.sweeps += 1
        self.plan_tasks(now)

    def file(self, now: dt.datetime, process: ProcessDefinition, initiator_id: int) -> None:
        """A card filed through the same service as the portal's form."""
        created = create_card(self.core, initiator_id, now, process.id, self.card_input(process, now))
        self.result.cards += 1
        if self.rng.random() < 0.02:  # now and then ops pauses a card for a few days
            frozen = self.later(now, 120)
            self.at(frozen, self.card_action, actions.freeze, created.card_id, "freeze")
            self.at(self.later(frozen, 960), self.card_action, actions.unfreeze, created.card_id, "unfreeze")
        self.plan_tasks(now, created.card_id)

    def card_input(self, process: ProcessDefinition, now: dt.datetime) -> CardInput:
        """Plausible fields for whatever the process's card asks."""
        spec, rng = process.card, self.rng
        amount = Decimal(int(math.exp(rng.uniform(math.log(5_000), math.log(900_000)))) // 100 * 100)
        day = now.astimezone(self.calendar.tz).date()
        document = self.document if spec.document is not None else None
        return CardInput(
            counterparty_inn=rng.choice(COUNTERPARTIES)[1] if spec.uses("counterparty") else None,
            amount=f"{amount}.00" if spec.uses("amount") else None,
            cost_item=rng.choice(COST_ITEMS)[0] if spec.uses("cost_item") else None,
            subject=rng.choice(SUBJECTS) if spec.uses("subject") else None,
            valid_from=day.isoformat() if spec.uses("validity") else None,
            valid_to=(day + dt.timedelta(days=365)).isoformat() if spec.uses("validity") else None,
            document=document, document_field=spec.document.field if spec.document else "document",
            # each its own invoice (a few days old): no demo card is a possible duplicate of another
            invoice_number=f"СЧ-{self.result.cards + 1:05d}" if spec.uses("invoice_number") else None,
            invoice_date=(day - dt.timedelta(days=rng.randint(0, 5))).isoformat()
            if spec.uses("invoice_date") else None,
            vat_rate=rng.choice(spec.vat_rates) if spec.vat_rates else None)

    # --- people acting ----------------------------------------------------------------------------

    def plan_tasks(self, now: dt.datetime, card_id: int | None = None) -> None:
        """Give every open task not yet planned (of one card, or all) its taking into work and decision."""
        query = select(Task.id, Task.assignee_id, Task.card_id).where(Task.status.in_(OPEN_STATUSES))
        if card_id is not None:
            query = query.where(Task.card_id == card_id)
        with self.core.db.read() as session:
            tasks = [row for row in session.execute(query.order_by(Task.id)) if row.id not in self.planned]
        for task in tasks:
            self.planned.add(task.id)
            pace = self.pace[task.assignee_id]
            taken = self.later(now, 150, pace)
            if self.rng.random() < 0.7:
                self.at(taken, self.task_action, actions.take_into_work, task.id, "take_into_work")
            self.at(self.later(taken, 90, pace), self.decide, task.id)

    def task_action(self, now: dt.datetime, service, task_id: int, name: str, *args,
                    assignee: int | None = None) -> None:
        """A task action by the task's assignee as it is now (a deputy, if it moved; read unless given)."""
        service(self.core, assignee if assignee is not None else self._assignee(task_id), task_id, now, *args)
        self.result.count(name)

    def card_action(self, now: dt.datetime, service, card_id: int, name: str) -> None:
        """Freeze or unfreeze by the operations manager."""
        service(self.core, self.ids["ops"], card_id, now)
        self.result.count(name)
        self.plan_tasks(now, card_id)

    def decide(self, now: dt.datetime, task_id: int) -> None:
        """Approve mostly; now and then reject or ask for documents; complete what is to be completed."""
        with self.core.db.read() as session:
            task = session.get(Task, task_id)
            if task is None or task.status not in OPEN_STATUSES:
                return
            card = session.get(Card, task.card_id)
            definition = find_task_definition(self.core.rulebook.process(card.kind), task)
            card_id, initiator_id, assignee = card.id, card.initiator_id, task.assignee_id
        if definition is None:
            return
        roll = self.rng.random()
        if "reject" in definition.actions and roll < 0.06:
            self.task_action(now, actions.reject, task_id, "reject", self.rng.choice(REASONS), assignee=assignee)
            if self.rng.random() < 0.7:
                self.at(self.later(now, 240), self.restart, card_id, initiator_id)
        elif "request_documents" in definition.actions and roll < 0.1:
            self.task_action(now, actions.request_documents, task_id, "request_documents", self.rng.choice(DOCUMENTS),
                             assignee=assignee)
        elif "approve" in definition.actions:
            self.approve(now, task_id, definition, assignee)
        else:
            if definition.requires_attachment:
                actions.attach_file(self.core, assignee, task_id, self.document, now)
            self.task_action(now, actions.complete, task_id, "complete", "Готово", assignee=assignee)
        self.plan_tasks(now, card_id)

    def approve(self, now: dt.datetime, task_id: int, definition, assignee: int) -> None:
        """The assignee approves; sometimes the operations manager does it on his behalf."""
        if "approve" in definition.on_behalf.get("ops_manager", ()) and self.rng.random() < 0.05:
            actions.approve(self.core, self.ids["ops"], task_id, now)
            self.result.count("approve_on_behalf")
            return
        self.task_action(now, actions.approve, task_id, "approve", assignee=assignee)

    def restart(self, now: dt.datetime, card_id: int, initiator_id: int) -> None:
        """The initiator reworks a rejected card and starts it again."""
        actions.restart(self.core, initiator_id, card_id, now)
        self.result.count("restart")
        self.plan_tasks(now, card_id)

    def _assignee(self, task_id: int) -> int:
        with self.core.db.read() as session:
            return session.scalar(select(Task.assignee_id).where(Task.id == task_id))


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF: the demo invoices and payment orders."""
    stream = f"BT /F1 18 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
