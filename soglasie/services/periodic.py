"""The periodic jobs together: what `soglasie sweep` and the Airflow DAGs run."""

from __future__ import annotations

import datetime as dt

from soglasie.core import Core
from soglasie.notifications.registry import external_channels
from soglasie.services.accounting import create_accounting_tasks
from soglasie.services.dispatch import dispatch
from soglasie.services.sweep import sweep


def run_all(core: Core, now: dt.datetime) -> dict[str, dict[str, int]]:
    """One SLA sweep, accounting-task creation and one dispatch round, each at `now`."""
    return {
        "sweep": sweep(core, now),
        "accounting_tasks": create_accounting_tasks(core, now),
        "dispatch": dispatch(core, now, external_channels(core.settings)),
    }
