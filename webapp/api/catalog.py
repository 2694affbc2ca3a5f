"""The rule files' processes as JSON (GET /api/v1/processes): what a client needs to file and show any card."""

from __future__ import annotations

from dataclasses import asdict

from soglasie.nouns import short_forms
from soglasie.rulebook.model import (CARD_FIELDS, SIDE_STAGES, DocumentSpec, NounForms, ProcessDefinition,
                                     StageDefinition, Text)


def text_json(text: Text) -> dict:
    """A bilingual text as {"ru", "en"}."""
    return {"ru": text.ru, "en": text.en}


def _stage_json(stage: StageDefinition) -> dict:
    return {"id": stage.id, "title": text_json(stage.title), "optional": stage.optional,
            "flags": sorted(stage.flags)}


def _document_json(document: DocumentSpec | None) -> dict | None:
    if document is None:
        return None
    return {"purpose": document.purpose, "field": document.field, "title": text_json(document.title),
            "versioned": document.versioned, "required": document.required}


def process_json(process: ProcessDefinition) -> dict:
    """One process: titles, nouns, its stages in order then the terminal, the card's fields, its paths."""
    card = process.card
    terminal = {"id": process.terminal, "title": text_json(process.terminal_title), "optional": False, "flags": []}
    fields: dict = {name: card.fields.get(name, "absent") for name in CARD_FIELDS}
    fields.update(document=_document_json(card.document), contract=card.contract_process,
                  vat_rates=list(card.vat_rates))
    return {
        "id": process.id,
        "title": text_json(process.title),
        "nouns": {locale: _nouns(process.nouns.get(locale), locale) for locale in ("ru", "en")},
        "stages": [_stage_json(stage) for stage in process.stages] + [terminal],
        "terminal": process.terminal,
        "side_stages": list(SIDE_STAGES),
        "fields": fields,
        "portal_path": process.portal_path,
        "api_path": process.api_path,
        "card_actions": {action: list(roles) for action, roles in process.card_actions.items()},
    }


def _nouns(forms: NounForms, locale: str) -> dict:
    """The forms as written, the short noun's cases resolved (written, or derived from its ending)."""
    cases = short_forms(forms, locale)
    return {**asdict(forms), "short_accusative": cases["noun_acc"], "short_genitive": cases["noun_gen"],
            "short_dative": cases["noun_dat"]}
