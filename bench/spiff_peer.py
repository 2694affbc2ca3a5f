"""The SpiffWorkflow peer of bench_process.py: the same approval route as a BPMN process.

Each transition loads the workflow's serialized JSON, completes the ready user task with
SpiffWorkflow, and writes the JSON back in one `sqlite3` transaction — what a team that
picked a BPMN engine instead of Soglasie's would run. SpiffWorkflow is a bench-only
dependency (bench/requirements-bench.txt); `load()` returns None when it is not installed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="head_approval"/>
    <bpmn:userTask id="head_approval" name="Head approval"/>
    <bpmn:sequenceFlow id="f2" sourceRef="head_approval" targetRef="finance_review"/>
    <bpmn:userTask id="finance_review" name="Finance review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="finance_review" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="payment_order"/>
    <bpmn:sequenceFlow id="f5" sourceRef="split" targetRef="make_payment"/>
    <bpmn:userTask id="payment_order" name="Attach the payment order"/>
    <bpmn:userTask id="make_payment" name="Make the payment"/>
    <bpmn:sequenceFlow id="f6" sourceRef="payment_order" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="make_payment" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="paid"/>
    <bpmn:endEvent id="paid"/>
  </bpmn:process>
</bpmn:definitions>
"""


class SpiffPeer:
    """Files and decides requests with SpiffWorkflow, persisting each workflow as JSON in SQLite."""

    def __init__(self, path: Path):
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.util.task import TaskState

        parser = BpmnParser()
        parser.add_bpmn_str(_BPMN.encode("utf-8"))
        self._spec, self._workflow, self._ready = parser.get_spec("payment"), BpmnWorkflow, TaskState.READY
        self._serializer = BpmnWorkflowSerializer()
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                              "CREATE TABLE workflows (id INTEGER PRIMARY KEY, state TEXT NOT NULL);")

    def create(self) -> int:
        """A new workflow at its first user task, stored in one transaction."""
        workflow = self._workflow(self._spec)
        workflow.do_engine_steps()
        self.db.execute("BEGIN IMMEDIATE")
        row_id = self.db.execute("INSERT INTO workflows (state) VALUES (?)",
                                 (self._serializer.serialize_json(workflow),)).lastrowid
        self.db.execute("COMMIT")
        return row_id

    def complete(self, row_id: int, task_name: str) -> None:
        """Load, complete the ready user task `task_name`, run the engine, store: one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        (state,) = self.db.execute("SELECT state FROM workflows WHERE id = ?", (row_id,)).fetchone()
        workflow = self._serializer.deserialize_json(state)
        task = next(task for task in workflow.get_tasks(state=self._ready, manual=True)
                    if task.task_spec.name == task_name)
        task.run()
        workflow.do_engine_steps()
        self.db.execute("UPDATE workflows SET state = ? WHERE id = ?",
                        (self._serializer.serialize_json(workflow), row_id))
        self.db.execute("COMMIT")


def load(path: Path) -> SpiffPeer | None:
    """The peer, or None (with the reason printed) when SpiffWorkflow is not installed."""
    try:
        return SpiffPeer(path)
    except ImportError:
        print("<!-- SpiffWorkflow peer skipped: pip install -r bench/requirements-bench.txt -->")
        return None
