"""The `soglasie` command: argument parsing and dispatch to the command modules."""

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
    "soglasie.cli.process_commands",
    "soglasie.cli.bot_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (command modules that are missing are skipped)."""
    parser = argparse.ArgumentParser(prog="soglasie", description="Soglasie: approvals and payments to partners.")
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
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
