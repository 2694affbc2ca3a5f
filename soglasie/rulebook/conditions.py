"""Conditions a finance lead writes in rule files: the language, its parser and a reference evaluator.

The language (never Python `eval`: a tokenizer and a recursive-descent parser):

    amount > 1000000
    cost_item == "ADS"
    cost_item in ["ADS", "SMM"]
    department != "production" and (amount >= 500000 or has_contract == false)
    not has_hard_deadline

Operators `== != > >= < <= in not in and or not`, parentheses; values are numbers
(`1000000`, `1000000.01`), double-quoted texts (`\\"` and `\\\\` escape), `true`/`false`
and lists `[...]`. A comparison is always `field OPERATOR value`; a yes/no field may stand
alone. Fields (FIELDS) and their types are fixed and checked when the file is loaded.

Absent fields: a card may lack a field (e.g. no `contract_remaining`). Any comparison with
an absent field is false — `==` and `!=`, `in` and `not in` alike — and `not` negates the
whole, so `not (contract_remaining > 0)` holds when there is no contract remaining.

Money (`amount`, `contract_remaining`) is compared exactly in kopecks: values have at most
two decimals, and facts are converted with `normalize_facts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from soglasie.rulebook.yamlnodes import did_you_mean

# The fixed schema of condition fields: name → type ("money" is rubles, compared in kopecks).
FIELDS: Mapping[str, str] = {
    "amount": "money",  # the requested amount, RUB
    "cost_item": "text",  # cost item code from the directory, e.g. "ADS"
    "department": "text",  # the initiator's department code, e.g. "marketing"
    "counterparty_inn": "text",  # the counterparty's INN, as digits
    "initiator": "text",  # the initiator's login
    "has_contract": "bool",  # a signed contract is linked
    "contract_remaining": "money",  # what is left of the linked contract's amount (absent: none)
    "exceeds_contract_remaining": "bool",  # the amount is above the linked contract's remainder
    "has_hard_deadline": "bool",  # the request carries a hard deadline
    "is_possible_duplicate": "bool",  # the same counterparty's invoice may already be filed (`duplicates:`)
    "exceeds_budget": "bool",  # the amount is above what is left of its budget line (absent: no budget)
    "budget_remaining": "money",  # what is left of the budget line before this request (absent: none)
    "process": "text",  # the process id, e.g. "payment"
}
COMPARISONS = ("==", "!=", ">", ">=", "<", "<=")
INVERSE = {"==": "!=", "!=": "==", ">": "<=", ">=": "<", "<": ">=", "<=": ">"}
_MAX_DEPTH = 50  # nesting limit: a readable condition never needs more
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|>=|<=|>|<)
  | (?P<punct>[()\[\],])
""", re.VERBOSE)
_MISTAKES = {"=": "use == to compare", "&&": "use 'and'", "||": "use 'or'", "!": "use 'not'",
             "'": "texts are written in double quotes"}


