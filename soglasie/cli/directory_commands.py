"""`soglasie directory import`: load counterparties or cost items from a 1C export (XLSX or CSV), all or nothing."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import select

from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.models import User
from soglasie.services.common import Upload
from soglasie.services.directory_import import DIRECTORIES, RowsRefused, import_directory


def register(subparsers) -> None:
    """Add this module's subcommands."""
    directory = subparsers.add_parser("directory", help="the directories: counterparties and cost items")
    actions = directory.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import a 1C export (XLSX or CSV): every row valid, or nothing written")
    load.add_argument("kind", choices=sorted(DIRECTORIES))
    load.add_argument("file", type=Path)
    load.add_argument("--dry-run", action="store_true", help="validate and report each row; write nothing")
    load.add_argument("--as", dest="login", default="admin", help="the admin who imports (default: admin)")
    load.set_defaults(handler=run_import)


def run_import(args) -> int:
    """Print each row's outcome and the counts; on row errors print every `row N: field: message` and exit 1."""
    core = Core.from_env()
    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise ValidationError(f"{args.file}: {error.strerror}", "file") from None
    with core.db.read() as session:
        actor_id = session.scalar(select(User.id).where(User.login == args.login, User.active.is_(True)))
    if actor_id is None:
        raise ValidationError(_("No such active user."), "as")
    try:
        report = import_directory(core, actor_id, dt.datetime.now(dt.timezone.utc), DIRECTORIES[args.kind],
                                  Upload(data, args.file.name), dry_run=args.dry_run).view("en")
    except RowsRefused as error:
        for line in error.lines("en"):
            print(line, file=sys.stderr)
        print(f"nothing written: {len(error.errors)} invalid rows", file=sys.stderr)
        return 1
    for row in report["rows"]:
        print(f"row {row['row']}: {row['key']}: {row['outcome']}")
    print(("dry run, nothing written: " if report["dry_run"] else "")
          + ", ".join(f"{name}={report[name]}" for name in ("created", "updated", "unchanged")))
    return 0
