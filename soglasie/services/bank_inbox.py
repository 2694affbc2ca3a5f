"""The bank inbox: statements dropped in a folder are imported once each (the `bank_statement_import` DAG).

Each file of the inbox is imported (`bank_statements.import_statement`, each confirmation in
its task assignee's name) and moved with a JSON report beside it: to `processed/` when it was
read, to `failed/` when it was refused. Re-running after a crash between the import and the
move changes nothing: the same statement twice is `already_confirmed`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from soglasie.core import Core
from soglasie.errors import DomainError
from soglasie.services.bank_statements import import_statement

REPORT_KEYS = ("matched", "unmatched", "ambiguous", "already_confirmed")


def import_inbox(core: Core, inbox: Path, now: dt.datetime) -> dict[str, int]:
    """Import every statement waiting in `inbox`; the counts of files and of documents by outcome."""
    counts = {"files": 0, "processed": 0, "failed": 0, **{key: 0 for key in REPORT_KEYS}}
    if not inbox.is_dir():
        return counts
    for path in sorted(item for item in inbox.iterdir() if item.is_file() and not item.name.startswith(".")):
        counts["files"] += 1
        try:
            report = import_statement(core, None, path.read_bytes(), path.name, now)
        except DomainError as error:
            _move(path, inbox.parent / "failed", now, {"error": error.message("en"), "field": error.field,
                                                       "code": error.code})
            counts["failed"] += 1
            continue
        _move(path, inbox.parent / "processed", now, report)
        counts["processed"] += 1
        for key in REPORT_KEYS:
            counts[key] += len(report[key])
    return counts


def _move(path: Path, folder: Path, now: dt.datetime, report: dict) -> None:
    """Move the file into `folder` under a name stamped with the run's instant (UTC), its report beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{now.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{path.name}"
    target.with_name(target.name + ".report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                                              encoding="utf-8")
    path.replace(target)
