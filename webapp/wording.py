"""Texts about a process's cards, built from its nouns: "Request #12", "Contract #12 is filed…".

Each text takes the nouns as named values (noun/Noun: the everyday word, lower-case or
capitalised; one/One: the full one; acc, gen: the Russian cases; many/Many: plural). Russian
words agree with the noun's gender, so the texts that need it have one version per gender
(the message context); English reads the same in all three.
"""

from __future__ import annotations

from flask_babel import lazy_pgettext

from soglasie.rulebook.model import ProcessDefinition
from webapp.processes import nouns

GENDERED = {
    "filed": (
        lazy_pgettext("feminine", "%(Noun)s #%(id)d is filed and on its way to approval."),
        lazy_pgettext("masculine", "%(Noun)s #%(id)d is filed and on its way to approval."),
        lazy_pgettext("neuter", "%(Noun)s #%(id)d is filed and on its way to approval.")),
    "frozen": (
        lazy_pgettext("feminine", "The %(noun)s is frozen."),
        lazy_pgettext("masculine", "The %(noun)s is frozen."),
        lazy_pgettext("neuter", "The %(noun)s is frozen.")),
    "unfrozen": (
        lazy_pgettext("feminine", "The %(noun)s is running again."),
        lazy_pgettext("masculine", "The %(noun)s is running again."),
        lazy_pgettext("neuter", "The %(noun)s is running again.")),
    "restarted": (
        lazy_pgettext("feminine", "The %(noun)s is restarted: a new round of approvals begins."),
        lazy_pgettext("masculine", "The %(noun)s is restarted: a new round of approvals begins."),
        lazy_pgettext("neuter", "The %(noun)s is restarted: a new round of approvals begins.")),
    "frozen_banner": (
        lazy_pgettext("feminine", "The %(noun)s is frozen: no timers run until it is unfrozen. "
                                  "It will return to “%(stage)s”."),
        lazy_pgettext("masculine", "The %(noun)s is frozen: no timers run until it is unfrozen. "
                                   "It will return to “%(stage)s”."),
        lazy_pgettext("neuter", "The %(noun)s is frozen: no timers run until it is unfrozen. "
                                "It will return to “%(stage)s”.")),
    "own": (
        lazy_pgettext("feminine", "Your own %(noun)s: you approve it as the head"),
        lazy_pgettext("masculine", "Your own %(noun)s: you approve it as the head"),
        lazy_pgettext("neuter", "Your own %(noun)s: you approve it as the head")),
    "restart_confirm": (
        lazy_pgettext("feminine", "Start a new round of approvals for this %(gen)s?"),
        lazy_pgettext("masculine", "Start a new round of approvals for this %(gen)s?"),
        lazy_pgettext("neuter", "Start a new round of approvals for this %(gen)s?")),
    "new": (
        lazy_pgettext("feminine", "New %(noun)s"),
        lazy_pgettext("masculine", "New %(noun)s"),
        lazy_pgettext("neuter", "New %(noun)s")),
    "new_full": (
        lazy_pgettext("feminine", "New %(one)s"),
        lazy_pgettext("masculine", "New %(one)s"),
        lazy_pgettext("neuter", "New %(one)s")),
    "reject_hint": (
        lazy_pgettext("feminine", "The initiator sees your reason and may rework the %(acc)s and restart it."),
        lazy_pgettext("masculine", "The initiator sees your reason and may rework the %(acc)s and restart it."),
        lazy_pgettext("neuter", "The initiator sees your reason and may rework the %(acc)s and restart it.")),
    "pay_against": (
        lazy_pgettext("feminine", "File a %(payer)s against it"),
        lazy_pgettext("masculine", "File a %(payer)s against it"),
        lazy_pgettext("neuter", "File a %(payer)s against it")),
}
GENDERS = ("feminine", "masculine", "neuter")


def noun_values(process: ProcessDefinition) -> dict[str, str]:
    """The process's nouns in the user's language, under the names the texts use."""
    forms = nouns(process)
    return {"noun": forms.short, "Noun": forms.capitalized("short"), "one": forms.one,
            "One": forms.capitalized("one"), "acc": forms.accusative, "gen": forms.genitive,
            "many": forms.short_many, "Many": forms.capitalized("short_many")}


def worded(message, process: ProcessDefinition, **values) -> str:
    """A translated text (a lazy gettext string, or a GENDERED key) about `process`'s cards."""
    if isinstance(message, str) and message in GENDERED:
        message = GENDERED[message][GENDERS.index(process.nouns.ru.gender)]
    return str(message) % {**noun_values(process), **values}
