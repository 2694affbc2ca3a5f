"""`soglasie rules check|history|simulate|deadline`, and the parsing helpers the calendar commands share.

Times are ISO 8601; a time without an offset is in the calendar's time zone; output is ISO
8601 with the offset. Bad input prints one clear line on stderr and exits 2. Only
`rules simulate` (to resolve assignees from the org structure), `rules history` and a failing
`rules check` (to name the stored version still in force) open the database.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from soglasie.rulebook.errors import RuleBookError

EXIT_OK, EXIT_INVALID_RULES, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(ValueError):
    """A command-line value that cannot be used; its message goes to stderr."""


def register(subparsers) -> None:
    """Add the `rules` commands (`calendar` is in calendar_commands)."""
    _register_rules(subparsers)


def _register_rules(subparsers) -> None:
    rules = subparsers.add_parser("rules", help="check and try out the rule files")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate rule files (exit 1 with file:line: message)")
    check.add_argument("dir", nargs="?", help="rules directory (default: SOGLASIE_RULES_DIR or ./rules)")
    check.add_argument("--today", help="the date the next-year check is made on (default: today, YYYY-MM-DD)")
    check.set_defaults(handler=guarded(run_check))

    history = actions.add_parser("history", help="the rules versions that went live, newest first")
    history.set_defaults(handler=guarded(run_history))

    simulate = actions.add_parser("simulate", help="the timeline of a new card if nobody acts")
    simulate.add_argument("--process", required=True, help="process id, e.g. payment")
    simulate.add_argument("--created-at", required=True, help="when the card is created (ISO 8601)")
    simulate.add_argument("--initiator", default="memployee", help="initiator login (default: memployee)")
    simulate.add_argument("--amount", help="amount in RUB, e.g. 150000.00")
    simulate.add_argument("--counterparty-inn", help="check the request for a duplicate invoice of this counterparty")
    simulate.add_argument("--invoice-number", help="the invoice number (with --counterparty-inn)")
    simulate.add_argument("--invoice-date", help="the invoice date, YYYY-MM-DD (with --counterparty-inn)")
    simulate.add_argument("--department", help="department code (default: the initiator's); shows the budget line")
    simulate.add_argument("--cost-item", help="cost item code, e.g. PACK; with --amount shows the budget line")
    simulate.add_argument("--json", action="store_true", help="print a JSON list")
    simulate.set_defaults(handler=guarded(run_simulate))

    deadline = actions.add_parser("deadline", help="the accounting deadline of a request reaching payment")
    deadline.add_argument("--process", required=True, help="process id, e.g. payment")
    deadline.add_argument("--arrived-at", required=True, help="when the request reaches payment (ISO 8601)")
    deadline.add_argument("--deadline", help="hard deadline on the request: a date or an instant")
    deadline.set_defaults(handler=guarded(run_deadline))


def guarded(handler):
    """Bad input and invalid rules become one stderr line and exit 2, never a traceback."""
    def run(args) -> int:
        try:
            return handler(args)
        except RuleBookError as error:
            print(f"soglasie: the rules are invalid:\n{error}", file=sys.stderr)
        except (BadInput, LookupError, ValueError, OverflowError) as error:
            print(f"soglasie: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    run.__doc__ = handler.__doc__
    return run


def rules_dir(args) -> Path:
    """The rules directory: the argument, else SOGLASIE_RULES_DIR, else the repository's rules/."""
    if getattr(args, "dir", None):
        return Path(args.dir)
    from soglasie.settings import rules_dir_from_env  # noqa: PLC0415 - only these commands need it

    return rules_dir_from_env()  # not Settings.from_env(): nothing else configured may fail these commands


