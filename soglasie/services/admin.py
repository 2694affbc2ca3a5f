"""The admin's use cases: departments and heads, users and roles, directories, the rules in force.

Every function checks that the actor is an admin (deny by default) and validates its input
with the same cleaners the rest of the core uses; nothing is written on an error.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import Conflict, NotFound, PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.models import OPEN_STATUSES, CostItem, Counterparty, Department, Task, User, UserRole
from soglasie.passwords import hash_password
from soglasie.rulebook.model import ROLES
from soglasie.services import sessions
from soglasie.services.common import load_actor
from soglasie.services.directory import counterparty_view
from soglasie.services.profile import LOCALES, MIN_PASSWORD_LENGTH
from soglasie.services.views import iso
from soglasie.validation import clean_bank_details, clean_kpp, clean_text, is_id

_CODE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_LOGIN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def _admin(session: Session, actor_id: int) -> User:
    actor = load_actor(session, actor_id)
    if not actor.has_role("admin"):
        raise PermissionDenied(_("Only the admin can do this."))
    return actor


def require_admin(core: Core, actor_id: int) -> None:
    """PermissionDenied unless the actor is an admin (for pages that read no table)."""
    with core.db.read() as session:
        _admin(session, actor_id)


def _user_by_login(session: Session, login: str | None, field: str) -> User | None:
    """The active user with this login; None for an empty value."""
    if not login:
        return None
    user = session.scalars(select(User).where(User.login == login.strip())).first()
    if user is None or not user.active:
        raise ValidationError(_("No such active user."), field)
    return user


def _department(session: Session, department_id, field: str) -> Department | None:
    if department_id in (None, ""):
        return None
    department = session.get(Department, int(department_id)) if is_id(department_id) else None
    if department is None:
        raise ValidationError(_("No such department."), field)
    return department


# --- departments ------------------------------------------------------------------------------


def list_departments(core: Core, actor_id: int) -> list[dict]:
    """Every department in tree order (parents before children), with its depth, head and size."""
    with core.db.read() as session:
        _admin(session, actor_id)
        rows = list(session.scalars(select(Department).order_by(Department.name)))
        members = dict(session.execute(select(User.department_id, func.count(User.id))
                                       .where(User.active.is_(True)).group_by(User.department_id)).all())
        children: dict[int | None, list[Department]] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
        ordered: list[dict] = []

        def walk(parent_id, depth):
            """Append the children of `parent_id`, each followed by its own subtree."""
            for row in children.get(parent_id, []):
                ordered.append({"id": row.id, "code": row.code, "name": row.name, "parent_id": row.parent_id,
                                "depth": depth, "members": members.get(row.id, 0),
                                "head": row.head.login if row.head else None,
                                "head_name": row.head.name if row.head else None})
                walk(row.id, depth + 1)

        walk(None, 0)
        return ordered


def create_department(core: Core, actor_id: int, *, code: str | None, name: str | None,
                      parent_id=None, head: str | None = None) -> int:
    """Add a department; returns its id."""
    clean_code = (code or "").strip().lower()
    if not _CODE.fullmatch(clean_code):
        raise ValidationError(_("The code is Latin letters, digits, _ . -, up to 64 characters."), "code")
    clean_name = clean_text(name, "name", required=True, max_length=200)
    with core.db.write() as session:
        _admin(session, actor_id)
        if session.scalar(select(Department.id).where(Department.code == clean_code)):
            raise Conflict(_("A department with this code exists."), "code", code="duplicate")
        parent = _department(session, parent_id, "parent_id")
        row = Department(code=clean_code, name=clean_name, parent_id=parent.id if parent else None)
        row.head = _user_by_login(session, head, "head")
        session.add(row)
        session.flush()
        return row.id


def update_department(core: Core, actor_id: int, department_id: int, *, name: str | None,
                      parent_id=None, head: str | None = None) -> None:
    """Rename a department, move it in the tree (never under itself) or change its head."""
    clean_name = clean_text(name, "name", required=True, max_length=200)
    with core.db.write() as session:
        _admin(session, actor_id)
        row = session.get(Department, department_id)
        if row is None:
            raise NotFound(_("Department not found."))
        parent = _department(session, parent_id, "parent_id")
        ancestor = parent
        while ancestor is not None:
            if ancestor.id == row.id:
                raise ValidationError(_("A department cannot be inside itself."), "parent_id")
            ancestor = ancestor.parent
        row.name, row.parent_id = clean_name, parent.id if parent else None
        row.head = _user_by_login(session, head, "head")


# --- users ------------------------------------------------------------------------------------


def _user_view(user: User, open_tasks: int = 0) -> dict:
    return {"id": user.id, "login": user.login, "name": user.name, "email": user.email,
            "roles": sorted(user.roles), "locale": user.locale, "active": user.active,
            "department_id": user.department_id,
            "department": user.department.name if user.department else None,
            "telegram_linked": user.telegram_chat_id is not None, "open_tasks": open_tasks}


def list_users(core: Core, actor_id: int, search: str | None = None) -> list[dict]:
    """Every user (active first, by name), optionally matching `search` in login or name."""
    with core.db.read() as session:
        _admin(session, actor_id)
        query = select(User)
        if search and search.strip():
            needle = f"%{search.strip()}%"
            query = query.where(or_(User.login.ilike(needle), User.name.ilike(needle)))
        users = list(session.scalars(query.order_by(User.active.desc(), User.name).limit(1000)))
        open_tasks = dict(session.execute(
            select(Task.assignee_id, func.count(Task.id)).where(Task.status.in_(OPEN_STATUSES))
            .group_by(Task.assignee_id)).all())
        return [_user_view(user, open_tasks.get(user.id, 0)) for user in users]


def get_user(core: Core, actor_id: int, user_id: int) -> dict:
    """One user as the edit form shows him."""
    with core.db.read() as session:
        _admin(session, actor_id)
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(_("User not found."))
        count = session.scalar(select(func.count(Task.id)).where(
            Task.assignee_id == user.id, Task.status.in_(OPEN_STATUSES)))
        return _user_view(user, count or 0)


def _clean_roles(roles) -> list[str]:
    chosen = sorted(set(roles or ()))
    unknown = [role for role in chosen if role not in ROLES]
    if unknown:
        raise ValidationError(_("Unknown role."), "roles")
    return chosen


def _clean_profile(name, email, locale) -> tuple[str, str | None, str]:
    clean_name = clean_text(name, "name", required=True, max_length=200)
    clean_email = clean_text(email, "email", max_length=200) or None
    if clean_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", clean_email):
        raise ValidationError(_("Invalid e-mail address."), "email")
    if locale not in LOCALES:
        raise ValidationError(_("Unknown language."), "locale")
    return clean_name, clean_email, locale


def _check_password(password: str | None, required: bool) -> str | None:
    if not password and not required:
        return None
    if not password or not MIN_PASSWORD_LENGTH <= len(password) <= 200:
        raise ValidationError(_("The password must be %(min)s to 200 characters long.", min=MIN_PASSWORD_LENGTH),
                              "password")
    return password


def create_user(core: Core, actor_id: int, now: dt.datetime, *, login: str | None, name: str | None,
                password: str | None, email: str | None = None, department_id=None, roles=("employee",),
                locale: str = "ru") -> int:
    """Add a user who can log in with `password`; returns his id."""
    clean_login = (login or "").strip().lower()
    if not _LOGIN.fullmatch(clean_login):
        raise ValidationError(_("The login is Latin letters, digits, _ . -, up to 64 characters."), "login")
    clean_name, clean_email, clean_locale = _clean_profile(name, email, locale)
    clean_roles = _clean_roles(roles)
    secret = _check_password(password, required=True)
    with core.db.write() as session:
        _admin(session, actor_id)
        if session.scalar(select(User.id).where(func.lower(User.login) == clean_login)):
            raise Conflict(_("This login is taken."), "login", code="duplicate")
        department = _department(session, department_id, "department_id")
        user = User(login=clean_login, name=clean_name, email=clean_email, password_hash=hash_password(secret),
                    locale=clean_locale, department_id=department.id if department else None,
                    active=True, created_at=now)
        user.role_rows = [UserRole(role=role) for role in clean_roles]
        session.add(user)
        session.flush()
        return user.id


def update_user(core: Core, actor_id: int, user_id: int, now: dt.datetime, *, name: str | None,
                email: str | None = None, department_id=None, roles=(), locale: str = "ru", active: bool = True,
                password: str | None = None) -> None:
    """Change a user's details, roles, department or password, or (de)activate him.

    Deactivating him or resetting his password cuts him off (sessions, API tokens, Telegram):
    see `sessions.cut_off`.
    """
    clean_name, clean_email, clean_locale = _clean_profile(name, email, locale)
    clean_roles = _clean_roles(roles)
    secret = _check_password(password, required=False)
    with core.db.write() as session:
        _admin(session, actor_id)
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(_("User not found."))
        if user.id == actor_id and (not active or "admin" not in clean_roles):
            raise ValidationError(_("You cannot deactivate yourself or drop your own admin role."), "roles")
        department = _department(session, department_id, "department_id")
        if (user.active and not active) or secret:
            sessions.cut_off(session, user, now)
        user.name, user.email, user.locale, user.active = clean_name, clean_email, clean_locale, bool(active)
        user.department_id = department.id if department else None
        if set(clean_roles) != user.roles:
            user.role_rows = [UserRole(role=role) for role in clean_roles]
        if secret:
            user.password_hash = hash_password(secret)


# --- directories ------------------------------------------------------------------------------


def list_all_counterparties(core: Core, actor_id: int, search: str | None = None, limit: int = 500) -> list[dict]:
    """Counterparties including inactive ones, by name, optionally matching `search`."""
    with core.db.read() as session:
        _admin(session, actor_id)
        query = select(Counterparty)
        if search and search.strip():
            needle = search.strip()
            query = query.where(or_(Counterparty.name.ilike(f"%{needle}%"), Counterparty.inn.like(f"{needle}%")))
        return [counterparty_view(row) for row in session.scalars(query.order_by(Counterparty.name).limit(limit))]


def get_counterparty(core: Core, actor_id: int, counterparty_id: int) -> dict:
    """One counterparty for the edit form."""
    with core.db.read() as session:
        _admin(session, actor_id)
        row = session.get(Counterparty, counterparty_id)
        if row is None:
            raise NotFound(_("Counterparty not found."))
        return counterparty_view(row)


def update_counterparty(core: Core, actor_id: int, counterparty_id: int, *, name: str | None,
                        kpp: str | None = None, bik: str | None = None, account: str | None = None,
                        active: bool = True) -> None:
    """Correct a counterparty's name or bank details, or hide it from new requests (INN is fixed)."""
    clean_name = clean_text(name, "name", required=True, max_length=300)
    clean_kpp_value = clean_kpp(kpp)
    clean_bik, clean_account = clean_bank_details(bik, account)
    with core.db.write() as session:
        _admin(session, actor_id)
        row = session.get(Counterparty, counterparty_id)
        if row is None:
            raise NotFound(_("Counterparty not found."))
        row.name, row.kpp, row.bik, row.account = clean_name, clean_kpp_value, clean_bik, clean_account
        row.active = bool(active)


