"""The vocabulary a transition is declared in: where it applies from, who may, its guards, and their checking.

A `Transition` (see `soglasie.process.transitions.TRANSITIONS`) is data: the run stages it
applies from (`Source`), the task statuses, who may take it (`who`), and its guards. The
engine checks a command against it (`first_refusal(..., with_input=True)`), and "what may
this viewer do now" is the same check without the command's input — so the buttons offered
and the commands accepted cannot drift apart (docs/architecture.md, "The one transition function").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from soglasie.errors import DomainError
from soglasie.i18n import Message
from soglasie.nouns import lowercase_first, noun_params
from soglasie.process import permissions
from soglasie.models import OPEN_STATUSES, Card, ProcessRun, Task, User
from soglasie.process.commands import Command, ProcessContext
from soglasie.process.notices import NoticeWriter
from soglasie.rulebook.model import SIDE_STAGES, ProcessDefinition, TaskDefinition, Text

# Where a run may be, as a source names it: any stage of the run's route, the process's
# terminal, or one of the side stages (their own constants: REJECTED, FROZEN, DOCUMENTS_REQUESTED).
ROUTE, TERMINAL, UNKNOWN = "route", "terminal", "unknown"
TASK, CARD = "task", "card"  # what an action is taken on


@dataclass(kw_only=True)
class Situation:
    """What a transition's conditions look at: the viewer, the card, its current run, maybe a task."""

    session: Session
    actor: User
    card: Card
    run: ProcessRun
    process: ProcessDefinition
    task: Task | None = None
    definition: TaskDefinition | None = None


@dataclass(kw_only=True)
class Step(Situation):
    """The loaded, locked objects of one command, as the transitions see them."""

    context: ProcessContext
    command: Command
    on_behalf_of_id: int | None = None
    warnings: list[Text] = field(default_factory=list)
    # Open tasks of the task's run and stage besides it, read with the task under the write lock (None: not read).
    other_open_tasks: int | None = None

    @property
    def notices(self) -> NoticeWriter:
        """A writer of timeline rows and messages about this card, at the command's instant."""
        return NoticeWriter(self.session, self.context, self.card, self.command.now)


@dataclass(frozen=True)
class Refusal:
    """A declared answer: the error class, its stable code, its words and the field it names."""

    error: type[DomainError]
    code: str
    text: Text
    field: str | None = None

    def __call__(self, process: ProcessDefinition | None = None) -> DomainError:
        """The error to raise (or, for "what may the viewer do", merely to note), in `process`'s words."""
        text = self.text
        if process is not None and isinstance(text, Message):
            text = text.format(**noun_params(process), terminal=_terminal_word(process))
        return self.error(text, self.field, code=self.code)


def _terminal_word(process: ProcessDefinition):
    """The terminal stage's title inside a sentence ("подписан", "signed"), per language."""
    return lambda locale: lowercase_first(process.terminal_title.get(locale))


def where(process: ProcessDefinition, run: ProcessRun) -> str:
    """The run's stage as a source names it: ROUTE, TERMINAL, a side stage, or UNKNOWN."""
    if run.stage == process.terminal:
        return TERMINAL
    if run.stage in SIDE_STAGES:
        return run.stage
    return ROUTE if run.stage in run.route else UNKNOWN


@dataclass(frozen=True)
class Source:
    """The run stages an action applies from; from any other, its declared answer.

    A task action applies only while the run is at the task's own stage (that is what makes
    the task current); `at` names the answer for particular stages, `otherwise` the rest.
    """

    stages: frozenset[str]
    otherwise: Refusal
    at: Mapping[str, Refusal] = field(default_factory=dict)

    def refusal(self, situation: Situation) -> DomainError | None:
        """None when the run is where the action applies, else the declared error."""
        here = where(situation.process, situation.run)
        task = situation.task
        if here in self.stages and (task is None or task.stage == situation.run.stage):
            return None
        return self.at.get(here, self.otherwise)(situation.process)


@dataclass(frozen=True)
class Guard:
    """An extra condition; `on_input` ones look at the command's input (its comment, the files attached for it).

    Input guards are checked when the command comes, not when deciding which buttons to show:
    a reject button is offered before the reason is typed.
    """

    name: str
    check: Callable[..., DomainError | None]  # takes the Situation (a Step for input guards)
    on_input: bool = False


def assignee_or_on_behalf(situation: Situation, action: str) -> DomainError | None:
    """Who may act on a task: an action the task offers, by its assignee or an on-behalf role of the rule file."""
    return permissions.task_refusal(situation.actor, situation.task, situation.definition, action)


def card_actions_roles(situation: Situation, action: str) -> DomainError | None:
    """Who may act on a card: a role (or the initiator) the process's `card_actions` lists for the action."""
    return permissions.card_refusal(situation.actor, situation.card, situation.process, action)


@dataclass(frozen=True)
class Transition:
    """One action declared as data beside its effect."""

    action: str
    on: str  # TASK or CARD
    effect: Callable[[Step], None]
    source: Source
    who: Callable[[Situation, str], DomainError | None]
    task_statuses: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = ()
    decided: Refusal | None = None  # the answer on a task already decided (checked before the stage)
    other_status: Refusal | None = None  # the answer on an open task of a status not in task_statuses

    def __post_init__(self) -> None:
        # A decided task takes no action: a task transition applies from open statuses only.
        if self.on == TASK and not (self.task_statuses and set(self.task_statuses) <= set(OPEN_STATUSES)
                                    and self.decided and self.other_status):
            raise ValueError(f"task transition {self.action!r} must name open task statuses and their answers")


def first_refusal(transition: Transition, situation: Situation, with_input: bool) -> DomainError | None:
    """The first declared condition `situation` fails, as its error; None when the action may be taken."""
    return next((error for error in _refusals(transition, situation, with_input) if error is not None), None)


def _refusals(transition: Transition, situation: Situation, with_input: bool) -> Iterator[DomainError | None]:
    """The checks in the engine's order: who, a decided task, the stage, the task status, the guards."""
    yield transition.who(situation, transition.action)
    task = situation.task
    if transition.on == TASK and task.status not in OPEN_STATUSES:
        yield transition.decided(situation.process)
    yield transition.source.refusal(situation)
    if transition.on == TASK and task.status not in transition.task_statuses:
        yield transition.other_status(situation.process)
    for guard in transition.guards:
        if with_input or not guard.on_input:
            yield guard.check(situation)
