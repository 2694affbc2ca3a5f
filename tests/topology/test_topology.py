"""The production topology under load and faults: PostgreSQL, Redis, two portal replicas under gunicorn, two
`soglasie dispatch` processes and the bot in webhook mode, against the fake Bot API, then Airflow with the
CeleryExecutor and two workers sweeping at chosen instants (cluster.py, airflow_stack.py).

Requests are filed round-robin through both replicas, each approval is raced through both, a dispatcher
and a replica are killed with `kill -9` and PostgreSQL is restarted around the load; then every card must
stand where its history says, every Telegram row be delivered exactly once, nothing doubled or lost.
SOGLASIE_TOPOLOGY_REQUESTS sets the number of requests (default 60: the load is filed and approved in
seconds, but Telegram allows a bot one message a second per chat, and one head gets two messages per
request — the task and its edit — so draining 200 requests takes over 400 s).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from soglasie.db import Database
from soglasie.models import Card, OutboxMessage, Task, TimelineEvent, User
from soglasie.services.dispatch import BATCH_SIZE, LEASE
from tests.support.files import pdf_bytes
from tests.support.postgres import PostgresUnavailable, _bindir
from tests.topology.airflow_stack import AirflowApi
from tests.topology.cluster import Topology, redis_server

pytestmark = [pytest.mark.topology, pytest.mark.postgres]
REQUESTS = int(os.environ.get("SOGLASIE_TOPOLOGY_REQUESTS", "60"))
DRAIN_TIMEOUT = 60.0 + 3.0 * REQUESTS  # per chat, one message a second (Telegram's limit, kept by the pacer)
AIRFLOW_START_TIMEOUT = 300.0
AIRFLOW_RUN_TIMEOUT = 240.0  # a killed worker's task is retried after the heartbeat timeout and retry_delay
DISPATCH_RUNS = 4
NO_KILL = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # no dispatcher holds rows: every row is checked
SEND_KINDS_EXCLUDED = ("telegram_edit",)  # edits change a delivered message: editMessage*, not a new send


def _missing() -> str | None:
    try:
        _bindir()
    except PostgresUnavailable as error:
        return str(error)
    return None if redis_server() else "redis-server not found: install Redis (apt install redis-server)"


@pytest.fixture(scope="module")
def topology():
    reason = _missing()
    if reason:
        pytest.skip(f"the topology test needs PostgreSQL and Redis: {reason}")
    running = Topology()
    try:
        yield running.start()
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()


def _file(topology: Topology, replicas, number: int) -> dict:
    """File request `number` through replica number % 2 (the other one if that replica is gone)."""
    order = [replicas[number % len(replicas)], *replicas]
    for replica in order:
        try:
            answer = topology.api(replica, "POST", "/payment-requests", "memployee", data={
                "counterparty_inn": "7701526010", "amount": f"{1000 + number}.00", "cost_item": "PACK"},
                files={"invoice": ("invoice.pdf", pdf_bytes(f"invoice {number}"), "application/pdf")})
        except requests.ConnectionError:
            continue
        assert answer.status_code == 201, answer.text
        return answer.json()
    raise AssertionError("no replica answered")


def _race(topology: Topology, replicas, task_id: int) -> list[int]:
    """Approve `task_id` through every replica at once; the statuses (a dead replica counts as None)."""
    def approve(replica):
        try:
            return topology.api(replica, "POST", f"/tasks/{task_id}/approve", "mhead", data={}).status_code
        except requests.ConnectionError:
            return None
    with ThreadPoolExecutor(len(replicas)) as pool:
        return list(pool.map(approve, replicas))


def _open_task(card: dict) -> int:
    [task] = [task for task in card["tasks"] if task["status"] == "open"]
    return task["id"]


def test_the_topology_under_load_and_faults(topology):
    started = time.monotonic()
    replicas = topology.named("portal")
    figures: Counter[str] = Counter()

    # 1. kill -9 one dispatcher (between its rounds: one killed mid-batch holds its claims for LEASE, 5 minutes,
    #    and the edits of those messages wait behind them — docs/operations.md, "Scaling out"), then file
    #    through both replicas.
    topology.named("dispatch")[0].kill()
    killed_at = dt.datetime.now(dt.timezone.utc)
    figures["dispatchers killed"] += 1
    with ThreadPoolExecutor(4) as pool:
        cards = list(pool.map(lambda number: _file(topology, replicas, number), range(REQUESTS)))
    figures["requests filed"] = len(cards)
    filed_at = time.monotonic()

    # 2. Race every approval through both replicas: exactly one wins, the other gets 409.
    tasks = [_open_task(card) for card in cards]
    half = len(tasks) // 2
    for task_id in tasks[:half]:
        statuses = _race(topology, replicas, task_id)
        assert sorted(statuses) == [200, 409], (task_id, statuses)
        figures["approvals raced"] += 1

    # 3. PostgreSQL restarts: the portal answers 503 with Retry-After meanwhile, never a 500.
    def while_down():
        answer = topology.api(replicas[0], "GET", "/tasks", "mhead")
        return answer.status_code, answer.headers.get("Retry-After"), answer.text
    status, retry_after, body = topology.restart_postgres(while_down)
    assert (status, retry_after) == (503, "5") and "Traceback" not in body, body
    figures["postgres restarts"] += 1

    # 4. kill -9 of one replica; the rest goes through the survivor (races against a dead peer still decide once).
    replicas[1].kill()
    figures["replicas killed"] += 1
    for task_id in tasks[half:]:
        statuses = _race(topology, replicas, task_id)
        assert sorted(statuses, key=str) == [200, None], (task_id, statuses)
        figures["approvals after the kill"] += 1
    approved_at = time.monotonic()

    database = Database.from_url(topology.database_url)
    try:
        _wait_drained(database, killed_at)
        drained_at = time.monotonic()
        _assert_history_and_stages(database, [card["id"] for card in cards], tasks)
        figures.update(_assert_delivered_exactly_once(database, topology, killed_at))
    finally:
        database.dispose()
    figures["seconds filing"] = round(filed_at - started)
    figures["seconds approving"] = round(approved_at - filed_at)
    figures["seconds draining"] = round(drained_at - approved_at)
    print("\ntopology figures: " + ", ".join(f"{name}={value}" for name, value in figures.items()))


def _left_by_the_killed(killed_at: dt.datetime):
    """Rows claimed before the kill and still `sending`: the dead dispatcher's leases (they expire after LEASE)."""
    return (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= killed_at + LEASE)


