"""Fuzzing the API with schemathesis from its own OpenAPI document, against a live portal.

Every documented operation is called in two phases: positive (data the document allows;
half the time the path's ids are ids that exist, so real cards and tasks are acted on) and
negative (data the document forbids, which must be refused with a 4xx). Each call goes out as
one of several users, by Bearer token. Every answer must not be a 5xx and must match the
document: its status code, content type, headers and body schema. The number of calls is
an argument, shared equally by the operations and phases.

Not checked, on purpose: `positive_data_acceptance` (data of the right shape is still refused
when it names a counterparty, stage or task that does not exist: a 404/422 is right there).
"""

from __future__ import annotations

import dataclasses
import math

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

CHECKS = [schemathesis.checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance, openapi_checks.response_headers_conformance,
          openapi_checks.response_schema_conformance, openapi_checks.negative_data_rejection]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
ID_PARAMETERS = ("card_id", "task_id", "absence_id")


@dataclasses.dataclass
class FuzzReport:
    """What a run did and found."""

    calls: int = 0
    server_errors: list[str] = dataclasses.field(default_factory=list)
    mismatches: list[str] = dataclasses.field(default_factory=list)
    statuses: dict[int, int] = dataclasses.field(default_factory=dict)
    operations: int = 0

    def summary(self) -> str:
        """One line for a log or the bench README."""
        return (f"{self.calls} calls over {self.operations} operations × {len(MODES)} phases; "
                f"{len(self.server_errors)} 5xx; {len(self.mismatches)} answers not matching the document; "
                f"statuses {dict(sorted(self.statuses.items()))}")


def fuzz(base_url: str, tokens: dict[str, str], calls: int, known_ids: dict[str, list[int]],
         derandomize: bool = True, document: dict | None = None, only: str | None = None) -> FuzzReport:
    """About `calls` calls to every operation of the portal at `base_url`, as the users of `tokens`.

    The document is the one the portal serves, unless `document` is given; `only` keeps the
    operations whose path starts with it.
    """
    if document is None:
        schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", timeout=30)
    else:
        schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [operation for operation in operations if only is None or operation.path.startswith(only)]
    report = FuzzReport(operations=len(operations))
    per_unit = max(1, math.ceil(calls / (len(operations) * len(MODES))))
    for operation in operations:
        for mode in MODES:
            _fuzz_operation(operation, mode, per_unit, f"{base_url}/api/v1", tokens, known_ids, report, derandomize)
    return report


def _fuzz_operation(operation, mode, examples: int, api_url: str, tokens: dict[str, str],
                    known_ids: dict[str, list[int]], report: FuzzReport, derandomize: bool) -> None:
    """`examples` calls of one operation in one phase; failures are recorded, never raised."""
    known = st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in known_ids.items() if ids})

    @settings(max_examples=examples, database=None, deadline=None, derandomize=derandomize,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    @given(case=operation.as_strategy(generation_mode=mode), login=st.sampled_from(sorted(tokens)),
           use_known=st.booleans(), ids=known)
    def call(case, login, use_known, ids):
        if use_known and mode is GenerationMode.POSITIVE:
            for name in ID_PARAMETERS:
                if name in (case.path_parameters or {}) and name in ids:
                    case.path_parameters[name] = ids[name]
        response = case.call(base_url=api_url, headers={"Authorization": f"Bearer {tokens[login]}"}, timeout=60)
        report.calls += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        label = f"{mode.value} {case.method} {case.formatted_path} as {login}"
        if response.status_code >= 500:
            report.server_errors.append(f"{label}: {response.status_code} {response.text[:200]}")
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failures:  # every check that failed, with its details
            report.mismatches.extend(f"{label}: {failure}"[:1500] for failure in failures.exceptions)

    try:
        call()
    except Exception as error:  # noqa: BLE001 - e.g. no negative data exists for an operation without inputs
        if not _nothing_to_negate(error, mode):
            raise


def _nothing_to_negate(error: Exception, mode) -> bool:
    """True when the negative phase of an operation has nothing to make invalid (no parameters, no body)."""
    return mode is GenerationMode.NEGATIVE and type(error).__name__ in ("Unsatisfiable", "InvalidArgument",
                                                                        "SchemaError", "FailedHealthCheck")
