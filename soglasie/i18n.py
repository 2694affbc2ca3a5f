"""The core's message catalogue: gettext domain `soglasie`, English msgids, Russian in soglasie/translations.

`_("Request #%(card)s", card=5)` is a lazy `Message`: nothing is looked up until a surface asks
for it in a language (`.get(locale)`, `.ru`, `.en`), so module-level texts cost nothing at
import time and every consumer of `Text` (`DomainError.message`, `Text.get`) takes one as is.
A text whose Russian agrees with a process's gender ("заявка найдена" / "договор найден") is
`gendered(...)`: one msgid, three translations under the pgettext contexts "feminine",
"masculine" and "neuter", chosen by its `gender` parameter. How to update the catalogue:
docs/operations.md, "Translations".
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from soglasie.rulebook.model import Text

DOMAIN = "soglasie"
TRANSLATIONS = Path(__file__).parent / "translations"
GENDERS = ("feminine", "masculine", "neuter")


class Message(Text):
    """A catalogue message and its parameters, translated when asked; a drop-in `Text`.

    A parameter may itself be a `Text`/`Message` (translated into the same language) or a
    callable taking the locale (e.g. an amount formatted the locale's way).
    """

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None, *, context: str | None = None,
                 gendered: bool = False):
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "params", dict(params or {}))
        object.__setattr__(self, "context", context)
        object.__setattr__(self, "gendered", gendered)

    @property
    def ru(self) -> str:  # type: ignore[override]
        """The Russian text."""
        return self.get("ru")

    @property
    def en(self) -> str:  # type: ignore[override]
        """The English text."""
        return self.get("en")

    def get(self, locale: str | None) -> str:
        """The text in `locale` with its parameters filled in (Russian when the locale is unknown)."""
        params = {name: _resolve(value, locale) for name, value in self.params.items()}
        context = params.get("gender") if self.gendered else self.context
        catalogue = catalogue_for(locale)
        text = catalogue.pgettext(context, self.msgid) if context else catalogue.gettext(self.msgid)
        return text % params if params else text

    def format(self, **params: Any) -> Message:
        """The same message with more parameters (those given here win)."""
        return Message(self.msgid, {**self.params, **params}, context=self.context, gendered=self.gendered)

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.params!r})"


def _(msgid: str, **params: Any) -> Message:
    """A message of the core's catalogue; `params` fill its `%(name)s` placeholders."""
    return Message(msgid, params)


def pgettext(context: str, msgid: str, **params: Any) -> Message:
    """A message translated under `context` (the same English may need two Russian texts)."""
    return Message(msgid, params, context=context)


def gendered(msgid: str, **params: Any) -> Message:
    """A message whose Russian agrees with the `gender` parameter (a noun's grammatical gender)."""
    return Message(msgid, params, gendered=True)


def _resolve(value: Any, locale: str | None) -> Any:
    if isinstance(value, Text):
        return value.get(locale)
    if callable(value):
        return value(locale)
    return value


def catalogue_for(locale: str | None) -> gettext.NullTranslations:
    """The translations of `locale`: English is the msgids themselves, anything else Russian."""
    return gettext.NullTranslations() if locale == "en" else _russian()


@functools.cache
def _russian() -> gettext.NullTranslations:
    mo_path = TRANSLATIONS / "ru" / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po_path = mo_path.with_suffix(".po")
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    # An install that skipped `make setup` (or a .po edited since): compile in memory, never on disk,
    # so a read-only installation still speaks Russian.
    return gettext.GNUTranslations(io.BytesIO(compile_po(po_path)))


def compile_po(po_path: Path) -> bytes:
    """The .mo bytes of a .po catalogue (what `pybabel compile` writes)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as source:
        catalog = read_po(source, locale=po_path.parent.parent.name, domain=DOMAIN)
    target = io.BytesIO()
    write_mo(target, catalog)
    return target.getvalue()


def extract(fileobj, keywords: Iterable[str], comment_tags, options) -> Iterator[tuple]:
    """pybabel's extractor for the core: Python, and each `gendered("…")` as one msgid per gender context."""
    from babel.messages.extract import extract_python

    for lineno, funcname, messages, comments in extract_python(
            fileobj, [*keywords, "gendered"], comment_tags, options):
        if funcname == "gendered":
            msgid = messages if isinstance(messages, str) else messages[0]
            for gender in GENDERS if msgid else ():
                yield lineno, "pgettext", (gender, msgid), comments
        else:
            yield lineno, funcname, messages, comments
