"""The parts of a process file the surfaces read: `nouns`, `card`, `portal`, `api` (docs/rules.md, "The card").

Every surface — portal, REST API, notifications, digest, Telegram — asks the process
definition what to call its cards and which fields they have, so a new process is one new
rule file and no code.
"""

from __future__ import annotations

import re

from yaml.nodes import Node

from soglasie.rulebook.model import CARD_FIELDS, FIELD_USES, CardSpec, DocumentSpec, NounForms, Nouns
from soglasie.rulebook.yamlnodes import Reader

_FORMS = ("one", "many", "short", "short_many")
_RU_FORMS = (*_FORMS, "accusative", "genitive", "gender")
_SHORT_CASES = ("short_accusative", "short_genitive", "short_dative")
GENDERS = ("feminine", "masculine", "neuter")
_CARD_KEYS = (*CARD_FIELDS, "contract", "document")


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
    if len(reader.errors) > before:
        return None
    return CardSpec(fields=uses, document=document, contract_process=contract)


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