def run_check(args) -> int:
    """`rules check [DIR]`: OK with the version, or every error as `file:line: message`."""
    from soglasie.rulebook.loader import load_rulebook  # noqa: PLC0415 - keeps `--help` fast

    try:
        rulebook = load_rulebook(rules_dir(args))
    except RuleBookError as error:
        for problem in error.errors:
            print(problem)
        print(f"rules check: {len(error.errors)} error(s)", file=sys.stderr)
        stored = _last_stored(args)
        if stored is not None:
            print(f"in force instead: the last good rules version {stored.version}, stored in the database "
                  f"(went live {stored.went_live_at.isoformat()}); processes run on it until the files are fixed")
        return EXIT_INVALID_RULES
    unknown = _unknown_accounts(args, rulebook)
    if unknown:
        for problem in unknown:
            print(problem)
        print(f"rules check: {len(unknown)} error(s)", file=sys.stderr)
        return EXIT_INVALID_RULES
    print(f"OK: rules version {rulebook.version} ({len(rulebook.files)} files)")
    _warn_next_year(rulebook.calendar, args)
    return EXIT_OK


def _unknown_accounts(args, rulebook) -> list:
    """`paying_account:` rules naming an account the company does not have, checked against the configured
    database when DIR is the configured rules directory (accounts are company data, not rule-file data).

    Without a database to read (none yet, another directory checked) the files' own check stands.
    """
    from soglasie.db import Database  # noqa: PLC0415 - only when a database is there
    from soglasie.services.company import unknown_paying_accounts  # noqa: PLC0415
    from soglasie.settings import Settings  # noqa: PLC0415

    try:
        settings = Settings.from_env()
        if rules_dir(args).resolve() != settings.rules_dir.resolve() or not _database_exists(settings):
            return []
        database = Database.from_url(settings.database_url)
        with database.read() as session:
            return unknown_paying_accounts(session, rulebook)
    except Exception:  # noqa: BLE001 - no readable requisites: the files' own check stands
        return []


def _last_stored(args):
    """The newest rules version stored in the configured database, when DIR is the configured rules directory.

    Anything that stops reading it (no database yet, another directory checked) just leaves the line out.
    """
    from soglasie.settings import Settings  # noqa: PLC0415 - only when the files are broken

    try:
        settings = Settings.from_env()
        if rules_dir(args).resolve() != settings.rules_dir.resolve() or not _database_exists(settings):
            return None
        history = _archive(settings).history()
    except Exception:  # noqa: BLE001 - the check's verdict stands without this line
        return None
    return history[0] if history else None


def _database_exists(settings) -> bool:
    """False for a SQLite file that is not there (connecting would create it)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    url = make_url(settings.database_url)
    return url.get_backend_name() != "sqlite" or bool(url.database) and Path(url.database).exists()


def _archive(settings):
    from soglasie.db import Database  # noqa: PLC0415
    from soglasie.rules_archive import RulesArchive  # noqa: PLC0415

    return RulesArchive(Database.from_url(settings.database_url))


def run_history(args) -> int:
    """`rules history`: every stored rules version with when it went live and which process loaded it."""
    from soglasie.settings import Settings  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    settings = Settings.from_env()
    try:
        history = _archive(settings).history() if _database_exists(settings) else []
    except SQLAlchemyError as error:
        raise BadInput(f"cannot read the rules history from the database ({type(error).__name__}); "
                       "has `soglasie init` been run?") from None
    if not history:
        print("no rules version stored yet (a process stores the version it loads)")
    for stored in history:
        print(f"{stored.went_live_at.isoformat()}  {stored.version}  {len(stored.files)} files  {stored.loaded_by}")
    return EXIT_OK


def _warn_next_year(calendar, args) -> None:
    """From 1 November, a warning on stderr when next year's official calendar is missing (exit stays 0)."""
    from soglasie.rulebook.calendar_years import next_year_warning  # noqa: PLC0415

    today = parse_date_or_instant(args.today, calendar.tz, "--today") if getattr(args, "today", None) else \
        dt.datetime.now(calendar.tz)
    warning = next_year_warning(calendar, today if type(today) is dt.date else today.date())
    if warning:
        print(f"rules check: warning: {warning}", file=sys.stderr)


