"""Helpers shared by the services: running a command, parsing times, uploads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from soglasie.core import Core
from soglasie.errors import Conflict, NotFound, ValidationError
from soglasie.i18n import _
from soglasie.models import User
from soglasie.process.engine import Command, Outcome, ProcessContext, execute
from soglasie.rulebook.model import Text


@dataclass
class Created:
    """The new card's id and the warnings validation rules raised (the card was saved)."""

    card_id: int
    stage: str
    warnings: list[Text] = field(default_factory=list)


@dataclass(frozen=True)
class Upload:
    """A file as received from a surface: its bytes and the name the user gave it."""

    data: bytes
    filename: str


def process_context(core: Core) -> ProcessContext:
    """The rules in force and the live channels, for one transition."""
    return ProcessContext(core.rulebook, core.channels)


def run_command(core: Core, command: Command) -> Outcome:
    """Execute one engine command in its own write transaction; a lost race is a Conflict."""
    try:
        with core.db.write() as session:
            return execute(session, process_context(core), command)
    except StaleDataError:
        raise Conflict(_("Someone else just changed this task — reload the page."), code="stale") from None


def load_actor(session: Session, actor_id: int) -> User:
    """The acting user, who must exist and be active."""
    actor = session.get(User, actor_id)
    if actor is None or not actor.active:
        raise NotFound(_("User not found or disabled."), "actor")
    return actor


def parse_instant(raw, field: str, tz) -> dt.datetime | None:
    """An ISO 8601 instant (an offset-less value is in the company's time zone); None if empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValidationError(_("Invalid date/time (ISO 8601 expected)."), field) from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def parse_deadline(raw, field: str, calendar) -> dt.datetime | None:
    """A hard deadline: an ISO instant, or a date meaning the end of that day's working hours."""
    if isinstance(raw, str) and len(raw.strip()) == 10:
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValidationError(_("Invalid date."), field) from None
        # A bare date: the end of that day's working hours, even on a day off (the user's date wins);
        # 17:00 on a shortened pre-holiday day (Labour Code art. 95).
        return calendar.end_of_working_day(day)
    return parse_instant(raw, field, calendar.tz)
