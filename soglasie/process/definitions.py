"""Task definitions the engine needs beyond the rule files (the documents side stage)."""

from __future__ import annotations

from soglasie.errors import Conflict
from soglasie.i18n import _
from soglasie.models import Task
from soglasie.rulebook.model import AssigneeRule, ProcessDefinition, TaskDefinition

# The built-in task of the documents_requested side stage (not declared in rule files).
PROVIDE_DOCUMENTS = TaskDefinition(
    kind="provide_documents",
    title=_("Provide documents"),
    assignee=AssigneeRule("initiator"),
    actions=("complete",),
)


def find_task_definition(process: ProcessDefinition, task: Task) -> TaskDefinition | None:
    """The rule-file definition of a task (the built-in one for provide_documents); None when the rules dropped it."""
    if task.kind == PROVIDE_DOCUMENTS.kind:
        return PROVIDE_DOCUMENTS
    try:
        return process.stage(task.stage).task(task.kind)
    except KeyError:
        return None


def task_definition(process: ProcessDefinition, task: Task) -> TaskDefinition:
    """`find_task_definition`, or a Conflict when the rules changed and the task no longer exists."""
    definition = find_task_definition(process, task)
    if definition is None:
        raise Conflict(_("The rules changed: this task no longer exists in the process."), code="rules_changed")
    return definition