def list_all_cost_items(core: Core, actor_id: int) -> list[dict]:
    """Every cost item including inactive ones, by code."""
    with core.db.read() as session:
        _admin(session, actor_id)
        rows = session.scalars(select(CostItem).order_by(CostItem.code))
        return [{"id": row.id, "code": row.code, "name": row.name, "active": row.active} for row in rows]


def update_cost_item(core: Core, actor_id: int, cost_item_id: int, *, name: str | None, active: bool = True) -> None:
    """Rename a cost item or hide it from new requests (its code is fixed: rules refer to it)."""
    clean_name = clean_text(name, "name", required=True, max_length=200)
    with core.db.write() as session:
        _admin(session, actor_id)
        row = session.get(CostItem, cost_item_id)
        if row is None:
            raise NotFound(_("Cost item not found."))
        row.name, row.active = clean_name, bool(active)


# --- rules ------------------------------------------------------------------------------------


def rules_status(core: Core, actor_id: int) -> dict:
    """The rules in force (version, processes, files as on disk) and the last validation errors."""
    require_admin(core, actor_id)
    rulebook = core.rulebook  # reading it also picks up changed files
    fallback = core.rules.fallback  # started while the files were broken: the stored version is in force
    files = _stored_files(fallback) if fallback is not None else _files_on_disk(rulebook)
    tz = rulebook.calendar.tz
    return {
        "version": rulebook.version,
        "directory": str(core.rules.rules_dir),
        "valid": not core.rules.last_errors,
        "fallback": {"version": fallback.version, "went_live_at": iso(fallback.went_live_at, tz),
                     "loaded_by": fallback.loaded_by} if fallback is not None else None,
        "history": _rules_history(core, tz),
        "errors": [{"file": error.path.rsplit("/", 1)[-1], "line": error.line, "message": error.message}
                   for error in core.rules.last_errors],
        "processes": [{"id": process.id, "title": process.title, "terminal_title": process.terminal_title,
                       "stages": [{"id": stage.id, "title": stage.title, "optional": stage.optional}
                                  for stage in process.stages]}
                      for process in rulebook.processes.values()],
        "files": files,
    }


def _files_on_disk(rulebook) -> list[dict]:
    files = []
    for path in rulebook.files:
        try:
            content = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            content = None
        files.append({"name": path.rsplit("/", 1)[-1], "path": path, "content": content})
    return files


def _stored_files(stored) -> list[dict]:
    """The files of the stored version in force, as the database keeps them."""
    return [{"name": name, "path": name, "content": data.decode("utf-8")}
            for name, data in sorted(stored.files.items())]


def _rules_history(core: Core, tz, limit: int = 10) -> list[dict]:
    """The newest stored rules versions (empty without an archive or a readable table)."""
    archive = core.rules.archive
    try:
        history = archive.history()[:limit] if archive is not None else []
    except SQLAlchemyError:
        return []
    return [{"version": item.version, "went_live_at": iso(item.went_live_at, tz), "loaded_by": item.loaded_by}
            for item in history]
