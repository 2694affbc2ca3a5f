"""The `soglasie` command: argument parsing and dispatch to the command modules.

A command prints its result on stdout and its errors on stderr, nothing else: logs (Alembic's
migration steps, for one) show only with `-v`. The long-running services (`bot`, `dispatch`) log
by default, since their log is what they have to say.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from soglasie.errors import DomainError
from soglasie.settings import SettingsError

# Each module has `register(subparsers)`; a subcommand sets `handler(args) -> exit code`.
COMMAND_MODULES = (
    "soglasie.cli.admin_commands",
    "soglasie.cli.rules_commands",
    "soglasie.cli.calendar_commands",
    "soglasie.cli.process_commands",
    "soglasie.cli.bot_commands",
    "soglasie.cli.ops_commands",
    "soglasie.cli.analytics_commands",
    "soglasie.cli.directory_commands",
    "soglasie.cli.migrate_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (command modules that are missing are skipped)."""
    parser = argparse.ArgumentParser(prog="soglasie", description="Soglasie: approvals and payments to partners.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show log messages (INFO) on stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def configure_logging(verbose: bool) -> None:
    """INFO logs on stderr with -v (or for a service); otherwise warnings and errors only."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose or getattr(args, "logs", False))
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (DomainError, SettingsError) as error:
        print(f"soglasie: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
