"""`soglasie migrate-db --from sqlite:///… --to postgresql://…`: move an embedded install to PostgreSQL.

Progress goes to stderr, the per-table summary to stdout (`--json`: one JSON object). Exit 0 when
every row was copied and the counts match on both sides; 2 when the move cannot be done (a target
that is not empty, a source not at the newest revision, a bad URL), with nothing written.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def register(subparsers) -> None:
    """Add `migrate-db`."""
    parser = subparsers.add_parser("migrate-db", help="copy an embedded SQLite database into an empty PostgreSQL one")
    parser.add_argument("--from", dest="source", metavar="URL", required=True,
                        help="the SQLite database, e.g. sqlite:////srv/soglasie/soglasie.db")
    parser.add_argument("--to", dest="target", metavar="URL", required=True,
                        help="an empty PostgreSQL database, e.g. postgresql://soglasie@db-host/soglasie")
    parser.add_argument("--data-dir-to", metavar="DIR", type=Path,
                        help="also copy the attachments into this new data directory (checked by SHA-256); "
                             "leave out to keep the same data directory")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run_migrate_db)


def run_migrate_db(args) -> int:
    """Copy every row (and with --data-dir-to every attachment); print the row count of each table."""
    from soglasie.services.migrate_db import migrate_db  # noqa: PLC0415 - keeps `--help` fast
    from soglasie.settings import Settings  # noqa: PLC0415

    started = time.perf_counter()
    data_dir_from = Settings.from_env().data_dir if args.data_dir_to else None
    report = migrate_db(args.source, args.target, data_dir_from=data_dir_from, data_dir_to=args.data_dir_to,
                        progress=lambda message: print(message, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(report.as_json(), indent=1))
        return 0
    width = max(map(len, report.tables), default=0)
    for name, rows in report.tables.items():
        print(f"{name:<{width}}  {rows:>9}")
    print(f"Copied {report.rows} rows of {len(report.tables)} tables from {report.source} to {report.target} "
          f"(counts verified on both sides, sequences set; {report.files} attachment files copied; "
          f"{time.perf_counter() - started:.2f} s). Point DATABASE_URL at the target and run `soglasie audit verify`.")
    return 0
