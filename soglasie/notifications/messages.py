"""Message texts, parameterised by the process's nouns, and the formatting of amounts and times.

One table serves every process: a text names the card with its process's short noun in the
case the sentence needs (`%(noun_dat)s`: "по заявке" / "по договору"), agrees with its gender
where Russian does ("отклонена" / "отклонён", see `soglasie.i18n.gendered`), and follows the
number with the card's subject when it has one ("договор №7 «Поставка банок»").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from soglasie.i18n import Message, _, gendered
from soglasie.models import Card
from soglasie.nouns import noun_params
from soglasie.rulebook.model import ProcessDefinition

# Placeholders (filled by `card_params`): %(card)s the number; %(noun)s, %(Noun)s, %(noun_acc)s,
# %(noun_gen)s, %(noun_dat)s the short noun (capitalized, accusative, genitive, dative — the
# cases name the Russian text's needs; English nouns do not decline); %(subject)s ' "subject"' or
# nothing; %(details)s " (counterparty, amount)", %(colon_details)s ": counterparty, amount" or nothing.
TEMPLATES: dict[str, Message] = {
    "task_assigned": _('New task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s%(colon_details)s. '
                       'Due: %(deadline)s.'),
    "rejected": gendered('%(Noun)s #%(card)s%(subject)s%(details)s was rejected at "%(stage)s". '
                         'Reason: %(comment)s'),
    "documents_requested": _("Documents were requested on %(noun_dat)s #%(card)s%(subject)s%(details)s: "
                             "%(comment)s"),
    "documents_provided": _("The initiator answered the documents request on %(noun_dat)s "
                            "#%(card)s%(subject)s: %(comment)s"),
    "frozen": gendered("%(Noun)s #%(card)s%(subject)s%(details)s was frozen. %(comment)s"),
    "unfrozen": gendered('%(Noun)s #%(card)s%(subject)s%(details)s was unfrozen and is back at "%(stage)s".'),
    "approved_on_behalf": _("%(actor)s approved %(noun_acc)s #%(card)s%(subject)s%(details)s on your behalf."),
    "finished": _("%(Noun)s #%(card)s%(subject)s%(details)s: %(stage)s."),
    "no_assignee": _('Nobody can take the task "%(task)s" on %(noun_dat)s #%(card)s: %(comment)s. '
                     'Assign the role.'),
    "reminder": _('Reminder: the task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s%(details)s '
                  'has waited for you since %(since)s.'),
    "task_delegated_to_you": _('New task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s%(colon_details)s '
                               'for %(original)s: you are the deputy (absence %(period)s). Due: %(deadline)s.'),
    "task_delegated": _('While you are away (%(period)s) the task "%(task)s" on %(noun_dat)s '
                        '#%(card)s%(subject)s went to your deputy %(deputy)s.'),
    "task_passed_on": _('The task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s that you had for '
                        '%(original)s went to %(deputy)s while you are away.'),
    "task_returned": _('The task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s%(details)s is back with you '
                       'from your deputy %(deputy)s.'),
    "task_returned_from_you": _('The task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s went back to '
                                '%(original)s.'),
    "version_added": _("%(actor)s uploaded version %(version)s of %(noun_gen)s #%(card)s%(subject)s. "
                       "Comment: %(comment)s"),
    "escalation": _('The task "%(task)s" on %(noun_dat)s #%(card)s%(subject)s%(details)s is stuck with '
                    '%(assignee)s since %(since)s. You may approve on their behalf.'),
}

NO_DEADLINE = _("none")
SUBJECT = _('"%(subject)s"')


def format_amount(amount: Decimal, locale: str | None) -> str:
    """150000.5 → "150 000,50 ₽" (ru) or "150,000.50 RUB" (en)."""
    grouped = f"{amount:,.2f}"
    if locale == "en":
        return f"{grouped} RUB"
    return grouped.replace(",", "\u00a0").replace(".", ",") + "\u00a0₽"


def format_time(at: dt.datetime | None, locale: str | None, tz: ZoneInfo) -> str:
    """An instant in the company's time zone: "01.12.2026 18:00" (ru), "2026-12-01 18:00" (en)."""
    if at is None:
        return NO_DEADLINE.get(locale)
    local = at.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M" if locale == "en" else "%d.%m.%Y %H:%M")


def details(card: Card, locale: str | None) -> str:
    """What the card is about, for a summary: "ООО «Ромашка», 150 000,00 ₽" — only the fields it has."""
    parts = [card.counterparty.name if card.counterparty is not None else None,
             format_amount(card.amount, locale) if card.amount is not None else None]
    return ", ".join(part for part in parts if part)


def _prefixed(card: Card, prefix: str):
    return lambda locale: prefix + text if (text := details(card, locale)) else ""


def card_params(process: ProcessDefinition, card: Card) -> dict[str, Any]:
    """The card placeholders of the texts (see above), each computed in the reader's language."""
    subject = (lambda locale: " " + SUBJECT.format(subject=card.subject).get(locale)) if card.subject else ""
    return {
        "card": card.id, "subject": subject, **noun_params(process),
        "details": lambda locale: f" ({text})" if (text := details(card, locale)) else "",
        "colon_details": _prefixed(card, ": "), "comma_details": _prefixed(card, ", "),
        "space_details": _prefixed(card, " "),
    }


def render(kind: str, locale: str | None, process: ProcessDefinition, card: Card, **fields) -> str:
    """The text of a message of `kind` about `card` (of `process`) in `locale`, with `fields` filled in."""
    return TEMPLATES[kind].format(**card_params(process, card), **fields).get(locale).strip()