def _wait_drained(database: Database, killed_at: dt.datetime) -> None:
    """Until every Telegram row is delivered, except those the killed dispatcher holds (the live ones record in s)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        with database.read() as session:
            left = session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.channel == "telegram", OutboxMessage.status.in_(("pending", "sending")),
                ~_left_by_the_killed(killed_at)))
        if not left:
            return
        time.sleep(1)
    raise AssertionError(f"{left} Telegram messages still undelivered after {DRAIN_TIMEOUT} s")


def _assert_history_and_stages(database: Database, card_ids: list[int], task_ids: list[int]) -> None:
    """Every card filed once, every task decided once, each card in the stage its last timeline row names."""
    with database.read() as session:
        assert session.scalar(select(func.count(Card.id))) >= len(card_ids)
        approvals = Counter(session.scalars(select(TimelineEvent.task_id).where(
            TimelineEvent.task_id.in_(task_ids), TimelineEvent.event == "approved")))
        assert approvals == Counter(task_ids), "a task approved twice or not at all"
        assert set(session.scalars(select(Task.status).where(Task.id.in_(task_ids)))) == {"done"}
        for card in session.scalars(select(Card).where(Card.id.in_(card_ids))):
            last = session.scalars(select(TimelineEvent).where(TimelineEvent.card_id == card.id,
                                                               TimelineEvent.stage.is_not(None))
                                   .order_by(TimelineEvent.id.desc()).limit(1)).one()
            assert card.stage == last.stage, (card.id, card.stage, last.event, last.stage)


def _assert_delivered_exactly_once(database: Database, topology: Topology, killed_at: dt.datetime) -> Counter:
    """Each sent row's message is in its chat once; no send that no row accounts for, beyond what the killed
    dispatcher may have sent of the batch it held (it died before recording them)."""
    with database.read() as session:
        rows = list(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status,
                                           OutboxMessage.external_id, OutboxMessage.recipient_id,
                                           OutboxMessage.kind, OutboxMessage.attempts)
                                    .where(OutboxMessage.channel == "telegram", ~_left_by_the_killed(killed_at))))
        held = session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == "telegram", _left_by_the_killed(killed_at)))
    assert held <= BATCH_SIZE
    assert {row.status for row in rows} == {"sent"}, Counter(row.status for row in rows)
    sends = [call for call in topology.fake.calls() if call.method in ("sendMessage", "sendDocument")]
    delivered = Counter((call.chat_id, call.result["message_id"]) for call in sends)
    chat_of = _chats(database)
    by_key = {row.idempotency_key: delivered[(chat_of[row.recipient_id], int(row.external_id))]
              for row in rows if row.kind not in SEND_KINDS_EXCLUDED}
    assert set(by_key.values()) <= {1}, [key for key, count in by_key.items() if count != 1][:10]
    unaccounted = len(sends) - len(by_key)
    assert 0 <= unaccounted <= held, f"{len(sends)} messages sent for {len(by_key)} outbox rows: duplicates"
    return Counter({"telegram deliveries": len(sends), "delivery retries": sum(row.attempts - 1 for row in rows),
                    "rows held by the killed dispatcher": held, "sends of the killed batch": unaccounted})


def _chats(database: Database) -> dict[int, int]:
    with database.read() as session:
        return dict(session.execute(select(User.id, User.telegram_chat_id)).all())


@pytest.fixture(scope="module")
def airflow(topology):
    """Airflow with the CeleryExecutor on the topology's PostgreSQL and Redis, once the DAGs are parsed."""
    started = time.monotonic()
    topology.start_airflow()
    api = AirflowApi(topology.named("airflow-apiserver")[0].url)
    deadline = time.monotonic() + AIRFLOW_START_TIMEOUT
    while "sla_sweep" not in api.dag_ids():  # waiting for the dag-processor, not for time to pass
        assert time.monotonic() < deadline, topology.logs()
        time.sleep(2)
    api.started_in = round(time.monotonic() - started)
    return api


