"""Routing and validation decisions by durable-rules — the only module that imports `durable`.

durable-rules 2.0.28 is the last release (2020); this module hides its known limits:

- rulesets are registered once per process and rules version (`payment_<version>`): a
  registered name can never be replaced, and `set_rulesets` mutates the dict it is given,
  so it gets a deep copy;
- every decision runs in a fresh session id and ALWAYS deletes its state afterwards (the
  engine keeps at most 1024 live sessions per ruleset);
- all engine calls are serialized by one process-wide lock (the C engine segfaults under
  concurrent calls), and the Host's background dispatch threads are not started (they would
  call into the engine outside the lock and could run our actions on another thread);
- exceptions raised inside actions are swallowed by durable into the session state: they
  are captured here and re-raised as RuleEngineError;
- "no rule matched" (MessageNotHandledException) is an ordinary empty decision; each new
  ruleset is warmed up first, because the engine crashes on an unhandled message before
  any action ever ran (see `_warm_up`).

The Host is created lazily, on the first decision: nothing happens at import time. What the
conditions compile to (and why) is in `soglasie.rulebook.compiler`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from durable.engine import Host, MessageNotHandledException

from soglasie.rulebook.compiler import SymbolTable, compile_condition, encode_facts
from soglasie.rulebook.model import ProcessDefinition, RouteDecision, RuleBook
from soglasie.rulebook.routing import assemble_decision, card_facts, check_now, decide_reference, process_rules

__all__ = ["RuleEngineError", "decide", "decide_reference", "ruleset_definition"]
_LOCK = threading.RLock()
_SESSION_IDS = itertools.count(1)
WARMUP, WARMUP_MARKER = "warmup", "soglasie_warmup"
_MAX_CACHED_DECISIONS = 4096  # distinct match sets per ruleset; beyond that, build each time


class RuleEngineError(RuntimeError):
    """durable-rules failed while deciding (an action raised, or the engine itself did)."""


class _QuietHost(Host):
    """A Host without the background dispatch/timer threads (no timers are used here)."""

    def _run(self) -> None:
        return None


@dataclass
class _Compiled:
    """A registered ruleset: its name, text codes and the rules behind its rule ids."""

    name: str
    symbols: SymbolTable
    rule_names: tuple[str, ...]
    process: ProcessDefinition
    decisions: dict = field(default_factory=dict)  # (version, fired rule ids) → RouteDecision


class _Engine:
    """The process-wide engine state; every method runs under `_LOCK`."""

    def __init__(self) -> None:
        self.host: Host | None = None
        self.compiled: dict[tuple[str, str], list[_Compiled]] = {}
        self.fired: list[int] = []
        self.errors: list[BaseException] = []

    def record(self, index: int) -> None:
        """The action of rule `index`: note that it matched."""
        self.fired.append(index)

    def action(self, index: int):
        def run(closure) -> None:
            try:
                self.record(index)
            except BaseException as error:  # durable would swallow it: keep it to re-raise
                self.errors.append(error)
                raise
        return run


_ENGINE = _Engine()


def ruleset_definition(process: ProcessDefinition, symbols: SymbolTable) -> dict:
    """The durable-rules JSON rules of a process (without actions): rule id → `all` pattern.

    Rule `warmup` matches only the fact asserted once at registration (see `_warm_up`).
    """
    rules = {WARMUP: {"all": [{"m": {WARMUP_MARKER: 1}}]}}
    rules.update({f"r{index}": {"all": [{"m": compile_condition(rule.when.tree, symbols)}]}
                  for index, rule in enumerate(process_rules(process))})
    return rules


def decide(rulebook: RuleBook, process_id: str, facts: Mapping[str, Any], now: dt.datetime) -> RouteDecision:
    """Routing (optional stages, assignee overrides) and validation (warn/block) for one card."""
    check_now(now)
    process = rulebook.process(process_id)
    normalized = card_facts(process_id, facts)
    if not process_rules(process):
        return assemble_decision(rulebook, process, set())
    with _LOCK:
        compiled = _compiled_for(rulebook.version, process)
        fired = tuple(_post(compiled.name, encode_facts(normalized, compiled.symbols)))
    # A decision depends only on the rules and which of them fired: build each one once.
    key = (rulebook.version, fired)
    decision = compiled.decisions.get(key)
    if decision is None:
        matched = {compiled.rule_names[index] for index in fired if index >= 0}
        decision = assemble_decision(rulebook, process, matched)
        if len(compiled.decisions) < _MAX_CACHED_DECISIONS:
            compiled.decisions[key] = decision
    # Each caller gets its own assignees dict: the cached decision must never be mutated.
    return dataclasses.replace(decision, assignees=dict(decision.assignees))


def _compiled_for(version: str, process: ProcessDefinition) -> _Compiled:
    """The registered ruleset of this process and version, registering it on first use."""
    candidates = _ENGINE.compiled.setdefault((process.id, version), [])
    for entry in candidates:
        if entry.process is process or _same_rules(entry.process, process):
            entry.process = process  # identity fast path next time
            return entry
    rules = process_rules(process)
    symbols = SymbolTable.build(rule.when.tree for rule in rules)
    definition = ruleset_definition(process, symbols)
    name = f"{process.id}_{version}"
    if candidates:  # same version string, other rules (hand-built rulebooks in tests)
        digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:8]
        name = f"{name}_{digest}_{len(candidates)}"
    for index, rule_id in enumerate(definition, -1):  # the warm-up rule is -1, not a rule
        definition[rule_id]["run"] = _ENGINE.action(index)
    _host().set_rulesets(copy.deepcopy({name: definition}))
    _warm_up(name)
    entry = _Compiled(name, symbols, tuple(rule.name for rule in rules), process)
    candidates.append(entry)
    return entry


def _same_rules(a: ProcessDefinition, b: ProcessDefinition) -> bool:
    return (a.routing, a.validations, a.stages) == (b.routing, b.validations, b.stages)


def _host() -> Host:
    if _ENGINE.host is None:
        _ENGINE.host = _QuietHost()
    return _ENGINE.host


def _warm_up(ruleset: str) -> None:
    """Run one action in a new ruleset before any real decision.

    durable-rules 2.0.28 segfaults in `delete_state` after an unhandled message when no
    action has ever run in that ruleset (verified on this machine); afterwards unhandled
    messages are safe. A catch-all rule would avoid them too, but costs an action per decision.
    """
    if _post(ruleset, {WARMUP_MARKER: 1}) != [-1]:
        raise RuleEngineError(f"durable-rules did not warm up {ruleset}")


def _post(ruleset: str, fact: dict) -> list[int]:
    """Assert one card fact in a fresh session; the indexes of the rules that fired."""
    host = _host()
    sid = str(next(_SESSION_IDS))
    _ENGINE.fired.clear()
    _ENGINE.errors.clear()
    state = None
    try:
        state = host.assert_fact(ruleset, {**fact, "sid": sid})
    except MessageNotHandledException:
        state = None  # no rule matched: an empty decision
    except Exception as error:
        raise RuleEngineError(f"durable-rules failed on {ruleset}: {error}") from error
    finally:
        host.delete_state(ruleset, sid)
    if _ENGINE.errors:
        raise RuleEngineError(f"a rule action failed in {ruleset}: {_ENGINE.errors[0]!r}") from _ENGINE.errors[0]
    if isinstance(state, dict) and state.get("exception"):
        raise RuleEngineError(f"a rule action failed in {ruleset}: {state['exception']}")
    return sorted(set(_ENGINE.fired))