def run_simulate(args) -> int:
    """`rules simulate`: resolves assignees from the database; writes nothing."""
    from soglasie.core import Core  # noqa: PLC0415 - only this command needs the database
    from soglasie.process.assignees import resolve_login  # noqa: PLC0415
    from soglasie.process.facts import initiator_facts_by_login  # noqa: PLC0415
    from soglasie.rulebook.timeline import CardBlocked, simulate  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    core = Core.from_env()
    rulebook = core.rulebook
    _process(rulebook, args.process)
    created_at = parse_instant(args.created_at, rulebook.calendar.tz, "--created-at")
    facts = {"initiator": args.initiator}
    if args.amount is not None:
        facts["amount"] = parse_number(args.amount, "--amount")
    try:
        with core.session() as session:
            facts.update(initiator_facts_by_login(session, args.initiator))
            duplicate = _duplicate_outcome(session, rulebook, args, created_at, facts)
            budget = _simulated_budget(session, rulebook, args, facts, created_at)

            def resolve(rule, stage_id):
                return resolve_login(session, rule, args.initiator, stage_id)
            rows = duplicate + simulate(rulebook, args.process, created_at, facts, resolve)
    except CardBlocked as blocked:
        raise BadInput(f"the rules block this card: {blocked}") from None
    except SQLAlchemyError as error:
        raise BadInput(f"cannot read the org structure from the database ({type(error).__name__}); "
                        "has `soglasie init` been run?") from None
    rows = ([budget] if budget else []) + rows + _paying_account_row(rulebook, args.process, created_at, facts)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            if row["kind"] == "duplicate":
                print(f"{row['at']}  duplicate   {row['level']}: {_numbers(row['duplicates']) or 'none'}")
                continue
            if row["kind"] == "paying_account":
                print(f"{row['at']}  paying account {row['account']} ({row['rule']})")
                continue
            print(_budget_text(row) if row["kind"] == "budget" else
                  f"{row['at']}  {row['kind']:<10}  {row['stage']:<16}  {row['to'] or '(nobody)'}")
    return EXIT_OK


def _paying_account_row(rulebook, process_id: str, created_at: dt.datetime, facts: dict) -> list[dict]:
    """The `paying_account:` rule the card would match, last: `{"at", "kind": "paying_account", "stage": null,
    "to": null, "account", "rule": "file:line"}`; none when no rule matches (the default account pays)."""
    from soglasie.rulebook.routing import paying_account_rule  # noqa: PLC0415

    process = rulebook.process(process_id)
    rule = paying_account_rule(process, facts)
    if rule is None:
        return []
    return [{"at": created_at.isoformat(), "kind": "paying_account", "stage": None, "to": None,
             "account": rule.account, "rule": f"{Path(process.source).name}:{rule.line}"}]


def _numbers(ids: list[int]) -> str:
    return ", ".join(f"possible duplicate of №{card_id}" for card_id in ids)


def _duplicate_outcome(session, rulebook, args, created_at: dt.datetime, facts: dict) -> list[dict]:
    """With --counterparty-inn: the duplicate check's row (`kind: duplicate`), the fact set; a block is BadInput."""
    from soglasie.process.duplicates import BLOCK, active_policy, hypothetical_duplicates  # noqa: PLC0415

    if args.counterparty_inn is None:
        if args.invoice_number or args.invoice_date:
            raise BadInput("--invoice-number and --invoice-date need --counterparty-inn")
        return []
    process = rulebook.process(args.process)
    day = parse_date_or_instant(args.invoice_date, rulebook.calendar.tz, "--invoice-date") \
        if args.invoice_date else None
    if isinstance(day, dt.datetime):
        raise BadInput(f"--invoice-date: {args.invoice_date!r} is not a date (YYYY-MM-DD)")
    found = hypothetical_duplicates(session, rulebook, process, created_at, args.counterparty_inn.strip(),
                                    facts.get("amount"), args.invoice_number, day)
    policy = active_policy(process)
    level = policy.level if policy is not None else "off"
    if found and level == BLOCK:
        raise BadInput(f"the rules block this card: duplicate invoice ({_numbers([card.id for card in found])})")
    facts["is_possible_duplicate"] = bool(found)
    return [{"at": created_at.isoformat(), "kind": "duplicate", "stage": None, "to": None, "level": level,
             "duplicates": [card.id for card in found]}]


