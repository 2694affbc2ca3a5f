"""`soglasie sweep` and `soglasie dispatch`: the periodic jobs, by hand or as a loop."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from sqlalchemy.exc import InterfaceError, OperationalError

from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.notifications.registry import external_channels
from soglasie.services.common import parse_instant
from soglasie.services.dispatch import dispatch
from soglasie.services.periodic import run_all

log = logging.getLogger("soglasie.dispatch")


def register(subparsers) -> None:
    """Add this module's subcommands."""
    sweep = subparsers.add_parser("sweep", help="one SLA sweep + accounting tasks + dispatch, as the DAGs run")
    sweep.add_argument("--now", help="the instant to sweep at (ISO 8601; default: now)")
    sweep.add_argument("--json", action="store_true", help="print the counts as JSON")
    sweep.set_defaults(handler=run_sweep)

    loop = subparsers.add_parser("dispatch", help="deliver pending notifications in a loop")
    loop.add_argument("--interval", type=float, default=2.0, help="seconds between rounds when idle")
    loop.add_argument("--once", action="store_true", help="one round, then exit")
    loop.set_defaults(handler=run_dispatch, logs=True)  # a service: its log is its output


def run_sweep(args) -> int:
    """Run the three jobs once and print their counts."""
    core = Core.from_env()
    now = parse_instant(args.now, "now", core.rulebook.calendar.tz) or dt.datetime.now(dt.timezone.utc)
    counts = run_all(core, now)
    if args.json:
        print(json.dumps({"now": now.isoformat(), **counts}, sort_keys=True))
    else:
        for job, job_counts in counts.items():
            print(f"{job}: " + ", ".join(f"{name}={value}" for name, value in sorted(job_counts.items())))
    return 0


def run_dispatch(args) -> int:
    """Deliver through the configured channels until interrupted."""
    if args.interval <= 0:
        raise ValidationError("--interval must be positive", "interval")
    core = Core.from_env()
    channels = external_channels(core.settings)
    if not channels:
        log.info("no external channel is configured (TELEGRAM_BOT_TOKEN unset): the inbox needs no dispatch")
    while True:
        try:
            counts = dispatch(core, dt.datetime.now(dt.timezone.utc), channels) if channels else {"claimed": 0}
        except (OperationalError, InterfaceError) as error:  # the database restarting: the pool reconnects
            if args.once:
                raise
            log.warning("the database is unavailable (%s); retrying in %s s", str(error.orig).strip()[:200],
                        args.interval)
            counts = {"claimed": 0}
        if counts["claimed"]:
            log.info("dispatched %s", counts)
        if args.once:
            return 0
        if not counts["claimed"]:
            time.sleep(args.interval)
