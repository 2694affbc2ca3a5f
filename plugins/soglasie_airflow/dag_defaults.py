"""What every Soglasie DAG shares: start date, owner, retries with back-off, tags (parse-time light)."""

from __future__ import annotations

from datetime import timedelta

import pendulum

COMPANY_TZ = "Europe/Moscow"
# Fixed and in the past: with catchup=False only the latest tick runs after a deploy.
START_DATE = pendulum.datetime(2026, 1, 1, tz=COMPANY_TZ)
TAGS = ["soglasie"]


def default_args(retry_delay: timedelta = timedelta(seconds=30), retries: int = 3) -> dict:
    """Task defaults: a few retries, each waiting twice as long as the last, capped at 10 minutes."""
    return {
        "owner": "soglasie",
        "retries": retries,
        "retry_delay": retry_delay,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    }