def _simulated_budget(session, rulebook, args, facts: dict, created_at: dt.datetime) -> dict | None:
    """With --cost-item (and --amount): the budget line and the filing check's outcome; facts get the budget facts.

    A row of its own, first: `{"at", "kind": "budget", "stage": null, "to": null, "outcome": ok|warn|block,
    "budget": {...}}` (the card's `budget` keys; null when the line has no budget).
    """
    from soglasie.process import budgets  # noqa: PLC0415
    from soglasie.rulebook.model import FILING  # noqa: PLC0415

    if args.department is not None:
        facts["department"] = args.department
    if args.cost_item is None:
        return None
    facts["cost_item"] = args.cost_item
    if "amount" not in facts:
        raise BadInput("--cost-item needs --amount to show the budget line")
    line = budgets.hypothetical_line(session, rulebook, args.process, facts["department"], args.cost_item,
                                     facts["amount"], created_at)
    facts.update(budgets.budget_facts(line))
    return {"at": created_at.isoformat(), "kind": "budget", "stage": None, "to": None,
            "outcome": budgets.outcome_at(line, rulebook, args.process, FILING),
            "budget": line.as_dict() if line else None}


def _budget_text(row: dict) -> str:
    """One line: the governing period's figures and what the filing check does."""
    line = row["budget"]
    if line is None:
        return f"{row['at']}  budget      no budget for this department and cost item in the year"
    return (f"{row['at']}  budget      {line['department']} · {line['cost_item']} · {line['period']} "
            f"{line['year']}-{line['month']:02d}: planned {line['planned']}, committed {line['committed']}, "
            f"actual {line['actual']}, request {line['request']}, remaining after {line['remaining_after']}, "
            f"overrun {line['overrun']} → {row['outcome']}")


def run_deadline(args) -> int:
    """`rules deadline`: the accounting deadline (ISO 8601) of a request reaching payment at T."""
    from soglasie.rulebook.deadlines import accounting_deadline  # noqa: PLC0415
    from soglasie.rulebook.loader import load_rulebook  # noqa: PLC0415

    rulebook = load_rulebook(rules_dir(args))
    process = _process(rulebook, args.process)
    rules = [rule for stage in process.stages for task in stage.tasks if task.deadline
             for rule in (process.deadlines[task.deadline],)]
    if not rules:
        raise BadInput(f"process {process.id!r} declares no deadline rule")
    tz = rulebook.calendar.tz
    arrived = parse_instant(args.arrived_at, tz, "--arrived-at")
    hard = parse_date_or_instant(args.deadline, tz, "--deadline") if args.deadline else None
    print(accounting_deadline(rulebook.calendar, rules[0], arrived, hard).isoformat())
    return EXIT_OK


def _process(rulebook, process_id: str):
    try:
        return rulebook.process(process_id)
    except KeyError:
        raise BadInput(f"unknown process {process_id!r}; known: {', '.join(rulebook.processes)}") from None


def parse_instant(raw: str, tz: dt.tzinfo, option: str) -> dt.datetime:
    """An ISO 8601 instant; without an offset it is wall time in `tz`."""
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput(f"{option}: {raw!r} is not an ISO 8601 time (e.g. 2026-12-01T10:00)") from None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def parse_date_or_instant(raw: str, tz: dt.tzinfo, option: str) -> dt.date | dt.datetime:
    """A bare date (YYYY-MM-DD) or an ISO 8601 instant."""
    text = raw.strip()
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"{option}: {raw!r} is not a date (YYYY-MM-DD)") from None
    return parse_instant(text, tz, option)


def parse_number(raw: str, option: str) -> Decimal:
    """A finite decimal number."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise BadInput(f"{option}: {raw!r} is not a number") from None
    if not value.is_finite():
        raise BadInput(f"{option}: {raw!r} is not a number")
    return value
