"""The parts of a process file the surfaces read: `nouns`, `card`, `portal`, `api` (docs/rules.md, "The card").

Every surface — portal, REST API, notifications, digest, Telegram — asks the process
definition what to call its cards and which fields they have, so a new process is one new
rule file and no code.
"""

from __future__ import annotations

import re
from typing import Mapping

from yaml.nodes import Node

from soglasie.rulebook.model import (CARD_FIELDS, DEFAULT_VAT_RATES, DUPLICATE_LEVELS, FIELD_USES, VAT_EXEMPT,
                                     CardSpec, DocumentSpec, DuplicatePolicy, NounForms, Nouns)
from soglasie.rulebook.yamlnodes import Reader, did_you_mean

_FORMS = ("one", "many", "short", "short_many")
_RU_FORMS = (*_FORMS, "accusative", "genitive", "gender")
_SHORT_CASES = ("short_accusative", "short_genitive", "short_dative")
GENDERS = ("feminine", "masculine", "neuter")
_CARD_KEYS = (*CARD_FIELDS, "contract", "document", "vat")
_VAT_RATE = re.compile(r"(100|[1-9]?[0-9])\Z")  # a whole percent 0–100


def read_nouns(reader: Reader, node: Node) -> Nouns | None:
    """`nouns: {ru: {one, many, short, short_many, accusative, genitive, gender}, en: {one, …}}`."""
    fields = reader.mapping(node, "nouns", required=("ru", "en"))
    if fields is None or not fields.keys() >= {"ru", "en"}:
        return None
    ru = _forms(reader, fields["ru"], "nouns.ru", _RU_FORMS, optional=_SHORT_CASES)
    en = _forms(reader, fields["en"], "nouns.en", _FORMS, optional=("accusative", "genitive"))
    if ru is None or en is None:
        return None
    gender = ru.pop("gender")
    return Nouns(ru=NounForms(**ru, gender=gender),
                 en=NounForms(**en, accusative=en.get("accusative", en["one"]), genitive=en.get("genitive", en["one"])))


def _forms(reader: Reader, node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()):
    fields = reader.mapping(node, what, required=required, optional=optional)
    if fields is None or not fields.keys() >= set(required):
        return None
    before = len(reader.errors)
    forms = {}
    for key, value in fields.items():
        forms[key] = reader.choice(value, f"{what}.gender", GENDERS) if key == "gender" \
            else reader.text(value, f"{what}.{key}")
    return forms if len(reader.errors) == before else None


def read_card(reader: Reader, node: Node) -> CardSpec | None:
    """`card:` — each field required/optional/absent, `contract: {process: P}`, `document: {...}`."""
    fields = reader.mapping(node, "card", optional=_CARD_KEYS)
    if fields is None:
        return None
    before = len(reader.errors)
    uses = {name: "absent" for name in CARD_FIELDS}
    for name in CARD_FIELDS:
        if name in fields:
            uses[name] = reader.choice(fields[name], f"card.{name}", FIELD_USES)
    if uses["validity"] == "optional":
        reader.error(fields["validity"], "card.validity is required or absent (a contract's period, both dates)")
    contract = _contract(reader, fields["contract"]) if "contract" in fields else None
    document = _document(reader, fields["document"]) if "document" in fields else None
    vat_rates = _vat(reader, fields["vat"]) if "vat" in fields else ()
    if len(reader.errors) > before:
        return None
    return CardSpec(fields=uses, document=document, contract_process=contract, vat_rates=vat_rates)


def _vat(reader: Reader, node: Node) -> tuple[str, ...]:
    """`vat: {rates: [22, 10, 0, exempt]}` — whole percents and `exempt`; the first is the form's default."""
    fields = reader.mapping(node, "card.vat", optional=("rates",))
    if fields is None:
        return ()
    if "rates" not in fields:
        return DEFAULT_VAT_RATES
    rates: list[str] = []
    items = reader.sequence(fields["rates"], "card.vat.rates")
    for item in items or ():
        value = reader.scalar(item, "a VAT rate")
        if value is None:
            continue
        if value != VAT_EXEMPT and not _VAT_RATE.match(value):
            reader.error(item, f"VAT rate {value!r} must be a whole percent from 0 to 100 or {VAT_EXEMPT!r}")
        elif value in rates:
            reader.error(item, f"VAT rate {value!r} is listed twice")
        else:
            rates.append(value)
    if items == []:
        reader.error(fields["rates"], "card.vat.rates needs at least one rate")
    return tuple(rates)


