"""Reading an uploaded spreadsheet (XLSX or CSV) as a table of cells: the one reader every import uses.

XLSX is read with openpyxl (the first sheet, values not formulas). CSV is separated by
semicolons or commas (whichever the first line has more of) and decoded with the first of
the caller's encodings that fits — UTF-8 with or without BOM, and for 1C's exports
Windows-1251. Headers are matched after `header_key`: trimmed, lower case, ё read as е,
inner spaces collapsed, a BOM dropped. Rows are numbered as the spreadsheet shows them
(the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re

from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.services.common import Upload

MAX_FILE_BYTES = 5 * 1024 * 1024
UTF8 = ("utf-8-sig",)


def read_table(upload: Upload | None, encodings: tuple[str, ...] = UTF8) -> list[list]:
    """Every row of the file's first sheet as a list of cells; a ValidationError on field `file` if unreadable."""
    if upload is None or not upload.data:
        raise ValidationError(_("Choose an XLSX or CSV file."), "file")
    if len(upload.data) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is too large."), "file")
    name = upload.filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(upload.data)
    elif name.endswith(".csv"):
        table = _csv_table(upload.data, encodings)
    else:
        raise ValidationError(_("Choose an XLSX or CSV file."), "file")
    if not table:
        raise ValidationError(_("The file is empty."), "file")
    return table


def _xlsx_table(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only imports need it

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception:  # a broken or foreign file: openpyxl raises many kinds
        raise ValidationError(_("The file is not a readable XLSX workbook."), "file") from None


def _csv_table(data: bytes, encodings: tuple[str, ...]) -> list[list]:
    text = _decoded(data, encodings)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _decoded(data: bytes, encodings: tuple[str, ...]) -> str:
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if encodings == UTF8:
        raise ValidationError(_("The CSV file must be in UTF-8."), "file")
    raise ValidationError(_("The CSV file must be in UTF-8 or Windows-1251."), "file")


def header_key(cell) -> str:
    """A header cell as it is compared: trimmed, lower case, ё as е, one space between words, no BOM."""
    text = str(cell if cell is not None else "").replace("\ufeff", "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower().replace("ё", "е")


def cell_text(value) -> str | None:
    """A cell as text: numbers as written (2027, 150000.5), texts stripped; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
