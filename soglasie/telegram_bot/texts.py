"""What the bot says (the core's catalogue: English msgids, Russian in soglasie/translations)."""

from __future__ import annotations

from soglasie.i18n import _, gendered
from soglasie.rulebook.model import DOCUMENTS_REQUESTED, FROZEN, REJECTED

BUTTONS = {
    "take_into_work": _("▶️ Take into work"),
    "approve": _("✅ Approve"),
    "approve_on_behalf": _("✅ Approve on their behalf"),
    "reject": _("❌ Reject"),
    "comment": _("💬 Comment"),
    "open": _("🔗 Open in the portal"),
    "previous": _("« Previous"),
    "next": _("Next »"),
}

# A decided task's messages, edited wherever it was decided (placeholders: actor, at, reason).
DECIDED = {
    "approved": _("✅ Approved: %(actor)s (%(at)s)."),
    "completed": _("✅ Done: %(actor)s (%(at)s)."),
    "rejected": _("❌ Rejected: %(actor)s (%(at)s). Reason: %(reason)s"),
    "cancelled": _("⏹ The task was cancelled (%(at)s)."),
}
DECIDED_OTHER = _("The task is closed (%(at)s).")

OUTCOMES = {
    "take_into_work": _("▶️ Taken into work (%(at)s)."),
    "approve": _("✅ Approved (%(at)s)."),
    "reject": _("❌ Rejected (%(at)s). Reason: %(reason)s"),
}

# The side stages a card of any process may be at; Russian agrees with the process's noun
# ("Заявка … Отклонена", "Договор … Отклонён").
SIDE_STAGE_TITLES = {
    REJECTED: gendered("Rejected"),
    FROZEN: gendered("Frozen"),
    DOCUMENTS_REQUESTED: _("Documents requested"),
}

# Placeholders: soglasie.notifications.messages (card_params).
SUMMARY = _("%(Noun)s #%(card)s%(subject)s%(colon_details)s")
STAGE = _("Stage: %(stage)s")
DEADLINE = _("Due: %(deadline)s")

LINKED = _("Done, %(name)s: this chat is linked to Soglasie. Tasks, reminders and escalations will arrive "
           "here with buttons, so you can decide right here. /stop unlinks it.")
INSTRUCTIONS = _("This chat is not linked to Soglasie. Open your profile in the portal, press \"Connect Telegram\" "
                 "and follow the link (it works once, for 15 minutes).")
PRIVATE_ONLY = _("Telegram can only be linked in a private chat with the bot.")
UNLINKED = _("The chat is unlinked: no more notifications here. Link it again from your portal profile.")
HELP = _("I deliver Soglasie tasks with their documents. Press the buttons under a message to take a task into "
         "work, approve, reject or comment on it.\n"
         "/tasks — my open tasks\n"
         "/card N — card number N\n"
         "/cancel — cancel typing a reason or a comment\n"
         "/stop — unlink this chat\n"
         "/help — this help")
# The bot's command menu (setMyCommands), in the user's Telegram language.
COMMANDS = {
    "tasks": _("My open tasks"),
    "card": _("Show a card: /card N"),
    "help": _("What the bot can do"),
    "cancel": _("Cancel typing a reason or a comment"),
}
TASKS_HEADER = _("Your open tasks: %(total)s (page %(page)s of %(pages)s). Press one to open it.")
NO_TASKS = _("You have no open tasks.")
TASK_BUTTON = _("#%(card)s %(title)s · due %(deadline)s")
CARD_USAGE = _("Write the card's number: /card 123")
ASK_COMMENT = _("Reply to this message with your comment on %(noun_dat)s #%(card)s (or /cancel).")
COMMENT_PLACEHOLDER = _("Comment")
COMMENTED = _("The comment is added to the card's history.")
NOT_A_REPLY = _("To answer my question, reply to it (swipe it left, or press Reply); /cancel cancels it.")
DOCUMENT_TOO_LARGE = _("📎 %(document)s (%(size)s) is larger than Telegram lets a bot send: open it in the portal.")
DOCUMENT_NOT_SENT = _("📎 %(document)s could not be sent here: open it in the portal.")
ASK_REASON = _("Reply to this message with the reason to reject %(noun_gen)s #%(card)s (or /cancel).")
REASON_PLACEHOLDER = _("Reason to reject")
CANCELLED = _("OK, nothing was changed.")
NOTHING_TO_CANCEL = _("Nothing to cancel.")
DONE = _("Done.")
STALE = _("No longer current: %(reason)s Nothing was changed.")
FORGED = _("This button is not valid.")
NOT_LINKED = _("This chat is not linked to Soglasie — no actions are possible.")
NOT_YOURS = _("This button was sent to another user.")
FAILED = _("That did not work: %(reason)s")
UNKNOWN_TEXT = _("I only understand buttons and commands. /help shows how.")
