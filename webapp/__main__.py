"""`python -m webapp [--host H] [--port P]`: the portal on Flask's threaded server."""

from __future__ import annotations

import argparse
import sys

from soglasie.settings import SettingsError
from webapp import create_app
from webapp.security import plain_http_warning


def main() -> None:
    """Parse the address and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m webapp")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    try:
        app = create_app()
    except SettingsError as error:
        raise SystemExit(f"python -m webapp: {error}") from None
    warning = plain_http_warning(args.host, app.extensions["soglasie"].settings.portal_url)
    if warning:
        print(f"python -m webapp: {warning}", file=sys.stderr, flush=True)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
