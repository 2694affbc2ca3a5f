"""Conditions compiled to durable-rules JSON, and card facts encoded for those rulesets.

durable-rules 2.0.28 (the last release) is unmaintained C: the compiled form therefore uses
the smallest part of its JSON language that the differential test exercises, and avoids the
parts seen to misbehave on this machine (`$nex` loops forever when the session state itself
matches it; a posted event is consumed by one rule only):

- a fact (`assert_fact`: every matching rule fires) with every field present, as integers:
  money in kopecks, yes/no as 1/0, texts as codes from a per-ruleset symbol table (0 = a
  text no rule mentions), and `<field>__known` = 1/0 instead of `$ex`/`$nex`;
- operators `==` (`{"f": v}`), `$lt $lte $gt $gte`, `$and`, `$or` only;
- `not` pushed down to the leaves (De Morgan, inverted comparisons); `!=` and `not in`
  become ranges around the excluded values (`f < v or f > v`); absent fields follow the
  reference rule of `conditions` (a comparison with an absent field is false);
- every rule is guarded by `{"soglasie_card": 1}` so nothing but a card fact can match
  (durable also matches rules against the session state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from soglasie.rulebook.conditions import FIELDS, INVERSE, And, Compare, Member, Not, Or

CARD_MARKER = "soglasie_card"
KNOWN = "__known"
_DURABLE_OPS = {">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}


@dataclass(frozen=True)
class SymbolTable:
    """Integer codes of the texts the rules mention, per text field (0: any other text)."""

    codes: Mapping[str, Mapping[str, int]]

    @classmethod
    def build(cls, trees: Iterable[Any]) -> "SymbolTable":
        """Codes 1, 2, … for every text literal of `trees`, per field, in sorted order."""
        literals: dict[str, set[str]] = {name: set() for name, kind in FIELDS.items() if kind == "text"}
        for tree in trees:
            _collect_texts(tree, literals)
        return cls({name: {text: code for code, text in enumerate(sorted(texts), 1)}
                    for name, texts in literals.items()})

    def encode(self, field: str, value: Any) -> int:
        """The integer a value of `field` is compared as."""
        kind = FIELDS[field]
        if kind == "text":
            return self.codes[field].get(value, 0)
        return int(value)  # money is already kopecks; True/False → 1/0


def _collect_texts(tree: Any, literals: dict[str, set[str]]) -> None:
    if isinstance(tree, Compare) and FIELDS[tree.field] == "text":
        literals[tree.field].add(tree.value)
    elif isinstance(tree, Member) and FIELDS[tree.field] == "text":
        literals[tree.field].update(tree.values)
    elif isinstance(tree, Not):
        _collect_texts(tree.item, literals)
    elif isinstance(tree, (And, Or)):
        for item in tree.items:
            _collect_texts(item, literals)


def encode_facts(facts: Mapping[str, Any], symbols: SymbolTable) -> dict[str, int]:
    """A card fact for the engine from `normalize_facts` output: every field, as integers."""
    encoded = {CARD_MARKER: 1}
    codes = symbols.codes
    for name, known_name in _KNOWN_NAMES:
        value = facts.get(name)
        if value is None:
            encoded[name], encoded[known_name] = 0, 0
        else:
            encoded[name] = codes[name].get(value, 0) if name in codes else int(value)
            encoded[known_name] = 1
    return encoded


_KNOWN_NAMES = tuple((name, name + KNOWN) for name in FIELDS)


def compile_condition(tree: Any, symbols: SymbolTable) -> dict:
    """The durable-rules `m` pattern of a condition, guarded by the card marker."""
    return _all([{CARD_MARKER: 1}, _compile(tree, False, symbols)])


def _compile(tree: Any, negate: bool, symbols: SymbolTable) -> dict:
    if isinstance(tree, Not):
        return _compile(tree.item, not negate, symbols)
    if isinstance(tree, (And, Or)):
        parts = [_compile(item, negate, symbols) for item in tree.items]
        return _all(parts) if isinstance(tree, And) != negate else _any(parts)
    field = tree.field
    if isinstance(tree, Compare):
        op = INVERSE[tree.op] if negate else tree.op
        test = _comparison(field, op, symbols.encode(field, tree.value))
    else:
        excluded = tree.negated != negate
        test = _membership(field, sorted({symbols.encode(field, v) for v in tree.values}), excluded)
    # A comparison with an absent field is false; its negation is therefore true.
    if negate:
        return _any([{field + KNOWN: 0}, test])
    return _all([{field + KNOWN: 1}, test])


def _comparison(field: str, op: str, value: int) -> dict:
    if op == "==":
        return {field: value}
    if op == "!=":
        return _membership(field, [value], excluded=True)
    return {_DURABLE_OPS[op]: {field: value}}


def _membership(field: str, values: list[int], excluded: bool) -> dict:
    """`field` among `values` (sorted), or — excluded — in the ranges between and around them."""
    if not excluded:
        return _any([{field: value} for value in values])
    if FIELDS[field] == "bool":  # yes/no has two values: "not v" is "the other one"
        others = sorted({0, 1} - set(values))
        return _any([{field: value} for value in others]) if others else {field: -1}
    ranges = [{"$lt": {field: values[0]}}]
    ranges += [_all([{"$gt": {field: low}}, {"$lt": {field: high}}]) for low, high in zip(values, values[1:])]
    ranges.append({"$gt": {field: values[-1]}})
    return _any(ranges)


def _all(parts: list[dict]) -> dict:
    flat = [item for part in parts for item in (part["$and"] if list(part) == ["$and"] else [part])]
    return flat[0] if len(flat) == 1 else {"$and": flat}


def _any(parts: list[dict]) -> dict:
    flat = [item for part in parts for item in (part["$or"] if list(part) == ["$or"] else [part])]
    return flat[0] if len(flat) == 1 else {"$or": flat}