def _contract(reader: Reader, node: Node) -> str | None:
    fields = reader.mapping(node, "card.contract", required=("process",))
    if fields is None or "process" not in fields:
        return None
    return reader.name(fields["process"], "card.contract.process")


def _document(reader: Reader, node: Node) -> DocumentSpec | None:
    fields = reader.mapping(node, "card.document", required=("purpose", "title"),
                            optional=("versioned", "required", "field"))
    if fields is None or not fields.keys() >= {"purpose", "title"}:
        return None
    before = len(reader.errors)
    purpose = reader.name(fields["purpose"], "card.document.purpose")
    title = reader.localized(fields["title"], "card.document.title")
    versioned = reader.boolean(fields["versioned"], "card.document.versioned") if "versioned" in fields else False
    required = reader.boolean(fields["required"], "card.document.required") if "required" in fields else True
    field = reader.name(fields["field"], "card.document.field") if "field" in fields else "document"
    if len(reader.errors) > before:
        return None
    return DocumentSpec(purpose=purpose, title=title, versioned=bool(versioned), required=bool(required),
                        field=field)


URL_SEGMENT = re.compile(r"[a-z][a-z0-9-]*\Z")


def read_path(reader: Reader, node: Node, section: str) -> str | None:
    """`portal: {path: requests}` / `api: {path: payment-requests}` — a URL segment of the process's cards."""
    fields = reader.mapping(node, section, required=("path",))
    if fields is None or "path" not in fields:
        return None
    path = reader.text(fields["path"], f"{section}.path")
    if path is not None and not URL_SEGMENT.match(path):
        reader.error(fields["path"], f"{section}.path {path!r} must be lowercase letters, digits and -")
        return None
    return path


MAX_WINDOW_DAYS = 366


def read_duplicates(reader: Reader, node: Node, stages: Mapping | None,
                    card: CardSpec | None) -> DuplicatePolicy | None:
    """`duplicates: {level: off|warn|block, window_days: N, acknowledge_at: [stage, …]}` (docs/rules.md).

    `stages`: the declared stages, or None when they are broken (their names are then not checked here).
    """
    fields = reader.mapping(node, "duplicates", optional=("level", "window_days", "acknowledge_at"))
    if fields is None:
        return None
    before = len(reader.errors)
    level = _level(reader, fields["level"]) if "level" in fields else "warn"
    window = _window(reader, fields["window_days"]) if "window_days" in fields else DuplicatePolicy.window_days
    acknowledge_at = []
    for item in reader.sequence(fields["acknowledge_at"], "duplicates.acknowledge_at") or () \
            if "acknowledge_at" in fields else ():
        stage = reader.name(item, "duplicates.acknowledge_at stage")
        if stage is not None and stages is not None and stage not in stages:
            reader.error(item, f"unknown stage {stage!r}{did_you_mean(stage, stages)}; known: {', '.join(stages)}")
        elif stage is not None:
            acknowledge_at.append(stage)
    if card is not None and not (card.uses("counterparty") and card.uses("amount")):
        reader.error(node, "duplicates needs a card with a counterparty and an amount")
    if len(reader.errors) > before:
        return None
    return DuplicatePolicy(level=level, window_days=window, acknowledge_at=tuple(acknowledge_at))


def _level(reader: Reader, node: Node) -> str | None:
    """off, warn or block (YAML reads a bare `off` as false: taken as written)."""
    value = reader.scalar(node, "duplicates.level")
    if value is not None and value not in DUPLICATE_LEVELS:
        reader.error(node, f"unknown duplicates.level {value!r}{did_you_mean(value, DUPLICATE_LEVELS)}; "
                     f"expected one of: {', '.join(DUPLICATE_LEVELS)}")
        return None
    return value


def _window(reader: Reader, node: Node) -> int | None:
    value = reader.scalar(node, "duplicates.window_days")
    if value is None or not value.isdigit() or not 0 <= int(value) <= MAX_WINDOW_DAYS:
        reader.error(node, f"duplicates.window_days must be a whole number of days from 0 to {MAX_WINDOW_DAYS}")
        return None
    return int(value)
