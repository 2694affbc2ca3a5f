"""Load a rules directory into a `RuleBook`, reporting every error as `file:line: message`.

The directory holds `calendar.yaml`, imported production-calendar years (`calendar-2027.yaml`)
and one file per process (every other `*.yaml`/`*.yml`, e.g. `payment.yaml`, `contract.yaml`).
All files are checked and all errors collected before anything is refused; the version is a
hash of the exact bytes, so a decision can name the rules it was made under.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Mapping

from soglasie.business_calendar import BusinessCalendar
from soglasie.production_calendar import OfficialYear
from soglasie.rulebook.calendar_file import CALENDAR_FILE, read_calendar
from soglasie.rulebook.calendar_years import read_year, year_of_file
from soglasie.rulebook.errors import RuleBookError, RuleFileError
from soglasie.rulebook.model import ProcessDefinition, RuleBook
from soglasie.rulebook.process_file import read_process
from soglasie.rulebook.yamlnodes import Reader, line_of

__all__ = ["RuleBookError", "RuleFileError", "check_rules", "load_calendar", "load_rulebook",
           "load_rulebook_from_texts", "read_rule_texts", "rules_version"]
RULE_SUFFIXES = (".yaml", ".yml")
_DEFAULT_MINUTES_PER_DAY = 480  # used to keep checking process files when calendar.yaml is broken


def read_rule_texts(rules_dir: str | Path) -> dict[str, bytes]:
    """The bytes of every rule file in `rules_dir` by file name (hidden files are skipped)."""
    directory = Path(rules_dir)
    if not directory.is_dir():
        raise RuleBookError([RuleFileError(str(directory), 1, "the rules directory does not exist")])
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())
            if path.suffix in RULE_SUFFIXES and not path.name.startswith(".") and path.is_file()}


def rules_version(texts: Mapping[str, bytes]) -> str:
    """First 12 hex digits of sha256 over the sorted file names and their contents."""
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name] + b"\0")
    return digest.hexdigest()[:12]


def load_rulebook(rules_dir: str | Path) -> RuleBook:
    """The validated rules of `rules_dir`; RuleBookError lists every problem otherwise."""
    return load_rulebook_from_texts(rules_dir, read_rule_texts(rules_dir))


def load_calendar(rules_dir: str | Path) -> BusinessCalendar:
    """Only the business calendar of `rules_dir` (for commands that need nothing else)."""
    directory = Path(rules_dir)
    texts = {name: data for name, data in read_rule_texts(directory).items()
             if name == CALENDAR_FILE or year_of_file(name) is not None}
    errors: list[RuleFileError] = []
    calendar = _load_calendar(directory, texts, errors)
    if errors:
        raise RuleBookError(errors)
    return calendar


def check_rules(rules_dir: str | Path) -> list[RuleFileError]:
    """Every problem in `rules_dir` (empty when the rules are good)."""
    try:
        load_rulebook(rules_dir)
    except RuleBookError as error:
        return list(error.errors)
    return []


def load_rulebook_from_texts(rules_dir: str | Path, texts: Mapping[str, bytes]) -> RuleBook:
    """A RuleBook from file contents already read (the provider hashes and loads the same bytes)."""
    directory = Path(rules_dir)
    errors: list[RuleFileError] = []
    calendar = _load_calendar(directory, texts, errors)
    minutes_per_day = calendar.minutes_per_day if calendar else _DEFAULT_MINUTES_PER_DAY
    processes: dict[str, ProcessDefinition] = {}
    for name in sorted(texts):
        if name != CALENDAR_FILE and year_of_file(name) is None:
            _load_process(directory / name, texts[name], minutes_per_day, processes, errors)
    if not errors:
        _check_across_files(processes, texts, errors)
    if errors:
        raise RuleBookError(errors)
    return RuleBook(version=rules_version(texts), calendar=calendar, processes=processes,
                    files=tuple(str(directory / name) for name in sorted(texts)))


def _load_calendar(directory: Path, texts: Mapping[str, bytes], errors: list[RuleFileError]) -> BusinessCalendar | None:
    path = str(directory / CALENDAR_FILE)
    if CALENDAR_FILE not in texts:
        errors.append(RuleFileError(path, 1, "the calendar file is missing"))
        return None
    years = _load_years(directory, texts, errors)
    reader = Reader(path)
    root = _compose(reader, texts[CALENDAR_FILE])
    calendar = read_calendar(reader, root, years) if root is not None else None
    errors.extend(reader.errors)
    return calendar


def _load_years(directory: Path, texts: Mapping[str, bytes], errors: list[RuleFileError]) -> tuple[OfficialYear, ...]:
    """The imported production-calendar years (`calendar-2027.yaml`); they win over the package."""
    years = []
    for name in sorted(texts):
        year = year_of_file(name)
        if year is not None:
            reader = Reader(str(directory / name))
            root = _compose(reader, texts[name])
            official = read_year(reader, root, year) if root is not None else None
            years += [official] if official is not None else []
            errors.extend(reader.errors)
    return tuple(years)


def _load_process(path: Path, data: bytes, minutes_per_day: int, processes: dict[str, ProcessDefinition],
                  errors: list[RuleFileError]) -> None:
    reader = Reader(str(path))
    root = _compose(reader, data)
    process = read_process(reader, root, minutes_per_day, str(path)) if root is not None else None
    if process is not None and process.id in processes:
        reader.error(line_of(root), f"process {process.id!r} is already declared in {processes[process.id].source}")
    elif process is not None:
        processes[process.id] = process
    errors.extend(reader.errors)


# URL segments the portal and the REST API use themselves: a process may not hide them (docs/rules.md).
RESERVED_PATHS = {
    "portal": ("admin", "api", "auth", "board", "cards", "inbox", "list", "login", "logout", "new", "notifications",
               "processes", "profile", "static", "tasks", "telegram"),
    "api": ("analytics", "budgets", "cards", "cost-items", "counterparties", "docs", "me", "notifications",
            "openapi.json", "payment-orders", "bank-statements", "processes", "tasks", "users"),
}


def _check_across_files(processes: Mapping[str, ProcessDefinition], texts: Mapping[str, bytes],
                        errors: list[RuleFileError]) -> None:
    """What one file cannot check alone: unique, free URL paths; contract links to real processes."""
    for section, attribute in (("portal", "portal_path"), ("api", "api_path")):
        taken: dict[str, str] = {}
        for process in processes.values():
            path, where = getattr(process, attribute), _line_of_key(texts, process, f"{section}:")
            if path in RESERVED_PATHS[section]:
                errors.append(RuleFileError(process.source, where, f"{section}.path {path!r} is used by Soglasie "
                                            f"itself; reserved: {', '.join(RESERVED_PATHS[section])}"))
            elif path in taken:
                errors.append(RuleFileError(process.source, where, f"{section}.path {path!r} is already used by "
                                            f"process {taken[path]!r}"))
            taken.setdefault(path, process.id)
    for process in processes.values():
        linked = process.card.contract_process
        if linked is not None and (linked not in processes or linked == process.id):
            errors.append(RuleFileError(process.source, _line_of_key(texts, process, "contract:"),
                                        f"card.contract.process {linked!r} is not another declared process; "
                                        f"known: {', '.join(sorted(set(processes) - {process.id})) or 'none'}"))


def _line_of_key(texts: Mapping[str, bytes], process: ProcessDefinition, key: str) -> int:
    """The first line of the process file that contains `key` (1 when none does)."""
    text = texts.get(Path(process.source).name, b"").decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(key):
            return number
    return 1


def _compose(reader: Reader, data: bytes):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        reader.error(data[:error.start].count(b"\n") + 1, "the file is not UTF-8 text")
        return None
    return reader.compose(text)