class ConditionError(ValueError):
    """A condition that cannot be parsed or type-checked; `column` is 0-based in the source."""

    def __init__(self, message: str, column: int = 0):
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Compare:
    """`field op value`; money values are in kopecks."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Member:
    """`field in [values]` (negated: `not in`)."""

    field: str
    values: tuple
    negated: bool = False


@dataclass(frozen=True)
class And:
    """All of `items`."""

    items: tuple


@dataclass(frozen=True)
class Or:
    """Any of `items`."""

    items: tuple


@dataclass(frozen=True)
class Not:
    """The negation of `item`."""

    item: Any


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, word, op, punct, end
    text: str
    column: int


def tokenize(source: str) -> list[_Token]:
    """The tokens of `source`; anything the language does not know is a ConditionError."""
    tokens, pos = [], 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            bad = source[pos:pos + 2] if source[pos:pos + 2] in _MISTAKES else source[pos]
            hint = _MISTAKES.get(bad, "not part of the condition language")
            raise ConditionError(f"unexpected {bad!r} at column {pos + 1}: {hint}", pos)
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


def parse_condition(source: str) -> Any:
    """The type-checked tree of `source` (Compare/Member/And/Or/Not); ConditionError otherwise."""
    if not source.strip():
        raise ConditionError("the condition is empty")
    return _Parser(tokenize(source)).parse()


class _Parser:
    """Recursive descent: or → and → not → primary → comparison."""

    def __init__(self, tokens: list[_Token]):
        self.tokens, self.pos, self.depth = tokens, 0, 0

    def parse(self) -> Any:
        tree = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise ConditionError(f"unexpected {token.text!r} at column {token.column + 1}: "
                                 "expected 'and', 'or' or the end", token.column)
        return tree

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind in ("word", "punct"):
            self.pos += 1
            return True
        return False

    def expect(self, text: str, context: str) -> None:
        if not self.accept(text):
            token = self.peek()
            found = repr(token.text) if token.text else "the end"
            raise ConditionError(f"expected {text!r} {context} at column {token.column + 1}, found {found}",
                                 token.column)

    def or_expr(self) -> Any:
        items = [self.and_expr()]
        while self.accept("or"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Any:
        items = [self.not_expr()]
        while self.accept("and"):
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Any:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ConditionError("the condition is nested too deeply", self.peek().column)
        try:
            if self.accept("not"):
                return Not(self.not_expr())
            if self.accept("("):
                tree = self.or_expr()
                self.expect(")", "to close '('")
                return tree
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Any:
        token = self.take()
        if token.kind != "word" or token.text in ("and", "or", "not", "in", "true", "false"):
            found = repr(token.text) if token.text else "the end"
            raise ConditionError(f"expected a field at column {token.column + 1}, found {found}", token.column)
        field = token.text
        if field not in FIELDS:
            raise ConditionError(f"unknown field {field!r}{did_you_mean(field, FIELDS)}; fields: "
                                 f"{', '.join(FIELDS)}", token.column)
        kind = FIELDS[field]
        nxt = self.peek()
        if nxt.kind == "op":
            self.pos += 1
            return self.compare(field, kind, nxt)
        if nxt.text == "in" or (nxt.text == "not" and self.tokens[self.pos + 1].text == "in"):
            negated = self.accept("not")
            self.accept("in")
            return Member(field, self.values(field, kind), negated)
        if kind == "bool":
            return Compare(field, "==", True)
        raise ConditionError(f"{field} is {_KIND_WORDS[kind]}: compare it, e.g. {_EXAMPLES[kind]}",
                             token.column)

    def compare(self, field: str, kind: str, op: _Token) -> Compare:
        if op.text not in ("==", "!=") and kind != "money":
            raise ConditionError(f"{field} is {_KIND_WORDS[kind]}: only == and != (or in) apply, "
                                 f"not {op.text}", op.column)
        return Compare(field, op.text, self.value(field, kind))

    def values(self, field: str, kind: str) -> tuple:
        self.expect("[", "after 'in'")
        values = []
        while not self.accept("]"):
            values.append(self.value(field, kind))
            if not self.accept(","):
                self.expect("]", "to close the list")
                break
        if not values:
            raise ConditionError("the list after 'in' is empty", self.tokens[self.pos - 1].column)
        return tuple(dict.fromkeys(values))

    def value(self, field: str, kind: str) -> Any:
        token = self.take()
        if kind == "money" and token.kind == "number":
            return money_to_kopecks(token.text, token.column)
        if kind == "text" and token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if kind == "bool" and token.text in ("true", "false") and token.kind == "word":
            return token.text == "true"
        found = repr(token.text) if token.text else "nothing"
        raise ConditionError(f"{field} is {_KIND_WORDS[kind]}: expected {_VALUE_WORDS[kind]} at column "
                             f"{token.column + 1}, found {found}", token.column)


_KIND_WORDS = {"money": "an amount (number)", "text": "text", "bool": "yes/no"}
_VALUE_WORDS = {"money": "a number", "text": 'a double-quoted text like "ADS"', "bool": "true or false"}
_EXAMPLES = {"money": "amount > 1000000", "text": 'cost_item == "ADS"', "bool": "has_contract == true"}


def money_to_kopecks(text: Any, column: int = 0) -> int:
    """Rubles (a number, at most two decimals) as integer kopecks; exact or ConditionError."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ConditionError(f"{text!r} is not an amount", column) from None
    if not value.is_finite():
        raise ConditionError(f"{text!r} is not an amount", column)
    kopecks = value * 100
    if kopecks != kopecks.to_integral_value():
        raise ConditionError(f"{text} has more than two decimals (kopecks)", column)
    return int(kopecks)


def fields_of(tree: Any) -> set[str]:
    """The fields a condition reads."""
    if isinstance(tree, (Compare, Member)):
        return {tree.field}
    if isinstance(tree, Not):
        return fields_of(tree.item)
    return set().union(*(fields_of(item) for item in tree.items))


def normalize_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts checked against FIELDS: money in kopecks; None or missing means absent.

    Raises ValueError for unknown fields and values of the wrong type, so a caller's mistake
    never silently turns into "the condition is false".
    """
    result: dict[str, Any] = {}
    for name, value in facts.items():
        kind = FIELDS.get(name)
        if kind is None:
            raise ValueError(f"unknown fact {name!r}{did_you_mean(name, FIELDS)}")
        if value is None:
            continue
        if kind == "money" and isinstance(value, (int, Decimal, str)) and not isinstance(value, bool):
            try:
                result[name] = money_to_kopecks(value)
            except ConditionError as error:
                raise ValueError(f"fact {name}: {error}") from None
        elif kind == "text" and isinstance(value, str) or kind == "bool" and isinstance(value, bool):
            result[name] = value
        else:
            raise ValueError(f"fact {name} must be {_KIND_WORDS[kind]}, got {value!r}")
    return result


def evaluate(tree: Any, facts: Mapping[str, Any]) -> bool:
    """The reference meaning of a condition on `normalize_facts` output (absent → comparisons false)."""
    if isinstance(tree, Compare):
        value = facts.get(tree.field)
        return value is not None and _COMPARE[tree.op](value, tree.value)
    if isinstance(tree, Member):
        value = facts.get(tree.field)
        return value is not None and (value in tree.values) != tree.negated
    if isinstance(tree, Not):
        return not evaluate(tree.item, facts)
    if isinstance(tree, And):
        return all(evaluate(item, facts) for item in tree.items)
    return any(evaluate(item, facts) for item in tree.items)


_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}
