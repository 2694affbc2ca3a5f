"""Importing budgets from a spreadsheet: XLSX or CSV, a row per department × cost item × month.

The first row names the columns — `year, month, department, cost_item, planned` (codes for
the department and cost item; `planned` in rubles, a decimal comma allowed), in any order;
CSV may be separated by commas or semicolons, in UTF-8 (with or without BOM). Rows are
numbered as the spreadsheet shows them (the header is row 1). Every row is validated and
nothing is written if any fails (`row N: field: message`, soglasie.services.budgets).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from soglasie.core import Core
from soglasie.errors import PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.services.budgets import ROW_FIELDS, can_edit, clean_rows, write_rows
from soglasie.services.common import Upload, load_actor

MAX_FILE_BYTES = 5 * 1024 * 1024


def import_budgets(core: Core, actor_id: int, now: dt.datetime, upload: Upload | None) -> int:
    """Read the file and write its rows all-or-nothing; returns how many rows were written."""
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        if not can_edit(actor):
            raise PermissionDenied(_("Only finance managers and admins may edit budgets."))
        numbered = read_rows(upload)
        return write_rows(session, actor, now, clean_rows(session, numbered))


def read_rows(upload: Upload | None) -> list[tuple[int, dict]]:
    """(row number, {column: value}) of every non-empty data row of an XLSX or CSV file."""
    if upload is None or not upload.data:
        raise ValidationError(_("Choose an XLSX or CSV file."), "file")
    if len(upload.data) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is too large."), "file")
    name = upload.filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(upload.data)
    elif name.endswith(".csv"):
        table = _csv_table(upload.data)
    else:
        raise ValidationError(_("Choose an XLSX or CSV file."), "file")
    return _numbered(table)


def _xlsx_table(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only imports need it

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception:  # a broken or foreign file: openpyxl raises many kinds
        raise ValidationError(_("The file is not a readable XLSX workbook."), "file") from None


def _csv_table(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The CSV file must be in UTF-8."), "file") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _numbered(table: list[list]) -> list[tuple[int, dict]]:
    if not table:
        raise ValidationError(_("The file is empty."), "file")
    header = [str(cell or "").strip().lower() for cell in table[0]]
    missing = [name for name in ROW_FIELDS if name not in header]
    if missing:
        raise ValidationError(_("row 1: the columns %(missing)s are missing (expected: %(columns)s).",
                                missing=", ".join(missing), columns=", ".join(ROW_FIELDS)), "file")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: _cell(cells[index]) if index < len(cells) else None
                  for index, name in enumerate(header) if name in ROW_FIELDS}
        if all(value in (None, "") for value in values.values()):
            continue  # a blank line
        values["planned"] = "" if values.get("planned") is None else values["planned"]
        rows.append((number, values))
    if not rows:
        raise ValidationError(_("The file has no rows below its header."), "file")
    return rows


def _cell(value):
    """A cell as text: numbers as written (2027, 150000.5), texts stripped."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
