"""CSV and XLSX exports of the filtered list (formula injection defused in both)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Iterable, Iterator

from flask_babel import gettext as _
from openpyxl import Workbook

from webapp.i18n import stage_title
from webapp.processes import nouns

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    """Column titles, in the user's language (the order of board.EXPORT_COLUMNS)."""
    return [_("No."), _("Filed"), _("Stage"), _("Amount"), _("Currency"), _("Counterparty"), _("INN"),
            _("Cost item code"), _("Cost item"), _("Initiator"), _("Department"), _("Pay by"), _("Comment")]


def safe_cell(value):
    """A cell a spreadsheet program will not run as a formula (a leading quote defuses it)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _row(values: tuple, kind: str) -> list:
    row = list(values)
    row[2] = stage_title(row[2], kind)
    return [safe_cell(value) for value in row]


def csv_chunks(rows: Iterable[tuple], kind: str, delimiter: str) -> Iterator[str]:
    """The CSV text in chunks (UTF-8 BOM first, so spreadsheet programs read Cyrillic right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(headers())
    for count, values in enumerate(rows, start=1):
        row = _row(values, kind)
        if delimiter == ";":
            row[3] = str(row[3]).replace(".", ",")  # a decimal comma where ";" separates fields
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(rows: Iterable[tuple], kind: str) -> bytes:
    """An XLSX workbook (write-only mode: memory stays flat for 100,000 rows)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(nouns(kind).capitalized("short_many"))
    sheet.append(headers())
    for values in rows:
        row = _row(values, kind)
        row[3] = Decimal(row[3]) if not isinstance(row[3], Decimal) else row[3]
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