def _due_left(database: Database, at: dt.datetime) -> int:
    """Telegram rows not yet sent that are due by `at`."""
    with database.read() as session:
        return session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == "telegram", OutboxMessage.status.in_(("pending", "sending")),
            OutboxMessage.next_attempt_at <= at))


def _wait_run(api: AirflowApi, run_id: str, on_running=None, dag_id: str = "sla_sweep") -> dict:
    """Poll a run until it finishes; `on_running(task_instance)` once, when its task is seen running."""
    deadline = time.monotonic() + AIRFLOW_RUN_TIMEOUT
    while time.monotonic() < deadline:
        run = api.run(dag_id, run_id)
        if run["state"] in ("success", "failed"):
            return run
        if on_running is not None:
            running = [ti for ti in api.task_instances(dag_id, run_id) if ti["state"] == "running"]
            if running and running[0].get("pid"):
                on_running(running[0])
                on_running = None
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish in {AIRFLOW_RUN_TIMEOUT} s")


def _ancestors(pid: int) -> set[int]:
    """`pid` and its parents, up to init (the task runs in a process the supervisor forked, in its own group)."""
    found = set()
    while pid > 1 and pid not in found:
        found.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _sla_rows(database: Database) -> Counter:
    with database.read() as session:
        return Counter(session.execute(select(TimelineEvent.task_id, TimelineEvent.event).where(
            TimelineEvent.event.in_(("reminder_sent", "escalated")))).all())


def test_sla_sweeps_under_celery_with_a_worker_killed_mid_sweep(topology, airflow):
    """Sweeps at chosen instants run on the Celery workers; the worker running one is killed; every run
    succeeds (after a retry on the other worker), a second run at the same instant adds nothing, and the
    reminders and escalations reach Telegram exactly once."""
    figures: Counter[str] = Counter()
    killed: list[str] = []

    def kill_its_worker(task_instance: dict) -> None:
        ancestors = _ancestors(task_instance["pid"])
        [worker] = [running for running in topology.named("airflow-worker") if running.popen.pid in ancestors]
        worker.kill()
        killed.append(worker.name)

    database = Database.from_url(topology.database_url)
    try:
        now = dt.datetime.now(dt.timezone.utc)
        for number, days in enumerate((3, 10)):
            at = now + dt.timedelta(days=days)
            triggered = time.monotonic()
            airflow.trigger("sla_sweep", at, f"topology-{number}")
            run = _wait_run(airflow, f"topology-{number}", kill_its_worker if number == 0 else None)
            assert run["state"] == "success", (run, topology.logs())
            figures[f"seconds to success, run {number}"] = round(time.monotonic() - triggered)
            figures["dag runs"] += 1
            before = _sla_rows(database)
            airflow.trigger("sla_sweep", at, f"topology-{number}-again")
            assert _wait_run(airflow, f"topology-{number}-again")["state"] == "success"
            assert _sla_rows(database) == before, "a second sweep at the same instant wrote again"
            figures["dag runs"] += 1
        rows = _sla_rows(database)
        # The reminders and escalations are due at the sweep's instant, days ahead: the dispatch DAG, run for
        # that instant and the next ticks past a lease (a run leaves what it claimed but did not send to its
        # lease), delivers them.
        for number in range(DISPATCH_RUNS):
            tick = at + number * (LEASE + dt.timedelta(minutes=1))
            airflow.trigger("notification_dispatch", tick, f"topology-dispatch-{number}")
            assert _wait_run(airflow, f"topology-dispatch-{number}", dag_id="notification_dispatch")[
                "state"] == "success"
            figures["dispatch dag runs"] += 1
            if not _due_left(database, dt.datetime.max.replace(tzinfo=dt.timezone.utc)):
                break
        figures.update(_assert_delivered_exactly_once(database, topology, NO_KILL))
    finally:
        database.dispose()
    assert killed, "the sweep finished before its worker could be killed"
    [first] = airflow.task_instances("sla_sweep", "topology-0")
    assert first["try_number"] >= 2, first
    figures.update({"seconds starting airflow": airflow.started_in, "workers killed": len(killed),
                    "sweep tries": first["try_number"],
                    "reminders": sum(n for (_, event), n in rows.items() if event == "reminder_sent"),
                    "escalations": sum(n for (_, event), n in rows.items() if event == "escalated")})
    assert figures["reminders"] and figures["escalations"]
    print("\nairflow figures: " + ", ".join(f"{name}={value}" for name, value in figures.items()))
