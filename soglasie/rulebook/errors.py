"""Errors of rule files: each one points at `file:line` so a finance lead can fix it."""

from __future__ import annotations

from typing import Iterable


class RuleFileError(ValueError):
    """One problem in one rule file; `str()` is `file:line: message`."""

    def __init__(self, path: str, line: int, message: str):
        self.path = str(path)
        self.line = int(line)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def __repr__(self) -> str:
        return f"RuleFileError({self.path!r}, {self.line}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleFileError):
            return NotImplemented
        return (self.path, self.line, self.message) == (other.path, other.line, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.message))


class RuleBookError(ValueError):
    """A rules directory failed validation; `errors` holds every problem found, in file order."""

    def __init__(self, errors: Iterable[RuleFileError]):
        self.errors = tuple(sorted(errors, key=lambda error: (error.path, error.line)))
        super().__init__("\n".join(str(error) for error in self.errors) or "invalid rules")
