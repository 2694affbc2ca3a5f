"""The processes of the rules in force, as the portal's pages list, name and link them."""

from __future__ import annotations

from soglasie.rulebook.model import NounForms, ProcessDefinition, RuleBook
from soglasie.services.cards import find_process
from webapp.runtime import core, locale


def default_process(rulebook: RuleBook) -> ProcessDefinition:
    """The process the board and the list open on: the first file's that no other process references.

    A process whose cards others reference (contracts, paid against) is a register people
    consult; the day-to-day flow is one nothing points at (payment requests).
    """
    processes = list(rulebook.processes.values())
    return next((p for p in processes if not rulebook.referencing(p.id)), processes[0])


def ordered() -> list[ProcessDefinition]:
    """Every process, the default first, then in the order of the rule files."""
    rulebook = core().rulebook
    first = default_process(rulebook)
    return [first] + [p for p in rulebook.processes.values() if p.id != first.id]


def process_of(kind: str | None, field: str = "kind") -> ProcessDefinition:
    """The process `kind` names, or NotFound naming `field` (never a fallback to another process)."""
    return find_process(core().rulebook, kind, field)


def is_default(process: ProcessDefinition) -> bool:
    """Whether the board and the list show this process without `?kind=`."""
    return default_process(core().rulebook).id == process.id


def kind_arg(process: ProcessDefinition) -> str:
    """The `kind` query argument that selects the process ("" for the default one)."""
    return "" if is_default(process) else process.id


def nouns(process: ProcessDefinition | str) -> NounForms:
    """The words for the process's cards in the user's language."""
    found = process_of(process) if isinstance(process, str) else process
    return found.nouns.get(locale())
