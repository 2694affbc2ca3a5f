"""My work (tasks, my requests, the inbox), the task card, and acting on tasks from the portal."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.errors import ValidationError
from soglasie.models import Task
from soglasie.rulebook.model import ProcessDefinition, Text
from soglasie.services import actions, profile, queries, worklists
from soglasie.services.board import board
from soglasie.services.common import Upload
from soglasie.services.queries import CardFilter
from webapp.auth import require_login
from webapp.cards import view as card_view
from webapp.processes import ordered
from webapp.runtime import actor_id, core, now
from webapp.ui import back_to, card_url, perform

bp = Blueprint("tasks", __name__)
bp.before_request(require_login)

MAX_TEXT = 5000
MY_WORK_TASKS = 30  # the soonest deadlines; the board and the list show the rest


@bp.get("/")
def my_work():
    """My open tasks with deadlines, my cards of each process by stage, and the latest notifications."""
    tasks = worklists.my_open_tasks(core(), actor_id(), now(), limit=MY_WORK_TASKS)
    mine = [(process, board(core(), actor_id(), CardFilter(kind=process.id, mine=True), now(), per_column=5))
            for process in ordered()]
    inbox = profile.inbox(core(), actor_id(), limit=6)
    return render_template("tasks/my_work.html", tasks=tasks, mine=mine, inbox=inbox, now=now())


def _card_of(task_id: int) -> int:
    with core().db.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            abort(404)
        return task.card_id


def _card_page(task_id: int) -> str:
    """The page of the card the task belongs to, under its process's path."""
    with core().db.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            abort(404)
        return card_url(task.card_id, task.card.kind)


@bp.get("/tasks/<id:task_id>")
def task(task_id: int):
    """A task card: the card's facts (the payment details where the stage says so), the memo, files, actions."""
    card = queries.get_card(core(), actor_id(), _card_of(task_id), now())
    found = next((item for item in card["tasks"] if item["id"] == task_id), None)
    if found is None:  # a task of an earlier round: its card tells the story
        abort(404)
    context = card_view.context(card, current_user.login)
    found = {**found, "on_behalf": found["assignee"] != current_user.login,
             "attachment_title": _attachment_title(context["process"], found)}
    files = [item for item in card["attachments"] if item["task_id"] == task_id]
    document = context["process"].card.document
    documents = [item for item in card["attachments"] if document is not None and item["purpose"] == document.purpose]
    return render_template("tasks/task.html", task=found, task_files=files, documents=documents, now=now(),
                           **context)


def _attachment_title(process: ProcessDefinition, task: dict) -> Text | None:
    """The label of the file the task asks for (its rule file's `attachment_title`), if any."""
    try:
        return process.stage(task["stage"]).task(task["kind"]).attachment_title
    except KeyError:  # a side task (provide_documents) is in no stage's list
        return None


def _text(name: str) -> str | None:
    """A free-text form field; None when left empty."""
    value = (request.form.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(_("At most %(count)d characters.", count=MAX_TEXT), name)
    return value or None


@bp.post("/tasks/<id:task_id>/<any(start, approve, reject, \"request-documents\", complete):action>")
def act(task_id: int, action: str):
    """Take into work, approve, reject, request documents or complete, from a button or dialog."""
    who, when = actor_id(), now()
    calls = {
        "start": (lambda: actions.take_into_work(core(), who, task_id, when), _("The task is in your work.")),
        "approve": (lambda: actions.approve(core(), who, task_id, when, _text("comment")), _("Approved.")),
        "reject": (lambda: actions.reject(core(), who, task_id, when, _text("reason")),
                   _("Rejected; the initiator is told why.")),
        "request-documents": (lambda: actions.request_documents(core(), who, task_id, when, _text("comment")),
                              _("Documents requested from the initiator.")),
        "complete": (lambda: actions.complete(core(), who, task_id, when, _text("comment")), _("Task completed.")),
    }
    call, message = calls[action]
    return perform(call, message, back_to(_card_page(task_id)))


def _files(name: str) -> list[Upload]:
    return [Upload(item.read(), item.filename or "file") for item in request.files.getlist(name) if item]


@bp.post("/tasks/<id:task_id>/upload")
def upload(task_id: int):
    """Attach a file to one's task (e.g. the payment order with the bank's stamp)."""
    files = _files("file")

    def attach():
        """Every chosen file, or a ValidationError when none was chosen."""
        if not files:
            raise ValidationError(_("Choose a file."), "file")
        actions.attach_files(core(), actor_id(), task_id, files, now())
    return perform(attach, _("File attached."), back_to(url_for(".task", task_id=task_id)))


@bp.post("/tasks/<id:task_id>/answer")
def answer(task_id: int):
    """The initiator's answer to a documents request: files and/or a comment."""
    files, comment = _files("files"), _text("comment")
    return perform(lambda: actions.answer_documents(core(), actor_id(), task_id, now(), comment, files),
                   _("Your answer is sent; the request returns to its approver."),
                   back_to(_card_page(task_id)))
