"""The 1C exchange format with bank clients (`1CClientBankExchange`, version 1.03): writing orders, reading statements.

A file is Windows-1251 text with CRLF line ends: the header lines, one `СекцияДокумент=<kind>` …
`КонецДокумента` block of `Key=Value` lines per document, the statement's `СекцияРасчСчет` …
`КонецРасчСчет` blocks, and `КонецФайла`. Amounts are written `1234.50`, dates `DD.MM.YYYY`.
A value Windows-1251 cannot encode is transliterated (`₽` → `руб.`, accented Latin letters →
plain) or refused naming the key — never silently dropped (docs/operations.md, "The bank").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from soglasie.errors import ValidationError
from soglasie.i18n import _

ENCODING = "cp1251"
EOL = "\r\n"
ORDER_KIND = "Платежное поручение"
# Characters outside Windows-1251 that have a faithful spelling inside it.
_TRANSLITERATION = {"₽": "руб.", "\u2009": " ", "\u202f": " ", "\u00a0": " ", "‐": "-", "‑": "-", "−": "-",
                    "⁄": "/", "…": "...", "\t": " "}


@dataclass(frozen=True)
class Party:
    """A payer or a payee as a payment order names them."""

    name: str
    inn: str
    kpp: str | None
    account: str
    bank_name: str
    bik: str
    corr_account: str


@dataclass(frozen=True)
class OrderDocument:
    """One payment order to write."""

    number: int
    date: dt.date
    amount: Decimal
    payer: Party
    payee: Party
    purpose: str


@dataclass
class StatementDocument:
    """One `СекцияДокумент` of a statement: its keys as written, its first line number and its text."""

    kind: str
    line: int
    values: dict[str, str] = field(default_factory=dict)
    text: str = ""


@dataclass
class Statement:
    """A parsed exchange file: the header keys, the account sections and the documents."""

    header: dict[str, str]
    accounts: list[dict[str, str]]
    documents: list[StatementDocument]


def format_date(day: dt.date) -> str:
    """DD.MM.YYYY, the format's date."""
    return day.strftime("%d.%m.%Y")


def format_amount(amount: Decimal) -> str:
    """`1234.50`: rubles with a dot and two decimals, no grouping."""
    return f"{amount:.2f}"


def encodable(value: str, key: str) -> str:
    """`value` as Windows-1251 can carry it on one line: transliterated, or a ValidationError naming `key`."""
    text = " ".join(value.replace("\r", " ").replace("\n", " ").split()) if value else ""
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        return "".join(_encodable_char(char, key) for char in text)


def _encodable_char(char: str, key: str) -> str:
    try:
        char.encode(ENCODING)
        return char
    except UnicodeEncodeError:
        pass
    if char in _TRANSLITERATION:
        return _TRANSLITERATION[char]
    plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    if plain:
        return plain
    raise ValidationError(_("%(key)s: the character \"%(char)s\" cannot be written in Windows-1251.",
                            key=key, char=char), key, code="unencodable")


def _party_lines(prefix: str, party: Party) -> list[tuple[str, str]]:
    return [(f"{prefix}Счет", party.account), (f"{prefix}ИНН", party.inn), (f"{prefix}КПП", party.kpp or ""),
            (prefix, party.name), (f"{prefix}1", party.name), (f"{prefix}РасчСчет", party.account),
            (f"{prefix}Банк1", party.bank_name), (f"{prefix}БИК", party.bik), (f"{prefix}Корсчет", party.corr_account)]


def document_lines(document: OrderDocument) -> list[tuple[str, str]]:
    """The `Key=Value` pairs of one payment order, in the format's order."""
    return [("СекцияДокумент", ORDER_KIND), ("Номер", str(document.number)), ("Дата", format_date(document.date)),
            ("Сумма", format_amount(document.amount)), *_party_lines("Плательщик", document.payer),
            *_party_lines("Получатель", document.payee), ("ВидОплаты", "01"), ("Очередность", "5"),
            ("НазначениеПлатежа", document.purpose), ("КонецДокумента", None)]


