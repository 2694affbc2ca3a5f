"""Importing the directories from 1C: counterparties and cost items from an XLSX or CSV export, all or nothing.

Columns are found by their Russian or English headers (`HEADERS`: "ИНН"/"INN", "Расчетный
счет"/"Account", "Код"/"Code", …; case, ё/е and spaces do not matter), other columns are
ignored; the file is read by soglasie.spreadsheet (CSV in UTF-8 or Windows-1251, `;` or `,`).
Every row is validated exactly as a counterparty or cost item entered by hand
(soglasie.services.directory, soglasie.validation); a key seen twice in one file is a row
error. A dry run reports what each row would do and writes nothing; an import writes every
row in one transaction, or nothing when any row is invalid (`RowsRefused`, each error
`row N: field: message`). A file that cannot be read as a table — none, unknown format,
undecodable, without the required columns — is refused as a whole (`FileRefused`, 400).

Keys: a counterparty by its INN — the directory holds one counterparty per INN
(`counterparties.inn` is unique), so a second KPP of the same INN is the same counterparty
and two rows with one INN are a duplicate; a cost item by its code. Re-importing updates the
columns the file has and leaves the others (and `active`) as they are; a row equal to what is
stored is `unchanged`. Only the admin imports, as only the admin edits directories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import RowErrors, ValidationError
from soglasie.i18n import _
from soglasie.models import CostItem, Counterparty, User
from soglasie.rulebook.model import Text
from soglasie.services.common import Upload, load_actor
from soglasie.services.directory import (NewCounterparty, add_counterparty, clean_cost_item, clean_cost_item_code,
                                         clean_counterparty,
                                         require_directory_editor)
from soglasie.spreadsheet import cell_text, header_key, read_table
from soglasie.validation import clean_corr_account, clean_inn, clean_text

ENCODINGS = ("utf-8-sig", "cp1251")  # 1C saves CSV in Windows-1251 unless told otherwise
MAX_ROWS = 10_000
OUTCOMES = ("created", "updated", "unchanged")
COUNTERPARTY_FIELDS = ("name", "inn", "kpp", "bik", "account", "bank_name", "corr_account")


class FileRefused(ValidationError):
    """The upload is not a table this import reads (missing, unknown format, no required columns): 400."""

    http_status = 400


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do): each row's outcome and every row error."""

    dry_run: bool
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str, Text]] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many rows have this outcome."""
        return sum(1 for row in self.rows if row["outcome"] == outcome)

    def view(self, locale: str | None) -> dict:
        """The answer of the API: counts, errors in `locale`, and every row's outcome."""
        return {"dry_run": self.dry_run, **{outcome: self.count(outcome) for outcome in OUTCOMES},
                "errors": [{"row": row, "field": name, "message": message.get(locale)}
                           for row, name, message in self.errors],
                "rows": self.rows}


class RowsRefused(RowErrors):
    """Some rows are invalid, so nothing was written; `report` has every row's outcome (422)."""

    def __init__(self, report: ImportReport):
        super().__init__(report.errors)
        self.report = report


@dataclass(frozen=True)
class Directory:
    """One importable directory: its key, its columns (field → header spellings) and how a row is cleaned."""

    key: str
    clean_key: Callable[[str | None], str]
    headers: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    model: type
    clean: Callable[[dict, object | None], dict]
    add: Callable[[Session, User, dt.datetime, dict], None]


def _clean_counterparty(values: dict, existing: Counterparty | None) -> dict:
    """A row merged over the stored counterparty, validated like one entered by hand (plus its bank's name)."""
    merged = {name: getattr(existing, name) for name in COUNTERPARTY_FIELDS} if existing else {}
    merged.update(values)
    details = clean_counterparty(name=merged.get("name"), inn=merged.get("inn"), kpp=merged.get("kpp"),
                                 bik=merged.get("bik"), account=merged.get("account"))
    corr = merged.get("corr_account") or None
    return {**asdict(details), "bank_name": clean_text(merged.get("bank_name"), "bank_name", max_length=300) or None,
            "corr_account": clean_corr_account(corr, details.bik or "") if corr else None}


def _add_counterparty(session: Session, actor: User, now: dt.datetime, values: dict) -> None:
    row = add_counterparty(session, actor, now, NewCounterparty(
        **{name: values[name] for name in ("name", "inn", "kpp", "bik", "account")}))
    row.bank_name, row.corr_account = values["bank_name"], values["corr_account"]


def _clean_cost_item(values: dict, existing: CostItem | None) -> dict:
    code, name = clean_cost_item(code=values.get("code"), name=values.get("name"))
    return {"code": code, "name": name}


def _add_cost_item(session: Session, actor: User, now: dt.datetime, values: dict) -> None:
    session.add(CostItem(**values, active=True))


