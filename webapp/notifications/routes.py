"""The notifications inbox: every message the portal channel delivered, newest first."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.services import profile, queries
from webapp.auth import require_login
from webapp.runtime import actor_id, core, now
from webapp.ui import card_page, perform

bp = Blueprint("notifications", __name__, url_prefix="/inbox")
bp.before_request(require_login)
PAGE = 50


@bp.app_context_processor
def unread_badge() -> dict:
    """The unread count in the header of every page (one COUNT over the unread-index entries)."""
    if not current_user or not current_user.is_authenticated:
        return {"nav_unread": 0}
    return {"nav_unread": profile.unread_count(core(), current_user.id)}


@bp.get("")
def inbox():
    """My notifications; `unread=1` shows only the new ones; `more` loads further back."""
    unread_only = request.args.get("unread") == "1"
    limit = PAGE * min(max(request.args.get("more", 1, type=int) or 1, 1), 20)
    notes = profile.inbox(core(), actor_id(), limit=limit, unread_only=unread_only)
    return render_template("notifications/inbox.html", notes=notes, unread_only=unread_only, limit=limit)


@bp.get("/<id:note_id>")
def open(note_id: int):  # noqa: A001 - the view's name is its URL's verb
    """Mark one message read and go to its request."""
    note = profile.open_notification(core(), actor_id(), note_id, now())
    if note["request_id"]:
        return redirect(card_page(note["request_id"]))
    return redirect(url_for(".inbox"))


@bp.post("/read")
def read_all():
    """Mark every message read."""
    return perform(lambda: queries.mark_notifications_read(core(), actor_id(), now()),
                   _("All notifications are marked as read."), url_for(".inbox"))
