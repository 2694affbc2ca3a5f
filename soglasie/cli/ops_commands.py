"""`soglasie backup --to DIR`, `backup verify DIR`, `restore --from DIR`, `audit verify [--card ID]`: operations.

Exit codes: 0 done (or verified), 1 a backup or a timeline that does not verify (the first bad
file or row named on stdout), 2 what cannot be done (a non-empty target, no pg_dump, …) with
one clear line on stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_NOT_VERIFIED = 0, 1


def register(subparsers) -> None:
    """Add `backup`, `restore` and `audit`."""
    backup = subparsers.add_parser("backup", help="a consistent snapshot of the database and the attachments")
    backup.add_argument("--to", dest="to", metavar="DIR", help="a new or empty directory to write the backup into")
    backup.set_defaults(handler=run_backup)
    actions = backup.add_subparsers(dest="backup_command", metavar="ACTION")
    check = actions.add_parser("verify", help="check a backup's files against its manifest (exit 1 if one differs)")
    check.add_argument("dir", metavar="DIR")
    check.set_defaults(handler=run_backup_verify)

    restore = subparsers.add_parser("restore", help="restore a backup into an empty database and data directory")
    restore.add_argument("--from", dest="source", metavar="DIR", required=True, help="the backup directory")
    restore.set_defaults(handler=run_restore)

    audit = subparsers.add_parser("audit", help="the tamper-evident timeline")
    audit_actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_actions.add_parser("verify", help="recompute the timeline's hash chains (exit 1 on a break)")
    verify.add_argument("--card", type=int, help="only this card's id")
    verify.set_defaults(handler=run_audit_verify)


def run_backup(args) -> int:
    """`backup --to DIR`: the snapshot and the manifest; prints where, how much and how long."""
    from soglasie.services.backup import backup  # noqa: PLC0415 - keeps `--help` fast
    from soglasie.settings import Settings  # noqa: PLC0415

    if not args.to:
        print("soglasie: backup needs --to DIR (or: soglasie backup verify DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = backup(Settings.from_env(), Path(args.to), dt.datetime.now(dt.timezone.utc))
    print(f"Backup written: {result.directory} ({result.backend}, {result.files} files, {result.bytes} bytes, "
          f"{time.perf_counter() - started:.2f} s)")
    return EXIT_OK


def run_backup_verify(args) -> int:
    """`backup verify DIR`: OK, or the first file that is missing, changed or not in the manifest (exit 1)."""
    from soglasie.services.backup import verify  # noqa: PLC0415

    problem = verify(Path(args.dir))
    if problem is not None:
        print(f"backup verify: {problem}")
        return EXIT_NOT_VERIFIED
    print(f"OK: every file of {args.dir} matches its manifest")
    return EXIT_OK


def run_restore(args) -> int:
    """`restore --from DIR`: verified first; refuses a database or data directory that is not empty."""
    from soglasie.services.backup import restore  # noqa: PLC0415
    from soglasie.settings import Settings  # noqa: PLC0415

    result = restore(Settings.from_env(), Path(args.source))
    print(f"Restored from {result.directory} ({result.backend}, {result.files} files); "
          "run `soglasie audit verify` to check the timeline")
    return EXIT_OK


def run_audit_verify(args) -> int:
    """`audit verify [--card ID]`: every chain recomputed; the first broken row of each card named (exit 1)."""
    from soglasie.core import Core  # noqa: PLC0415
    from soglasie.services.audit import verify_timeline  # noqa: PLC0415

    report = verify_timeline(Core.from_env(), args.card)
    for problem in report.breaks:
        print(problem.describe())
    if not report.ok:
        print(f"audit verify: {len(report.breaks)} of {report.cards} cards have a broken history", file=sys.stderr)
        return EXIT_NOT_VERIFIED
    print(f"OK: history verified ({report.cards} cards, {report.rows} timeline rows)")
    return EXIT_OK
