"""The API's OpenAPI 3.1 document: the YAML fragments of webapp/api/openapi/ merged into one.

`base.yaml` holds the head (`openapi`, `info`, `servers`, `security`) and the shared components;
every other `*.yaml` there is one area with top-level `paths:` and optionally `components:`
(and `x-…` keys, which are YAML anchors only and are not merged). A path, or a component name
within one section, defined by two fragments is refused naming both files: a new area is a new
file, never an edit of another's. Processes are data, so the path segments of the process
routes are filled in when the document is served: a schema marked `x-soglasie-processes: ids`
(`paths`, `versioned_paths`) gets the `enum` of the processes in the rules in force.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from soglasie.rulebook.model import RuleBook

FRAGMENTS = Path(__file__).with_name("openapi")
HEAD = "base.yaml"
FRAGMENT_KEYS = ("paths", "components")
PROCESS_MARK = "x-soglasie-processes"


class FragmentError(ValueError):
    """A fragment that cannot be merged: a duplicate path or component, or an unknown top-level key."""


def merge_fragments(folder: Path = FRAGMENTS) -> dict:
    """The document: the head, then every other fragment's paths and components, in file-name order."""
    document = _read(folder / HEAD)
    document.setdefault("paths", {})
    document.setdefault("components", {})
    owners = {("paths", path): HEAD for path in document["paths"]}
    owners.update({(section, name): HEAD for section, items in document["components"].items() for name in items})
    for path in sorted(folder.glob("*.yaml")):
        if path.name != HEAD:
            _merge(document, _read(path), path.name, owners)
    return document


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as stream:
        loaded = yaml.safe_load(stream) or {}
    if not isinstance(loaded, dict):
        raise FragmentError(f"{path.name}: a fragment is a mapping with `paths:` and `components:`")
    return loaded


def _merge(document: dict, fragment: dict, name: str, owners: dict) -> None:
    """Add one fragment's paths and components to `document`; a name taken already is refused."""
    unknown = [key for key in fragment if key not in FRAGMENT_KEYS and not str(key).startswith("x-")]
    if unknown:
        raise FragmentError(f"{name}: unknown top-level key(s) {', '.join(map(str, unknown))} "
                            f"(a fragment has {' and '.join(FRAGMENT_KEYS)})")
    targets = [("paths", document["paths"], fragment.get("paths") or {})]
    targets += [(section, document["components"].setdefault(section, {}), items or {})
                for section, items in (fragment.get("components") or {}).items()]
    for section, target, items in targets:
        for key, value in items.items():
            owner = owners.get((section, key))
            if owner is not None:
                raise FragmentError(f"{name}: {section} {key!r} is defined in {owner} already")
            owners[(section, key)] = name
            target[key] = value


@functools.lru_cache(maxsize=4)
def _merged(folder: Path) -> dict:
    return merge_fragments(folder)


def document(rulebook: RuleBook, folder: Path = FRAGMENTS) -> dict:
    """The document as served: the merged fragments with the process path segments of `rulebook`."""
    processes = list(rulebook.processes.values())
    choices = {
        "ids": [process.id for process in processes],
        "paths": [process.api_path for process in processes if process.api_path],
        "versioned_paths": [process.api_path for process in processes if process.api_path
                            and process.card.document is not None and process.card.document.versioned],
    }
    filled = copy.deepcopy(_merged(folder))
    _fill_processes(filled, choices)
    return filled


def _fill_processes(node, choices: dict[str, list[str]]) -> None:
    """Replace every `x-soglasie-processes: KIND` mark by the enum of that kind's values."""
    if isinstance(node, dict):
        kind = node.pop(PROCESS_MARK, None)
        if kind is not None:
            node["enum"] = choices[kind]
        for value in node.values():
            _fill_processes(value, choices)
    elif isinstance(node, list):
        for value in node:
            _fill_processes(value, choices)
