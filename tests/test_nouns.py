"""The short noun's Russian cases: written in the rule file, or derived from its ending and gender."""

from __future__ import annotations

import pytest

from soglasie.nouns import decline, short_forms
from soglasie.rulebook.model import NounForms


@pytest.mark.parametrize("word, gender, cases", [
    ("заявка", "feminine", ("заявку", "заявки", "заявке")),
    ("закупка", "feminine", ("закупку", "закупки", "закупке")),
    ("смета", "feminine", ("смету", "сметы", "смете")),
    ("претензия", "feminine", ("претензию", "претензии", "претензии")),
    ("доверенность", "feminine", ("доверенность", "доверенности", "доверенности")),
    ("договор", "masculine", ("договор", "договора", "договору")),
    ("акт сверки", "masculine", ("акт сверки", "акта сверки", "акту сверки")),
    ("счёт-фактура", "feminine", ("счёт-фактуру", "счёт-фактуры", "счёт-фактуре")),
    ("письмо", "neuter", ("письмо", "письма", "письму")),
])
def test_a_noun_declines_by_its_ending_and_gender(word, gender, cases):
    assert tuple(decline(word, gender, case) for case in ("acc", "gen", "dat")) == cases


def _forms(**written) -> NounForms:
    return NounForms(one="служебная записка", many="служебные записки", short="служебная записка",
                     short_many="служебные записки", accusative="служебную записку", genitive="служебной записки",
                     gender="feminine", **written)


def test_written_cases_win_where_the_rule_does_not_fit():
    derived = short_forms(_forms(), "ru")
    assert derived["noun_acc"] != "служебную записку"  # an adjective before the noun: the rule cannot know
    written = short_forms(_forms(short_accusative="служебную записку", short_genitive="служебной записки",
                                 short_dative="служебной записке"), "ru")
    assert (written["noun_acc"], written["noun_gen"], written["noun_dat"]) == \
        ("служебную записку", "служебной записки", "служебной записке")


def test_english_does_not_decline():
    forms = NounForms(one="memo", many="memos", short="memo", short_many="memos", accusative="memo", genitive="memo")
    assert {short_forms(forms, "en")[f"noun_{case}"] for case in ("acc", "gen", "dat")} == {"memo"}