COUNTERPARTIES = Directory(
    key="inn", clean_key=clean_inn, model=Counterparty, clean=_clean_counterparty, add=_add_counterparty,
    required=("name", "inn"),
    headers={"name": ("наименование", "name", "контрагент", "counterparty"),
             "inn": ("инн", "inn"),
             "kpp": ("кпп", "kpp"),
             "bik": ("бик", "bik", "бик банка", "bank bik"),
             "account": ("расчетный счет", "р/с", "номер счета", "счет", "account", "settlement account",
                         "account number"),
             "bank_name": ("банк", "наименование банка", "bank", "bank name", "bank_name"),
             "corr_account": ("корреспондентский счет", "корр. счет", "корр.счет", "кор. счет", "корсчет", "к/с",
                              "correspondent account", "corr. account", "corr account", "corr_account")})
COST_ITEMS = Directory(
    key="code", clean_key=clean_cost_item_code, model=CostItem, clean=_clean_cost_item, add=_add_cost_item,
    required=("code", "name"),
    headers={"code": ("код", "code"), "name": ("наименование", "name", "статья затрат", "cost item")})
DIRECTORIES = {"counterparties": COUNTERPARTIES, "cost-items": COST_ITEMS}


def import_directory(core: Core, actor_id: int, now: dt.datetime, directory: Directory, upload: Upload | None,
                     *, dry_run: bool) -> ImportReport:
    """Validate every row of the file; unless a dry run, write them all in this one transaction.

    RowsRefused (nothing written) when any row is invalid, in a dry run too, so both answer alike.
    """
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        require_directory_editor(actor)
        numbered = read_rows(directory, upload)
        report = ImportReport(dry_run)
        plan = _plan(session, directory, numbered, report)
        if report.errors:
            raise RowsRefused(report)
        if not dry_run:
            for existing, values in plan:
                if existing is None:
                    directory.add(session, actor, now, values)
                else:
                    for name, value in values.items():
                        setattr(existing, name, value)
        return report


def _plan(session: Session, directory: Directory, numbered: list[tuple[int, dict]],
          report: ImportReport) -> list[tuple[object | None, dict]]:
    """Each valid row's stored object (None: new) and cleaned values; outcomes and errors go to `report`."""
    stored = {getattr(row, directory.key): row for row in session.scalars(select(directory.model))}
    seen: dict[str, int] = {}
    plan = []
    for number, values in numbered:
        outcome = {"row": number, "key": values.get(directory.key) or "", "outcome": "invalid"}
        report.rows.append(outcome)
        try:
            key = directory.clean_key(values.get(directory.key))
            outcome["key"] = key
            if key in seen:
                raise ValidationError(_("Already in row %(row)d of this file.", row=seen[key]), directory.key)
            seen[key] = number
            existing = stored.get(key)
            cleaned = directory.clean(values, existing)
        except ValidationError as error:
            report.errors.append((number, error.field or directory.key, error.text))
            continue
        changed = existing is None or any(getattr(existing, name) != value for name, value in cleaned.items())
        outcome["outcome"] = "created" if existing is None else "updated" if changed else "unchanged"
        if changed:
            plan.append((existing, cleaned))
    return plan


def read_rows(directory: Directory, upload: Upload | None) -> list[tuple[int, dict]]:
    """(row number, {field: text}) of every non-empty row below the header; FileRefused if there are none."""
    try:
        table = read_table(upload, ENCODINGS)
    except ValidationError as error:
        raise FileRefused(error.text, error.field) from None
    columns = _columns(directory, table[0])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: cell_text(cells[index]) if index < len(cells) else None for index, name in columns.items()}
        if any(values.values()):
            rows.append((number, values))
    if not rows:
        raise FileRefused(_("The file has no rows below its header."), "file")
    if len(rows) > MAX_ROWS:
        raise FileRefused(_("At most %(count)d rows at once.", count=MAX_ROWS), "file")
    return rows


def _columns(directory: Directory, header: list) -> dict[int, str]:
    """Column index → field, by the header row; FileRefused for a required column missing or a field twice."""
    spelling = {text: name for name, texts in directory.headers.items() for text in texts}
    columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        name = spelling.get(header_key(cell))
        if name is None:
            continue
        if name in columns.values():
            raise FileRefused(_("row 1: two columns are %(column)s.", column=name), "file")
        columns[index] = name
    missing = [name for name in directory.required if name not in columns.values()]
    if missing:
        expected = ", ".join(" / ".join(directory.headers[name][:2]) for name in directory.required)
        raise FileRefused(_("row 1: the columns %(missing)s are missing (expected: %(columns)s).",
                            missing=", ".join(missing), columns=expected), "file")
    return columns
