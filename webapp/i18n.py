"""Languages: Russian by default, English switchable; dates, amounts and core texts per locale."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation

from babel.dates import format_datetime as babel_datetime
from babel.dates import get_day_names, get_month_names
from flask import Flask, g, request, session
from flask_babel import Babel, format_timedelta
from flask_login import current_user

from soglasie.attachments import human_size
from soglasie.rulebook.model import Text
from webapp import labels
from webapp.catalogs import ensure_compiled
from webapp.js_messages import js_messages
from webapp.processes import process_of
from webapp.runtime import core, locale

LOCALES = ("ru", "en")


def select_locale() -> str:
    """The user's saved language; for visitors, their choice in this session, the browser's, or ru."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user.locale if api_user.locale in LOCALES else "ru"
    if current_user and current_user.is_authenticated:
        return current_user.locale if current_user.locale in LOCALES else "ru"
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default="ru") if request else "ru"


def _instant(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


@functools.cache
def _month_names(code: str) -> tuple[str, ...]:
    """Abbreviated month names in `code` as Babel spells them in dates ("дек.", "Dec")."""
    return ("",) + tuple(babel_datetime(dt.datetime(2024, month, 15), "MMM", locale=code) for month in range(1, 13))


@functools.cache
def month_names(code: str) -> tuple[str, ...]:
    """Full stand-alone month names, index 1–12 ("Январь", "January"), for calendars."""
    names = get_month_names("wide", "stand-alone", locale=code)
    return ("",) + tuple(names[month][:1].upper() + names[month][1:] for month in range(1, 13))


@functools.cache
def weekday_names(code: str) -> tuple[str, ...]:
    """Short weekday names, Monday first ("Пн", "Mo"), for calendar grids."""
    names = get_day_names("short", "stand-alone", locale=code)
    return tuple(names[day][:1].upper() + names[day][1:] for day in range(7))


def when(value, with_time: bool = True) -> str:
    """An instant (ISO text or datetime) in the company's time zone: "1 дек. 2026, 10:00" / "1 Dec 2026, 10:00".

    Formatted by hand from Babel's month names: the board shows a hundred of these per page.
    """
    instant = _instant(value)
    if instant is None:
        return ""
    local = instant.astimezone(core().rulebook.calendar.tz)
    shown = f"{local.day} {_month_names(locale())[local.month]} {local.year}"
    return f"{shown}, {local:%H:%M}" if with_time else shown


def day(value) -> str:
    """The date part of an instant, per locale; a calendar date ("2027-12-31") as it is, in no time zone."""
    if isinstance(value, str) and len(value) == 10:
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.day} {_month_names(locale())[value.month]} {value.year}"
    return when(value, with_time=False)


def money(value, currency: str = "RUB") -> str:
    """ "150000.00" → "150 000,00 ₽" (ru) / "150,000.00 ₽" (en), as Babel groups them."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    grouped = f"{amount:,.2f}"
    if locale() == "ru":
        grouped = grouped.replace(",", "\u00a0").replace(".", ",")
    return f"{grouped}\u00a0{'₽' if currency == 'RUB' else currency}"


def text(value) -> str:
    """A core text ({ru, en} dict or Text) in the user's language."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.get(locale())
    if isinstance(value, dict):
        return value.get(locale()) or value.get("ru") or ""
    return str(value)


def stage_title(stage: str | None, kind: str) -> str:
    """The title of a stage id of process `kind` from the rules in force (side stages from our labels)."""
    if not stage:
        return ""
    if stage in labels.SIDE_STAGES:
        return labels.label(labels.SIDE_STAGES, stage)
    title = process_of(kind).stage_title(stage)
    return title.get(locale()) if title is not None else stage


def attachment_label(purpose: str, kind: str) -> str:
    """What a file is: the process's main document, the file a task asks for, or a generic purpose."""
    process = process_of(kind)
    document = process.card.document
    if document is not None and purpose == document.purpose:
        return document.title.get(locale())
    for stage in process.stages:
        for task in stage.tasks:
            if task.kind == purpose:  # a file attached to a task of this kind
                return (task.attachment_title or task.title).get(locale())
    return labels.label(labels.ATTACHMENT_PURPOSES, purpose)


def filesize(size: int) -> str:
    """1048576 → "1 MB" / "1 МБ"."""
    shown = human_size(int(size or 0))
    if locale() == "ru":
        shown = shown.replace("MB", "МБ").replace("KB", "КБ").replace(" B", " Б")
    return shown.replace(".", ",") if locale() == "ru" else shown


def relative(value, now: dt.datetime) -> str:
    """How far an instant is from now, e.g. "3 hours", in the user's language."""
    instant = _instant(value)
    if instant is None:
        return ""
    return format_timedelta(abs(instant - now), granularity="minute", threshold=0.9)


def init_app(app: Flask) -> None:
    """Flask-Babel with our selectors, and the formatting filters for templates."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "ru")
    ensure_compiled()
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(when=when, day=day, money=money, text=text, stage_title=stage_title,
                                 filesize=filesize, attachment_label=attachment_label)
    app.jinja_env.globals.update(labels=labels, label=labels.label, relative=relative, LOCALES=LOCALES)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["js_messages"] = js_messages
    app.context_processor(lambda: {"current_locale": locale(),
                                   "max_upload_bytes": core().settings.max_upload_bytes})
