"""Benchmark of the rules module: decisions/s through `decide()` vs raw durable-rules, calendar ops/s.

Run:  .venv/bin/python bench/bench_rules.py [--repeats 5] [--decisions 20000] [--rules DIR]

One process, one thread (= per core). Every figure is the median of `--repeats` runs. The
raw baseline registers the very ruleset `decide()` compiles (same rules, same encoded facts)
under another name and calls durable-rules directly: `post` (an event) or `assert_fact`
(what `decide()` uses), each followed by `delete_state`, catching "no rule matched".
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from durable.engine import Host, MessageNotHandledException  # noqa: E402

from soglasie.rulebook.compiler import SymbolTable, encode_facts  # noqa: E402
from soglasie.rulebook.engine import decide, ruleset_definition  # noqa: E402
from soglasie.rulebook.loader import load_rulebook  # noqa: E402
from soglasie.rulebook.routing import card_facts, process_rules  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 12, 1, 10, tzinfo=MSK)


class QuietHost(Host):
    """durable's Host without its background dispatch threads (as `decide()` runs it)."""

    def _run(self) -> None:
        return None


def random_facts(rng: random.Random, count: int) -> list[dict]:
    """Payment cards with log-uniform amounts from 1,000 to 100,000,000 RUB (~40 % above 1 M)."""
    amounts = [Decimal(round(10 ** rng.uniform(5, 10))) / 100 for _ in range(count)]
    return [{"amount": amount, "cost_item": rng.choice(["ADS", "SMM", "IT", "RENT"]),
             "department": rng.choice(["marketing", "purchasing", "production"]),
             "counterparty_inn": "7707083893", "initiator": rng.choice(["memployee", "pemployee"]),
             "has_contract": rng.random() < 0.3, "has_hard_deadline": rng.random() < 0.2} for amount in amounts]


def per_second(run, count: int, repeats: int) -> float:
    """Median operations per second of `run()` doing `count` operations."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def bench_decide(rulebook, facts: list[dict], repeats: int) -> float:
    """Decisions/s through `decide()`."""
    decide(rulebook, "payment", facts[0], NOW)  # registers and warms the ruleset

    def run():
        for item in facts:
            decide(rulebook, "payment", item, NOW)
    return per_second(run, len(facts), repeats)


def bench_raw(rulebook, facts: list[dict], repeats: int, method: str) -> float:
    """Decisions/s of the same ruleset called straight through durable-rules `method`."""
    process = rulebook.process("payment")
    symbols = SymbolTable.build(rule.when.tree for rule in process_rules(process))
    definition = ruleset_definition(process, symbols)
    for rule in definition.values():
        rule["run"] = lambda closure: None
    host = QuietHost()
    name = f"raw_{method}"
    host.set_rulesets(copy.deepcopy({name: definition}))
    host.assert_fact(name, {"soglasie_warmup": 1, "sid": "warm"})  # see engine._warm_up
    host.delete_state(name, "warm")
    encoded = [encode_facts(card_facts("payment", item), symbols) for item in facts]
    call = getattr(host, method)
    counter = iter(range(10**9))

    def run():
        for fact in encoded:
            sid = str(next(counter))
            try:
                call(name, {**fact, "sid": sid})
            except MessageNotHandledException:
                pass
            host.delete_state(name, sid)
    return per_second(run, len(encoded), repeats)


def bench_calendar(rulebook, count: int, repeats: int) -> tuple[float, float]:
    """`add_working_hours` and `working_minutes_between` operations/s."""
    calendar = rulebook.calendar
    rng = random.Random(2)
    starts = [dt.datetime(2025, 1, 1, tzinfo=MSK) + dt.timedelta(minutes=rng.randrange(2 * 365 * 1440))
              for _ in range(count)]
    hours = [rng.randrange(0, 200) for _ in range(count)]
    ends = [calendar.add_working_hours(start, hour) for start, hour in zip(starts, hours)]

    def add():
        for start, hour in zip(starts, hours):
            calendar.add_working_hours(start, hour)

    def between():
        for start, end in zip(starts, ends):
            calendar.working_minutes_between(start, end)
    return per_second(add, count, repeats), per_second(between, count, repeats)


def main(argv: list[str] | None = None) -> None:
    """Run every measurement and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--rules", default=str(Path(__file__).resolve().parent.parent / "rules"))
    args = parser.parse_args(argv)
    rulebook = load_rulebook(args.rules)
    facts = random_facts(random.Random(1), args.decisions)
    decided = bench_decide(rulebook, facts, args.repeats)
    raw_post = bench_raw(rulebook, facts, args.repeats, "post")
    raw_fact = bench_raw(rulebook, facts, args.repeats, "assert_fact")
    add, between = bench_calendar(rulebook, 100_000, args.repeats)
    print(f"Python {platform.python_version()} on {platform.machine()}, rules version {rulebook.version}, "
          f"{len(process_rules(rulebook.process('payment')))} payment rules, median of {args.repeats} runs\n")
    print("| measurement | ops/s | vs raw durable |\n|---|---:|---:|")
    print(f"| `decide()` (normalize, encode, durable, RouteDecision) | {decided:,.0f} | "
          f"{decided / raw_post:.2f}× post, {decided / raw_fact:.2f}× assert_fact |")
    print(f"| raw durable `post` + `delete_state` | {raw_post:,.0f} | 1.00× |")
    print(f"| raw durable `assert_fact` + `delete_state` | {raw_fact:,.0f} | — |")
    print(f"| `add_working_hours` (0–200 h) | {add:,.0f} | — |")
    print(f"| `working_minutes_between` | {between:,.0f} | — |")


if __name__ == "__main__":
    main()