def write_orders(documents: list[OrderDocument], *, sender: str, account: str, created_at: dt.datetime) -> bytes:
    """The exchange file of `documents` (all paid from `account`), Windows-1251 with CRLF."""
    days = [document.date for document in documents] or [created_at.date()]
    pairs: list[tuple[str, str | None]] = [
        ("1CClientBankExchange", None), ("ВерсияФормата", "1.03"), ("Кодировка", "Windows"), ("Отправитель", sender),
        ("ДатаСоздания", format_date(created_at.date())),
        ("ВремяСоздания", created_at.strftime("%H:%M:%S")), ("ДатаНачала", format_date(min(days))),
        ("ДатаКонца", format_date(max(days))), ("РасчСчет", account), ("Документ", ORDER_KIND)]
    for document in documents:
        pairs.extend(document_lines(document))
    pairs.append(("КонецФайла", None))
    lines = [key if value is None else f"{key}={encodable(value, key)}" for key, value in pairs]
    return (EOL.join(lines) + EOL).encode(ENCODING)


# --- reading ------------------------------------------------------------------------------


def _fail(line: int, what: str) -> ValidationError:
    return ValidationError(_("line %(line)d: %(what)s", line=line, what=what), "file", code="malformed_statement")


def _decode(data: bytes) -> list[str]:
    """The file's lines: Windows-1251 (the format's `Кодировка=Windows`) or, if it decodes, UTF-8 as some banks send."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode(ENCODING)
    return text.lstrip("\ufeff").splitlines()


def read_statement(data: bytes) -> Statement:
    """Parse an exchange file (a bank statement or an export); a malformed one raises `line N: what is wrong`."""
    lines = _decode(data)
    if not lines or lines[0].strip() != "1CClientBankExchange":
        raise _fail(1, "1CClientBankExchange expected")
    statement = Statement(header={}, accounts=[], documents=[])
    section: dict[str, str] | None = None
    document: StatementDocument | None = None
    text: list[str] = []
    ended = False
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if ended:
            raise _fail(number, "text after КонецФайла")
        key, sep, value = line.partition("=")
        if document is not None:
            text.append(raw)
            if line == "КонецДокумента":
                document.text = "\n".join(text)
                statement.documents.append(document)
                document, text = None, []
            elif not sep:
                raise _fail(number, f"Key=Value expected, got \"{line[:40]}\"")
            else:
                document.values[key] = value.strip()
        elif section is not None:
            if line == "КонецРасчСчет":
                statement.accounts.append(section)
                section = None
            elif not sep:
                raise _fail(number, f"Key=Value expected, got \"{line[:40]}\"")
            else:
                section[key] = value.strip()
        elif key == "СекцияДокумент" and sep:
            document, text = StatementDocument(kind=value.strip(), line=number), [raw]
        elif line == "СекцияРасчСчет":
            section = {}
        elif line == "КонецФайла":
            ended = True
        elif not sep:
            raise _fail(number, f"unexpected \"{line[:40]}\"")
        else:
            statement.header[key] = value.strip()
    if document is not None:
        raise _fail(document.line, "СекцияДокумент without КонецДокумента")
    if section is not None:
        raise _fail(len(lines), "СекцияРасчСчет without КонецРасчСчет")
    if not ended:
        raise _fail(len(lines), "КонецФайла missing")
    for document in statement.documents:
        _check_document(document)
    return statement


def parse_amount(raw: str, line: int) -> Decimal:
    """A document's `Сумма`; malformed → `line N: …`."""
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise _fail(line, f"Сумма is not a number: \"{raw[:20]}\"") from None
    if not amount.is_finite() or amount <= 0:
        raise _fail(line, f"Сумма must be positive: \"{raw[:20]}\"")
    return amount.quantize(Decimal("0.01"))


def parse_date(raw: str, line: int, key: str) -> dt.date:
    """A DD.MM.YYYY date; malformed → `line N: …`."""
    try:
        return dt.datetime.strptime(raw, "%d.%m.%Y").date()
    except ValueError:
        raise _fail(line, f"{key} is not a date DD.MM.YYYY: \"{raw[:20]}\"") from None


def _check_document(document: StatementDocument) -> None:
    """Every document has a number and a positive amount; the written-off date, when given, is a date."""
    for key in ("Номер", "Сумма"):
        if not document.values.get(key):
            raise _fail(document.line, f"{key} missing in СекцияДокумент")
    parse_amount(document.values["Сумма"], document.line)
    for key in ("Дата", "ДатаСписано", "ДатаПоступило"):
        if document.values.get(key):
            parse_date(document.values[key], document.line, key)


REQUEST_MARK = re.compile(r"SGL-(\d+)")


def request_mark(card_id: int) -> str:
    """The tag a purpose carries so the statement finds the request again ("Заявка SGL-123")."""
    return f"SGL-{card_id}"
