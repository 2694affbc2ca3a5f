"""The words the texts use for a process's cards: its short noun in every case the catalogue needs.

A rule file gives the nominative of the short noun ("заявка", "договор") and its gender; the
texts also say "по заявке", "за вас заявку", "отклонения заявки". A rule file may write those
cases (`short_accusative`, `short_genitive`, `short_dative`); when it does not, they follow
from the ending and gender of one singular, inanimate Russian noun (the first word of the
phrase), so most processes need no grammar of their own. English nouns do not decline.
"""

from __future__ import annotations

from typing import Any

from soglasie.rulebook.model import NounForms, ProcessDefinition

CASES = ("acc", "gen", "dat")
# Endings by gender and final letter(s): (nominative ending, accusative, genitive, dative).
_ENDINGS = {
    "feminine": (("ия", "ию", "ии", "ии"), ("а", "у", "ы", "е"), ("я", "ю", "и", "е"), ("ь", "ь", "и", "и")),
    "neuter": (("о", "о", "а", "у"), ("е", "е", "я", "ю")),
    "masculine": (("й", "й", "я", "ю"), ("ь", "ь", "я", "ю"), ("", "", "а", "у")),
}
# After these letters Russian spelling writes "и", never "ы" ("заявки", not "заявкы").
_NO_Y_AFTER = "гкхжчшщ"


def lowercase_first(text: str) -> str:
    """"Счёт" → "счёт": a title inside a sentence."""
    return text[:1].lower() + text[1:]


def decline(word: str, gender: str, case: str) -> str:
    """One Russian noun (the first word of a phrase) in `case` — "acc", "gen" or "dat"."""
    head, space, rest = word.partition(" ")
    for nominative, *endings in _ENDINGS.get(gender, _ENDINGS["masculine"]):
        if head.endswith(nominative) and (nominative or head[-1:].isalpha()):
            stem = head[:len(head) - len(nominative)]
            ending = endings[CASES.index(case)]
            if ending == "ы" and stem[-1:] in _NO_Y_AFTER:
                ending = "и"
            return stem + ending + space + rest
    return word


def short_forms(forms: NounForms, locale: str | None) -> dict[str, str]:
    """`noun`, `Noun`, `noun_acc`, `noun_gen`, `noun_dat`: the short noun in the catalogue's cases."""
    short = forms.short
    written = {"acc": forms.short_accusative, "gen": forms.short_genitive, "dat": forms.short_dative}
    cases = {f"noun_{case}": (written[case] or decline(short, forms.gender, case)) if locale != "en" else short
             for case in CASES}
    return {"noun": short, "Noun": forms.capitalized("short"), **cases, "gender": forms.gender}


def noun_params(process: ProcessDefinition) -> dict[str, Any]:
    """The noun placeholders of the catalogue's texts for `process`, each computed in the reader's language."""
    names = ("noun", "Noun", "gender", *(f"noun_{case}" for case in CASES))
    return {name: _per_locale(process, name) for name in names}


def _per_locale(process: ProcessDefinition, name: str):
    return lambda locale: short_forms(process.nouns.get(locale), locale)[name]
