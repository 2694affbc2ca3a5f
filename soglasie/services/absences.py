"""Absences: record, list and cancel them — for oneself, or for anyone as an admin (the deputy rule).

A recorded absence is checked before anything is written: the end is not before the start
nor in the past, the deputy exists, is active and is somebody else, the processes are ones
the rule files declare, the user is not already away then, and no chain of deputies loops
back to him (A→B while B→A on a common day). Tasks move at once when it applies today; the
periodic step (soglasie.services.delegation) moves them on the days it starts and ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import NotFound, PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.models import Absence, User
from soglasie.process.deputies import calendar_day
from soglasie.services import delegation
from soglasie.services.common import load_actor, process_context


@dataclass(frozen=True)
class AbsenceInput:
    """What a form or the API sends: ISO dates, the deputy's login, process ids (empty: all)."""

    start: str | dt.date | None
    end: str | dt.date | None
    deputy: str | None
    processes: list[str] | None = None


def record_absence(core: Core, actor_id: int, now: dt.datetime, data: AbsenceInput,
                   login: str | None = None) -> dict:
    """Record an absence of `login` (default: the actor); returns it as `absence_view`."""
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        user = _target(session, actor, login)
        today = calendar_day(core.rulebook.calendar.tz, now)
        absence = _validated(session, core, user, data, today)
        absence.created_by_id, absence.created_at = actor.id, now
        session.add(absence)
        session.flush()
        delegation.reconcile_user(session, process_context(core), user.id, now)
        return absence_view(session, absence)


def list_absences(core: Core, actor_id: int, now: dt.datetime, login: str | None = None) -> list[dict]:
    """The user's absences not cancelled and not over yet, earliest first."""
    with core.db.read() as session:
        user = _target(session, load_actor(session, actor_id), login)
        today = calendar_day(core.rulebook.calendar.tz, now)
        rows = session.scalars(select(Absence).where(
            Absence.user_id == user.id, Absence.cancelled_at.is_(None), Absence.end_date >= today)
            .order_by(Absence.start_date, Absence.id))
        return [absence_view(session, row) for row in rows]


def cancel_absence(core: Core, actor_id: int, absence_id: int, now: dt.datetime) -> None:
    """Cancel one's own absence (an admin: anyone's); the tasks it moved go back at once."""
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        absence = session.get(Absence, absence_id)
        if absence is None or absence.cancelled_at is not None or not _may_manage(actor, absence.user_id):
            raise NotFound(_("Absence not found."), "id")
        absence.cancelled_at = now
        session.flush()
        delegation.reconcile_user(session, process_context(core), absence.user_id, now)


def deputy_choices(core: Core, user_id: int) -> list[tuple[str, str]]:
    """(login, name) of the active users who may be `user_id`'s deputy, by name."""
    with core.db.read() as session:
        rows = session.execute(select(User.login, User.name).where(User.active.is_(True), User.id != user_id)
                               .order_by(User.name))
        return [(login, name) for login, name in rows]


def absence_view(session: Session, absence: Absence) -> dict:
    """The API's JSON of an absence: {id, start, end, deputy, processes}."""
    return {"id": absence.id, "start": absence.start_date.isoformat(), "end": absence.end_date.isoformat(),
            "deputy": session.get(User, absence.deputy_id).login, "processes": absence.processes}


def _may_manage(actor: User, user_id: int) -> bool:
    """One's own absences, or anyone's for an admin."""
    return actor.id == user_id or actor.has_role("admin")


def _target(session: Session, actor: User, login: str | None) -> User:
    """Whose absences: the actor's own, or (admins only) the user with `login`."""
    if login is None or login == actor.login:
        return actor
    if not actor.has_role("admin"):
        raise PermissionDenied(_("Only an administrator may manage another user's absences."), "login")
    user = session.scalars(select(User).where(User.login == login)).first()
    if user is None:
        raise NotFound(_("User not found or disabled."), "login")
    return user


def _validated(session: Session, core: Core, user: User, data: AbsenceInput, today: dt.date) -> Absence:
    """A new Absence from `data`, or the first ValidationError naming its field."""
    start, end = _date(data.start, "start"), _date(data.end, "end")
    if end < start:
        raise ValidationError(_("The end date cannot be before the start date."), "end")
    if end < today:
        raise ValidationError(_("The absence is already over."), "end")
    deputy = _deputy(session, user, data.deputy)
    processes = _processes(core, data.processes)
    if _overlapping(session, user.id, start, end, processes):
        raise ValidationError(_("You already have an absence on these dates."), "start")
    if _would_loop(session, user.id, deputy.id, start, end, processes):
        raise ValidationError(_("%(name)s's deputies lead back to this user on these dates.", name=deputy.name),
                              "deputy", code="deputy_cycle")
    return Absence(user_id=user.id, start_date=start, end_date=end, deputy_id=deputy.id, processes=processes)


def _date(raw, field: str) -> dt.date:
    """An ISO date (YYYY-MM-DD) or a ValidationError naming `field`."""
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), field) from None


def _deputy(session: Session, user: User, login: str | None) -> User:
    """The deputy: an existing, active user other than the absent one."""
    deputy = session.scalars(select(User).where(User.login == (login or "").strip())).first()
    if deputy is None or not deputy.active:
        raise ValidationError(_("Choose an active user as the deputy."), "deputy")
    if deputy.id == user.id:
        raise ValidationError(_("A user cannot be his own deputy."), "deputy", code="deputy_self")
    return deputy


def _processes(core: Core, raw: list[str] | None) -> list[str] | None:
    """The declared process ids the absence is limited to; None (every process) when none given."""
    chosen = sorted({str(item).strip() for item in raw or [] if str(item).strip()})
    unknown = [item for item in chosen if item not in core.rulebook.processes]
    if unknown:
        raise ValidationError(_("Unknown process: %(id)s.", id=", ".join(unknown)), "processes")
    return chosen or None


def _meet(first: list[str] | None, second: list[str] | None) -> list[str] | None | bool:
    """The processes both cover (None: every one), or False when they share none."""
    if first is None or second is None:
        return second if first is None else first
    common = sorted(set(first) & set(second))
    return common or False


def _live(session: Session, user_id: int, start: dt.date, end: dt.date):
    """The user's uncancelled absences sharing a day with start..end."""
    return session.scalars(select(Absence).where(
        Absence.user_id == user_id, Absence.cancelled_at.is_(None),
        Absence.start_date <= end, Absence.end_date >= start))


def _overlapping(session: Session, user_id: int, start: dt.date, end: dt.date, processes) -> bool:
    """True when the user is already away on a common day for a common process."""
    return any(_meet(row.processes, processes) is not False for row in _live(session, user_id, start, end))


def _would_loop(session: Session, user_id: int, deputy_id: int, start: dt.date, end: dt.date,
                processes) -> bool:
    """True when following deputies from `deputy_id` on some common day and process reaches `user_id`."""
    frontier = [(deputy_id, start, end, processes, 0)]
    while frontier:
        current, low, high, scope, depth = frontier.pop()
        if current == user_id:
            return True
        if depth > 32:
            continue
        for row in _live(session, current, low, high):
            common = _meet(row.processes, scope)
            if common is not False:
                frontier.append((row.deputy_id, max(low, row.start_date), min(high, row.end_date), common,
                                 depth + 1))
    return False
