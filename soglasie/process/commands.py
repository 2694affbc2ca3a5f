"""The values the process engine takes and returns: a command, its context, its outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from soglasie.rulebook.model import RuleBook, Text


@dataclass(frozen=True)
class ProcessContext:
    """What a transition needs besides the database: the rules and the live channels."""

    rulebook: RuleBook
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    """One action by one user at one instant, on a task or on a card."""

    action: str
    actor_id: int
    now: dt.datetime
    task_id: int | None = None
    card_id: int | None = None
    comment: str | None = None


@dataclass
class Outcome:
    """What a transition did, for the surface to report."""

    card_id: int
    stage: str
    task_id: int | None = None
    on_behalf_of_id: int | None = None
    warnings: list[Text] = field(default_factory=list)
