"""`soglasie init`, `soglasie token create`, `soglasie serve`: installing and running the portal."""

from __future__ import annotations

import datetime as dt
import os
import sys

from soglasie import schema
from soglasie.core import Core
from soglasie.demo import DEMO_PASSWORD, load_demo
from soglasie.secret_key import create_secret_key, secret_key_path
from soglasie.tokens import create_token


def register(subparsers) -> None:
    """Add this module's subcommands."""
    init = subparsers.add_parser("init", help="create or upgrade the database schema (and the secret key file)")
    init.add_argument("--demo", action="store_true", help="also load the demo company (passwords: demo)")
    init.set_defaults(handler=run_init)

    token = subparsers.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_commands.add_parser("create", help="print a new API token for a user")
    create.add_argument("login")
    create.add_argument("--name", default="cli", help="a label for the token")
    create.set_defaults(handler=run_token_create)

    serve = subparsers.add_parser("serve", help="run the portal (development server)")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.set_defaults(handler=run_serve)


def run_init(args) -> int:
    """Migrate the schema, create the secret key file unless SECRET_KEY is set; with --demo, load the demo company."""
    core = Core.from_env()
    data_dir = core.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    schema.upgrade(core.db)
    core.rules.store_in_force()  # the rules_versions table may only exist now
    print(f"Schema is up to date: {core.db.engine.url.render_as_string(hide_password=True)}")
    # A key from SECRET_KEY or an existing file is in use: never replace it (sessions would end).
    if not core.settings.secret_key and create_secret_key(data_dir):
        print(f"Secret key created: {secret_key_path(data_dir)}")
    if args.demo:
        with core.db.write() as session:
            created = load_demo(session, dt.datetime.now(dt.timezone.utc))
        print("Demo company loaded" if created else "Demo company already present",
              f"(logins: admin, ops, finance, chief, accountant, signer, mhead, memployee, phead, "
              f"pemployee, prhead; password: {DEMO_PASSWORD})")
    return 0


def run_token_create(args) -> int:
    """Print a new API token (shown once; only its hash is stored)."""
    core = Core.from_env()
    with core.db.write() as session:
        token = create_token(session, args.login, dt.datetime.now(dt.timezone.utc), name=args.name)
    print(token)
    return 0


def run_serve(args) -> int:
    """Run the portal (`python -m webapp`); the core never imports the web layer itself."""
    command = [sys.executable, "-m", "webapp", "--host", args.host, "--port", str(args.port)]
    os.execv(sys.executable, command)
    return 0  # pragma: no cover - execv does not return
