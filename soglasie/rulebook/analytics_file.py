"""A process file's `analytics:` section: the cycle-time target, the baseline, the approver report switch."""

from __future__ import annotations

import re

from yaml.nodes import Node

from soglasie.rulebook.model import AnalyticsSpec
from soglasie.rulebook.yamlnodes import Reader

_KEYS = ("target_wd", "baseline_wd", "approvers")
_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[-–]\s*(\d+(?:\.\d+)?))?\s*$")


def read_analytics(reader: Reader, node: Node) -> AnalyticsSpec:
    """The section's settings; errors are recorded in `reader` and the defaults stand in."""
    fields = reader.mapping(node, "analytics", optional=_KEYS)
    if fields is None:
        return AnalyticsSpec()
    spec = AnalyticsSpec()
    target = _days(reader, fields["target_wd"], "analytics target_wd", single=True) if "target_wd" in fields else None
    baseline = _days(reader, fields["baseline_wd"], "analytics baseline_wd") if "baseline_wd" in fields else None
    approvers = reader.boolean(fields["approvers"], "analytics approvers") if "approvers" in fields else None
    return AnalyticsSpec(target_wd=target[0] if target else spec.target_wd, baseline_wd=baseline,
                         approvers=spec.approvers if approvers is None else approvers)


def _days(reader: Reader, node: Node, what: str, single: bool = False) -> tuple[float, float] | None:
    """Working days: a positive number (`3`, `2.5`) or, unless `single`, a range (`5-7`)."""
    value = reader.scalar(node, what)
    match = _RANGE.match(value or "") if value is not None else None
    if value is None:
        return None
    low, high = (float(match.group(1)), float(match.group(2) or match.group(1))) if match else (0.0, 0.0)
    if not match or low <= 0 or high < low or (single and match.group(2)):
        form = "a positive number of working days" + ("" if single else ", or a range such as 5-7")
        reader.error(node, f"{what} must be {form}, got {value!r}")
        return None
    return low, high
