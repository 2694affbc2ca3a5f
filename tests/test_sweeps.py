"""The periodic jobs in the core: SLA sweep, accounting tasks, dispatch and the morning digest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from soglasie.models import OutboxMessage, SlaEvent, Task, User, UserRole
from soglasie.notifications.channels import DeliveryResult
from soglasie.services import actions
from soglasie.services.accounting import create_accounting_tasks
from soglasie.services.digest import morning_digest
from soglasie.services.dispatch import dispatch
from soglasie.services.sweep import sweep
from tests.conftest import MSK, T0
from tests.helpers import approve_stage, card, file_request, inbox, open_task

# Filed Tuesday 10:00: 4-hour checks at Tue 15:00, Wed 10:00, Wed 15:00, Thu 10:00 (16 working
# hours = 2 working days: the reminder), escalation one working hour later, Thu 11:00.
REMINDER_AT = dt.datetime(2026, 12, 3, 10, 0, tzinfo=MSK)
ESCALATION_AT = dt.datetime(2026, 12, 3, 11, 0, tzinfo=MSK)


def _kinds(core, card_id):
    with core.db.read() as session:
        rows = session.scalars(select(SlaEvent).where(SlaEvent.card_id == card_id)
                               .order_by(SlaEvent.due_at, SlaEvent.id))
        return [(row.kind, row.due_at.astimezone(MSK)) for row in rows]


def test_reminder_after_two_working_days_then_escalation_an_hour_later(core, users, invoice):
    card_id = file_request(core, users, invoice)
    counts = sweep(core, REMINDER_AT - dt.timedelta(minutes=1))
    assert counts["check"] == 3 and counts["reminder"] == 0
    counts = sweep(core, REMINDER_AT)
    assert counts["check"] == 1 and counts["reminder"] == 1 and counts["escalation"] == 0
    assert inbox(core, users, "mhead")[0]["kind"] == "reminder"
    counts = sweep(core, ESCALATION_AT)
    assert counts["escalation"] == 1
    assert inbox(core, users, "ops")[0]["kind"] == "escalation"
    assert _kinds(core, card_id)[-2:] == [("reminder", REMINDER_AT), ("escalation", ESCALATION_AT)]
    events = [event["event"] for event in card(core, users, card_id)["timeline"]]
    assert events.count("reminder_sent") == 1 and events.count("escalated") == 1
    with core.db.read() as session:  # nothing more to watch after the escalation
        assert session.scalar(select(Task.next_check_at).where(Task.card_id == card_id)) is None


def test_the_same_sweep_twice_adds_nothing(core, users, invoice):
    file_request(core, users, invoice)
    sweep(core, ESCALATION_AT)
    with core.db.read() as session:
        before = (session.scalar(select(func.count(OutboxMessage.id))), session.scalar(select(func.count(SlaEvent.id))))
    again = sweep(core, ESCALATION_AT)
    assert again["check"] == again["reminder"] == again["escalation"] == 0
    with core.db.read() as session:
        assert (session.scalar(select(func.count(OutboxMessage.id))),
                session.scalar(select(func.count(SlaEvent.id)))) == before


def test_taking_the_task_into_work_stops_the_reminders(core, users, invoice):
    card_id = file_request(core, users, invoice)
    task = open_task(core, users, card_id, "head_approval")
    actions.take_into_work(core, users["mhead"], task["id"], T0 + dt.timedelta(hours=1))
    counts = sweep(core, ESCALATION_AT + dt.timedelta(days=7))
    assert counts["due_tasks"] == 0 and counts["reminder"] == counts["escalation"] == 0


def test_finance_review_reminds_and_escalates_together_after_two_days(core, users, invoice):
    card_id = file_request(core, users, invoice)
    approve_stage(core, users, card_id, "head_approval")  # finance's clock starts Tue 10:00
    counts = sweep(core, REMINDER_AT)
    assert counts["reminder"] == 1 and counts["escalation"] == 1
    assert inbox(core, users, "finance")[0]["kind"] == "reminder"
    assert inbox(core, users, "ops")[0]["kind"] == "escalation"


def test_a_frozen_request_is_not_swept(core, users, invoice):
    card_id = file_request(core, users, invoice)
    actions.freeze(core, users["ops"], card_id, T0 + dt.timedelta(hours=1))
    assert sweep(core, ESCALATION_AT)["due_tasks"] == 0


def test_accounting_tasks_appear_when_someone_can_take_them_with_the_arrival_deadline(core, users, invoice):
    with core.db.write() as session:
        session.execute(UserRole.__table__.delete().where(UserRole.role == "chief_accountant"))
    card_id = file_request(core, users, invoice)
    approve_stage(core, users, card_id, "head_approval", now=T0)
    arrived = dt.datetime(2026, 12, 1, 14, 30, tzinfo=MSK)  # after the 13:00 cut-off
    approve_stage(core, users, card_id, "finance_review", now=arrived)
    kinds = {task["kind"] for task in card(core, users, card_id)["tasks"] if task["stage"] == "payment"}
    assert kinds == {"payment_order"}
    assert inbox(core, users, "admin")[0]["kind"] == "no_assignee"
    assert create_accounting_tasks(core, arrived + dt.timedelta(minutes=5))["tasks_created"] == 0
    with core.db.write() as session:
        session.add(UserRole(user_id=users["chief"], role="chief_accountant"))
    later = dt.datetime(2026, 12, 2, 16, 0, tzinfo=MSK)
    assert create_accounting_tasks(core, later) == {"runs_missing_tasks": 1, "tasks_created": 1}
    task = open_task(core, users, card_id, "payment", kind="make_payment")
    assert task["assignee"] == "chief"
    assert task["deadline"] == "2026-12-02T18:00:00+03:00"  # end of the next working day after arrival
    assert create_accounting_tasks(core, later)["tasks_created"] == 0
    assert [row["kind"] for row in inbox(core, users, "admin")].count("no_assignee") == 1


class RecordingChannel:
    """A channel of our own interface that records deliveries and answers as told."""

    name = "telegram"

    def __init__(self, answers):
        self.answers = list(answers)
        self.delivered = []

    def deliver_batch(self, deliveries):
        results = {}
        for delivery in deliveries:
            self.delivered.append(delivery)
            results[delivery.id] = self.answers.pop(0) if self.answers else DeliveryResult.sent("1")
        return results


def _link_telegram(core, users, login, chat_id):
    with core.db.write() as session:
        session.get(User, users[login]).telegram_chat_id = chat_id


def test_dispatch_retries_with_backoff_and_marks_permanent_failures(core, users, invoice):
    core.settings = core.settings.with_overrides(telegram_bot_token="123:test")
    _link_telegram(core, users, "mhead", 10**12 + 7)  # chat ids exceed 32 bits
    file_request(core, users, invoice)
    channel = RecordingChannel([DeliveryResult.retry("502 Bad Gateway")])
    assert dispatch(core, T0, {"telegram": channel})["retry"] == 1
    assert dispatch(core, T0 + dt.timedelta(seconds=5), {"telegram": channel})["claimed"] == 0  # backing off
    assert dispatch(core, T0 + dt.timedelta(seconds=11), {"telegram": channel})["sent"] == 1
    assert [d.address for d in channel.delivered] == [str(10**12 + 7)] * 2
    assert dispatch(core, T0 + dt.timedelta(minutes=1), {"telegram": channel})["claimed"] == 0

    _link_telegram(core, users, "finance", 42)
    approve_stage(core, users, file_request(core, users, invoice, who="mhead"), "head_approval")
    blocked = RecordingChannel([DeliveryResult.sent("2"),
                                DeliveryResult.failed("Forbidden: bot was blocked by the user")])
    counts = dispatch(core, T0 + dt.timedelta(minutes=2), {"telegram": blocked})
    assert counts["sent"] == 1 and counts["failed"] == 1
    with core.db.read() as session:
        assert "blocked" in session.get(User, users["finance"]).telegram_error


def test_a_dead_dispatchers_claim_expires_and_the_message_is_sent_once(core, users, invoice):
    from soglasie.services.dispatch import LEASE, claim

    core.settings = core.settings.with_overrides(telegram_bot_token="123:test")
    _link_telegram(core, users, "mhead", 5)
    file_request(core, users, invoice)
    def wall(at):  # the lease's wall clock, here moving with business time
        return lambda: at

    assert len(claim(core, T0, ("telegram",), clock=wall(T0))) == 1  # claimed, then the dispatcher "dies"
    channel = RecordingChannel([])
    assert dispatch(core, T0 + LEASE / 2, {"telegram": channel}, clock=wall(T0 + LEASE / 2))["claimed"] == 0
    assert dispatch(core, T0 + LEASE, {"telegram": channel}, clock=wall(T0 + LEASE))["sent"] == 1
    assert dispatch(core, T0 + 3 * LEASE, {"telegram": channel}, clock=wall(T0 + 3 * LEASE))["claimed"] == 0


def test_morning_digest_once_per_working_day(core, users, invoice):
    file_request(core, users, invoice)
    file_request(core, users, invoice, who="pemployee")
    nine = dt.datetime(2026, 12, 2, 9, 0, tzinfo=MSK)
    assert morning_digest(core, nine) == {"recipients": 2, "tasks": 2, "skipped_day_off": 0, "calendar_warnings": 0}
    assert morning_digest(core, nine)["recipients"] == 2  # counted, but not written twice
    digest = inbox(core, users, "mhead")[0]
    assert digest["kind"] == "digest" and "ООО «Косметик Пак»" in digest["text"]
    with core.db.read() as session:
        assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "digest")) == 2
    saturday = dt.datetime(2026, 12, 5, 9, 0, tzinfo=MSK)
    assert morning_digest(core, saturday)["skipped_day_off"] == 1


def test_a_day_long_outage_loses_nothing(core, users, invoice):
    from soglasie.services.dispatch import MAX_BACKOFF

    core.settings = core.settings.with_overrides(telegram_bot_token="123:test")
    _link_telegram(core, users, "mhead", 77)
    file_request(core, users, invoice)
    down = RecordingChannel([DeliveryResult.retry("503 Service Unavailable")] * 60)
    now = T0
    for _ in range(60):  # well past a day of hourly retries
        now += MAX_BACKOFF
        assert dispatch(core, now, {"telegram": down})["retry"] == 1
    up = RecordingChannel([])
    assert dispatch(core, now + MAX_BACKOFF, {"telegram": up})["sent"] == 1
    with core.db.read() as session:
        statuses = session.scalars(select(OutboxMessage.status).where(OutboxMessage.channel == "telegram")).all()
    assert statuses == ["sent"]
