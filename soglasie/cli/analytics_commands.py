"""`soglasie analytics kpi` and `soglasie demo history`: the KPI at the command line, a demo past."""

from __future__ import annotations

import datetime as dt
import json
import time

from soglasie.core import Core
from soglasie.demo_history import fill_history
from soglasie.services import analytics
from soglasie.services.common import parse_instant


def register(subparsers) -> None:
    """Add this module's subcommands."""
    group = subparsers.add_parser("analytics", help="process analytics").add_subparsers(dest="analytics",
                                                                                       metavar="COMMAND")
    kpi = group.add_parser("kpi", help="cycle time (working days to the terminal stage), stages, approvers")
    kpi.add_argument("--process", required=True, help="a process id of the rule files, e.g. payment")
    kpi.add_argument("--from", dest="start", help="first filing date (YYYY-MM-DD; default: six months back)")
    kpi.add_argument("--to", dest="end", help="last filing date (YYYY-MM-DD; default: today)")
    kpi.add_argument("--group-by", default="month", help="month, department, cost_item or counterparty")
    kpi.add_argument("--json", action="store_true", help="print the figures as JSON")
    kpi.set_defaults(handler=run_kpi)

    demo = subparsers.add_parser("demo", help="the demo company").add_subparsers(dest="demo", metavar="COMMAND")
    history = demo.add_parser("history", help="fill the demo company with a plausible past (only the demo company)")
    history.add_argument("--months", type=int, default=6)
    history.add_argument("--requests", type=int, default=600)
    history.add_argument("--seed", type=int, default=1)
    history.add_argument("--now", help="the end of the history (ISO 8601; default: now)")
    history.set_defaults(handler=run_history)


def kpi_figures(result: dict) -> dict:
    """The overview as plain JSON: what `--json` prints (the API's numbers, plus rework)."""
    process = result["process"]
    return {"process": process.id, "from": result["from"].isoformat(), "to": result["to"].isoformat(),
            "target_wd": result["target_wd"], "baseline_wd": result["baseline_wd"], "faster": result["faster"],
            "kpi": result["kpi"], "group_by": result["group_by"],
            "items": [{key: item[key] for key in ("key", "count", "median_wd", "p90_wd", "mean_wd", "within_target")}
                      for item in result["groups"]],
            "stages": [{key: value for key, value in item.items() if key != "title"} for item in result["stages"]],
            "approvers": result["approvers"], "rework": result["rework"]}


def run_kpi(args) -> int:
    """Print the KPI of a process over a period: the same figures as the API and the page."""
    core = Core.from_env()
    params = {"process": args.process, "from": args.start, "to": args.end, "group_by": args.group_by}
    figures = kpi_figures(analytics.overview(core, None, params, dt.datetime.now(dt.timezone.utc)))
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return 0
    kpi = figures["kpi"]
    print(f"{figures['process']} {figures['from']}..{figures['to']}: {kpi['count']} finished, "
          f"median {kpi['median_wd']} wd, p90 {kpi['p90_wd']} wd, mean {kpi['mean_wd']} wd, "
          f"within {figures['target_wd']} wd: {kpi['within_target']}; baseline {figures['baseline_wd']} wd, "
          f"faster: {figures['faster']}x")
    for item in figures["items"]:
        print(f"  {figures['group_by']} {item['key']}: {item['count']} median {item['median_wd']} "
              f"p90 {item['p90_wd']} mean {item['mean_wd']} within target {item['within_target']}")
    for item in figures["stages"]:
        print(f"  stage {item['stage']}: {item['count']} tasks, wait median {item['median_wait_wh']} h, "
              f"work median {item['median_work_wh']} h, p90 total {item['p90_total_wh']} h, "
              f"reminders {item['reminders']}, escalations {item['escalations']}, on behalf {item['on_behalf']}")
    rework = figures["rework"]
    print(f"  rework: {rework['reworked']} of {rework['cards']} ({rework['share']}), "
          f"median lost {rework['median_lost_wd']} wd")
    return 0


def run_history(args) -> int:
    """Fill the demo company with a past; refuse any other database."""
    core = Core.from_env()
    now = parse_instant(args.now, "now", core.rulebook.calendar.tz) or dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    result = fill_history(core, now, args.months, args.requests, args.seed)
    done = ", ".join(f"{name}={count}" for name, count in sorted(result.actions.items()))
    print(f"Demo history: {result.cards} cards over {args.months} months, {done}, sweeps={result.sweeps}, "
          f"refused={result.refused} ({time.perf_counter() - started:.1f} s)")
    return 0
