"""Reading composed YAML nodes with line numbers, collecting every error instead of stopping.

Rule files are parsed with PyYAML's `compose` (nodes keep their source marks), so every
error names the real line. Readers return None when a value is wrong and record the error;
the caller goes on, so one `rules check` run lists all problems of a directory.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from soglasie.rulebook.errors import RuleFileError
from soglasie.rulebook.model import Text

IDENT = re.compile(r"[a-z][a-z0-9_]*\Z")
_TAG_NAMES = {
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:null": "an empty value",
    "tag:yaml.org,2002:timestamp": "a date",
}


def line_of(node: Node) -> int:
    """The 1-based line where `node` starts."""
    return node.start_mark.line + 1


def describe(node: Node) -> str:
    """What a node is, in the words of an error message ("a list", "text 'abc'")."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    kind = _TAG_NAMES.get(node.tag, "a value")
    return f"{kind} {node.value!r}" if node.value != "" else kind


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Reader:
    """Reads one rule file's nodes and collects its errors."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[RuleFileError] = []

    def error(self, where: Node | int, message: str) -> None:
        """Record a problem at a node (its start line) or at a line number."""
        line = where if isinstance(where, int) else line_of(where)
        self.errors.append(RuleFileError(self.path, line, message))

    def compose(self, text: str) -> Node | None:
        """The document's root node; YAML syntax errors are recorded with their line."""
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = " ".join(part for part in (error.context, error.problem) if part)
            self.error(mark.line + 1 if mark else 1, f"YAML syntax error: {problem}")
            return None
        except yaml.YAMLError as error:
            self.error(1, f"YAML error: {error}")
            return None
        except RecursionError:  # PyYAML's composer recurses once per level of nesting
            self.error(1, "the file nests lists or mappings too deeply")
            return None
        if root is None:
            self.error(1, "the file is empty")
        return root

    def mapping(self, node: Node, what: str, required: Iterable[str] = (),
                optional: Iterable[str] = ()) -> dict[str, Node] | None:
        """A mapping with known keys: unknown, duplicate and missing keys are errors."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping (key: value), got {describe(node)}")
            return None
        required, allowed = tuple(required), (*required, *optional)
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.error(key_node, f"{what}: a key must be a plain name")
            elif key in found:
                self.error(key_node, f"duplicate key {key!r} in {what}")
            elif allowed and key not in allowed:
                self.error(key_node, f"unknown key {key!r} in {what}{did_you_mean(key, allowed)}")
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.error(node, f"{what} is missing {key!r}")
        return found

    def free_mapping(self, node: Node, what: str) -> list[tuple[Node, Node]] | None:
        """A mapping whose keys are names chosen by the author (duplicates are errors)."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping (name: value), got {describe(node)}")
            return None
        seen: set[str] = set()
        pairs = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or not IDENT.match(key):
                self.error(key_node, f"{what}: {describe(key_node)} is not a valid name "
                           "(lowercase letters, digits, _)")
            elif key in seen:
                self.error(key_node, f"duplicate key {key!r} in {what}")
            else:
                seen.add(key)
                pairs.append((key_node, value_node))
        return pairs

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        """A list of nodes."""
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list, got {describe(node)}")
            return None
        return list(node.value)

    def scalar(self, node: Node, what: str) -> str | None:
        """The raw text of any scalar (a number, a time like 13:00 or a date as written)."""
        if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.error(node, f"{what} must be a single value, got {describe(node)}")
            return None
        return node.value

    def text(self, node: Node, what: str) -> str | None:
        """A non-empty text value (numbers, true/false and empty values are refused)."""
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str" or not node.value.strip():
            quote = " (put it in double quotes if it is meant as text)" \
                if isinstance(node, ScalarNode) and node.value.strip() else ""
            self.error(node, f"{what} must be text, got {describe(node)}{quote}")
            return None
        return node.value

    def name(self, node: Node, what: str) -> str | None:
        """An identifier: lowercase letters, digits and `_`, starting with a letter."""
        value = self.text(node, what)
        if value is not None and not IDENT.match(value):
            self.error(node, f"{what} {value!r} is not a valid name (lowercase letters, digits, _)")
            return None
        return value

    def choice(self, node: Node, what: str, choices: Iterable[str]) -> str | None:
        """One of `choices`; a near miss gets a "did you mean"."""
        choices = tuple(choices)
        value = self.text(node, what)
        if value is not None and value not in choices:
            self.error(node, f"unknown {what} {value!r}{did_you_mean(value, choices)}; "
                       f"expected one of: {', '.join(choices)}")
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        """true or false."""
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
            self.error(node, f"{what} must be true or false, got {describe(node)}")
            return None
        return node.value.lower() in ("true", "yes", "on", "y")

    def localized(self, node: Node, what: str) -> Text | None:
        """A user-visible text: `{ru: ..., en: ...}` (one language copies to the other) or text."""
        if isinstance(node, ScalarNode):
            value = self.text(node, what)
            return Text(value, value) if value is not None else None
        fields = self.mapping(node, what, optional=("ru", "en"))
        if fields is None:
            return None
        if not fields:
            self.error(node, f"{what} needs 'ru' and/or 'en'")
            return None
        ru = self.text(fields["ru"], f"{what}.ru") if "ru" in fields else None
        en = self.text(fields["en"], f"{what}.en") if "en" in fields else None
        if (ru is None and "ru" in fields) or (en is None and "en" in fields):
            return None
        return Text(ru or en, en or ru)
