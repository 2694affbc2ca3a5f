"""Importing budgets from a spreadsheet: XLSX or CSV, a row per department × cost item × month.

The first row names the columns — `year, month, department, cost_item, planned` (codes for
the department and cost item; `planned` in rubles, a decimal comma allowed), in any order;
CSV may be separated by commas or semicolons, in UTF-8 (with or without BOM; read by
soglasie.spreadsheet). Rows are numbered as the spreadsheet shows them (the header is row 1).
Every row is validated and nothing is written if any fails (`row N: field: message`,
soglasie.services.budgets).
"""

from __future__ import annotations

import datetime as dt

from soglasie.core import Core
from soglasie.errors import PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.services.budgets import ROW_FIELDS, can_edit, clean_rows, write_rows
from soglasie.services.common import Upload, load_actor
from soglasie.spreadsheet import cell_text, read_table


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
    return _numbered(read_table(upload))


def _numbered(table: list[list]) -> list[tuple[int, dict]]:
    header = [str(cell or "").strip().lower() for cell in table[0]]
    missing = [name for name in ROW_FIELDS if name not in header]
    if missing:
        raise ValidationError(_("row 1: the columns %(missing)s are missing (expected: %(columns)s).",
                                missing=", ".join(missing), columns=", ".join(ROW_FIELDS)), "file")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: cell_text(cells[index]) if index < len(cells) else None
                  for index, name in enumerate(header) if name in ROW_FIELDS}
        if all(value in (None, "") for value in values.values()):
            continue  # a blank line
        values["planned"] = "" if values.get("planned") is None else values["planned"]
        rows.append((number, values))
    if not rows:
        raise ValidationError(_("The file has no rows below its header."), "file")
    return rows
