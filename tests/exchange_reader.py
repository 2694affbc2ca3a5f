"""An independent reader of the 1C client-bank exchange format (1.03), written from the format's description.

Deliberately shares nothing with `soglasie.bank_exchange`: it checks the bytes (Windows-1251,
every line ended by CR LF), then splits the file into the header, `СекцияРасчСчет` blocks and
`СекцияДокумент=<kind>` … `КонецДокумента` blocks of `Key=Value` lines, up to `КонецФайла`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExchangeFile:
    """What the reader found."""

    header: dict = field(default_factory=dict)
    documents: list = field(default_factory=list)  # [(kind, {key: value})]
    lines: list = field(default_factory=list)


def read(data: bytes) -> ExchangeFile:
    """Parse `data`; AssertionError on anything the format does not allow."""
    assert data.endswith(b"\r\n"), "the last line must end with CR LF"
    assert data.count(b"\n") == data.count(b"\r\n"), "a bare LF"
    assert data.count(b"\r") == data.count(b"\r\n"), "a bare CR"
    text = data.decode("cp1251")  # strict: a byte outside Windows-1251 fails here
    lines = text[:-2].split("\r\n")
    assert lines[0] == "1CClientBankExchange", lines[0]
    assert lines[-1] == "КонецФайла", lines[-1]
    found = ExchangeFile(lines=lines)
    current = None
    for line in lines[1:-1]:
        key, sep, value = line.partition("=")
        if current is None and key == "СекцияДокумент":
            current = (value, {})
        elif current is not None and line == "КонецДокумента":
            found.documents.append(current)
            current = None
        else:
            assert sep == "=", f"not a Key=Value line: {line!r}"
            target = current[1] if current is not None else found.header
            assert key not in target, f"{key} twice"
            target[key] = value
    assert current is None, "a document without КонецДокумента"
    return found
